"""The broadcast rundown (串联单): a bulletin's items in order, timed against its slot.

A bulletin has a fixed slot: the presenter must know when each item starts and the
director whether the whole fits. `Rundown` computes both; the exports are what the
studio prints or opens: CSV for Excel (UTF-8 with a byte order mark, or Excel shows
Chinese as mojibake), Word with a table, and PDF on A4 landscape. The PDF is drawn from
HTML by WeasyPrint with the local Noto CJK fonts and a URL fetcher that refuses every
address, so an intranet machine never waits on the network.
"""

from __future__ import annotations

import csv
import html
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Row
from PIL import ImageFile

# WeasyPrint switches on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when it is
# imported; the upload checks rely on truncated images being refused, so put it back.
_truncated_before = ImageFile.LOAD_TRUNCATED_IMAGES
import weasyprint  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated_before

from rongmei.core.exports import safe_row
from rongmei.newsroom.generators.parts import byline_line

from . import wordfile
from .notices import chinese_date
from .types import PublishItem

KINDS = ("口播", "新闻", "专题", "广告", "片花")
COLUMNS = ("序号", "开始", "时长", "标题", "类型", "来源", "主持/播音", "备注")
# Column widths in the Word table (cm), summing to A4 landscape minus the margins.
_DOCX_WIDTHS = (1.2, 2.0, 1.6, 8.7, 1.5, 4.0, 3.0, 3.7)

Balance = Literal["over", "under", "exact"]


@dataclass(frozen=True)
class RundownEntry:
    """One item of the bulletin, with the length the editor expects it to run."""

    title: str
    kind: str                     # one of KINDS
    source: str = ""              # reporter, department or tape
    seconds: int = 0              # estimated length on air
    presenter: str = ""           # 主持人 / 播音员
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"条目类型“{self.kind}”无效，应为：{'、'.join(KINDS)}。")
        if not isinstance(self.seconds, int) or self.seconds < 0:
            raise ValueError(f"条目《{self.title}》的时长应为不小于 0 的整秒数。")


@dataclass(frozen=True)
class RundownRow:
    """An entry placed in the slot: its number, offset from the slot start and clock time."""

    number: int
    offset: int
    start: str                    # "19:01:30"
    entry: RundownEntry


@dataclass(frozen=True)
class Rundown:
    program: str                  # 节目名称, e.g. 示例新闻联播
    air_date: date
    slot_start: time
    slot_seconds: int
    items: tuple[RundownEntry, ...] = ()
    time_zone: str = "Asia/Shanghai"  # the station's; dates the Word file's properties

    def __post_init__(self) -> None:
        if self.slot_seconds <= 0:
            raise ValueError("节目时段长度应大于 0 秒。")

    @property
    def rows(self) -> list[RundownRow]:
        """Each entry with the moment it goes on air, counted from the slot start."""
        rows, offset = [], 0
        for number, entry in enumerate(self.items, 1):
            rows.append(RundownRow(number, offset, self._clock(offset), entry))
            offset += entry.seconds
        return rows

    @property
    def total_seconds(self) -> int:
        return sum(entry.seconds for entry in self.items)

    @property
    def difference(self) -> int:
        """Seconds over the slot (positive) or short of it (negative)."""
        return self.total_seconds - self.slot_seconds

    @property
    def balance(self) -> Balance:
        return "over" if self.difference > 0 else "under" if self.difference < 0 else "exact"

    @property
    def start(self) -> str:
        """The clock time the slot begins: "19:00:00"."""
        return self._clock(0)

    @property
    def end(self) -> str:
        """The clock time the slot ends: "19:30:00"."""
        return self._clock(self.slot_seconds)

    @property
    def finish(self) -> str:
        """The clock time the last entry ends, which is `end` only when the rundown fits."""
        return self._clock(self.total_seconds)

    @property
    def warnings(self) -> list[str]:
        """What the director must fix before air, in Chinese; [] when the rundown fits."""
        found = []
        if not self.items:
            found.append("串联单还没有条目，请先添加节目内容。")
        if self.balance == "over":
            found.append(f"超出时段 {chinese_duration(self.difference)}，请删减条目或压缩时长。")
        elif self.balance == "under" and self.items:
            found.append(f"不足时段 {chinese_duration(-self.difference)}，请补充条目或片花。")
        for row in self.rows:
            if row.entry.seconds == 0:
                found.append(f"第{row.number}条《{row.entry.title}》没有时长，请估算后填写。")
        return found

    @property
    def total_line(self) -> str:
        """"合计 29:40 / 时段 30:00（07:00:00–07:30:00）：不足时段 20秒"."""
        verdict = {"over": f"超出时段 {chinese_duration(self.difference)}",
                   "under": f"不足时段 {chinese_duration(-self.difference)}",
                   "exact": "正好排满"}[self.balance]
        slot = f"{self.start}–{self.end}"
        return f"合计 {clock(self.total_seconds)} / 时段 {clock(self.slot_seconds)}（{slot}）：{verdict}"

    def _clock(self, offset: int) -> str:
        moment = datetime.combine(self.air_date, self.slot_start) + timedelta(seconds=offset)
        return moment.strftime("%H:%M:%S")


