"""The rundown (串联单): timing against the slot, and its CSV, Word and PDF exports."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import docx
import pytest

from rongmei.distribution.formatters.rundown import (
    COLUMNS, Rundown, RundownEntry, chinese_duration, clock, rundown_csv, rundown_docx,
    rundown_document, rundown_entry, rundown_html, rundown_pdf,
)
from rongmei.distribution.formatters.types import ChannelCopy

from .samples import flood_item, video_item

PROGRAM = "示例新闻联播"


def evening(*seconds: int, slot: int = 600) -> Rundown:
    """A bulletin at 19:00 whose entries last `seconds`."""
    kinds = ["片花", "口播", "新闻", "专题", "广告"]
    entries = tuple(
        RundownEntry(f"第{n}条", kinds[(n - 1) % len(kinds)], "县融媒体中心", s, "张丽", "")
        for n, s in enumerate(seconds, 1)
    )
    return Rundown(PROGRAM, date(2024, 7, 3), time(19, 0), slot, entries)


def bulletin() -> Rundown:
    return Rundown(PROGRAM, date(2024, 7, 3), time(19, 0), 300, (
        RundownEntry("开场片花", "片花", "包装", 15),
        RundownEntry("今日提要", "口播", "", 45, "张丽"),
        RundownEntry("示例县迎战入汛以来最强降雨", "新闻", "记者 王磊", 150, "张丽", "含同期声"),
        RundownEntry("农技小课堂", "专题", "农业农村局", 90, "李强"),
    ))


def test_entries_start_one_after_another_from_the_slot_start():
    rows = evening(15, 45, 150, 90).rows
    assert [r.number for r in rows] == [1, 2, 3, 4]
    assert [r.offset for r in rows] == [0, 15, 60, 210]
    assert [r.start for r in rows] == ["19:00:00", "19:00:15", "19:01:00", "19:03:30"]


def test_a_late_bulletin_runs_past_midnight():
    rundown = Rundown(PROGRAM, date(2024, 7, 3), time(23, 59), 120, (
        RundownEntry("晚间新闻", "新闻", seconds=90), RundownEntry("片尾", "片花", seconds=30),
    ))
    assert [r.start for r in rundown.rows] == ["23:59:00", "00:00:30"]
    assert rundown.end == "00:01:00"


def test_over_the_slot_is_warned_with_the_excess():
    rundown = evening(300, 380)
    assert rundown.total_seconds == 680
    assert (rundown.difference, rundown.balance) == (80, "over")
    assert rundown.warnings == ["超出时段 1分20秒，请删减条目或压缩时长。"]
    assert rundown.total_line == "合计 11:20 / 时段 10:00（19:00:00–19:10:00）：超出时段 1分20秒"


def test_under_the_slot_is_warned_with_the_gap():
    rundown = evening(300, 260)
    assert (rundown.difference, rundown.balance) == (-40, "under")
    assert rundown.warnings == ["不足时段 40秒，请补充条目或片花。"]


def test_an_exact_fit_has_no_warning():
    rundown = evening(300, 300)
    assert rundown.balance == "exact" and rundown.warnings == []
    assert rundown.total_line.endswith("正好排满")


def test_entries_without_a_length_and_empty_rundowns_are_warned():
    assert "第2条《第2条》没有时长，请估算后填写。" in evening(600, 0).warnings
    assert evening().warnings == ["串联单还没有条目，请先添加节目内容。"]


@pytest.mark.parametrize(
    ("seconds", "spoken", "written"),
    [(0, "0秒", "00:00"), (40, "40秒", "00:40"), (80, "1分20秒", "01:20"), (120, "2分钟", "02:00"),
     (3600, "1小时", "1:00:00"), (3725, "1小时2分5秒", "1:02:05")],
)
def test_lengths_are_written_as_people_read_them(seconds, spoken, written):
    assert chinese_duration(seconds) == spoken
    assert clock(seconds) == written


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"kind": "访谈"}, "条目类型"), ({"seconds": -5}, "时长"), ({"seconds": 1.5}, "时长")],
)
def test_bad_entries_are_refused_in_chinese(changes, message):
    with pytest.raises(ValueError, match=message):
        RundownEntry(**{"title": "条目", "kind": "新闻", **changes})


def test_a_slot_must_have_a_length():
    with pytest.raises(ValueError, match="时段长度"):
        Rundown(PROGRAM, date(2024, 7, 3), time(19, 0), 0)


def test_csv_opens_in_excel_and_in_the_csv_module():
    data = rundown_csv(bulletin())
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS) == ["序号", "开始", "时长", "标题", "类型", "来源", "主持/播音", "备注"]
    assert rows[3] == ["3", "19:01:00", "02:30", "示例县迎战入汛以来最强降雨", "新闻", "记者 王磊", "张丽", "含同期声"]
    assert rows[-1][:3] == ["合计", "19:05:00", "05:00"]
    assert rows[-1][3] == "时段 05:00，正好排满"
    assert len(rows) == 6


def test_docx_has_a_table_with_header_entries_and_totals():
    doc = docx.Document(io.BytesIO(rundown_docx(evening(300, 380))))
    assert doc.paragraphs[0].text == "示例新闻联播 串联单"
    assert doc.paragraphs[1].text == "播出日期：2024年7月3日　时段：19:00:00–19:10:00（10分钟）"
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == list(COLUMNS)
    assert [row[0] for row in cells] == ["序号", "1", "2", "合计"]
    assert cells[2][1:4] == ["19:05:00", "06:20", "第2条"]
    assert cells[-1][1:3] == ["19:11:20", "11:20"] and "超出时段 1分20秒" in cells[-1][3]
    assert table.rows[0]._tr.trPr.xml.count("tblHeader") == 1
    assert any("超出时段 1分20秒" in p.text for p in doc.paragraphs)
    assert doc.sections[0].page_width > doc.sections[0].page_height  # landscape


def test_docx_is_deterministic():
    assert rundown_docx(bulletin()) == rundown_docx(bulletin())


def page_text(document) -> str:
    """Text of every laid-out box, for checking what the PDF shows."""
    def walk(box):
        if getattr(box, "text", None):
            yield box.text
        for child in getattr(box, "children", ()):
            yield from walk(child)

    return "".join(text for page in document.pages for box in [page._page_box] for text in walk(box))


def test_pdf_is_a4_landscape_with_the_chinese_title_and_total():
    data = rundown_pdf(evening(300, 380))
    assert data.startswith(b"%PDF")
    document = rundown_document(evening(300, 380))
    page = document.pages[0]
    assert page.width > page.height
    assert round(page.width * 0.75) == 842  # CSS px to pt: A4 is 842 x 595 pt
    text = page_text(document)
    assert "示例新闻联播 串联单" in text
    assert "超出时段 1分20秒" in text
    assert "主持/播音" in text


def test_pdf_never_fetches_and_escapes_what_editors_type():
    rundown = Rundown(PROGRAM, date(2024, 7, 3), time(19, 0), 60, (
        RundownEntry('<img src="http://example.com/x.png">广告', "广告", seconds=60),
    ))
    assert '<img src="http' not in rundown_html(rundown)
    assert "&lt;img" in rundown_html(rundown)
    assert rundown_pdf(rundown).startswith(b"%PDF")


def test_pdf_would_refuse_any_address(monkeypatch):
    import weasyprint

    from rongmei.distribution.formatters import rundown as module

    monkeypatch.setattr(module, "rundown_html", lambda r: '<img src="http://example.com/x.png">')
    with pytest.raises(weasyprint.urls.FatalURLFetchingError):
        module.rundown_pdf(bulletin())


def test_an_entry_is_made_from_a_story():
    entry = rundown_entry(flood_item(), presenter="张丽")
    assert (entry.title, entry.kind, entry.seconds) == (flood_item().headline, "新闻", 95)
    assert entry.source == "记者 王磊　通讯员 张晓燕　摄影 李娜"
    tv = ChannelCopy(channel="tv", title="城区积水半小时消退", body="")
    assert rundown_entry(flood_item(rendition=tv)).title == "城区积水半小时消退"
    assert rundown_entry(video_item(estimated_seconds=None), kind="专题").seconds == 58
