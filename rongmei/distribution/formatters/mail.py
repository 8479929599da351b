"""The story as an e-mail: for partner desks and higher-level media (外宣) that take copy
by mail.

One message, `multipart/alternative`: a plain-text part for mail clients and archives
that strip HTML, and an HTML part whose pictures travel inside the message
(`multipart/related`, shown inline by `cid:`), because recipients on government
intranets often cannot load pictures from our site. Pictures with no local original stay
linked by address. Headers are encoded by the standard library's default policy
(RFC 2047 for the Chinese subject and names).

A correction carries 【更正】 in the subject and the notice before the corrected story;
a takedown (【撤稿】) or a hold (【暂缓】) carries the notice only. `Date` and
`Message-ID` are left to the transmitter, which sends the message.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from collections.abc import Sequence
from email.message import EmailMessage
from typing import cast
from urllib.parse import urljoin, urlsplit

from rongmei.newsroom.generators.parts import byline_line
from rongmei.newsroom.generators.text import Block, block_text, list_marker

from .body import caption_text, item_blocks, picture_extension, picture_of
from .notices import subject as notice_subject
from .notices import NOTICE_TITLES, notice_text
from .types import PublishImage, PublishItem

_BODY_STYLE = (
    "font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;"
    "font-size:16px;line-height:1.8;color:#222;max-width:680px;margin:0 auto;padding:16px;"
)
_NOTICE_STYLE = "border:1px solid #c00;background:#fff3f3;color:#900;padding:8px 12px;"
_MUTED_STYLE = "color:#666;"
_QUOTE_STYLE = "border-left:3px solid #ccc;margin:0;padding-left:12px;"


def email_message(item: PublishItem, *, to: str | Sequence[str], sender: str) -> EmailMessage:
    """The message for `item`, ready for a transmitter to send."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not any(r.strip() for r in recipients):
        raise ValueError("请填写收件人邮箱地址。")
    if not sender.strip():
        raise ValueError("请填写发件人邮箱地址。")
    msg = EmailMessage()
    msg["Subject"] = notice_subject(item)
    msg["From"] = sender
    msg["To"] = ", ".join(r.strip() for r in recipients if r.strip())
    msg["X-Rongmei-Guid"] = item.guid
    msg["X-Rongmei-Version"] = str(item.version)
    blocks = [] if _notice_only(item) else item_blocks(item)
    inline = _inline_pictures(item, blocks)
    msg.set_content(plain_text(item, blocks), charset="utf-8", cte="base64")
    msg.add_alternative(html_text(item, blocks, inline), subtype="html", charset="utf-8", cte="base64")
    html_part = cast(EmailMessage, msg.get_body(("html",)))  # the part added just above
    for cid, (name, image) in inline.items():
        maintype, _, subtype = _mime(image).partition("/")
        html_part.add_related(
            image.original(), maintype, subtype,
            cid=f"<{cid}>", filename=name, disposition="inline",
        )
    _fix_boundaries(msg, item)
    return msg


def _fix_boundaries(msg: EmailMessage, item: PublishItem) -> None:
    """MIME boundaries made from the item instead of at random: a retry sends the same
    bytes. Parts are base64, whose lines never start with "--", so nothing can collide."""
    token = hashlib.sha256(f"{item.guid}\n{item.version}\n{item.notice_kind}".encode()).hexdigest()[:24]
    for number, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"rongmei-{token}-{number}")


def _mime(image: PublishImage) -> str:
    """The picture's media type; guessed from the file name when the item has none."""
    if "/" in image.mime:
        return image.mime
    return mimetypes.guess_type(image.path)[0] or "application/octet-stream"


def _notice_only(item: PublishItem) -> bool:
    return item.notice_kind in ("takedown", "withheld")


def _inline_pictures(item: PublishItem, blocks: list[Block]) -> dict[str, tuple[str, PublishImage]]:
    """Content-ID → (file name, picture) for pictures with a local original, in order.

    Content-IDs are made from the item, not at random, so the same item gives the same
    message.
    """
    found: dict[str, tuple[str, PublishImage]] = {}
    for block in blocks:
        image = picture_of(item, block) if block.kind == "image" else None
        if image is None or not image.path or _cid(image, found):
            continue
        number = len(found) + 1
        name = f"{item.file_slug}-{number:02d}"
        found[f"{name}@rongmei"] = (name + picture_extension(image), image)
    return found


