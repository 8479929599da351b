"""Importing and exporting the lists: all or nothing, the bad line named, exact round trip."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path

import pytest

from rongmei.review.checks import (
    Lexicon,
    LexiconEntry,
    LexiconError,
    Official,
    TypoPair,
    WordingPair,
    export_lexicon,
    export_officials,
    export_typos,
    export_wording,
    parse_lexicon,
    parse_officials,
    parse_typos,
    parse_wording,
)
from rongmei.review.checks import lexicon_io

CSV = "term,category,severity,note\n赌博网站,违法信息,block,\n根治,医疗用语,warn,慎用\n"


def error(parse, data, **kwargs) -> LexiconError:  # type: ignore[no-untyped-def]
    with pytest.raises(LexiconError) as caught:
        parse(data, **kwargs)
    return caught.value


# ---------------------------------------------------------------- reading


def test_csv_lexicon() -> None:
    lexicon = parse_lexicon(CSV.encode())
    assert lexicon.items == (
        LexiconEntry("赌博网站", "违法信息", "block", ""),
        LexiconEntry("根治", "医疗用语", "warn", "慎用"),
    )


def test_plain_text_lexicon_with_comments_and_optional_columns() -> None:
    text = "# 示例县 敏感词\n\n赌博网站\n  代开发票|违法信息  \n根治|医疗用语|warn|慎用\n"
    lexicon = parse_lexicon(text)
    assert [(e.term, e.category, e.severity, e.note) for e in lexicon] == [
        ("赌博网站", "", "block", ""),
        ("代开发票", "违法信息", "block", ""),
        ("根治", "医疗用语", "warn", "慎用"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-8"),
        codecs.BOM_UTF8 + CSV.encode("utf-8"),
        CSV.encode("gb18030"),
        CSV.encode("gbk"),
        codecs.BOM_UTF16_LE + CSV.replace(",", "\t").encode("utf-16-le"),
        CSV.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-tab", "crlf-gb18030"],
)
def test_encodings_excel_produces(data: bytes) -> None:
    assert [e.term for e in parse_lexicon(data)] == ["赌博网站", "根治"]


def test_text_row_with_a_comma_in_its_note_is_not_taken_for_a_header() -> None:
    lexicon = parse_lexicon("根治|医疗用语|warn|慎用, 见说明\n赌博网站\n")
    assert [(e.term, e.note) for e in lexicon] == [("根治", "慎用, 见说明"), ("赌博网站", "")]


def test_columns_in_any_order_chinese_header_and_severity_words() -> None:
    data = "级别,词条\n拦截,赌博网站\n提示,根治\n"
    lexicon = parse_lexicon(data)
    assert [(e.term, e.severity) for e in lexicon] == [("赌博网站", "block"), ("根治", "warn")]


def test_quoted_cells_may_hold_commas() -> None:
    lexicon = parse_lexicon('term,note\n赌博网站,"违法, 见《刑法》第三百零三条"\n')
    assert lexicon.items[0].note == "违法, 见《刑法》第三百零三条"


def test_identical_duplicates_keep_the_first() -> None:
    lexicon = parse_lexicon("赌博网站\n赌博网站\n赌 博网站|违法信息\n")
    assert [e.term for e in lexicon] == ["赌博网站"]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "data, line, words",
    [
        ("term,category,severity,note\n赌博网站,,block,\n,违法,block,\n", 3, ["词条", "为空"]),
        ("term,severity\n赌博网站,block\n代开发票,forbid\n", 3, ["forbid", "block", "warn"]),
        ("term,category\n赌博网站,违法\n代开发票,违法,block\n", 3, ["列数过多", "2 列", "3 列"]),
        ("term,severity\n赌博网站,block\n根治,warn\n赌 博网站,warn\n", 4, ["第 2 行", "级别不同"]),
        ("term\n赌博网站\n" + "长" * 51 + "\n", 3, ["51", "50"]),
        ("term\n赌博网站\n***\n", 3, ["标点"]),
        ("term\n=HYPERLINK(\"x\")\n", 2, ["公式"]),
        ("terms,category\n赌博网站,违法\n", 1, ["terms", "可用的列"]),
        ("category,note\n违法,说明\n", 1, ["缺少必填列", "term"]),
        ("赌博网站\n代开发票|违法|block|说明|多余\n", 2, ["列数过多"]),
        ("赌博网站\n代开发票,违法\n", 2, ["英文逗号", "表头"]),
        ("# 只有注释\n\n", 1, ["没有任何"]),
        ("", 1, ["没有任何"]),
        ('term,note\n赌博网站,"两\n行"\n', 2, ["换行"]),
    ],
)
def test_bad_line_is_named_and_nothing_is_imported(data: str, line: int, words: list[str]) -> None:
    problem = error(parse_lexicon, data.encode())
    assert problem.line == line
    assert str(problem).startswith(f"第 {line} 行：")
    for word in words:
        assert word in problem.message


def test_binary_content_is_refused_with_its_line() -> None:
    problem = error(parse_lexicon, b"term\n\xe8\xb5\x8c\n\x00\x01PK\x03\x04")
    assert problem.line == 3 and "二进制" in problem.message
    problem = error(parse_lexicon, "term\n赌博\x07网站\n")
    assert problem.line == 2 and "二进制" in problem.message
    xlsx = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))
    assert "另存为" in error(parse_lexicon, xlsx).message


def test_undecodable_bytes_name_their_line() -> None:
    data = "term\n赌博网站\n".encode() + b"\xff\xfe\xfd\xff\n"
    problem = error(parse_lexicon, data)
    assert problem.line == 3 and "编码" in problem.message


def test_a_record_wrapped_by_quotes_reports_its_first_line() -> None:
    data = 'term,note\n赌博网站,"说明"\n根治,"说明",多\n'
    assert error(parse_lexicon, data).line == 3


def test_wording_errors() -> None:
    assert "相同" in error(parse_wording, "wrong,right\n县融媒中心,县融媒中心\n").message
    conflict = error(parse_wording, "wrong,right\n县政府办,县政府办公室\n县政府办,县人民政府办公室\n")
    assert conflict.line == 3 and "正确写法不同" in conflict.message
    chain = error(parse_wording, "住建局|县住建局\n县住建局|县住房和城乡建设局\n")
    assert chain.line == 2 and "第 1 行是正确写法" in chain.message
    assert "正确写法" in error(parse_wording, "wrong,right\n县政府办,\n").message


def test_officials_errors() -> None:
    assert error(parse_officials, "name,title\n孙建国,\n").line == 2
    bad_date = error(parse_officials, "name,title,valid_from\n孙建国,局长,2025-02-30\n")
    assert bad_date.line == 2 and "2025-02-30" in bad_date.message
    assert "空格" in error(parse_officials, "name,title\n孙 建国,局长\n").message
    assert "20" in error(parse_officials, "name,title\n" + "名" * 21 + ",局长\n").message


def test_officials_dates_in_several_spellings() -> None:
    officials = parse_officials(
        "name,title,valid_from\n李明,副县长,2021/5/1\n李明,县长,2025年3月1日\n周文华,县教育局局长,\n"
    )
    assert [o.valid_from for o in officials] == [dt.date(2021, 5, 1), dt.date(2025, 3, 1), None]


# ---------------------------------------------------------------- round trip


def test_round_trip_is_exact() -> None:
    lexicon = Lexicon([
        LexiconEntry("赌博网站", "违法信息", "block", ""),
        LexiconEntry("根治", "医疗用语", "warn", "“根治欠薪”等, 固定说法可以保留"),
        LexiconEntry('带"引号"的词', "", "block", "说明"),
    ])
    exported = export_lexicon(lexicon)
    assert exported.splitlines()[0] == "term,category,severity,note"
    again = parse_lexicon(exported)
    assert again.items == lexicon.items
    assert export_lexicon(again) == exported
    assert parse_lexicon(exported.encode("utf-8-sig")).items == lexicon.items

    wording = [WordingPair("县政府办", "县政府办公室", "block", "用全称")]
    assert parse_wording(export_wording(wording)).items == tuple(wording)
    officials = [Official("李明", "县长", dt.date(2025, 3, 1)), Official("周文华", "县教育局局长")]
    assert parse_officials(export_officials(officials)).items == tuple(officials)
    typos = [TypoPair("再接再励", "再接再厉", "")]
    assert parse_typos(export_typos(typos)).items == tuple(typos)


def test_parsed_lists_have_a_content_version() -> None:
    assert parse_lexicon(CSV).key == parse_lexicon(CSV.encode("gb18030")).key
    assert parse_lexicon(CSV).key != parse_lexicon(CSV + "代开发票,,block,\n").key
    assert parse_lexicon(CSV, version="7").key == "Lexicon:7"


# ---------------------------------------------------------------- the documentation


def _docstring_examples(doc: str) -> list[str]:
    """The indented example blocks after each 示例 line of the module docstring."""
    blocks = re.findall(r"示例（[^）]+）：\n\n((?:(?: {8}.*)?\n)+)", doc)
    return ["\n".join(line[8:] for line in block.strip("\n").splitlines()) for block in blocks]


def _markdown_examples(doc: str) -> list[str]:
    """The fenced blocks after each 示例 line of FORMAT.md."""
    return [block.strip("\n") for block in re.findall(r"示例（[^）]+）：\n\n```\n(.*?)```", doc, re.S)]


def test_format_doc_is_the_module_docstring_and_its_examples_parse() -> None:
    markdown = (Path(lexicon_io.__file__).parent / "FORMAT.md").read_text(encoding="utf-8")
    examples = _markdown_examples(markdown)
    assert examples == _docstring_examples(lexicon_io.__doc__ or "")
    assert len(examples) == 3
    assert len(parse_lexicon(examples[0])) == 3
    assert len(parse_lexicon(examples[1])) == 3
    assert len(parse_wording(examples[2])) == 2
