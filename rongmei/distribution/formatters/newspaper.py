"""The newspaper typesetting package (排版包): what the layout desk (排版) receives.

`newspaper_package(item)` returns file name → bytes; the transmitter zips, mails or copies
them. `<stem>` is `item.file_slug` (ASCII: layout PCs and zip tools mangle Chinese file
names). The same item always gives the same bytes.

- `<stem>.docx`: the copy in Word, one named paragraph style per part so the layout
  editor can restyle a part at once: 引题 (黑体 三号), 主标题 (黑体 二号 bold), 副标题
  (楷体 三号), 作者 (楷体), 小标题 (黑体), 正文 (宋体 五号, first line indented two
  characters), 图片说明 (楷体 小五, "【图1 <stem>-01.jpg】（图片说明：…… 摄影：……）"
  where the picture stands). Chinese typefaces are set with `w:eastAsia`.
- `<stem>.xml`: the same copy for layout scripts, UTF-8::

    <article guid="urn:…" version="3" kind="original" status="usable"
             center="示例县融媒体中心" column="民生关注" published="2024-07-03" chars="812">
      <kicker>引题</kicker>
      <headline>主标题</headline>
      <subheadline>副标题</subheadline>
      <byline>本报记者 王磊　通讯员 张晓燕</byline>
      <body chars="812">
        <p>正文段落（不含首行缩进）</p>
        <subhead>小标题</subhead>
        <picture number="1" file="<stem>-01.jpg" href="https://…" caption="图片说明：……"
                 credit="李娜" width="1080" height="720"/>
      </body>
    </article>

  `kind` is original, correction, takedown or withheld; `status` the ninjs pubStatus.
  `chars` counts the characters of every `p` and `subhead`, whitespace excluded: the
  字数 the layout editor fits to the page (headlines and captions are set in other type
  and not counted, as in the newsroom's newspaper copy). Empty parts are left out;
  a picture without a local original has `file=""` and only its `href`.
- `<stem>-01.jpg`, `<stem>-02.png` …: the original pictures, copied from their local
  files, numbered in reading order.
- `manifest.json`: every other file with its size, role and SHA-256, pictures that could
  not be included, and warnings for the layout desk.

A correction, takedown or hold produces the same kind of package under
`<stem>-correction`, `<stem>-takedown` or `<stem>-withheld` holding only the notice
("更正" with "……特此更正。", "撤稿通知", "暂缓使用通知"): a printed paper corrects
itself with a notice, it does not reprint the story.

When the delivery carries the newspaper rendition (`item.rendition`, channel
"newspaper"), its words are used, because the editor may have changed them after
generation; otherwise the master story is laid out the way the newsroom's newspaper
generator does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from docx.document import Document as DocumentObject
from lxml import etree

from rongmei.newsroom.generators.newspaper import BYLINE_LABELS
from rongmei.newsroom.generators.parts import byline_line
from rongmei.newsroom.generators.text import Block, block_text, count_chars

from . import wordfile
from .body import caption_text, item_blocks, picture_extension, picture_of
from .notices import NOTICE_TITLES, chinese_date, notice_text
from .types import ChannelCopy, PublishImage, PublishItem

MANIFEST = "manifest.json"
PACKAGE_FORMAT = "rongmei-newspaper-package"
PACKAGE_FORMAT_VERSION = 1
_HEADER_LABELS = ("引题：", "主标题：", "副标题：")
_SUBHEAD_LABEL = "小标题："


@dataclass(frozen=True)
class Picture:
    number: int
    image: PublishImage
    caption: str                  # as printed: "图片说明：…… 摄影：……"
    file: str = ""                # name in the package; "" when there is no local original


@dataclass
class PrintCopy:
    """The words the page will carry; `blocks` are paragraphs, subheads and pictures."""

    kicker: str
    headline: str
    subheadline: str
    byline: str
    blocks: list[Block]
    pictures: dict[str, Picture] = field(default_factory=dict)  # by image block src

    @property
    def text_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind != "image"]

    @property
    def chars(self) -> int:
        return sum(count_chars(b.text) for b in self.text_blocks)


def newspaper_package(item: PublishItem) -> dict[str, bytes]:
    """The package for `item`: docx, xml, original pictures and the manifest."""
    kind = item.notice_kind
    stem = item.file_slug if kind == "original" else f"{item.file_slug}-{kind}"
    copy = newspaper_copy(item) if kind == "original" else notice_copy(item)
    copy.pictures = _number_pictures(item, copy, stem)
    files = {
        f"{stem}.docx": copy_docx(item, copy),
        f"{stem}.xml": copy_xml(item, copy),
    }
    missing: list[dict[str, object]] = []
    warnings: list[str] = []
    for picture in copy.pictures.values():
        if picture.file:
            files[picture.file] = picture.image.original()
        else:
            missing.append({"number": picture.number, "url": picture.image.url})
            warnings.append(
                f"第{picture.number}张图片没有本地原图，包里只有它的网址。"
                "请从媒资库下载原图后交给排版。"
            )
    files[MANIFEST] = _manifest(item, copy, files, missing, warnings)
    return files


# ---------------------------------------------------------------- the words


def newspaper_copy(item: PublishItem) -> PrintCopy:
    """The copy to print: the newspaper rendition's words when given, else the master's."""
    rendition = item.copy_for("newspaper")
    return _rendition_copy(item, rendition) if rendition else _master_copy(item)


def notice_copy(item: PublishItem) -> PrintCopy:
    """A correction, takedown or hold as a short notice of its own."""
    kind = item.notice_kind
    text = print_correction(item) if kind == "correction" else notice_text(item)
    return PrintCopy("", NOTICE_TITLES[kind], "", "", [Block("paragraph", text=text)])


def print_correction(item: PublishItem) -> str:
    """"本报2024年7月3日刊发的《……》一文，……。特此更正。": the paper's own idiom."""
    when = chinese_date(item.local(item.published)) if item.published else ""
    note = item.correction_note.strip().rstrip("。")
    return f"本报{when}刊发的《{item.headline}》一文，{note}。特此更正。"


