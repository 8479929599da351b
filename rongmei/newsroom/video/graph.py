"""The ffmpeg command line for one Spec: inputs, one filter graph, the encoder settings.

Everything is done in a single ffmpeg run, so the footage is decoded and encoded once.
`build_command` is pure (no files touched, no tools run): the engine calls it after
preparing inputs, and bench/video.py runs the very same argv with plain ffmpeg to measure
what the engine's own overhead costs.

The graph, per source:
- a clip: deinterlaced when ffprobe says it is interlaced (county TV footage often is:
  1080i50), frame rate to 25 (phones record a variable rate), then the fit to the frame (below), held on its last frame if
  the picture is shorter than the sound, cut to its length; its sound resampled to 48 kHz
  stereo, padded with silence or cut to the same length, so every piece has picture and
  sound of equal length and the concat filter keeps them in step;
- a photo (already turned upright and shrunk by Pillow): fitted once with a blurred
  background, then repeated for its seconds (`loop`), so a 3 s photo costs one scale and one
  blur instead of 75; its sound is silence.
Then the pieces are joined (concat); every burned text — headline over the first seconds,
photo captions, subtitles — is drawn by libass from one ASS file (text.py) whose play
resolution is the frame itself, so font sizes are pixels; libass finds "Noto Sans CJK SC"
(regular and bold) through fontconfig. The logo is laid over the chosen corner last. Music, when given, is looped, cut to the video's length, faded out at the end
and mixed under the sound (or alone when the footage is silent).

Fit: "crop" scales footage to cover the frame and cuts a window whose centre sits at
crop_x of the width; "blur" puts the whole picture in the middle over a copy of itself that
is scaled to cover and blurred. The blurred copy is made at a tenth of the size and scaled
back up, which looks the same as blurring at full size and costs a hundredth.

Encoding: H.264 High profile, level 4.1 (1080p at 25 fps fits), yuv420p, CRF 21 capped at
10 Mbit/s, a key frame every 2 s, AAC 128 kbit/s 48 kHz stereo, `+faststart` so the MP4 index
is at the front and playback starts before the download ends. Every video gets a sound track,
silent if need be: some platforms refuse uploads without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rongmei.newsroom.media.av import ffmpeg_input

FPS = 25
FONT_DIR = "/usr/share/fonts/opentype/noto"
LOGO_WIDTH = 0.12  # of the frame width
LOGO_MARGIN = 0.04  # of the frame width
PRESET = "veryfast"  # 2 shared cores: medium is ~2.5× slower for a few per cent smaller files
CRF = "21"
MAX_RATE = "10M"
# Demuxers an input may be read with (ffmpeg's -format_whitelist). A playlist or concat list
# renamed .mp4 would otherwise be followed: with only the file protocol allowed it could
# still pull in another file on this server (another center's footage).
VIDEO_DEMUXERS = ("mov", "matroska", "avi", "mpegts", "mpeg", "mpegvideo", "flv", "asf", "mxf", "dv", "ogg",
                  "h264", "hevc", "m4v", "yuv4mpegpipe")
AUDIO_DEMUXERS = ("mp3", "aac", "mov", "wav", "w64", "flac", "ogg", "matroska", "asf", "amr")
IMAGE_DEMUXERS = ("image2", "png_pipe")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./+-]+$")


@dataclass(frozen=True)
class Piece:
    """One prepared input: a clip, or a photo already upright and shrunk by Pillow."""

    path: str
    kind: str  # "video" | "image"
    seconds: float
    has_audio: bool = False
    interlaced: bool = False  # TV footage (1080i50): deinterlaced first, one frame per field pair


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    fit: str = "crop"
    crop_x: float = 0.5
    ass_file: str | None = None
    logo: str | None = None  # a PNG already scaled to its size on screen
    logo_size: tuple[int, int] = (0, 0)
    logo_position: str = "top_right"
    music: str | None = None


def allowed_container(format_name: str, demuxers: tuple[str, ...]) -> bool:
    """True when ffprobe's format name (e.g. "mov,mp4,m4a,3gp,3g2,mj2") is one of `demuxers`."""
    return any(name in demuxers for name in format_name.split(","))


def is_safe_path(path: str) -> bool:
    """True when `path` can stand in a filter argument without quoting."""
    return bool(_SAFE_PATH.match(path))


def total_seconds(pieces: list[Piece]) -> float:
    return round(sum(p.seconds for p in pieces), 3)


