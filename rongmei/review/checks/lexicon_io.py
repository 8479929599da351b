"""词库导入导出格式 (import and export format of the check lists).

敏感词库、规范表述、领导职务名单、易错字词四种名单都是数据，不是代码：由各中心管理员整理，
导入系统，随时导出修改后再导入。每种名单都可以写成 CSV 表格或纯文本。

编码
    UTF-8（带不带 BOM 都可以），或 GB18030/GBK（中文 Windows 上的 Excel “另存为 CSV”
    默认就是这种编码），或带 BOM 的 UTF-16（Excel “Unicode 文本”，以制表符分隔）。

CSV 表格
    第一行是表头，列名用英文（也可以用括号里的中文列名），列的顺序不限，可选列可以省略。
    分隔符是英文逗号或制表符。单元格里有逗号或双引号时，用英文双引号把整格括起来，
    格内的双引号写两遍（Excel 会自动这样保存）。空行忽略；表头之前可以有 # 开头的注释行。

    敏感词库      term（词条，必填）, category（分类）, severity（级别）, note（说明）
    规范表述      wrong（错误写法，必填）, right（正确写法，必填）, severity（级别）, note（说明）,
                  scope（范围）
    领导职务名单  name（姓名，必填）, title（职务，必填）, valid_from（任职日期）
    易错字词      wrong（错误写法，必填）, right（正确写法，必填）, note（说明）

    级别 severity：block（拦截：未改正或未经终审写明理由放行，不能签发）或
    warn（提示：提醒编辑核实）。也可以写中文“拦截”“提示”。敏感词默认 block，
    规范表述默认 warn，易错字词一律 warn。
    范围 scope（规范表述）：first（首次出现用全称：错误写法是正确写法的简称，同一段文字里
    全称出现之后可以用简称，只查全称之前的第一处简称）或 all（每处都查）。不写时，说明里
    有“首次出现用全称”的按 first，其余按 all。
    任职日期 valid_from：写成 2025-03-01（也接受 2025/3/1、2025年3月1日）；
    同一人有几行时，已到任职日期的最新一行是现任职务，较早的是此前职务。

    示例（敏感词库）：

        term,category,severity,note
        赌博网站,违法信息,block,
        代开发票,违法信息,block,涉嫌虚开发票
        根治,医疗用语,warn,“根治欠薪”等固定说法可以保留

纯文本
    每行一条，用竖线 | 分隔各列，列的顺序就是上面 CSV 的顺序，后面的列可以省略；
    以 # 开头的行是注释，空行忽略。最简单的敏感词库就是每行一个词。

    示例（敏感词库）：

        # 示例县融媒体中心 敏感词
        赌博网站
        代开发票|违法信息|block|涉嫌虚开发票
        根治|医疗用语|warn

    示例（规范表述）：

        县融媒中心|县融媒体中心
        住建局|县住房和城乡建设局|warn|首次出现用全称

检查规则（整份文件全部正确才导入，任何一行有错就一条也不导入，并指出第几行错在哪里）
    - 必填列不能为空；词条、写法、职务不超过 50 个字，姓名不超过 20 个字（中间不能有空格），
      分类不超过 20 个字，说明不超过 200 个字；
    - 级别只能是 block 或 warn；任职日期必须是日历上有的日期；
    - 一行的列数不能多于表头（纯文本格式不能多于该名单的列数）；单元格内不能换行，
      不能以 = 开头（那是 Excel 公式）；纯文本格式里只有一列却含英文逗号的行不接受
      （多半是忘了表头的 CSV）；
    - 敏感词只有空格和标点时无法匹配，不接受；
    - 同一词条（忽略空格、标点、全半角和大小写后相同）出现两次：级别相同的只保留第一行，
      级别不同的不接受；其他名单完全相同的重复行只保留第一行；
    - 规范表述、易错字词的错误写法与正确写法不能相同；同一错误写法不能对应两种正确写法；
      一种正确写法不能又被列为错误写法（请直接写成最终的正确写法）；
    - 文件不能是空的，最多 200,000 条；不能含有二进制内容（例如直接上传 .xlsx 文件，
      请先在 Excel 里“另存为”CSV）。

导出
    导出为 UTF-8 CSV（含表头、全部列、英文列名和英文级别），再导入得到完全相同的名单。
    以 = + - @ 开头的单元格导出时前面加一个英文单引号 '（Excel 就不会当成公式），
    导入时再去掉这个单引号。
    给 Excel 打开时请以带 BOM 的 UTF-8 保存（`export_*(...).encode("utf-8-sig")`）。
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from rongmei.core.exports import restore_cell, safe_row

from .normalize import normalize_term
from .types import (
    Lexicon,
    LexiconEntry,
    Official,
    Officials,
    Severity,
    TypoPair,
    Typos,
    Wording,
    WordingPair,
)

Format = Literal["auto", "csv", "text"]
T = TypeVar("T")

MAX_ROWS = 200_000
MAX_TERM = 50
MAX_NAME = 20
MAX_NOTE = 200
MAX_CATEGORY = 20

_SEVERITY_WORDS: dict[str, Severity] = {
    "block": "block", "拦截": "block", "禁止": "block", "禁用": "block",
    "warn": "warn", "提示": "warn", "警告": "warn", "提醒": "warn",
}
_BINARY = (
    "文件含有二进制内容，不是文本或 CSV 文件。如果是 Excel 表格，"
    "请先“另存为”CSV（UTF-8）再导入。"
)
# Control characters (category Cc) other than tab and line feed: a sign of binary content.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


class LexiconError(ValueError):
    """A list file that cannot be imported, with the line that is wrong (1 = first line)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"第 {line} 行：{message}")


