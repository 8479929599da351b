"""Reading a spreadsheet somebody uploaded (CSV or Excel) into checked rows, and the
templates we hand out for it.

Why one reader for every import: the files come from Excel and WPS on Chinese Windows
desks. Excel saves "CSV" in GBK unless told otherwise, writes dates as serial numbers or as
2026/12/1, and people type "1.2万" for twelve thousand. Each import (analytics' reach
figures, appraisal's 外宣 pickups, …) declares its columns; this module finds them by
their header (label, key or an alias, ignoring spaces, a trailing * and a note in
brackets), converts every cell, and names every bad cell with the row number the
spreadsheet shows (the header is row 1; a title line or two above the header, as
back-office exports have, is skipped) — so the person can fix the file and upload it again. A file that cannot be read at all, or lacks a required column, gets one `fatal`
message and no rows.

No app is imported here: callers add their own row checks (a story id that must exist)
on top of `Table.rows`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from rongmei.core.exports import restore_cell, safe_row, safe_workbook

Kind = Literal["text", "int", "date", "decimal", "choice", "url"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"
    required: bool = False
    choices: dict[str, str] | None = None  # label or code → code
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    help: str = ""


@dataclass
class RowError:
    row: int  # as the sheet numbers it: the header is row 1
    field: str  # the column's label
    message: str


@dataclass
class Table:
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fatal: str = ""

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message is for the user."""


