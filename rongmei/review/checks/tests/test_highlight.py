"""Highlighted HTML: escaped, well-formed, overlapping spans handled."""

from __future__ import annotations

from html.parser import HTMLParser

from rongmei.review.checks import Finding, highlight_html


def finding(
    start: int,
    end: int,
    severity: str = "warn",
    message: str = "问题",
    suggestion: str | None = None,
    field: str = "body",
) -> Finding:
    return Finding(
        "typo", severity, start, end, "", message, suggestion, "", field  # type: ignore[arg-type]
    )


class _Checker(HTMLParser):
    """Collects the text and proves every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""
        self.marks: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "mark", tag
        assert not self.stack, "marks are never nested"
        self.stack.append(tag)
        self.marks.append((dict(attrs), ""))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text += data
        if self.stack:
            attrs, text = self.marks[-1]
            self.marks[-1] = (attrs, text + data)


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack
    return checker


def test_text_and_attributes_are_escaped() -> None:
    text = '<script>alert("x")</script>赌博网站&'
    html = highlight_html(text, [finding(0, 8, "block", '<b onmouseover="x">', '"><img src=x>')])
    assert "<script>" not in html and "<b " not in html and "<img" not in html
    checker = parse(html)
    assert checker.text == text
    [(attrs, marked)] = checker.marks
    assert marked == "<script>"
    assert attrs["class"] == "check check-block"
    assert attrs["title"] == '<b onmouseover="x">'
    assert attrs["data-suggestion"] == '"><img src=x>'


def test_overlapping_spans_are_cut_into_flat_marks() -> None:
    text = "一二三四五六"
    html = highlight_html(text, [finding(0, 4, "warn", "甲"), finding(2, 6, "block", "乙", "改")])
    checker = parse(html)
    assert checker.text == text
    assert [(m, a["class"], a["title"]) for a, m in checker.marks] == [
        ("一二", "check check-warn", "甲"),
        ("三四", "check check-block", "甲\n乙"),
        ("五六", "check check-block", "乙"),
    ]
    assert [a.get("data-suggestion") for a, _ in checker.marks] == [None, "改", "改"]


def test_nested_spans_and_duplicates() -> None:
    text = "甲乙丙丁"
    html = highlight_html(text, [finding(0, 4, message="外"), finding(1, 2, message="内"),
                                 finding(0, 4, message="外")])
    checker = parse(html)
    assert [(m, a["title"]) for a, m in checker.marks] == [("甲", "外"), ("乙", "外\n内"), ("丙丁", "外")]


def test_other_fields_empty_and_stale_spans_are_ignored() -> None:
    text = "甲乙"
    findings = [finding(0, 1, field="headline"), finding(0, 0), finding(1, 99), finding(5, 9)]
    checker = parse(highlight_html(text, findings, "body"))
    assert checker.text == text
    assert [m for _, m in checker.marks] == ["乙"]
    assert highlight_html("a<b", []) == "a&lt;b"
