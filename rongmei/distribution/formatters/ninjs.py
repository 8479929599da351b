"""IPTC ninjs 3.1 (News in JSON): the shape partners, aggregators and our app read.

Version: ninjs **3.1**, validated with jsonschema's Draft 2020-12 validator against
`ninjs-schema_3.1.json` (the file's own title still says "version 3.0.1"; its `$id` and
property set are 3.1's). 3.x is the version IPTC maintains, its camelCase names
(`versionCreated`, `pubStatus`) match what current consumers expect, and it validates
cleanly, so there was no reason to fall back to 2.2.

The schema is read from the shared standards folder of the source tree when it is there
and from the copy shipped in `schemas/` otherwise (an installed package has no source
tree); a test proves the two are identical. Place geometry refers to the GeoJSON schema
by its web address, which an intranet machine cannot fetch, so the local copy is
registered under that address.

jsonschema checks the formats "uri" and "date-time" only with optional packages this
project does not install; both are checked here with small checkers of our own, because
a naive time or a relative link is exactly the mistake a receiver would choke on.

Mapping from `PublishItem`:

- `uri` guid; `version` version; `firstCreated`/`contentCreated` created;
  `versionCreated` updated; `embargoedUntil` embargo_until (all in UTC)
- `type`/`profile`: text ("text-only" / "text-photo"), picture, video or audio for a
  single media object without text, composite for anything else
- `headlines`: main, kicker, subtitle; `descriptions`: summary; `bodies`: HTML and plain
- `by`, `people` (bylines); `subjects` (tags as keywords, the column as section);
  `places`, `located` (location); `infoSources`, `copyrightHolder` (the center)
- `renditions`: the canonical web page, or the media files when the item is one picture
  or one video; otherwise pictures and media are `associations` with captions and credits
- corrections, takedowns and holds: `pubStatus`, `edNote` and a notice in the bodies
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from rongmei.newsroom.generators.parts import byline_line
from rongmei.newsroom.generators.text import count_chars, html_to_text

from .notices import NOTICE_TITLES, notice_text
from .types import PublishImage, PublishItem, PublishMedia

NINJS_VERSION = "3.1"
SCHEMA_FILE = "ninjs-schema_3.1.json"
SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
GEOJSON_FILE = "GeoJSON.json"
GEOJSON_URI = "https://geojson.org/schema/GeoJSON.json"

SHARED_STANDARDS = Path(__file__).resolve().parents[3].parent / "shared" / "standards"
PACKAGED_SCHEMAS = Path(__file__).resolve().parent / "schemas"

# Byline roles (the newsroom's Chinese labels) as the English relations receivers expect.
PERSON_RELS = {
    "记者": "reporter",
    "摄影": "photographer",
    "摄像": "camera",
    "编辑": "editor",
    "通讯员": "correspondent",
}

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[!-~]+$")


class NinjsError(ValueError):
    """A ninjs document the schema refuses; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("ninjs 文档不符合 IPTC 规范：" + "；".join(errors))


# ---------------------------------------------------------------- building


def to_ninjs(item: PublishItem) -> dict[str, Any]:
    """The item as a ninjs 3.1 object; empty properties are left out, not sent as ""."""
    kind, profile = ninjs_type(item)
    doc: dict[str, Any] = {
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": SCHEMA_URI},
        "uri": item.guid,
        "type": kind,
        "profile": profile,
        "representationType": "full",
        "version": str(item.version),
        "firstCreated": ninjs_time(item.created),
        "versionCreated": ninjs_time(item.updated),
        "contentCreated": ninjs_time(item.created),
        "embargoedUntil": ninjs_time(item.embargo_until) if item.embargo_until else None,
        "pubStatus": item.pubstatus,
        "edNote": notice_text(item),
        "language": item.language,
        "copyrightHolder": item.center_name,
        "copyrightNotice": _copyright_notice(item),
        "headlines": _headlines(item),
        "descriptions": [] if _withdrawn(item) else _descriptions(item.summary),
        "bodies": _bodies(item),
        "by": byline_line(item.bylines),
        "people": [
            {"name": b.name, "rel": PERSON_RELS.get(b.role, "contributor")} for b in item.bylines
        ],
        "subjects": _subjects(item),
        "places": [{"name": item.location, "rel": "located"}] if item.location else [],
        "located": item.location,
        "infoSources": _info_sources(item),
    }
    doc.update(_media_properties(item, kind))
    own = _own_media(item, kind)
    if own is not None:
        meta = _media_meta(own)
        doc["descriptions"] = doc["descriptions"] + meta.get("descriptions", [])
        doc["by"] = doc["by"] or meta.get("by", "")
    return _compact(doc)