_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97–2003) and other OLE files
_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_SPACES = re.compile(r"[\s\u3000]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
EXCEL_EPOCH = dt.date(1899, 12, 30)


def normalise_header(text) -> str:
    """A header cell as compared: no spaces, no note in brackets, no required mark (*), lower case."""
    value = _SPACES.sub("", str(text or ""))
    value = _BRACKETED.sub("", value)
    return value.strip("*＊").lower()


def read_table(upload, columns: list[Column], *, max_rows: int = 20000, max_bytes: int = 10 * 1024 * 1024) -> Table:
    """Rows of an uploaded CSV or XLSX file (bytes, or anything with read()): every valid
    row as (sheet row number, {key: value}), every bad cell as a RowError. Blank rows are
    skipped; columns the caller did not declare are ignored."""
    data = upload if isinstance(upload, (bytes, bytearray)) else _read_upload(upload, max_bytes)
    if data is None or len(data) > max_bytes:
        return Table(fatal=f"文件太大：不能超过 {max_bytes // (1024 * 1024)} MB，请拆分后分批导入。")
    if not data.strip():
        return Table(fatal="文件是空的：请选择填好数据的 CSV 或 Excel（.xlsx）文件。")
    if data.startswith(_OLE_MAGIC):
        return Table(fatal="不支持旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再上传。")
    try:
        raw_rows = _xlsx_rows(data) if data.startswith(_XLSX_MAGIC) else _csv_rows(data)
    except CellError as exc:
        return Table(fatal=str(exc))
    return _check(raw_rows, columns, max_rows)


def _read_upload(upload, max_bytes: int) -> bytes | None:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" (tab separated)
        return data.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CellError("无法识别文件的文字编码：请用 UTF-8 或 GBK（GB18030）编码保存 CSV，或直接上传 Excel（.xlsx）文件。")


def _csv_rows(data: bytes):
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise CellError("文件的文字编码有误：请用 Excel 或 WPS 重新保存为 CSV（UTF-8）或 Excel（.xlsx）文件。") from None
    if "\x00" in text:
        raise CellError("这不是 CSV 或 Excel 文件：请上传 .csv 或 .xlsx 文件。")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CellError(f"CSV 文件格式有误（{exc}）：请用 Excel 或 WPS 重新保存后上传。") from None
    return [[restore_cell(cell) for cell in row] for row in rows]


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged or disguised file: zipfile, XML and key errors alike
        raise CellError("无法读取这个 Excel 文件：文件可能已损坏或不是 .xlsx 格式，请在 Excel 或 WPS 中重新保存后上传。") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception:  # noqa: BLE001 - any damage inside the sheet's XML
        raise CellError("无法读取这个 Excel 文件的内容：请在 Excel 或 WPS 中重新保存后上传。") from None
    finally:
        workbook.close()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


HEADER_SEARCH = 10  # back-office exports often put a title line or two above the column names


def _header_row(raw_rows: list[list], columns: list[Column]) -> int | None:
    """The index of the header: among the first non-blank rows, the one naming the most
    declared columns (the first non-blank row when none names any)."""
    names = {normalise_header(n) for c in columns for n in (c.label, c.key, *c.aliases)}
    candidates = [i for i, row in enumerate(raw_rows) if any(not _blank(v) for v in row)][:HEADER_SEARCH]
    if not candidates:
        return None
    best = max(candidates, key=lambda i: (sum(1 for v in raw_rows[i] if normalise_header(v) in names), -i))
    return best


def _check(raw_rows: list[list], columns: list[Column], max_rows: int) -> Table:
    header_at = _header_row(raw_rows, columns)
    if header_at is None:
        return Table(fatal="文件里没有数据：第一行应为表头（列名），从第二行起每行一条数据。")
    header = [normalise_header(v) for v in raw_rows[header_at]]
    positions: dict[str, int] = {}
    for column in columns:
        names = {normalise_header(n) for n in (column.label, column.key, *column.aliases)}
        found = [i for i, h in enumerate(header) if h and h in names]
        if len(found) > 1:
            return Table(fatal=f"列“{column.label}”出现了 {len(found)} 次（第 {'、'.join(str(i + 1) for i in found)} 列），请只保留一列。")
        if found:
            positions[column.key] = found[0]
    missing = [c.label for c in columns if c.required and c.key not in positions]
    if missing:
        return Table(fatal="缺少列：" + "、".join(missing) + "。请使用下载的模板，第一行保留列名。")
    table = Table()
    count = 0
    for index in range(header_at + 1, len(raw_rows)):
        cells = raw_rows[index]
        if all(_blank(v) for v in cells):
            continue
        count += 1
        if count > max_rows:
            return Table(fatal=f"数据超过 {max_rows} 行：请拆分成几个文件分批导入。")
        number = index + 1
        values: dict = {}
        bad = False
        for column in columns:
            position = positions.get(column.key)
            raw = cells[position] if position is not None and position < len(cells) else None
            try:
                values[column.key] = read_cell(raw, column)
            except CellError as exc:
                table.errors.append(RowError(number, column.label, str(exc)))
                bad = True
        if not bad:
            table.rows.append((number, values))
    return table


def read_cell(raw, column: Column):
    """One cell as its column's kind (None when blank); CellError with a Chinese message."""
    if _blank(raw):
        if column.required:
            raise CellError("必填，不能为空。")
        return None
    reader = _READERS[column.kind]
    return reader(raw, column)


def _shown(raw) -> str:
    text = str(raw).strip()
    return text if len(text) <= 30 else text[:30] + "…"


def _text(raw, column: Column) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # an id Excel stored as a number
    if isinstance(raw, dt.datetime):
        raw = raw.date() if raw.time() == dt.time() else raw
    value = str(raw).strip()
    if column.max_length is not None and len(value) > column.max_length:
        raise CellError(f"太长：最多 {column.max_length} 个字，这里有 {len(value)} 个字。")
    return value


def _number_text(raw) -> tuple[Decimal, str]:
    text = _SPACES.sub("", str(raw)).replace(",", "").replace("，", "")
    multiplier = 1
    for unit, factor in _UNITS.items():
        if text.lower().endswith(unit):
            text, multiplier = text[: -len(unit)], factor
            break
    if not _NUMBER.match(text):
        raise CellError(f"不是数字：“{_shown(raw)}”。")
    return Decimal(text) * multiplier, text


def _int(raw, column: Column) -> int:
    if isinstance(raw, bool):
        raise CellError(f"不是整数：“{_shown(raw)}”。")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(str(raw))
    else:
        try:
            value, _ = _number_text(raw)
        except CellError:
            raise CellError(f"不是整数：“{_shown(raw)}”（可写 1234、1,234 或 1.2万）。") from None
    if value != value.to_integral_value():
        if isinstance(raw, str) and any(raw.strip().lower().endswith(u) for u in _UNITS):
            value = value.to_integral_value()  # 1.23456万 → 12346
        else:
            raise CellError(f"应为整数：“{_shown(raw)}”。")
    if value < 0:
        raise CellError(f"不能是负数：“{_shown(raw)}”。")
    return int(value)


def _decimal(raw, column: Column) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"不是数字：“{_shown(raw)}”。")
    if isinstance(raw, (int, float)):
        return Decimal(str(raw))
    try:
        value, _ = _number_text(raw)
    except (CellError, InvalidOperation):
        raise CellError(f"不是数字：“{_shown(raw)}”（可写 12.5 或 1,234.5）。") from None
    return value


