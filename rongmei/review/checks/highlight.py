"""A field's text as HTML with each finding marked, for the review screen.

Findings may overlap (a banned term inside a misspelt phrase) or nest. Rather than nest
<mark> elements, which cannot express partial overlaps and break easily, the text is cut
at every span boundary and each piece is marked with all the findings that cover it;
neighbouring pieces covered by the same findings are joined again. The result is always
well-formed, and every character of the text and of the messages is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from html import escape

from .types import SEVERITY_RANK, Finding


def highlight_html(text: str, findings: Iterable[Finding], field: str | None = None) -> str:
    """Escaped `text` with <mark class="check check-block|check-warn"> around each finding.

    Give `field` to use only that field's findings from a whole story's list. Line breaks
    are kept as they are; show the result with CSS `white-space: pre-wrap`.
    """
    spans = _spans(text, findings, field)
    if not spans:
        return escape(text)
    cuts = sorted({0, len(text)} | {f.start for f in spans} | {f.end for f in spans})
    pieces: list[tuple[int, int, tuple[Finding, ...]]] = []
    for start, end in zip(cuts, cuts[1:]):
        covering = tuple(f for f in spans if f.start <= start and end <= f.end)
        if pieces and pieces[-1][2] == covering and pieces[-1][1] == start:
            pieces[-1] = (pieces[-1][0], end, covering)
        else:
            pieces.append((start, end, covering))
    return "".join(_piece(text[start:end], covering) for start, end, covering in pieces)


def _spans(text: str, findings: Iterable[Finding], field: str | None) -> list[Finding]:
    """Findings with a non-empty span inside the text (a stale span is cut to fit)."""
    spans = []
    for f in findings:
        if field is not None and f.field != field:
            continue
        start, end = max(0, f.start), min(len(text), f.end)
        if start < end:
            moved = (start, end) != (f.start, f.end)
            spans.append(replace(f, start=start, end=end) if moved else f)
    return spans


def _piece(text: str, covering: tuple[Finding, ...]) -> str:
    if not covering:
        return escape(text)
    severity = max((f.severity for f in covering), key=SEVERITY_RANK.__getitem__)
    messages = "\n".join(dict.fromkeys(f.message for f in covering))
    checks = " ".join(dict.fromkeys(f.check for f in covering))
    suggestions = "；".join(dict.fromkeys(f.suggestion for f in covering if f.suggestion))
    attributes = [
        f'class="check check-{severity}"',
        f'title="{escape(messages)}"',
        f'data-check="{escape(checks)}"',
    ]
    if suggestions:
        attributes.append(f'data-suggestion="{escape(suggestions)}"')
    return f"<mark {' '.join(attributes)}>{escape(text)}</mark>"