def rundown_entry(
    item: PublishItem, *, kind: str = "新闻", presenter: str = "", notes: str = ""
) -> RundownEntry:
    """An entry for a story: the radio/TV rendition's title, its estimated read time.

    Without an estimate the length of the story's first video or audio is used; with
    neither the entry is 0 seconds and the rundown warns about it.
    """
    broadcast = item.copy_for("tv") or item.copy_for("radio")
    seconds = item.estimated_seconds
    if seconds is None:
        durations = [m.duration_seconds for m in item.media if m.duration_seconds]
        seconds = round(durations[0]) if durations else 0
    return RundownEntry(
        title=broadcast.title if broadcast else item.headline,
        kind=kind,
        source=item.source or byline_line(item.bylines),
        seconds=seconds,
        presenter=presenter,
        notes=notes,
    )


def clock(seconds: int) -> str:
    """"01:20", or "1:02:03" past an hour: how rundowns write lengths."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def chinese_duration(seconds: int) -> str:
    """"1分20秒", "40秒", "2分钟", "1小时5分": a length as people say it."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if not (hours or secs):
        return f"{minutes}分钟" if minutes else "0秒"
    parts = [f"{hours}小时" if hours else "", f"{minutes}分" if minutes else "",
             f"{secs}秒" if secs else ""]
    return "".join(parts)


# ---------------------------------------------------------------- table


def table_rows(rundown: Rundown) -> list[list[str]]:
    """The entries as the eight columns of COLUMNS, one list per entry."""
    return [
        [str(row.number), row.start, clock(row.entry.seconds), row.entry.title, row.entry.kind,
         row.entry.source, row.entry.presenter, row.entry.notes]
        for row in rundown.rows
    ]


def totals_row(rundown: Rundown) -> list[str]:
    """合计: when the last entry ends, the total length, and the verdict against the slot."""
    verdict = rundown.total_line.split("：", 1)[1]
    return ["合计", rundown.finish, clock(rundown.total_seconds),
            f"时段 {clock(rundown.slot_seconds)}，{verdict}", "", "", "", ""]


def _heading(rundown: Rundown) -> str:
    return f"{rundown.program} 串联单"


def _subheading(rundown: Rundown) -> str:
    return (f"播出日期：{chinese_date(rundown.air_date)}　"
            f"时段：{rundown.start}–{rundown.end}"
            f"（{chinese_duration(rundown.slot_seconds)}）")


# ---------------------------------------------------------------- CSV


