"""Polyglots (issue 11, item 9): a photo or document with a web page appended keeps no
trailing HTML once stored; what cannot be cut safely is refused with a reason."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from rongmei.newsroom.media import UploadRejected, inspect_upload, strip_location, without_trailing
from rongmei.newsroom.media.tests import samples

PAGE = b"<html><body><script>fetch('/people/')</script></body></html>"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt, name", [("JPEG", "a.jpg"), ("PNG", "a.png"), ("GIF", "a.gif"), ("WEBP", "a.webp")])
def test_an_image_keeps_nothing_after_its_end(fmt, name):
    clean = _image(fmt)
    polyglot = clean + PAGE
    assert inspect_upload(io.BytesIO(polyglot), name).kind.value == "image"  # still a photo ...
    stored = strip_location(polyglot)
    assert b"<script" not in stored and stored == clean  # ... but the page is gone
    Image.open(io.BytesIO(stored)).load()


def test_an_animation_keeps_nothing_after_its_end():
    gif = samples.animated_gif()
    assert strip_location(gif + PAGE) == gif


def test_a_jpeg_without_its_end_marker_is_refused():
    jpeg = _image("JPEG")
    with pytest.raises(UploadRejected, match="缺少 JPEG 结束标记"):
        inspect_upload(io.BytesIO(jpeg[:-2] + PAGE), "a.jpg")


def test_a_pdf_is_cut_after_its_end_and_refused_with_a_page_inside():
    assert without_trailing(PDF + PAGE, "pdf") == PDF
    inside = PDF.replace(b"trailer", b"%" + PAGE + b"\ntrailer")
    with pytest.raises(UploadRejected, match="网页代码"):
        inspect_upload(io.BytesIO(inside), "通知.pdf")
    with pytest.raises(UploadRejected, match="不完整"):
        inspect_upload(io.BytesIO(PDF.replace(b"%%EOF", b"")), "通知.pdf")


def test_office_files_lose_what_follows_the_zip_and_its_comment():
    docx = samples.office_file(samples.DOCX, "word/document.xml")
    out = io.BytesIO(docx)
    with zipfile.ZipFile(out, "a") as archive:
        archive.comment = PAGE
    commented = out.getvalue()
    for hostile in (commented, docx + PAGE, commented + PAGE):
        assert inspect_upload(io.BytesIO(hostile), "报告.docx").extension == "docx"
        kept = without_trailing(hostile, "docx")
        assert b"<script" not in kept
        with zipfile.ZipFile(io.BytesIO(kept)) as archive:
            assert archive.read("word/document.xml") == b"<document/>" and archive.comment == b""


@pytest.mark.parametrize("text", [
    "第一行\n" * 2000 + "<script>alert(1)</script>\n",          # after the 8 KB sniff looks at
    "名称,说明\n路灯,<img src=x onerror=alert(1)>\n",
    "通知\n<IFRAME SRC='https://evil.example/'></iframe>",
])
def test_text_with_markup_anywhere_is_refused(text):
    with pytest.raises(UploadRejected, match="网页代码"):
        inspect_upload(io.BytesIO(text.encode("utf-8")), "名单.txt")


def test_ordinary_text_and_comparisons_are_fine():
    text = "指标,说明\n降雨量,<50 毫米为小雨；a<b 且 b>c\n"
    assert inspect_upload(io.BytesIO(text.encode("gb18030")), "数据.csv").extension == "csv"
