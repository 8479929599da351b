"""Word files that show Chinese in the right typeface and come out byte-for-byte the same.

Two things python-docx leaves to us. Word picks the typeface of Chinese characters from
the `w:eastAsia` font attribute, which `font.name` does not set, so without it 宋体 text
shows in whatever the theme says. And a .docx is a zip whose entries carry the time
they were written, so the same story saved twice would give different bytes; the
newspaper package's manifest and the outbox's "already sent?" check both need identical
bytes for identical input.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docx.styles.style import ParagraphStyle
from docx.text.run import Run

LATIN_FONT = "Times New Roman"
SONG = "宋体"
HEI = "黑体"
KAI = "楷体"
# Zip entries are dated 1980-01-01, the earliest a zip can say: no clock leaks in.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_PROPERTY_LIMIT = 255  # characters python-docx accepts in a core property
_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def new_document(*, landscape: bool = False) -> DocumentObject:
    """An A4 document whose Normal style is 宋体 五号 (10.5 pt), marked as Chinese text.

    python-docx's template is US Letter; Chinese offices print on A4.
    """
    doc = Document()
    section = doc.sections[0]
    width, height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    set_fonts(normal, SONG)
    _mark_chinese(normal)
    return doc


def set_fonts(target: ParagraphStyle | Run, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Typeface for Chinese (`w:eastAsia`) and for Latin letters and digits.

    Theme font attributes are removed: Word lets them override the named fonts.
    """
    target.font.name = latin
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def paragraph_style(
    doc: DocumentObject,
    name: str,
    style_id: str,
    *,
    east_asia: str,
    size: float,
    bold: bool = False,
    centered: bool = False,
    indent_chars: int = 0,
    space_after: float = 0,
) -> ParagraphStyle:
    """A named paragraph style, so a layout editor can restyle every 正文 at once."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    set_fonts(style, east_asia)
    fmt = style.paragraph_format
    fmt.space_after = Pt(space_after)
    if centered:
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent_chars:
        indent_first_line(style, indent_chars, Pt(size))
    return style


def indent_first_line(style: ParagraphStyle, chars: int, font_size: Length) -> None:
    """A first-line indent of `chars` characters, the Chinese paragraph opening.

    `w:firstLineChars` (hundredths of a character) keeps the indent at two characters if
    the editor changes the size; the length in points is the fallback other readers use.
    """
    style.paragraph_format.first_line_indent = Length(font_size * chars)
    ind = style.element.get_or_add_pPr().find(qn("w:ind"))
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def docx_bytes(
    doc: DocumentObject,
    *,
    title: str,
    author: str,
    moment: datetime,
    revision: int = 1,
    subject: str = "",
    keywords: str = "",
) -> bytes:
    """The saved document, the same bytes for the same content.

    `moment` fills the created and modified properties: pass the content's own time (the
    story's version time), never "now". It must be timezone-aware.
    """
    props = doc.core_properties
    props.title = title[:_PROPERTY_LIMIT]
    props.author = author[:_PROPERTY_LIMIT]
    props.last_modified_by = author[:_PROPERTY_LIMIT]
    props.subject = subject[:_PROPERTY_LIMIT]
    props.keywords = keywords[:_PROPERTY_LIMIT]
    props.comments = ""
    props.category = ""
    props.language = "zh-CN"
    props.revision = max(1, revision)
    # python-docx writes the wall-clock digits followed by "Z", so hand it UTC.
    utc = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props.created = props.modified = utc
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """`data` (a zip) rewritten with every entry dated ZIP_EPOCH, entries in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()


def _mark_chinese(style: ParagraphStyle) -> None:
    """Language zh-CN for East Asian text, so Word proofs it as Chinese."""
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
