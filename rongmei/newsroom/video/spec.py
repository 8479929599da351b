"""What a video version is made of (`Spec`), what comes out (`Result`), what ffprobe says about
a file (`Probe`) and the two ways a render stops early (`RenderError`, `Cancelled`).

These are plain frozen dataclasses with no Django in them, so the job layer (jobs.py) can
store a spec as JSON, the bench can build one by hand, and the engine can be tested without
a database. `Spec.validate()` refuses a spec that cannot be rendered before ffmpeg starts, in
the same Chinese the editor sees on the job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SHAPES: dict[str, tuple[int, int]] = {"vertical": (1080, 1920), "horizontal": (1920, 1080)}
SHAPE_LABELS = {"vertical": "竖版 9:16（1080×1920）", "horizontal": "横版 16:9（1920×1080）"}
FITS = ("crop", "blur")
FIT_LABELS = {"crop": "裁切填满", "blur": "模糊背景填充"}
SUBTITLE_MODES = ("burn", "side", "none")
SUBTITLE_LABELS = {"burn": "压制进画面", "side": "单独的 SRT 文件", "none": "不加字幕"}
LOGO_POSITIONS = ("top_left", "top_right", "bottom_left", "bottom_right")
LOGO_POSITION_LABELS = {"top_left": "左上角", "top_right": "右上角", "bottom_left": "左下角", "bottom_right": "右下角"}
MAX_SOURCES = 50  # each is an open input of one ffmpeg process
PHOTO_SECONDS = 3.0  # a photo's default time on screen in a slideshow
MAX_PHOTO_SECONDS = 60.0


class RenderError(Exception):
    """The video could not be made. `message` is one Chinese sentence for the editor (what
    went wrong and what to do); `detail` is ffmpeg's own words, for the log only."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class Cancelled(Exception):
    """The editor cancelled the job; ffmpeg was stopped and the partial file removed."""


@dataclass(frozen=True)
class Source:
    """One input, in order: a video clip (whole, or its first `seconds`) or a photo
    (on screen `seconds`, default 3 s, with `caption` burned under it)."""

    path: str
    kind: str  # "video" | "image"
    caption: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class Cue:
    """One subtitle: shown from `start` to `end` seconds of the finished video."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Spec:
    shape: str
    sources: tuple[Source, ...]
    fit: str = "crop"
    crop_x: float = 0.5
    title: str = ""
    cues: tuple[Cue, ...] = ()
    subtitles: str = "burn"
    music: str | None = None
    logo: str | None = None
    logo_position: str = "top_right"
    platform: str | None = None

    @property
    def size(self) -> tuple[int, int]:
        return SHAPES[self.shape]

    def to_json(self) -> dict:
        """A JSON-ready dict (for a job row); `Spec.from_json` reads it back."""
        data = asdict(self)
        data["sources"] = [asdict(source) for source in self.sources]
        data["cues"] = [asdict(cue) for cue in self.cues]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Spec:
        """The Spec a `to_json` dict describes; RenderError (Chinese) when it is malformed."""
        try:
            values = {key: data[key] for key in data if key in cls.__dataclass_fields__}
            values["sources"] = tuple(Source(**dict(item)) for item in data.get("sources", ()))
            values["cues"] = tuple(
                Cue(float(item["start"]), float(item["end"]), str(item["text"])) for item in data.get("cues", ())
            )
            return cls(**values)
        except (TypeError, KeyError, ValueError) as exc:
            raise RenderError("视频设置已损坏，无法读取，请重新设置后再生成。", str(exc)) from exc

    def validate(self) -> None:
        """Raise RenderError (Chinese) for a spec no render could honour."""
        from rongmei.newsroom.video.limits import PLATFORM_LIMITS

        if self.shape not in SHAPES:
            raise RenderError(f"不认识的画面形状“{self.shape}”：只能是竖版（vertical）或横版（horizontal）。")
        if not self.sources:
            raise RenderError("没有选择任何素材：至少需要一段视频或一张图片。")
        if len(self.sources) > MAX_SOURCES:
            raise RenderError(f"素材太多：一个视频最多用 {MAX_SOURCES} 个素材，现在选了 {len(self.sources)} 个。")
        if self.fit not in FITS:
            raise RenderError(f"不认识的填充方式“{self.fit}”：只能是裁切（crop）或模糊背景（blur）。")
        if not 0.0 <= float(self.crop_x) <= 1.0:
            raise RenderError("裁切位置必须在 0 到 1 之间（0 为最左，0.5 为居中，1 为最右）。")
        if self.subtitles not in SUBTITLE_MODES:
            raise RenderError(f"不认识的字幕方式“{self.subtitles}”：只能是压制、单独文件或不加。")
        if self.logo_position not in LOGO_POSITIONS:
            raise RenderError(f"不认识的台标位置“{self.logo_position}”：只能是四个角之一。")
        if self.platform is not None and self.platform not in PLATFORM_LIMITS:
            raise RenderError(f"不认识的平台“{self.platform}”。")
        for number, source in enumerate(self.sources, 1):
            if source.kind not in ("video", "image"):
                raise RenderError(f"第 {number} 个素材的类型“{source.kind}”不对：只能是视频或图片。")
            if source.seconds is not None and not 0 < source.seconds <= (
                MAX_PHOTO_SECONDS if source.kind == "image" else 24 * 3600
            ):
                limit = f"，图片最长 {MAX_PHOTO_SECONDS:g} 秒" if source.kind == "image" else ""
                raise RenderError(f"第 {number} 个素材的时长 {source.seconds:g} 秒不对：必须大于 0{limit}。")
        for number, cue in enumerate(self.cues, 1):
            if cue.start < 0 or cue.end <= cue.start:
                raise RenderError(f"第 {number} 条字幕的时间不对：结束时间必须晚于开始时间，且不能为负。")
            if not cue.text.strip():
                raise RenderError(f"第 {number} 条字幕没有文字。")


@dataclass(frozen=True)
class Result:
    """The finished file: `path` (where render was asked to write it), its picture size,
    duration, bytes and SHA-256 (for content-addressed storage), and `srt` — the subtitle
    file's text when subtitles are "side" (also written beside the video as `<name>.srt`),
    else ""."""

    path: str
    width: int
    height: int
    duration: float
    size: int
    sha256: str
    srt: str = ""


@dataclass(frozen=True)
class Probe:
    """What ffprobe says about one file. `width`/`height` as displayed (rotation applied);
    `fps` of the video stream (0.0 when unknown); `faststart` True when the MP4's index
    (moov) comes before the media data, so a player starts before the download ends."""

    width: int | None
    height: int | None
    duration: float | None
    video_codec: str | None
    audio_codec: str | None
    pix_fmt: str | None = None
    rotation: int = 0
    fps: float = 0.0
    audio_rate: int | None = None
    audio_channels: int | None = None
    container: str = ""
    profile: str | None = None
    level: int | None = None
    faststart: bool = False
    size: int = 0
    field_order: str | None = None  # "progressive", or "tt"/"bb"/"tb"/"bt" for interlaced TV footage

    @property
    def interlaced(self) -> bool:
        return self.field_order in ("tt", "bb", "tb", "bt")

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None