class _RowError(Exception):
    """A problem in one row; `_parse` adds the line number."""


@dataclass(frozen=True)
class _Column:
    name: str
    label: str          # Chinese name: accepted in the header and used in messages
    required: bool = False


@dataclass(frozen=True)
class _Kind(Generic[T]):
    """How one kind of list reads, checks and writes its rows."""

    label: str
    columns: tuple[_Column, ...]
    build: Callable[[dict[str, str]], T]
    key: Callable[[T], object]
    conflict: Callable[[T, T], str]          # why two rows with one key disagree; "" if equal
    row: Callable[[T], list[str]]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


# ---------------------------------------------------------------- public API


def parse_lexicon(data: bytes | str, format: Format = "auto", version: str = "") -> Lexicon:
    """A sensitive-term lexicon from CSV or text; LexiconError (nothing imported) if bad."""
    return Lexicon(_items(_parse(data, _LEXICON, format)), version)


def parse_wording(data: bytes | str, format: Format = "auto", version: str = "") -> Wording:
    """Prescribed-wording pairs from CSV or text; LexiconError if any line is bad."""
    rows = _parse(data, _WORDING, format)
    _check_chains(rows)
    return Wording(_items(rows), version)


def parse_officials(data: bytes | str, format: Format = "auto", version: str = "") -> Officials:
    """The list of people and titles from CSV or text; LexiconError if any line is bad."""
    return Officials(_items(_parse(data, _OFFICIALS, format)), version)


def parse_typos(data: bytes | str, format: Format = "auto", version: str = "") -> Typos:
    """Typo pairs from CSV or text; LexiconError if any line is bad."""
    rows = _parse(data, _TYPOS, format)
    _check_chains(rows)
    return Typos(_items(rows), version)


def export_lexicon(lexicon: Iterable[LexiconEntry]) -> str:
    """The lexicon as CSV text; parsing it gives the same lexicon back."""
    return _export(_LEXICON, lexicon)


def export_wording(wording: Iterable[WordingPair]) -> str:
    return _export(_WORDING, wording)


def export_officials(officials: Iterable[Official]) -> str:
    return _export(_OFFICIALS, officials)


def export_typos(typos: Iterable[TypoPair]) -> str:
    return _export(_TYPOS, typos)


# ---------------------------------------------------------------- reading


def _items(rows: list[tuple[int, T]]) -> list[T]:
    return [item for _, item in rows]


