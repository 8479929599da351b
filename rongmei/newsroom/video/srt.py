"""SubRip (.srt) subtitles: read the file an editor edits, write it back.

Editors paste SRT from transcription tools, phones and Windows editors, so parsing accepts a
byte-order mark, CRLF line ends, "." as well as "," before the milliseconds, a missing or
wrong cue number and extra blank lines — but not a time line it cannot read, an end before
its start or a cue without text. Those raise ValueError with a Chinese sentence naming the
cue number and the line, because "invalid subtitle file" alone sends the editor hunting
through a hundred cues.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rongmei.newsroom.video.spec import Cue

_TIME = r"(\d{1,2}):([0-5]?\d):([0-5]?\d)(?:[,.](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_EXAMPLE = "00:00:01,000 --> 00:00:03,500"


def parse_srt(text: str) -> tuple[Cue, ...]:
    """Cues in file order. Raises ValueError (Chinese, with cue number and line)."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    index = 0
    total = len(lines)
    while index < total:
        while index < total and not lines[index].strip():
            index += 1
        if index >= total:
            break
        number = len(cues) + 1
        first = index
        line = lines[index].strip()
        if line.isdigit():
            index += 1
            if index >= total or not lines[index].strip():
                raise ValueError(
                    f"第 {number} 条字幕（第 {first + 1} 行）只有序号，缺少时间行，应为“{_EXAMPLE}”这样的格式。"
                )
            line = lines[index].strip()
        match = _TIMING.match(line)
        if not match:
            raise ValueError(
                f"第 {number} 条字幕（第 {index + 1} 行）的时间看不懂：“{line[:40]}”，应为“{_EXAMPLE}”这样的格式。"
            )
        start = _seconds(match.groups()[:4])
        end = _seconds(match.groups()[4:])
        if end <= start:
            raise ValueError(
                f"第 {number} 条字幕（第 {index + 1} 行）的结束时间 {_stamp(end)} 不晚于开始时间 {_stamp(start)}。"
            )
        index += 1
        body: list[str] = []
        while index < total and lines[index].strip():
            body.append(lines[index].strip())
            index += 1
        if not body:
            raise ValueError(f"第 {number} 条字幕（第 {first + 1} 行起）没有文字。")
        cues.append(Cue(start=start, end=end, text="\n".join(body)))
    return tuple(cues)


def format_srt(cues: Iterable[Cue]) -> str:
    """The standard form: number, "HH:MM:SS,mmm --> HH:MM:SS,mmm", text, blank line."""
    blocks = []
    for number, cue in enumerate(cues, 1):
        text = "\n".join(line for line in cue.text.replace("\r", "").split("\n") if line.strip()) or " "
        blocks.append(f"{number}\n{_stamp(cue.start)} --> {_stamp(cue.end)}\n{text}\n")
    return "\n".join(blocks)


def _seconds(parts: tuple[str | None, ...]) -> float:
    hours, minutes, seconds, millis = parts
    fraction = int((millis or "0").ljust(3, "0")) / 1000
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0) + fraction


def _stamp(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"
