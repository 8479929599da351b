"""Running one ffmpeg command: progress, cancel, timeout, and ffmpeg's complaint in Chinese.

ffmpeg is started with `-progress pipe:1 -nostats`, so it writes `key=value` lines to stdout
about twice a second (`out_time_us=…`, then `progress=continue`, and `progress=end` when it
has finished). A reader thread turns those lines into a queue; the caller's loop waits on
the queue a quarter of a second at a time, so `cancelled()` and the wall-clock timeout are
looked at even while ffmpeg is busy with a slow first frame and prints nothing. stderr goes
to a file, read only when ffmpeg fails: its last lines say why, and `explain` maps the known
reasons (undecodable input, no video stream, disk full, missing font or filter) to a Chinese
sentence for the editor. The raw tail stays in RenderError.detail for the log.

Percent is out_time against the duration the caller expects; calls to on_progress are
throttled to four a second and never go backwards. 100 is reported only on `progress=end`
and a zero exit status.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable

from rongmei.newsroom.video.spec import Cancelled, RenderError

FFMPEG_MISSING = "服务器上没有安装 ffmpeg，无法生成视频。请管理员安装：apt-get install ffmpeg"
_REPORT_EVERY = 0.25


def run_ffmpeg(
    argv: list[str],
    *,
    expected_seconds: float,
    on_progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    timeout: float,
    stderr_path: str,
) -> None:
    """Run `argv` (which must already contain `-progress pipe:1 -nostats`). Returns when
    ffmpeg exited 0; raises Cancelled or RenderError otherwise. Does not touch the output
    file: the caller removes it."""
    with open(stderr_path, "wb") as stderr:
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, bufsize=0
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise RenderError(FFMPEG_MISSING, str(exc)) from exc
        lines: queue.Queue[bytes | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        last_report = 0.0
        best = 0.0
        ended = False
        try:
            while True:
                if cancelled is not None and cancelled():
                    _stop(process)
                    raise Cancelled()
                if time.monotonic() > deadline:
                    _stop(process)
                    raise RenderError(
                        f"生成视频超时（超过 {timeout:.0f} 秒），已停止。服务器可能过忙，请稍后重试；素材很长时可先缩短。",
                        f"ffmpeg timed out after {timeout:.0f} s",
                    )
                try:
                    line = lines.get(timeout=_REPORT_EVERY)
                except queue.Empty:
                    continue
                if line is None:  # stdout closed: ffmpeg is exiting
                    break
                key, _, value = line.decode("ascii", "replace").strip().partition("=")
                if key == "out_time_us" and expected_seconds > 0:
                    try:
                        done = int(value) / 1_000_000
                    except ValueError:
                        continue
                    percent = max(0.0, min(99.0, 100.0 * done / expected_seconds))
                    now = time.monotonic()
                    if percent > best and now - last_report >= _REPORT_EVERY:
                        best = percent
                        last_report = now
                        if on_progress is not None:
                            on_progress(round(percent, 1))
                elif key == "progress" and value == "end":
                    ended = True
            try:
                code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _stop(process)
                raise RenderError("生成视频超时，已停止。请稍后重试。", "ffmpeg did not exit") from None
        except BaseException:
            _stop(process)
            raise
    if code != 0 or not ended:
        tail = _tail(stderr_path)
        raise RenderError(explain(tail), tail)
    if on_progress is not None:
        on_progress(100.0)


def explain(stderr_tail: str) -> str:
    """ffmpeg's last words → one Chinese sentence for the editor."""
    text = stderr_tail.lower()
    if "no space left on device" in text or "disk quota exceeded" in text:
        return "服务器磁盘空间不足，视频没有生成。请管理员清理磁盘后重试。"
    if "matches no streams" in text or "does not contain any stream" in text or "output file #0 does not contain" in text:
        return "素材里没有可用的画面或声音，无法生成视频。请检查选中的素材能否正常播放。"
    if "invalid data found when processing input" in text or "moov atom not found" in text or "could not find codec parameters" in text or "error while decoding" in text:
        return "有素材无法解码：文件可能已损坏、不完整或不是视频/图片。请确认素材在电脑上能正常播放，必要时重新上传。"
    if "no such file or directory" in text:
        return "找不到素材文件：它可能已被删除或移动。请重新选择素材。"
    if "permission denied" in text:
        return "服务器没有权限读取素材或写入结果文件，请联系管理员。"
    if "unable to open font" in text or "cannot find a valid font" in text or "fontconfig" in text and "error" in text:
        return "服务器缺少中文字体（Noto Sans CJK），无法压制文字。请管理员安装：apt-get install fonts-noto-cjk"
    if "no such filter" in text or "unknown encoder" in text:
        return "服务器上的 ffmpeg 缺少所需的功能（滤镜或编码器），请管理员安装 Debian 自带的完整 ffmpeg。"
    if "cannot allocate memory" in text or "out of memory" in text:
        return "服务器内存不足，视频没有生成。请稍后重试，或减少素材。"
    return "视频生成失败：ffmpeg 报错。请检查素材能否正常播放后重试；一再失败请把任务编号告诉管理员。"


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for line in iter(stream.readline, b""):
            lines.put(line)
    finally:
        lines.put(None)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=3)


def _tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""