def _cid(image: PublishImage, inline: dict[str, tuple[str, PublishImage]]) -> str:
    return next((cid for cid, (_, known) in inline.items() if known.url == image.url), "")


# ---------------------------------------------------------------- plain text


def plain_text(item: PublishItem, blocks: list[Block]) -> str:
    """Headlines, byline, paragraphs, captions in brackets, the link and the sender."""
    lines: list[str] = []
    notice = notice_text(item)
    if notice:
        lines += [f"{NOTICE_TITLES[item.notice_kind]}：{notice}", ""]
    if not _notice_only(item):
        lines += [t for t in (item.kicker, item.headline, item.subheadline) if t]
        byline = byline_line(item.bylines)
        lines += [byline, ""] if byline else [""]
        for block in blocks:
            if block.kind == "image":
                lines.append(f"（{caption_text(picture_of(item, block))}）")
            else:
                lines.append(block_text(block))
    lines += ["", *_footer(item)]
    return "\n".join(lines).strip() + "\n"


def _footer(item: PublishItem) -> list[str]:
    link = [f"原文链接：{item.url}"] if item.url and not _notice_only(item) else []
    return [*link, f"—— {item.center_name}"]


# ---------------------------------------------------------------- HTML


def html_text(
    item: PublishItem, blocks: list[Block], inline: dict[str, tuple[str, PublishImage]]
) -> str:
    """A simple, inline-styled page: mail clients drop <style> and external CSS."""
    esc = html.escape
    parts: list[str] = []
    notice = notice_text(item)
    if notice:
        parts.append(f'<p style="{_NOTICE_STYLE}">{esc(notice)}</p>')
    if not _notice_only(item):
        if item.kicker:
            parts.append(f'<p style="{_MUTED_STYLE}margin:0;">{esc(item.kicker)}</p>')
        parts.append(f'<h1 style="font-size:24px;margin:4px 0;">{esc(item.headline)}</h1>')
        if item.subheadline:
            parts.append(f'<p style="font-size:18px;margin:0 0 8px;">{esc(item.subheadline)}</p>')
        byline = byline_line(item.bylines)
        if byline:
            parts.append(f'<p style="{_MUTED_STYLE}">{esc(byline)}</p>')
        parts += [_block_html(item, block, inline) for block in blocks]
    if item.url and not _notice_only(item):
        parts.append(f'<p><a href="{esc(item.url)}">原文链接</a></p>')
    parts.append(f'<p style="{_MUTED_STYLE}font-size:13px;">—— {esc(item.center_name)}</p>')
    title = esc(notice_subject(item))
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(item.language)}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body style=\"{_BODY_STYLE}\">\n"
        + "\n".join(p for p in parts if p)
        + "\n</body></html>\n"
    )


def _block_html(item: PublishItem, block: Block, inline: dict[str, tuple[str, PublishImage]]) -> str:
    if block.kind == "image":
        return _figure(item, picture_of(item, block), inline)
    if block.kind == "heading":
        return f'<h2 style="font-size:19px;">{block.html}</h2>'
    if block.kind == "quote":
        return f'<blockquote style="{_QUOTE_STYLE}">{block.html}</blockquote>'
    marker = html.escape(list_marker(block))
    return f'<p style="text-indent:2em;margin:0 0 12px;">{marker}{block.html}</p>'


def _figure(item: PublishItem, image: PublishImage, inline: dict[str, tuple[str, PublishImage]]) -> str:
    """A picture with its caption; by Content-ID when it travels along, else by address."""
    cid = _cid(image, inline)
    src = f"cid:{cid}" if cid else _absolute(item, image.url)
    caption = html.escape(caption_text(image))
    if not src:
        return f'<p style="{_MUTED_STYLE}">（{caption}）</p>'
    return (
        f'<figure style="margin:12px 0;"><img src="{html.escape(src)}" alt="{html.escape(image.caption)}" '
        f'style="max-width:100%;height:auto;">'
        f'<figcaption style="{_MUTED_STYLE}font-size:14px;">{caption}</figcaption></figure>'
    )


def _absolute(item: PublishItem, url: str) -> str:
    """A picture address a mail client can load; site-relative ones need the story's URL."""
    if urlsplit(url).scheme in ("http", "https"):
        return url
    return urljoin(item.url, url) if urlsplit(item.url).scheme else ""
