"""The newspaper typesetting package: Word, XML, pictures and a manifest, byte-stable."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from rongmei.distribution.formatters.newspaper import newspaper_package
from rongmei.distribution.formatters.types import PublishImage
from rongmei.newsroom.generators.text import count_chars

from .samples import flood_item, newspaper_rendition, with_files

STEM = "demo-story-42"


@pytest.fixture
def item(tmp_path):
    return with_files(flood_item(), tmp_path)


@pytest.fixture
def package(item):
    return newspaper_package(item)


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def test_package_holds_docx_xml_pictures_and_manifest(package):
    assert list(package) == [
        f"{STEM}.docx", f"{STEM}.xml", f"{STEM}-01.jpg", f"{STEM}-02.png", "manifest.json",
    ]


def test_docx_sets_the_headlines_in_order_with_their_styles(package):
    doc = open_docx(package[f"{STEM}.docx"])
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styled[:4] == [
        ("引题", "闻“汛”而动 连夜排涝"),
        ("主标题", "示例县迎战入汛以来最强降雨 城区积水点半小时内消退"),
        ("副标题", "今年改造老旧排水管网12.6公里，易涝点由23处减至6处"),
        ("作者", "本报记者 王磊　通讯员 张晓燕　本报摄影记者 李娜"),
    ]
    assert styled[4] == ("图片说明", f"【图1 {STEM}-01.jpg】（图片说明：7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。 摄影：李娜）")
    assert styled[5][0] == "正文" and styled[5][1].startswith("本报讯（记者 王磊")
    assert ("小标题", "排水管网改造见成效") in styled
    assert ("正文", "1. 遇积水及时拨打12345热线；") in styled
    assert [s for s, _ in styled].count("图片说明") == 2


def test_headline_is_large_and_bold_and_body_is_indented_two_characters(package):
    doc = open_docx(package[f"{STEM}.docx"])
    headline, body = doc.styles["主标题"], doc.styles["正文"]
    assert headline.font.bold and headline.font.size == Pt(22)
    assert body.font.size == Pt(10.5)
    assert body.paragraph_format.first_line_indent == Pt(21)  # two 10.5 pt characters
    assert body.element.pPr.ind.get(qn("w:firstLineChars")) == "200"


@pytest.mark.parametrize(
    ("style", "typeface"),
    [("Normal", "宋体"), ("正文", "宋体"), ("主标题", "黑体"), ("引题", "黑体"), ("副标题", "楷体"), ("图片说明", "楷体")],
)
def test_chinese_typefaces_are_set_for_east_asian_text(package, style, typeface):
    fonts = open_docx(package[f"{STEM}.docx"]).styles[style].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == typeface
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert fonts.get(qn("w:eastAsiaTheme")) is None


def test_docx_is_a4_and_its_properties_come_from_the_story(package):
    doc = open_docx(package[f"{STEM}.docx"])
    assert round(doc.sections[0].page_width.cm, 1) == 21.0
    props = doc.core_properties
    assert props.title == "示例县迎战入汛以来最强降雨 城区积水点半小时内消退"
    assert props.author == "示例县融媒体中心"
    assert props.revision == 3
    assert props.created.isoformat() == "2024-07-03T01:15:30+00:00"  # 09:15:30 in Beijing


def test_xml_is_well_formed_and_documents_the_story(package):
    root = parse_xml(package[f"{STEM}.xml"])
    assert package[f"{STEM}.xml"].startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert root.tag == "article"
    assert root.get("guid") == "urn:rongmei:demo:story:42"
    assert (root.get("version"), root.get("kind"), root.get("status")) == ("3", "original", "usable")
    assert root.get("published") == "2024-07-03"
    assert [child.tag for child in root] == ["kicker", "headline", "subheadline", "byline", "body"]
    body = root.find("body")
    assert [c.tag for c in body][:3] == ["picture", "p", "p"]
    assert body.find("subhead").text == "排水管网改造见成效"


def test_xml_character_count_matches_the_body(package):
    root = parse_xml(package[f"{STEM}.xml"])
    body = root.find("body")
    counted = sum(count_chars(e.text) for e in body if e.tag in ("p", "subhead"))
    assert int(root.get("chars")) == int(body.get("chars")) == counted
    assert counted > 100


def test_xml_pictures_name_their_files_captions_and_credits(package):
    pictures = parse_xml(package[f"{STEM}.xml"]).findall("body/picture")
    assert [p.get("file") for p in pictures] == [f"{STEM}-01.jpg", f"{STEM}-02.png"]
    assert pictures[1].get("caption") == "图片说明：改造后的青山镇排水泵站。 李娜 摄"
    assert pictures[0].get("credit") == "李娜"
    assert pictures[0].get("width") == "1080"


def test_original_pictures_are_copied_byte_for_byte(item, package):
    assert package[f"{STEM}-01.jpg"] == Path(item.images[0].path).read_bytes()
    assert package[f"{STEM}-02.png"] == Path(item.images[1].path).read_bytes()


def test_manifest_lists_every_file_with_its_sha256(package):
    manifest = json.loads(package["manifest.json"])
    assert manifest["guid"] == "urn:rongmei:demo:story:42" and manifest["version"] == 3
    assert manifest["kind"] == "original"
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(package) - {"manifest.json"}
    for name, data in package.items():
        if name != "manifest.json":
            assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
            assert listed[name]["size"] == len(data)
    assert listed[f"{STEM}-01.jpg"]["role"] == "picture"
    assert manifest["missing_pictures"] == [] and manifest["warnings"] == []


def test_same_item_gives_the_same_bytes(item):
    assert newspaper_package(item) == newspaper_package(item)


def test_docx_zip_entries_carry_no_clock(package):
    with zipfile.ZipFile(io.BytesIO(package[f"{STEM}.docx"])) as archive:
        assert {e.date_time for e in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_new_version_gives_other_bytes(item):
    from dataclasses import replace

    assert newspaper_package(item)[f"{STEM}.docx"] != newspaper_package(replace(item, version=4))[f"{STEM}.docx"]


def test_a_picture_without_a_local_original_is_reported_not_fetched(item):
    web_only = PublishImage(url="https://media.example.cn/2024/07/extra.jpg", caption="补充图片")
    package = newspaper_package(flood_item(images=(*item.images, web_only)))
    manifest = json.loads(package["manifest.json"])
    assert f"{STEM}-03.jpg" not in package
    assert {"number": 3, "url": "https://media.example.cn/2024/07/extra.jpg"} in manifest["missing_pictures"]
    assert any("第3张图片没有本地原图" in w for w in manifest["warnings"])
    extra = parse_xml(package[f"{STEM}.xml"]).findall("body/picture")[2]
    assert extra.get("file") == "" and extra.get("href").endswith("extra.jpg")


def test_a_missing_local_file_is_an_error_not_a_silent_gap(tmp_path):
    broken = flood_item(images=(PublishImage(url="https://m.example.cn/a.jpg", path=str(tmp_path / "gone.jpg")),))
    with pytest.raises(FileNotFoundError):
        newspaper_package(broken)


def test_the_edited_newspaper_rendition_is_what_gets_printed(item):
    package = newspaper_package(flood_item(images=item.images, rendition=newspaper_rendition()))
    root = parse_xml(package[f"{STEM}.xml"])
    assert root.find("headline").text == "城区积水点半小时内消退"
    assert root.find("subheadline") is None
    assert [e.text for e in root.find("body") if e.tag == "p"] == [
        "7月3日凌晨，示例县普降暴雨。（编辑改过的第一段）", "易涝点由23处减少到6处。",
    ]
    assert [p.get("file") for p in root.findall("body/picture")] == [f"{STEM}-01.jpg", f"{STEM}-02.png"]
    doc = open_docx(package[f"{STEM}.docx"])
    assert [p.style.name for p in doc.paragraphs] == ["引题", "主标题", "作者", "图片说明", "正文", "小标题", "正文", "图片说明"]


def test_correction_package_is_a_notice_in_the_papers_idiom(item):
    package = newspaper_package(flood_item(images=item.images, correction_note="第三段中“2万元”应为“20万元”"))
    stem = f"{STEM}-correction"
    assert list(package) == [f"{stem}.docx", f"{stem}.xml", "manifest.json"]
    doc = open_docx(package[f"{stem}.docx"])
    assert [(p.style.name, p.text) for p in doc.paragraphs] == [
        ("主标题", "更正"),
        ("正文", "本报2024年7月3日刊发的《示例县迎战入汛以来最强降雨 城区积水点半小时内消退》一文，"
                 "第三段中“2万元”应为“20万元”。特此更正。"),
    ]
    root = parse_xml(package[f"{stem}.xml"])
    assert root.get("kind") == "correction" and root.find("headline").text == "更正"
    assert json.loads(package["manifest.json"])["kind"] == "correction"


def test_takedown_package_tells_the_layout_desk_not_to_print(item):
    package = newspaper_package(flood_item(images=item.images, pubstatus="canceled", correction_note="数据待核实"))
    root = parse_xml(package[f"{STEM}-takedown.xml"])
    assert (root.get("kind"), root.get("status")) == ("takedown", "canceled")
    assert root.find("headline").text == "撤稿通知"
    assert "请勿刊用" in root.find("body/p").text and "撤稿原因：数据待核实。" in root.find("body/p").text
    assert not root.findall("body/picture")
