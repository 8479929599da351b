"""Text burned into the picture: line wrapping for Chinese, and the ASS subtitle file.

Neither drawtext nor every libass build wraps Chinese (there are no spaces to break at), so
lines are wrapped here by width: a Chinese character counts as one em, a Latin letter or
digit as about half, and a closing mark (，。！？、）」) never starts a line. Latin words are
kept whole when they fit.

Subtitles are written as ASS with PlayResX/PlayResY set to the frame, so the style's font size
and margins are pixels of the finished video. libass draws them with Noto Sans CJK SC, white
with a black outline, centred at the bottom — on a vertical video a fifth of the height up,
clear of the platform's own caption and buttons. Braces and backslashes in an editor's text
would be ASS commands; they are replaced by their full-width forms so the text is shown as
typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rongmei.newsroom.video.spec import Cue

FONT_FAMILY = "Noto Sans CJK SC"

_TOKENS = re.compile(r"[A-Za-z0-9@#&'._%+-]+|\s+|.", re.DOTALL)
_NO_LINE_START = set("，。！？、；：）》」』】〕…—,.!?;:)]%")


def text_units(text: str) -> float:
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def wrap(text: str, max_units: float, max_lines: int | None = None) -> str:
    """`text` broken into lines of at most `max_units` ems; existing line breaks are kept.
    With `max_lines`, the last kept line ends with "…" when text had to be dropped."""
    out: list[str] = []
    for paragraph in text.replace("\r", "").split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        line, width = "", 0.0
        for token in _TOKENS.findall(paragraph):
            size = text_units(token)
            if token.isspace():
                if line:
                    line, width = line + " ", width + 0.3
                continue
            if width + size > max_units and line and token[0] not in _NO_LINE_START:
                out.append(line.rstrip())
                line, width = "", 0.0
            while size > max_units and len(token) > 1:  # a Latin run longer than a line
                cut = max(1, int(len(token) * (max_units - width) / size))
                out.append((line + token[:cut]).rstrip())
                line, width, token = "", 0.0, token[cut:]
                size = text_units(token)
            line, width = line + token, width + size
        if line.strip():
            out.append(line.rstrip())
    if max_lines is not None and len(out) > max_lines:
        out = out[:max_lines]
        out[-1] = out[-1][:-1] + "…"
    return "\n".join(out)


def balanced_wrap(text: str, max_units: float, max_lines: int | None = None) -> str:
    """Like `wrap`, but lines of even length: "县城新修的步行街今天开放，市民纷纷前来游" + "览"
    becomes two half lines, which reads better under a photo than one full line and a widow."""
    first = wrap(text, max_units, max_lines)
    lines = first.count("\n") + 1
    if lines < 2 or "\n" in text.strip():
        return first
    target = text_units(text) / lines
    while target < max_units:
        attempt = wrap(text, target + 0.6, max_lines)
        if attempt.count("\n") + 1 <= lines:
            return attempt
        target += 0.5
    return first


@dataclass(frozen=True)
class Overlay:
    """Text shown from `start` to `end`: the headline, or a photo's caption."""

    start: float
    end: float
    text: str


def sizes(width: int, height: int) -> dict[str, int]:
    """Font sizes in pixels of the finished frame, per role."""
    vertical = height > width
    return {
        "subtitle": round(width * (0.056 if vertical else 0.031)),
        "title": round(width * (0.062 if vertical else 0.038)),
        "caption": round(width * (0.044 if vertical else 0.027)),
    }


def ass_document(
    cues: Iterable[Cue],
    width: int,
    height: int,
    *,
    title: Overlay | None = None,
    captions: Iterable[Overlay] = (),
) -> str:
    """One ASS file for every burned text: subtitles (bottom, outlined), the headline (top,
    bold, on a dark box) and photo captions (above the subtitles, on a dark box)."""
    vertical = height > width
    size = sizes(width, height)
    margin_h = round(width * 0.06)
    usable = width - 2 * margin_h
    styles = [
        # name, size, bold, border style, outline, shadow, alignment, margin v
        ("Default", size["subtitle"], 0, 1, max(2, size["subtitle"] // 16), 1, 2, round(height * (0.2 if vertical else 0.07))),
        ("Title", size["title"], 1, 3, max(8, size["title"] // 4), 0, 8, round(height * (0.09 if vertical else 0.07))),
        ("Caption", size["caption"], 0, 3, max(6, size["caption"] // 4), 0, 2, round(height * (0.3 if vertical else 0.22))),
    ]
    lines = [
        "[Script Info]", "ScriptType: v4.00+", "WrapStyle: 2", "ScaledBorderAndShadow: yes",
        f"PlayResX: {width}", f"PlayResY: {height}", "",
        "[V4+ Styles]",
        (
            "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
            "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
            "Alignment, MarginL, MarginR, MarginV, Encoding"
        ),
    ]
    for name, font_size, bold, border, outline, shadow, align, margin_v in styles:
        box = "&H60000000" if border == 3 else "&H00000000"
        lines.append(
            f"Style: {name},{FONT_FAMILY},{font_size},&H00FFFFFF,&H00FFFFFF,{box},&H80000000,"
            f"{-1 if bold else 0},0,0,0,100,100,0,0,{border},{outline},{shadow},{align},"
            f"{margin_h},{margin_h},{margin_v},1"
        )
    lines += ["", "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"]

    def event(style: str, start: float, end: float, body: str, units: float, max_lines: int | None) -> None:
        wrapped = balanced_wrap(_literal(body), units, max_lines).replace("\n", "\\N")
        if wrapped:
            lines.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},{style},,0,0,0,,{wrapped}")

    if title is not None:
        event("Title", title.start, title.end, title.text, usable / size["title"] - 1, 3)
    for caption in captions:
        event("Caption", caption.start, caption.end, caption.text, usable / size["caption"] - 1, 3)
    for cue in cues:
        event("Default", cue.start, cue.end, cue.text, usable / size["subtitle"], None)
    return "\n".join(lines) + "\n"


def _literal(text: str) -> str:
    return text.replace("\\", "＼").replace("{", "｛").replace("}", "｝")


def _ass_time(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6000)
    secs, centis = divmod(centis, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"