def _master_copy(item: PublishItem) -> PrintCopy:
    blocks: list[Block] = []
    for block in item_blocks(item):
        if block.kind == "image":
            blocks.append(Block("image", text=caption_text(picture_of(item, block)), src=block.src))
        elif block.kind == "heading":
            blocks.append(Block("heading", text=block.text, level=2))
        else:
            blocks.append(Block("paragraph", text=block_text(block)))
    byline = byline_line(item.bylines, labels=BYLINE_LABELS)
    return PrintCopy(item.kicker, item.headline, item.subheadline, byline, blocks)


def _rendition_copy(item: PublishItem, rendition: ChannelCopy) -> PrintCopy:
    """Read the newspaper rendition's labelled text back into parts.

    The generator writes labelled headline lines, the byline, then one line per
    paragraph ("小标题：" for subheads, the caption lines listed in `fields["captions"]`
    for pictures, in the order of the story's pictures).
    """
    fields = rendition.fields
    byline = str(fields.get("byline", "")).strip()
    captions = [str(c).strip() for c in fields.get("captions", [])]
    story_pictures = [b for b in item_blocks(item) if b.kind == "image"]
    blocks: list[Block] = []
    for raw in rendition.body.splitlines():
        line = raw.strip()  # also the two full-width spaces of the paragraph indent
        if not line or line == byline or line.startswith(_HEADER_LABELS):
            continue
        if line.startswith(_SUBHEAD_LABEL):
            blocks.append(Block("heading", text=line.removeprefix(_SUBHEAD_LABEL).strip(), level=2))
        elif line in captions and captions.index(line) < len(story_pictures):
            src = story_pictures[captions.index(line)].src
            blocks.append(Block("image", text=_unbracket(line), src=src))
        else:
            blocks.append(Block("paragraph", text=line))
    return PrintCopy(
        kicker=str(fields.get("kicker", item.kicker)).strip(),
        headline=(rendition.title or str(fields.get("headline", "")) or item.headline).strip(),
        subheadline=str(fields.get("subheadline", item.subheadline)).strip(),
        byline=byline,
        blocks=blocks,
    )


def _unbracket(line: str) -> str:
    return line[1:-1] if line.startswith("（") and line.endswith("）") else line


def _number_pictures(item: PublishItem, copy: PrintCopy, stem: str) -> dict[str, Picture]:
    pictures: dict[str, Picture] = {}
    for block in copy.blocks:
        if block.kind != "image" or block.src in pictures:
            continue
        number = len(pictures) + 1
        image = picture_of(item, block)
        name = f"{stem}-{number:02d}{picture_extension(image)}" if image.path else ""
        pictures[block.src] = Picture(number, image, block.text, name)
    return pictures