def _parse(data: bytes | str, kind: _Kind[T], format: Format) -> list[tuple[int, T]]:
    """(line, row) for a whole file, or LexiconError for the first bad line (and no rows)."""
    text = decode(data)
    if format == "csv" or (format == "auto" and _looks_like_csv(text, kind)):
        rows = _csv_rows(text, kind)
    else:
        rows = _text_rows(text, kind)
    items: list[tuple[int, T]] = []
    seen: dict[object, tuple[T, int]] = {}
    for line, values in rows:
        if len(items) >= MAX_ROWS:
            raise LexiconError(line, f"条目超过 {MAX_ROWS} 条的上限。请拆分后分批导入。")
        item = _build(kind, values, line)
        key = kind.key(item)
        if key in seen:
            first, first_line = seen[key]
            reason = kind.conflict(first, item)
            if reason:
                raise LexiconError(line, f"与第 {first_line} 行重复，但{reason}。请只保留一行。")
            continue  # the same row twice: keep the first
        seen[key] = (item, line)
        items.append((line, item))
    if not items:
        raise LexiconError(1, f"文件里没有任何{kind.label}条目。")
    return items


def _build(kind: _Kind[T], values: dict[str, str], line: int) -> T:
    # Our exports put an apostrophe before text Excel would take for a formula; drop it.
    values = {name: restore_cell(value) for name, value in values.items()}
    for column in kind.columns:
        value = values.get(column.name, "")
        if column.required and not value:
            raise LexiconError(line, f"{column.label}（{column.name}）为空，这一列必须填写。")
        if "\n" in value or "\r" in value:
            raise LexiconError(line, f"{column.label}（{column.name}）里有换行，单元格内不能换行。")
        if value.startswith("="):
            raise LexiconError(
                line, f"{column.label}（{column.name}）以 = 开头，像是 Excel 公式，不能导入。"
            )
    try:
        return kind.build(values)
    except _RowError as exc:
        raise LexiconError(line, str(exc)) from None