def rundown_csv(rundown: Rundown) -> bytes:
    """UTF-8 with BOM and CRLF lines, the form Excel opens without asking. Titles, sources
    and notes are typed by people: no cell may start a formula (safe_row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(safe_row(row) for row in table_rows(rundown))
    writer.writerow(safe_row(totals_row(rundown)))
    return out.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- Word


def rundown_docx(rundown: Rundown) -> bytes:
    """A Word file: title, date and slot, the table (header repeated on every page, a
    totals row), then the warnings in red."""
    doc = wordfile.new_document(landscape=True)
    title = doc.add_paragraph()
    wordfile.set_fonts(title.add_run(_heading(rundown)), wordfile.HEI)
    title.runs[0].font.size, title.runs[0].font.bold = Pt(16), True
    doc.add_paragraph(_subheading(rundown))
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = doc.styles["Table Grid"]
    _fill_row(table.rows[0], COLUMNS, bold=True)
    _repeat_as_header(table.rows[0])
    for cells in table_rows(rundown):
        _fill_row(table.add_row(), cells)
    _fill_row(table.add_row(), totals_row(rundown), bold=True)
    for row in table.rows:
        for cell, width in zip(row.cells, _DOCX_WIDTHS, strict=True):
            cell.width = Cm(width)
    for warning in rundown.warnings:
        run = doc.add_paragraph().add_run(warning)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
    moment = datetime.combine(rundown.air_date, rundown.slot_start, ZoneInfo(rundown.time_zone))
    return wordfile.docx_bytes(doc, title=_heading(rundown), author=rundown.program, moment=moment)


def _fill_row(row: _Row, cells: Sequence[str], *, bold: bool = False) -> None:
    for cell, text in zip(row.cells, cells, strict=True):
        cell.text = text
        if bold:
            for run in cell.paragraphs[0].runs:
                run.font.bold = True


def _repeat_as_header(row: _Row) -> None:
    """Mark the row as the table header, which Word repeats at the top of each page."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


# ---------------------------------------------------------------- PDF


def rundown_html(rundown: Rundown) -> str:
    """The printable page; every text is escaped and nothing refers outside the page."""
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
        for cells in table_rows(rundown)
    )
    totals = "".join(f"<td>{esc(c)}</td>" for c in totals_row(rundown))
    warnings = "".join(f'<p class="warning">{esc(w)}</p>' for w in rundown.warnings)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(_heading(rundown))}</title>
<style>{_PDF_CSS}</style></head><body>
<h1>{esc(_heading(rundown))}</h1>
<p class="meta">{esc(_subheading(rundown))}</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>
<tfoot><tr class="totals {rundown.balance}">{totals}</tr></tfoot></table>
<p class="total {rundown.balance}">{esc(rundown.total_line)}</p>
{warnings}
</body></html>"""


def rundown_document(rundown: Rundown) -> weasyprint.document.Document:
    """The laid-out pages (what `rundown_pdf` writes), for tests and previews."""
    with tempfile.TemporaryDirectory() as base:
        fetcher = URLFetcher(allowed_protocols=(), fail_on_errors=True)
        return weasyprint.HTML(string=rundown_html(rundown), base_url=base, url_fetcher=fetcher).render()


def rundown_pdf(rundown: Rundown) -> bytes:
    """The rundown as a PDF, A4 landscape, with the total against the slot."""
    return rundown_document(rundown).write_pdf()


_PDF_CSS = """
@page { size: A4 landscape; margin: 12mm 12mm 14mm;
        @bottom-right { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                        font-family: "Noto Sans CJK SC"; font-size: 8pt; color: #555; } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9.5pt; color: #111; }
h1 { font-family: "Noto Serif CJK SC", serif; font-size: 16pt; margin: 0 0 2mm; }
.meta { margin: 0 0 3mm; color: #333; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
th, td { border: 0.5pt solid #444; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #e8e8e8; font-weight: bold; }
td:nth-child(1), td:nth-child(2), td:nth-child(3) { white-space: nowrap; }
tfoot td { font-weight: bold; background: #f4f4f4; }
.total { margin-top: 3mm; font-weight: bold; }
.over { color: #b00000; }
.warning { color: #b00000; margin: 1mm 0; }
"""