# ---------------------------------------------------------------- Word


def copy_docx(item: PublishItem, copy: PrintCopy) -> bytes:
    """The copy as a Word file with one named style per part (see the module docstring)."""
    doc = wordfile.new_document()
    _add_styles(doc)
    for style, text in (("引题", copy.kicker), ("主标题", copy.headline),
                        ("副标题", copy.subheadline), ("作者", copy.byline)):
        if text:
            doc.add_paragraph(text, style=style)
    for block in copy.blocks:
        if block.kind == "image":
            picture = copy.pictures[block.src]
            label = f"【图{picture.number} {picture.file}】" if picture.file else f"【图{picture.number}】"
            doc.add_paragraph(f"{label}（{picture.caption}）", style="图片说明")
        else:
            doc.add_paragraph(block.text, style="小标题" if block.kind == "heading" else "正文")
    return wordfile.docx_bytes(
        doc,
        title=copy.headline,
        author=item.center_name,
        moment=item.updated,
        revision=item.version,
        subject=item.column,
        keywords="，".join(item.tags),
    )


def _add_styles(doc: DocumentObject) -> None:
    add = wordfile.paragraph_style
    add(doc, "引题", "RongmeiKicker", east_asia=wordfile.HEI, size=16, centered=True, space_after=4)
    add(doc, "主标题", "RongmeiHeadline", east_asia=wordfile.HEI, size=22, bold=True,
        centered=True, space_after=4)
    add(doc, "副标题", "RongmeiSubheadline", east_asia=wordfile.KAI, size=16, centered=True,
        space_after=8)
    add(doc, "作者", "RongmeiByline", east_asia=wordfile.KAI, size=10.5, centered=True,
        space_after=8)
    add(doc, "小标题", "RongmeiSubhead", east_asia=wordfile.HEI, size=10.5, bold=True, space_after=4)
    add(doc, "正文", "RongmeiBody", east_asia=wordfile.SONG, size=10.5, indent_chars=2, space_after=4)
    add(doc, "图片说明", "RongmeiCaption", east_asia=wordfile.KAI, size=9, space_after=4)


# ---------------------------------------------------------------- XML


def copy_xml(item: PublishItem, copy: PrintCopy) -> bytes:
    """The copy as the package's XML (format in the module docstring)."""
    chars = str(copy.chars)
    article = etree.Element("article", _attrs(
        guid=item.guid,
        version=str(item.version),
        kind=item.notice_kind,
        status=item.pubstatus,
        center=item.center_name,
        column=item.column,
        published=item.local(item.published).date().isoformat() if item.published else "",
        chars=chars,
    ))
    for tag, text in (("kicker", copy.kicker), ("headline", copy.headline),
                      ("subheadline", copy.subheadline), ("byline", copy.byline)):
        if text:
            etree.SubElement(article, tag).text = text
    body = etree.SubElement(article, "body", chars=chars)
    for block in copy.blocks:
        if block.kind == "image":
            _picture_element(body, copy.pictures[block.src])
        else:
            etree.SubElement(body, "subhead" if block.kind == "heading" else "p").text = block.text
    return etree.tostring(article, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _picture_element(parent: etree._Element, picture: Picture) -> None:
    image = picture.image
    attrs = {"number": str(picture.number), "file": picture.file}  # file="" says "not here"
    attrs.update(_attrs(
        href=image.url,
        caption=picture.caption,
        credit=image.credit.strip(),
        width=str(image.width or ""),
        height=str(image.height or ""),
    ))
    etree.SubElement(parent, "picture", attrs)


def _attrs(**values: str) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


# ---------------------------------------------------------------- manifest


def _manifest(
    item: PublishItem,
    copy: PrintCopy,
    files: dict[str, bytes],
    missing: list[dict[str, object]],
    warnings: list[str],
) -> bytes:
    """What is in the package and its checksums, so the layout desk can trust a copy."""
    roles = {".docx": "docx", ".xml": "xml"}
    manifest = {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_FORMAT_VERSION,
        "guid": item.guid,
        "version": item.version,
        "kind": item.notice_kind,
        "headline": copy.headline,
        "chars": copy.chars,
        "files": [
            {
                "name": name,
                "role": roles.get(Path(name).suffix, "picture"),
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
            for name, data in files.items()
        ],
        "missing_pictures": missing,
        "warnings": warnings,
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