def build_command(
    pieces: list[Piece],
    layout: Layout,
    out_path: str,
    *,
    ffmpeg: str = "ffmpeg",
    threads: int | None = None,
    progress: bool = True,
) -> list[str]:
    """The argv. `progress` adds `-progress pipe:1 -nostats` (the engine reads it)."""
    if layout.ass_file and not _SAFE_PATH.match(layout.ass_file):
        raise ValueError(f"unsafe path for a filter argument: {layout.ass_file!r}")
    argv = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if progress:
        argv += ["-progress", "pipe:1", "-nostats"]
    if threads:
        argv += ["-filter_complex_threads", str(threads)]
    chains: list[str] = []
    for index, piece in enumerate(pieces):
        demuxers = VIDEO_DEMUXERS if piece.kind == "video" else IMAGE_DEMUXERS
        argv += ["-protocol_whitelist", "file", "-format_whitelist", ",".join(demuxers)]
        if piece.kind == "video":
            argv += ["-t", f"{piece.seconds:.3f}"]
        argv += ["-i", ffmpeg_input(piece.path)]
        chains += _piece_chains(index, piece, layout)
    extra = len(pieces)
    logo_input = music_input = None
    if layout.logo:
        logo_input = extra
        extra += 1
        argv += ["-protocol_whitelist", "file", "-format_whitelist", ",".join(IMAGE_DEMUXERS),
                 "-i", ffmpeg_input(layout.logo)]
    if layout.music:
        music_input = extra
        extra += 1
        argv += ["-protocol_whitelist", "file", "-format_whitelist", ",".join(AUDIO_DEMUXERS),
                 "-stream_loop", "-1", "-i", ffmpeg_input(layout.music)]

    total = total_seconds(pieces)
    if len(pieces) == 1:
        video, audio = "[v0]", "[a0]"
    else:
        joined = "".join(f"[v{i}][a{i}]" for i in range(len(pieces)))
        chains.append(f"{joined}concat=n={len(pieces)}:v=1:a=1[vcat][acat]")
        video, audio = "[vcat]", "[acat]"

    if layout.ass_file:
        chains.append(f"{video}ass=filename={layout.ass_file}:fontsdir={FONT_DIR}[vtext]")
        video = "[vtext]"
    if logo_input is not None:
        x, y = _corner(layout)
        chains.append(f"[{logo_input}:v]format=rgba[logo]")
        chains.append(f"{video}[logo]overlay=x={x}:y={y}:format=auto[vlogo]")
        video = "[vlogo]"
    chains.append(f"{video}format=yuv420p[vout]")

    if music_input is not None:
        level = 0.3 if any(p.has_audio for p in pieces) else 1.0
        fade_length = min(1.5, total * 0.2)
        fade = max(0.0, total - fade_length)
        chains.append(
            f"[{music_input}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
            f"atrim=duration={total:.3f},asetpts=PTS-STARTPTS,volume={level},"
            f"afade=t=out:st={fade:.3f}:d={fade_length:.3f}[music]"
        )
        chains.append(f"{audio}[music]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[aout]")
    else:
        chains.append(f"{audio}anull[aout]")

    argv += ["-filter_complex", ";".join(chains), "-map", "[vout]", "-map", "[aout]"]
    if threads:
        argv += ["-threads", str(threads)]
    argv += [
        "-c:v", "libx264", "-preset", PRESET, "-crf", CRF, "-maxrate", MAX_RATE, "-bufsize", "20M",
        "-profile:v", "high", "-level:v", "4.1", "-pix_fmt", "yuv420p",
        "-r", str(FPS), "-g", str(FPS * 2), "-fps_mode", "cfr",
        "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
        "-t", f"{total:.3f}", "-movflags", "+faststart", "-f", "mp4", ffmpeg_input(out_path),
    ]
    return argv


def _piece_chains(index: int, piece: Piece, layout: Layout) -> list[str]:
    W, H = layout.width, layout.height
    seconds = f"{piece.seconds:.3f}"
    chains: list[str] = []
    if piece.kind == "video":
        deinterlace = "bwdif=mode=send_frame:deint=interlaced," if piece.interlaced else ""
        fitted = _fit(
            f"[{index}:v]{deinterlace}setpts=PTS-STARTPTS,fps={FPS}", f"f{index}", layout.fit, layout.crop_x, W, H, chains
        )
        chains.append(
            f"{fitted}tpad=stop_mode=clone:stop_duration={seconds},trim=duration={seconds},"
            f"setpts=PTS-STARTPTS,format=yuv420p,setsar=1[v{index}]"
        )
        if piece.has_audio:
            chains.append(
                f"[{index}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
                f"asetpts=PTS-STARTPTS,apad,atrim=duration={seconds}[a{index}]"
            )
        else:
            chains.append(_silence(index, seconds))
    else:
        fitted = _fit(f"[{index}:v]", f"f{index}", "blur", 0.5, W, H, chains)
        frames = max(1, round(piece.seconds * FPS))
        chains.append(
            f"{fitted}format=yuv420p,setsar=1,loop=loop={frames - 1}:size=1:start=0,"
            f"setpts=N/({FPS}*TB)[v{index}]"
        )
        chains.append(_silence(index, seconds))
    return chains


def _fit(source: str, name: str, fit: str, crop_x: float, W: int, H: int, chains: list[str]) -> str:
    """Append the chains that fit `source` into W×H; return the label prefix to continue from
    (either "[label]" for a finished chain, or the source chain text followed by ",")."""
    if fit == "crop":
        x = f"max(0\\,min(iw-ow\\,iw*{crop_x:.4f}-ow/2))"
        return f"{source},scale={W}:{H}:force_original_aspect_ratio=increase,crop={W}:{H}:{x}:(ih-oh)/2,"
    small_w, small_h = max(2, W // 10 // 2 * 2), max(2, H // 10 // 2 * 2)
    chains.append(f"{source}{',' if not source.endswith(']') else ''}split=2[{name}bg][{name}fg]")
    chains.append(
        f"[{name}bg]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
        f"boxblur=8:2,eq=brightness=-0.08,scale={W}:{H},setsar=1[{name}b]"
    )
    chains.append(
        f"[{name}fg]scale={W}:{H}:force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1[{name}f]"
    )
    chains.append(f"[{name}b][{name}f]overlay=(W-w)/2:(H-h)/2[{name}o]")
    return f"[{name}o]"


def _silence(index: int, seconds: str) -> str:
    return (
        f"anullsrc=r=48000:cl=stereo,aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"atrim=duration={seconds}[a{index}]"
    )


def _corner(layout: Layout) -> tuple[int, int]:
    margin = round(layout.width * LOGO_MARGIN)
    w, h = layout.logo_size
    x = margin if layout.logo_position.endswith("left") else layout.width - w - margin
    y = margin if layout.logo_position.startswith("top") else layout.height - h - margin
    return x, y
