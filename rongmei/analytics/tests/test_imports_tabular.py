"""core.tabular: the spreadsheet reader every import uses (analytics' reach figures,
appraisal's 外宣 pickups). Files as Chinese desks make them: GBK CSV from Excel, XLSX with
real date cells, "1.2万"; every bad cell named with the row number the sheet shows."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from rongmei.core.tabular import Column, read_table, template_csv, template_xlsx

COLUMNS = [
    Column("outlet", "平台", "choice", required=True, choices={"抖音": "douyin", "今日头条": "toutiao", "douyin": "douyin"}),
    Column("day", "日期", "date", required=True),
    Column("title", "标题", max_length=10),
    Column("url", "链接", "url"),
    Column("reads", "阅读/播放", "int", required=True, aliases=("播放量",)),
    Column("ratio", "比例", "decimal"),
]


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_gbk_csv_with_chinese_numbers_and_dates():
    text = ("平台,日期*,标题,播放量（次）\r\n"
            "抖音,2026/12/1,冬季旅游,\"1,234\"\r\n"
            "今日头条,2026年12月2日,开幕式,1.2万\r\n"
            "douyin,2026-12-03,,0\r\n")
    table = read_table(text.encode("gbk"), COLUMNS)
    assert table.fatal == "" and table.errors == []
    assert table.rows == [
        (2, {"outlet": "douyin", "day": dt.date(2026, 12, 1), "title": "冬季旅游", "url": None, "reads": 1234, "ratio": None}),
        (3, {"outlet": "toutiao", "day": dt.date(2026, 12, 2), "title": "开幕式", "url": None, "reads": 12000, "ratio": None}),
        (4, {"outlet": "douyin", "day": dt.date(2026, 12, 3), "title": None, "url": None, "reads": 0, "ratio": None}),
    ]


def test_utf8_bom_csv_and_tab_separated_utf16():
    bom = "\ufeff平台,日期,阅读/播放\n抖音,2026-12-01,5\n".encode("utf-8")
    assert read_table(bom, COLUMNS).rows[0][1]["reads"] == 5
    utf16 = "平台\t日期\t阅读/播放\r\n抖音\t2026-12-01\t7\r\n".encode("utf-16")
    assert read_table(utf16, COLUMNS).rows[0][1]["reads"] == 7


def test_every_bad_cell_is_named_with_the_sheet_row_number():
    text = ("平台,日期,标题,链接,阅读/播放,比例\n"
            "抖音,2026-12-01,好,https://example.com/a,10,0.5\n"
            "\n"  # a blank line is skipped but still counts in the sheet's numbering
            "快手,2026-02-30,这是一个超过十个字的很长的标题,ftp://x,十二,abc\n"
            ",,,,-3,\n")
    table = read_table(text.encode("utf-8"), COLUMNS)
    assert [number for number, _ in table.rows] == [2]
    found = {(e.row, e.field): e.message for e in table.errors}
    assert found[(4, "平台")].startswith("“快手”不是可选的值")
    assert found[(4, "日期")] == "没有这一天：“2026-02-30”。"
    assert "最多 10 个字" in found[(4, "标题")]
    assert "不是有效的网址" in found[(4, "链接")]
    assert found[(4, "阅读/播放")].startswith("不是整数：“十二”")
    assert found[(4, "比例")].startswith("不是数字")
    assert found[(5, "平台")] == "必填，不能为空。"
    assert found[(5, "日期")] == "必填，不能为空。"
    assert found[(5, "阅读/播放")] == "不能是负数：“-3”。"
    assert table.bad_rows == [4, 5]


def test_xlsx_with_excel_date_cells_and_a_gap():
    data = _xlsx([["日期", "平台", "阅读/播放"],
                  [dt.datetime(2026, 12, 1), "抖音", 1500],
                  [None, None, None],
                  [46000, "抖音", 12.0],  # a date cell Excel stored as a plain serial number
                  ["2026/12/5", "今日头条", "3.5万"]])
    table = read_table(data, COLUMNS)
    assert table.errors == []
    assert [(n, r["day"], r["reads"]) for n, r in table.rows] == [
        (2, dt.date(2026, 12, 1), 1500), (4, dt.date(2025, 12, 9), 12), (5, dt.date(2026, 12, 5), 35000)]


def test_missing_columns_and_unreadable_files_are_fatal():
    assert read_table("平台,标题\n抖音,x\n".encode(), COLUMNS).fatal == \
        "缺少列：日期、阅读/播放。请使用下载的模板，第一行保留列名。"
    assert "不支持旧版 Excel" in read_table(b"\xd0\xcf\x11\xe0" + b"\0" * 100, COLUMNS).fatal
    assert "无法读取这个 Excel 文件" in read_table(b"PK\x03\x04not really a zip", COLUMNS).fatal
    assert "文件是空的" in read_table(b"  \n", COLUMNS).fatal
    assert "文件太大" in read_table(b"x" * 2000, COLUMNS, max_bytes=1000).fatal
    many = "平台,日期,阅读/播放\n" + "抖音,2026-12-01,1\n" * 6
    assert read_table(many.encode(), COLUMNS, max_rows=5).fatal == "数据超过 5 行：请拆分成几个文件分批导入。"
    twice = read_table("日期,日期,平台,阅读/播放\n".encode(), COLUMNS)
    assert twice.fatal.startswith("列“日期”出现了 2 次")


def test_templates_read_back_as_their_examples():
    examples = [{"outlet": "抖音", "day": dt.date(2026, 12, 1), "title": "示例", "reads": 12800}]
    xlsx = template_xlsx(COLUMNS, title="内容传播数据", example_rows=examples)
    sheet = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["平台*", "日期*", "标题", "链接", "阅读/播放*", "比例"]
    assert "必填" in sheet["A1"].comment.text and "抖音" in sheet["A1"].comment.text
    assert isinstance(sheet["B2"].value, dt.datetime)  # a real date cell
    expected = [(2, {"outlet": "douyin", "day": dt.date(2026, 12, 1), "title": "示例", "url": None, "reads": 12800,
                     "ratio": None})]
    assert read_table(xlsx, COLUMNS).rows == expected
    csv_bytes = template_csv(COLUMNS, examples)
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    assert read_table(csv_bytes, COLUMNS).rows == expected


def test_title_lines_above_the_header_are_skipped():
    data = _xlsx([["抖音作品数据导出 2026-12-01 至 2026-12-07"],
                  [],
                  ["作品标题", "日期", "播放量", "平台"],
                  ["冬季旅游", "2026-12-01", "2.5万", "抖音"],
                  ["开幕", "2026-12-02", "x", "抖音"]])
    table = read_table(data, COLUMNS)
    assert table.rows == [(4, {"outlet": "douyin", "day": dt.date(2026, 12, 1), "title": None, "url": None,
                               "reads": 25000, "ratio": None})]
    assert [(e.row, e.field) for e in table.errors] == [(5, "阅读/播放")]