def _date(raw, column: Column) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:  # an Excel serial day number the cell was not formatted as a date
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise CellError(f"不是日期：“{_shown(raw)}”（应为 2026-12-01、2026/12/1 或 2026年12月1日）。")
    text = str(raw).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()[:3]))
        except ValueError:
            raise CellError(f"没有这一天：“{_shown(raw)}”。") from None
    raise CellError(f"不是日期：“{_shown(raw)}”（应为 2026-12-01、2026/12/1 或 2026年12月1日）。")


def _choice(raw, column: Column) -> str:
    text = _SPACES.sub("", str(raw)).lower()
    for name, code in (column.choices or {}).items():
        if _SPACES.sub("", name).lower() == text:
            return code
    shown = "、".join(dict.fromkeys(n for n, c in (column.choices or {}).items() if n != c)) or "、".join(
        dict.fromkeys((column.choices or {}).values()))
    raise CellError(f"“{_shown(raw)}”不是可选的值（可填：{shown}）。")


def _url(raw, column: Column) -> str:
    text = str(raw).strip()
    if not re.match(r"^https?://[^\s/]+", text, re.IGNORECASE) or re.search(r"\s", text):
        raise CellError(f"不是有效的网址：“{_shown(raw)}”（应以 http:// 或 https:// 开头）。")
    if column.max_length is not None and len(text) > column.max_length:
        raise CellError(f"网址太长：最多 {column.max_length} 个字符。")
    return text


_READERS = {"text": _text, "int": _int, "decimal": _decimal, "date": _date, "choice": _choice, "url": _url}

KIND_HINTS = {
    "text": "文字",
    "int": "整数，可写 1,234 或 1.2万",
    "date": "日期，如 2026-12-01、2026/12/1 或 2026年12月1日",
    "decimal": "数字，可带小数",
    "choice": "从可选值中选一个",
    "url": "网址，以 http:// 或 https:// 开头",
}


def header_label(column: Column) -> str:
    return column.label + ("*" if column.required else "")


def describe(column: Column) -> str:
    """What a column takes, in words (the template's comments and its 填写说明 sheet)."""
    parts = ["必填" if column.required else "选填", KIND_HINTS[column.kind]]
    if column.max_length:
        parts.append(f"最多 {column.max_length} 字")
    if column.choices:
        parts.append("可填：" + "、".join(dict.fromkeys(n for n, c in column.choices.items() if n != c)))
    if column.help:
        parts.append(column.help)
    return "；".join(parts)


def _example_value(column: Column, row: dict):
    value = row.get(column.key)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    return "" if value is None else value


def template_xlsx(columns: list[Column], *, title: str, example_rows: list[dict]) -> bytes:
    """An Excel template: the header on row 1 (required columns marked *), each column's
    rules as a comment on its header, example rows below, and a 填写说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = re.sub(r"[\\/*?:\[\]]", "", title)[:31] or "数据"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=header_label(column))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(describe(column), "融媒")
        sheet.column_dimensions[get_column_letter(position)].width = max(12, min(40, len(column.label) * 3 + 6))
    for number, example in enumerate(example_rows, start=2):
        for position, column in enumerate(columns, start=1):
            cell = sheet.cell(row=number, column=position, value=_example_value(column, example))
            if column.kind == "date" and isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append([f"{title}：填写说明"])
    notes["A1"].font = bold
    notes.append(["第一张工作表的第一行是列名，请保留；从第二行起每行一条数据。示例行请替换为真实数据后再上传。带 * 的列必填。"])
    notes.append([])
    notes.append(["列名", "是否必填", "填写要求"])
    for cell in notes[4]:
        cell.font = bold
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", describe(column)])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    out = io.BytesIO()
    safe_workbook(workbook).save(out)
    return out.getvalue()


def template_csv(columns: list[Column], example_rows: list[dict]) -> bytes:
    """A CSV template in UTF-8 with a byte-order mark (so Excel opens it without garbling
    the Chinese): the header, then the example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(header_label(c) for c in columns))
    for example in example_rows:
        row = []
        for column in columns:
            value = _example_value(column, example)
            row.append(value.isoformat() if isinstance(value, dt.date) else value)
        writer.writerow(safe_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