def decode(data: bytes | str) -> str:
    """File bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.

    Line ends become line feeds, so that every line number we report is the one an editor
    sees, whatever system saved the file.
    """
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith(codecs.BOM_UTF8):
        text = _decode_strict(data[len(codecs.BOM_UTF8) :], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_strict(data, "utf-16")
    else:
        _reject_nul(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as utf8_error:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                line = data.count(b"\n", 0, utf8_error.start) + 1
                raise LexiconError(
                    line, "这一行的文字编码无法识别（不是 UTF-8，也不是 GB18030/GBK）。"
                    "请在 Excel 或记事本里“另存为”UTF-8 编码的 CSV 后再导入。"
                ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _reject_control(text)
    return text


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise LexiconError(line, f"这一行不是有效的 {encoding.upper()} 文字。请检查文件编码。") from None


def _reject_nul(data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise LexiconError(data.count(b"\n", 0, nul) + 1, _BINARY)


def _reject_control(text: str) -> None:
    control = _CONTROL.search(text)
    if control:
        raise LexiconError(text.count("\n", 0, control.start()) + 1, _BINARY)


def _looks_like_csv(text: str, kind: _Kind[T]) -> bool:
    """Whether the first line that is not blank or a comment is a CSV header.

    A line of known column names is one; so is any other comma-separated line without a
    | (a header with a misspelt column, which then gets its own clear error). A text-format
    row such as 根治|医疗用语|warn|慎用, 见说明 is not.
    """
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            cells = _header_cells(line)
            if all(cell in _column_names(kind) for cell in cells):
                return True
            return len(cells) > 1 and "|" not in line
    return False


def _header_cells(line: str) -> list[str]:
    delimiter = _delimiter(line)
    return [c.strip().strip('"').strip().lower() for c in line.split(delimiter)]


def _delimiter(header: str) -> str:
    return "\t" if "\t" in header and "," not in header else ","


def _column_names(kind: _Kind[T]) -> dict[str, str]:
    """Every accepted header word (English and Chinese) → the column's name."""
    names = {c.name: c.name for c in kind.columns}
    names.update({c.label: c.name for c in kind.columns})
    return names


def _csv_rows(text: str, kind: _Kind[T]) -> Iterator[tuple[int, dict[str, str]]]:
    lines = text.split("\n")
    first = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    if first is None:
        return
    reader = csv.reader(io.StringIO("\n".join(lines[first:])), delimiter=_delimiter(lines[first]))
    header = _read_header(next(reader), kind, first + 1)
    previous_end = reader.line_num
    for cells in reader:
        line = first + previous_end + 1  # where the record starts (a quoted cell may wrap)
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise LexiconError(
                line, f"列数过多：表头有 {len(header)} 列，这一行有 {len(cells)} 列。"
                "单元格里有逗号时，请用英文双引号把整格括起来。"
            )
        yield line, {name: cell.strip() for name, cell in zip(header, cells)}


def _read_header(cells: list[str], kind: _Kind[T], line: int) -> list[str]:
    known = _column_names(kind)
    header = []
    for cell in cells:
        word = cell.strip().lower()
        if word not in known:
            allowed = "、".join(f"{c.name}（{c.label}）" for c in kind.columns)
            raise LexiconError(line, f"表头里的「{cell.strip()}」不是可用的列名。可用的列：{allowed}。")
        if known[word] in header:
            raise LexiconError(line, f"表头里「{cell.strip()}」这一列出现了两次。")
        header.append(known[word])
    for column in kind.columns:
        if column.required and column.name not in header:
            raise LexiconError(line, f"表头缺少必填列 {column.name}（{column.label}）。")
    return header


def _text_rows(text: str, kind: _Kind[T]) -> Iterator[tuple[int, dict[str, str]]]:
    for line_number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = [c.strip() for c in stripped.split("|")]
        if len(cells) > len(kind.columns):
            raise LexiconError(
                line_number, f"列数过多：每行最多 {len(kind.columns)} 列"
                f"（{'|'.join(kind.names)}），这一行有 {len(cells)} 列。"
            )
        if "," in stripped and len(cells) == 1:
            raise LexiconError(
                line_number, "这一行含有英文逗号。纯文本格式用竖线 | 分隔各列；"
                f"如果这是 CSV 文件，第一行必须是表头（{','.join(kind.names)}）。"
            )
        yield line_number, dict(zip(kind.names, cells))


def _check_chains(rows: list[tuple[int, WordingPair]] | list[tuple[int, TypoPair]]) -> None:
    """A correct form listed again as a wrong form makes the fixes contradict each other."""
    right_forms = {pair.right: line for line, pair in rows}
    for line, pair in rows:
        if pair.wrong in right_forms:
            raise LexiconError(
                line, f"「{pair.wrong}」在第 {right_forms[pair.wrong]} 行是正确写法，"
                "这里又被列为错误写法。请直接写出最终的正确写法。"
            )


# ---------------------------------------------------------------- cell checks


def _text(values: dict[str, str], column: str, label: str, limit: int) -> str:
    value = values.get(column, "")
    if len(value) > limit:
        raise _RowError(f"{label}「{value[:10]}…」长 {len(value)} 个字，超过 {limit} 个字的上限。")
    return value


def _severity(values: dict[str, str], default: Severity) -> Severity:
    word = values.get("severity", "")
    if not word:
        return default
    severity = _SEVERITY_WORDS.get(word.lower())
    if severity is None:
        raise _RowError(f"级别「{word}」无法识别：只能是 block（拦截）或 warn（提示）。")
    return severity


def _date(values: dict[str, str]) -> dt.date | None:
    word = values.get("valid_from", "")
    if not word:
        return None
    for pattern in _DATE_FORMATS:
        match = pattern.match(word)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                break
    raise _RowError(f"任职日期「{word}」不是有效日期，请写成 2025-03-01 这样的格式。")


def _pair_parts(values: dict[str, str]) -> tuple[str, str, str]:
    wrong = _text(values, "wrong", "错误写法", MAX_TERM)
    right = _text(values, "right", "正确写法", MAX_TERM)
    if wrong == right:
        raise _RowError(f"错误写法和正确写法相同（都是「{wrong}」），这一行没有意义。请删去或改正。")
    return wrong, right, _text(values, "note", "说明", MAX_NOTE)


# ---------------------------------------------------------------- the four kinds


def _lexicon_entry(values: dict[str, str]) -> LexiconEntry:
    term = _text(values, "term", "词条", MAX_TERM)
    if not normalize_term(term):
        raise _RowError(f"词条「{term}」只有空格或标点，无法用于匹配。")
    return LexiconEntry(
        term=term,
        category=_text(values, "category", "分类", MAX_CATEGORY),
        severity=_severity(values, "block"),
        note=_text(values, "note", "说明", MAX_NOTE),
    )


def _lexicon_conflict(first: LexiconEntry, again: LexiconEntry) -> str:
    if first.severity != again.severity:
        return f"级别不同（{first.severity} 与 {again.severity}）"
    return ""


_SCOPE_WORDS = {"first": True, "首次": True, "首次出现": True, "首次出现用全称": True,
                "all": False, "每处": False, "全部": False}
FIRST_ONLY_NOTE = "首次出现用全称"


def _scope(values: dict[str, str], note: str) -> bool:
    """Whether a wording pair applies to the first occurrence only. Without a scope, a note
    saying 首次出现用全称 means exactly that (the format's own example)."""
    word = values.get("scope", "")
    if not word:
        return FIRST_ONLY_NOTE in note
    if word.lower() not in _SCOPE_WORDS:
        raise _RowError(f"范围「{word}」无法识别：只能是 first（首次出现用全称，全称之后可用简称）或 all（每处都查）。")
    return _SCOPE_WORDS[word.lower()]


def _wording_pair(values: dict[str, str]) -> WordingPair:
    wrong, right, note = _pair_parts(values)
    return WordingPair(wrong, right, _severity(values, "warn"), note, _scope(values, note))


def _pair_conflict(first: WordingPair | TypoPair, again: WordingPair | TypoPair) -> str:
    if first.right != again.right:
        return f"正确写法不同（「{first.right}」与「{again.right}」）"
    if getattr(first, "severity", "") != getattr(again, "severity", ""):
        return "级别不同"
    return ""


def _typo_pair(values: dict[str, str]) -> TypoPair:
    wrong, right, note = _pair_parts(values)
    return TypoPair(wrong, right, note)


def _official(values: dict[str, str]) -> Official:
    name = _text(values, "name", "姓名", MAX_NAME)
    if any(ch.isspace() for ch in name):
        raise _RowError(f"姓名「{name}」中间有空格，请去掉。")
    return Official(name, _text(values, "title", "职务", MAX_TERM), _date(values))


_LEXICON: _Kind[LexiconEntry] = _Kind(
    label="敏感词",
    columns=(
        _Column("term", "词条", required=True),
        _Column("category", "分类"),
        _Column("severity", "级别"),
        _Column("note", "说明"),
    ),
    build=_lexicon_entry,
    key=lambda e: normalize_term(e.term),
    conflict=_lexicon_conflict,
    row=lambda e: [e.term, e.category, e.severity, e.note],
)
_WORDING: _Kind[WordingPair] = _Kind(
    label="规范表述",
    columns=(
        _Column("wrong", "错误写法", required=True),
        _Column("right", "正确写法", required=True),
        _Column("severity", "级别"),
        _Column("note", "说明"),
        _Column("scope", "范围"),
    ),
    build=_wording_pair,
    key=lambda p: p.wrong,
    conflict=_pair_conflict,
    row=lambda p: [p.wrong, p.right, p.severity, p.note, "first" if p.first_only else "all"],
)
_OFFICIALS: _Kind[Official] = _Kind(
    label="领导职务",
    columns=(
        _Column("name", "姓名", required=True),
        _Column("title", "职务", required=True),
        _Column("valid_from", "任职日期"),
    ),
    build=_official,
    key=lambda o: o,
    conflict=lambda first, again: "",
    row=lambda o: [o.name, o.title, o.valid_from.isoformat() if o.valid_from else ""],
)
_TYPOS: _Kind[TypoPair] = _Kind(
    label="易错字词",
    columns=(
        _Column("wrong", "错误写法", required=True),
        _Column("right", "正确写法", required=True),
        _Column("note", "说明"),
    ),
    build=_typo_pair,
    key=lambda p: p.wrong,
    conflict=_pair_conflict,
    row=lambda p: [p.wrong, p.right, p.note],
)


# ---------------------------------------------------------------- writing


def _export(kind: _Kind[T], items: Iterable[T]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(kind.names)
    writer.writerows(safe_row(kind.row(item)) for item in items)
    return out.getvalue()
