"""Video versions benchmark: throughput of the video engine (rongmei/newsroom/video) against
ffmpeg's own command line running the very same filter graph — the limit on this machine.

    .venv/bin/python bench/video.py                  # both cases, best of 2 runs each
    .venv/bin/python bench/video.py --repeat 1       # one run each (quicker, noisier)
    .venv/bin/python bench/video.py --threads 2      # pass -threads to ffmpeg (default: ffmpeg's choice)
    .venv/bin/python bench/video.py --keep DIR       # keep the inputs and outputs in DIR

Two cases, each a full 1080×1920 render:
1. horizontal → vertical with blurred-background fill: a 20 s 1920×1080 25 fps testsrc2 clip
   with a sine tone;
2. a slideshow: six 1600×1200 photos, 3 s each, with a caption under each, the headline over
   the first 4 s and six burned subtitles (18 s).

For each case, in the same run and alternating so a busy machine hurts both alike:
- ours: `engine.render(spec, out, on_progress=…)` — probing the inputs, preparing photos,
  logo, ASS text, running ffmpeg with progress parsing, then ffprobe and SHA-256 of the
  result;
- the CLI: the argv `graph.build_command` makes for the same spec (inputs prepared once,
  untimed), run by `subprocess.run` without progress — exactly what ffmpeg does on its own.
Throughput is seconds of output per second of wall time (higher is better); the ratio
ours / CLI says what the engine's own work costs (1.00 = nothing). Throughput per CPU second
of the children (ffmpeg, ffprobe) is printed too, with its own ratio: on a shared machine
wall time also measures the neighbours, CPU time does not. Input generation is not timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rongmei.newsroom.video import engine, graph
from rongmei.newsroom.video.engine import Cue, Source, Spec

CAPTIONS = [
    "县城新修的步行街今天正式开放",
    "市民在步行街入口处拍照留念",
    "老字号店铺重新开张迎客",
    "志愿者为游客提供咨询服务",
    "夜幕降临，街区灯光亮起",
    "不少外地游客专程前来打卡",
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=2, help="runs per case and side; the best is reported")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seconds", type=float, default=20.0, help="length of the horizontal clip")
    p.add_argument("--keep", default=None, help="a folder to keep inputs and outputs in")
    return p.parse_args()


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def make_inputs(folder: Path, seconds: float) -> dict:
    clip = folder / "horizontal.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size=1920x1080:rate=25",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-shortest",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
    photos = []
    sources = ["testsrc2", "mandelbrot", "rgbtestsrc", "smptehdbars", "testsrc", "cellauto"]
    for number, name in enumerate(sources, 1):
        photo = folder / f"photo{number}.jpg"
        ffmpeg("-f", "lavfi", "-i", f"{name}=size=1600x1200", "-frames:v", "1", "-q:v", "3", str(photo))
        photos.append(str(photo))
    return {"clip": str(clip), "photos": photos}


def cases(inputs: dict, seconds: float) -> list[tuple[str, Spec]]:
    blur = Spec(shape="vertical", sources=(Source(inputs["clip"], "video"),), fit="blur")
    slides = Spec(
        shape="vertical",
        sources=tuple(Source(path, "image", caption=CAPTIONS[i], seconds=3.0) for i, path in enumerate(inputs["photos"])),
        title="示例县：新修步行街今天开放，市民游客纷至沓来",
        cues=tuple(Cue(i * 3 + 0.3, i * 3 + 2.7, f"第 {i + 1} 条字幕：{CAPTIONS[i]}") for i in range(6)),
        subtitles="burn",
    )
    return [(f"horizontal → vertical, blur fill ({seconds:g} s)", blur), ("slideshow, 6 photos, subtitles (18 s)", slides)]


def cli_argv(spec: Spec, out: str, workdir: str, threads: int | None) -> tuple[list[str], float]:
    """The argv the engine would run for `spec`, prepared once (not timed)."""
    width, height = spec.size
    pieces = engine._prepare_pieces(spec, width, height, workdir)
    layout = engine._prepare_layout(spec, pieces, width, height, workdir)
    return graph.build_command(pieces, layout, out, threads=threads, progress=False), graph.total_seconds(pieces)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run) -> tuple[float, float]:
    cpu, started = children_cpu(), time.perf_counter()
    run()
    return time.perf_counter() - started, children_cpu() - cpu


def main() -> None:
    args = parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rongmei-bench-video-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        inputs = make_inputs(folder, args.seconds)
        print(f"inputs ready in {time.perf_counter() - started:.0f} s; ffmpeg: "
              f"{subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True, check=True).stdout.splitlines()[0]}; "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
        print(f"\n{'case':<44}{'side':<6}{'wall s':>8}{'CPU s':>8}{'out s':>7}{'out s / wall s':>16}"
              f"{'out s / CPU s':>15}{'MB':>7}")
        for label, spec in cases(inputs, args.seconds):
            prepared = folder / "prepared"
            prepared.mkdir(exist_ok=True)
            argv, seconds = cli_argv(spec, str(folder / "cli.mp4"), str(prepared), args.threads)
            best = {"ours": (float("inf"), 0.0), "CLI": (float("inf"), 0.0)}
            result = None
            for _ in range(args.repeat):
                for side in ("ours", "CLI"):
                    if side == "ours":
                        holder: dict = {}

                        def ours(spec=spec, holder=holder):
                            holder["result"] = engine.render(
                                spec, str(folder / "ours.mp4"), on_progress=lambda p: None, threads=args.threads
                            )

                        wall, cpu = timed(ours)
                        result = holder["result"]
                    else:
                        wall, cpu = timed(lambda argv=argv: subprocess.run(argv, check=True, stdin=subprocess.DEVNULL))
                    if wall < best[side][0]:
                        best[side] = (wall, cpu)
            sizes = {"ours": result.size, "CLI": os.path.getsize(folder / "cli.mp4")}
            for side in ("ours", "CLI"):
                wall, cpu = best[side]
                print(f"{label if side == 'ours' else '':<44}{side:<6}{wall:8.2f}{cpu:8.2f}{seconds:7.1f}"
                      f"{seconds / wall:16.2f}{seconds / cpu:15.2f}{sizes[side] / 1e6:7.1f}")
            ratio = best["CLI"][0] / best["ours"][0]
            cpu_ratio = best["CLI"][1] / best["ours"][1]
            print(f"{'':<44}{'ratio ours / CLI':<29}{ratio:16.2f}{cpu_ratio:15.2f}", flush=True)
            shutil.rmtree(prepared, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