def ninjs_type(item: PublishItem) -> tuple[str, str]:
    """(type, profile): what the item is, by what it carries.

    A text story with pictures stays "text" (the pictures illustrate it; IPTC's
    "text-photo" profile); one picture or one video without text is that object itself;
    any other mix is "composite".
    """
    has_text = bool(item.text.strip())
    kinds = {m.kind for m in item.media}
    if has_text and not item.media:
        return "text", "text-photo" if item.images else "text-only"
    if not has_text and len(item.images) == 1 and not item.media:
        return "picture", "picture"
    if not has_text and not item.images and len(item.media) == 1:
        kind = item.media[0].kind
        return kind, kind
    if not has_text and not item.media and item.images:
        return "composite", "photo-gallery"
    return "composite", "multimedia" if kinds else "composite"


def ninjs_time(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second: "2024-07-03T02:30:00Z"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _copyright_notice(item: PublishItem) -> str:
    return f"版权所有 © {item.local(item.created).year} {item.center_name}，未经授权不得转载。"


def _withdrawn(item: PublishItem) -> bool:
    return item.notice_kind == "takedown"


def _headlines(item: PublishItem) -> list[dict[str, str]]:
    web = item.copy_for("web")
    roles = (
        ("main", web.title if web else item.headline),
        ("kicker", item.kicker),
        ("subtitle", item.subheadline),
    )
    return [{"role": role, "value": text.strip()} for role, text in roles if text.strip()]


def _descriptions(summary: str) -> list[dict[str, str]]:
    summary = summary.strip()
    return [{"role": "summary", "contentType": "text/plain", "value": summary}] if summary else []


def _bodies(item: PublishItem) -> list[dict[str, Any]]:
    """HTML and plain bodies; a notice opens a correction and replaces a takedown's body."""
    web = item.copy_for("web")
    html = web.body if web else item.body_html
    text = html_to_text(web.body) if web else item.text
    notice = notice_text(item) and f"{NOTICE_TITLES[item.notice_kind]}：{notice_text(item)}"
    if _withdrawn(item):
        html, text = "", ""
    if notice:
        html = f"<p>{_escape(notice)}</p>\n{html}".strip()
        text = f"{notice}\n{text}".strip()
    if not text.strip():
        return []
    return [
        {"role": "main", "contentType": "text/html", "charCount": count_chars(text), "value": html},
        {"role": "main", "contentType": "text/plain", "charCount": count_chars(text), "value": text},
    ]


def _subjects(item: PublishItem) -> list[dict[str, str]]:
    subjects = [{"name": tag, "rel": "keyword"} for tag in dict.fromkeys(item.tags) if tag.strip()]
    if item.column:
        subjects.append({"name": item.column, "rel": "section"})
    return subjects


def _info_sources(item: PublishItem) -> list[dict[str, str]]:
    sources = [{"name": item.center_name, "role": "originator"}]
    if item.source and item.source != item.center_name:
        sources.append({"name": item.source, "role": "source"})
    return sources


def _media_properties(item: PublishItem, kind: str) -> dict[str, Any]:
    """Where pictures and media go: the item's own renditions, or associations."""
    if _withdrawn(item):
        return {}
    if kind == "picture":
        return {"renditions": _picture_renditions(item, item.images[0])}
    if kind in ("video", "audio"):
        return {"renditions": _media_renditions(item, item.media[0])}
    associations = [_picture_association(item, n, i) for n, i in enumerate(item.images, 1)]
    associations += [_media_association(item, n, m) for n, m in enumerate(item.media, 1)]
    return {"renditions": _page_rendition(item), "associations": associations}


def _own_media(item: PublishItem, kind: str) -> PublishImage | PublishMedia | None:
    """The picture or video the item itself is, when it is one (its caption is the item's)."""
    if _withdrawn(item):
        return None
    if kind == "picture":
        return item.images[0]
    return item.media[0] if kind in ("video", "audio") else None


def _page_rendition(item: PublishItem) -> list[dict[str, Any]]:
    href = _absolute(item, item.url)
    return [{"name": "web", "href": href, "contentType": "text/html"}] if href else []


def _picture_renditions(item: PublishItem, image: PublishImage) -> list[dict[str, Any]]:
    href = _absolute(item, image.url)
    if not href:
        return []
    rendition: dict[str, Any] = {"name": "web", "href": href, "contentType": image.mime}
    if image.width and image.height:
        rendition.update(width=image.width, height=image.height)
    return [rendition]


def _media_renditions(item: PublishItem, media: PublishMedia) -> list[dict[str, Any]]:
    renditions: list[dict[str, Any]] = []
    href = _absolute(item, media.url)
    if href:
        main: dict[str, Any] = {"name": "original", "href": href}
        main.update(_compact({"contentType": media.mime, "duration": media.duration_seconds}))
        if media.width and media.height:
            main.update(width=media.width, height=media.height)
        renditions.append(main)
    poster = _absolute(item, media.poster_url)
    if poster:
        renditions.append({"name": "poster", "href": poster, "contentType": _image_type(poster)})
    return renditions


def _media_meta(obj: PublishImage | PublishMedia) -> dict[str, Any]:
    """Caption and credit of a picture or a video, in ninjs terms."""
    meta: dict[str, Any] = {}
    if obj.caption.strip():
        caption = {"role": "caption", "contentType": "text/plain", "value": obj.caption.strip()}
        meta["descriptions"] = [caption]
    if obj.credit.strip():
        meta["by"] = obj.credit.strip()
    return meta


def _picture_association(item: PublishItem, number: int, image: PublishImage) -> dict[str, Any]:
    return _compact({
        "name": f"picture{number}",
        "rel": "featureimage" if number == 1 else "illustration",
        "uri": _part_uri(item.guid, "picture", number),
        "type": "picture",
        "version": str(item.version),
        "language": item.language,
        "copyrightHolder": item.center_name,
        "renditions": _picture_renditions(item, image),
        **_media_meta(image),
    })


def _media_association(item: PublishItem, number: int, media: PublishMedia) -> dict[str, Any]:
    return _compact({
        "name": f"{media.kind}{number}",
        "rel": "main" if number == 1 else "related",
        "uri": _part_uri(item.guid, media.kind, number),
        "type": media.kind,
        "version": str(item.version),
        "language": item.language,
        "copyrightHolder": item.center_name,
        "renditions": _media_renditions(item, media),
        **_media_meta(media),
    })


def _part_uri(guid: str, kind: str, number: int) -> str:
    """A stable identifier for a picture or video of the story, derived from its guid."""
    return f"{guid}:{kind}:{number}" if guid.startswith("urn:") else f"{guid}#{kind}-{number}"


def _absolute(item: PublishItem, url: str) -> str:
    """An absolute, ASCII-only address, or "" when there is none.

    A site-relative address is resolved against the story's canonical URL; Chinese
    characters in a path are percent-encoded, because the schema wants a URI, not an IRI.
    """
    if not url:
        return ""
    if not urlsplit(url).scheme:
        if not urlsplit(item.url).scheme:
            return ""
        url = urljoin(item.url, url)
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _image_type(url: str) -> str:
    path = urlsplit(url).path.lower()
    return "image/png" if path.endswith(".png") else "image/webp" if path.endswith(".webp") else "image/jpeg"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _compact(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` without empty values: ninjs consumers read "" as "present and empty"."""
    return {k: v for k, v in doc.items() if v not in (None, "", [], {})}


# ---------------------------------------------------------------- validating


def schema_dir() -> Path:
    """The shared standards folder of a source checkout, else the copy shipped here."""
    return SHARED_STANDARDS if (SHARED_STANDARDS / SCHEMA_FILE).is_file() else PACKAGED_SCHEMAS


def ninjs_errors(doc: dict[str, Any], *, schemas: Path | None = None) -> list[str]:
    """Every schema problem of `doc` as "path: message", in document order; [] if valid."""
    validator = _validator(schemas or schema_dir())
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(根)'}: {e.message}" for e in errors]


def validate_ninjs(doc: dict[str, Any], *, schemas: Path | None = None) -> None:
    """Raise `NinjsError` unless `doc` is valid ninjs 3.1 (formats included)."""
    errors = ninjs_errors(doc, schemas=schemas)
    if errors:
        raise NinjsError(errors)


@functools.cache
def _validator(directory: Path) -> Draft202012Validator:
    schema = _load(directory / SCHEMA_FILE)
    geojson = Resource.from_contents(_load(directory / GEOJSON_FILE))
    registry: Registry = Registry().with_resource(GEOJSON_URI, geojson)
    return Draft202012Validator(schema, registry=registry, format_checker=_format_checker())


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("date-time")(_is_rfc3339)
    checker.checks("uri")(_is_uri)
    return checker


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the "type" keyword reports non-strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))
