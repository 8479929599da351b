"""The public read API under /api/public/v1/: what the center's app, partners and
aggregators read without logging in. Its own OpenAPI document is at
/api/public/v1/openapi.json and its interactive docs at /api/public/v1/docs.

Every endpoint names the center in its path (`/api/public/v1/{center}/...`). Items are the
stories live on the center's own site (`portal.selectors`), each as an IPTC ninjs 3.1
document; a story taken down there answers 410 with the takedown notice.

Caching: every 200 JSON answer carries a strong ETag (a hash of its body) and
`Cache-Control: public, max-age=60`; a matching `If-None-Match` gets 304 with no body.
Errors are JSON with a Chinese `detail` and `Cache-Control: no-store`. Both are done in
one place, `PublicAPI.create_response`, which every answer of this API goes through.

Lists of items use keyset pagination on (sent_at desc, publication id desc): `next` is an
opaque cursor (URL-safe base64 of that sort key and a short signature) to pass back as
`cursor`; it stays correct while new items are published in between.

The read beacon (`{center}/reads`) is documented here too; its rules are in `reads.py`.
"""

import base64
import hashlib
import re
import zoneinfo
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateparse import parse_datetime
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer

from rongmei.core.models import Center
from rongmei.core.validators import is_safe_url
from rongmei.distribution import selectors as distribution_selectors
from rongmei.distribution.models import Publication
from rongmei.portal import reads, selectors
from rongmei.portal.models import FeatureItem, ServiceEntry

CACHE_CONTROL = "public, max-age=60"
MAX_LIMIT = 50


class CompactJSON(JSONRenderer):
    """UTF-8 JSON without \\u escapes or spaces: ninjs bodies are mostly Chinese text."""

    json_dumps_params = {"ensure_ascii": False, "separators": (",", ":")}


class PublicAPI(NinjaAPI):
    """A NinjaAPI whose every JSON answer is finished by `conditional`: ETag, caching
    headers and 304s for successes, `no-store` for errors."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return conditional(request, response)


public_api = PublicAPI(
    title="融媒 公开接口",
    version="1",
    description="县级融媒体中心的公开只读接口：稿件（IPTC ninjs 3.1）、栏目、专题、直播、便民服务，以及阅读计数。"
    "无需登录；路径中的 {center} 是融媒体中心的标识（如 demo）。成功的应答带 ETag，"
    "可用 If-None-Match 条件请求（304）；稿件列表用 next 游标翻页。",
    urls_namespace="public_api",
    renderer=CompactJSON(),
)


# --- Errors ----------------------------------------------------------------------------------

class PublicError(Exception):
    """An answer other than 200, with a Chinese message (and optional extra fields)."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def not_found(detail: str) -> PublicError:
    return PublicError(404, detail)


def bad_request(detail: str) -> PublicError:
    return PublicError(400, detail)


@public_api.exception_handler(PublicError)
def public_error(request, exc: PublicError):
    return public_api.create_response(request, {"detail": exc.detail, **exc.extra}, status=exc.status)


@public_api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    return public_api.create_response(request, {"detail": "请求参数有误。", "errors": exc.errors}, status=400)


@public_api.exception_handler(Http404)
def http404(request, exc):
    return public_api.create_response(request, {"detail": "未找到。"}, status=404)


@public_api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return public_api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


# --- Caching: ETag, If-None-Match, Cache-Control ------------------------------------------------

# One entity-tag (RFC 9110 §8.8.3): optional weakness marker W/, then a quoted opaque tag.
_ENTITY_TAG = re.compile(r'(?:W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
ANY = "*"


def etag_for(body: bytes) -> str:
    """A strong validator: the first 32 hex digits of the body's SHA-256, quoted."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def parse_if_none_match(value: str) -> set[str] | None:
    """The opaque tags an If-None-Match header lists (weak or strong alike: the comparison
    for If-None-Match is the weak one), {"*"} for `*`, or None when the header is empty or
    malformed, which the caller then ignores (RFC 9110 §13.1.2). Empty list elements are
    tolerated, as §5.6.1 asks of recipients."""
    if value.strip() == ANY:
        return {ANY}
    tags: set[str] = set()
    pos, need_comma = 0, False
    while pos < len(value):
        char = value[pos]
        if char in " \t":
            pos += 1
        elif char == ",":
            need_comma, pos = False, pos + 1
        elif need_comma:
            return None
        else:
            match = _ENTITY_TAG.match(value, pos)
            if match is None:
                return None
            tags.add(match.group(1))
            pos, need_comma = match.end(), True
    return tags or None


def conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Finish a JSON answer: a 200 gets its ETag and may become a 304; an error must not be
    stored by caches."""
    if response.status_code >= 400:
        response["Cache-Control"] = "no-store"
        return response
    if response.status_code != 200 or request.method not in ("GET", "HEAD"):
        return response
    etag = etag_for(response.content)
    wanted = parse_if_none_match(request.headers.get("If-None-Match", ""))
    if wanted is not None and (ANY in wanted or etag.strip('"') in wanted):
        response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


# --- Shared helpers ---------------------------------------------------------------------------

def center_or_404(slug: str) -> Center:
    center = Center.objects.filter(slug=slug, is_active=True).first()
    if center is None:
        raise not_found("没有这个融媒体中心。")
    return center


def absolute(url: str) -> str | None:
    """An absolute address for a stored file or link ("" → None; so is anything that is not
    http(s) or a path here, e.g. a javascript: link stored before issue 11's rule)."""
    if not url or not is_safe_url(url, allow_relative=True):
        return None
    return url if url.startswith(("http://", "https://")) else f"{settings.RONGMEI_BASE_URL}{url}"


def local_iso(center: Center, moment: datetime | None) -> str | None:
    if moment is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(center.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.localtime(moment, zone).isoformat()


def live_items(center: Center):
    """Live items for lists: the latest live own-site publication of each story (a story
    published again with new content would otherwise appear twice), with a send time."""
    newer = distribution_selectors.live_on_own_site(center).filter(story_id=OuterRef("story_id")).filter(Q(sent_at__gt=OuterRef("sent_at")) | Q(sent_at=OuterRef("sent_at"), pk__gt=OuterRef("pk")))
    return selectors.items(center).filter(sent_at__isnull=False).filter(~Exists(newer))


# --- Cursors ----------------------------------------------------------------------------------

CURSOR_SALT = "rongmei.portal.api.cursor"
BAD_CURSOR = "cursor 无效：请原样使用上一页返回的 next 值。"


def encode_cursor(publication: Publication) -> str:
    """The opaque position after `publication`: its sort key and a short signature, so a
    hand-made or damaged cursor is refused rather than silently starting elsewhere."""
    key = f"{publication.sent_at.astimezone(UTC).isoformat()}|{publication.pk}"
    mac = salted_hmac(CURSOR_SALT, key).hexdigest()[:16]
    return base64.urlsafe_b64encode(f"{key}|{mac}".encode()).rstrip(b"=").decode()


def decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        if len(token) > 200:
            raise ValueError
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
        sent_at, pk, mac = raw.split("|")
        if not constant_time_compare(mac, salted_hmac(CURSOR_SALT, f"{sent_at}|{pk}").hexdigest()[:16]):
            raise ValueError
        moment = datetime.fromisoformat(sent_at)
        if moment.tzinfo is None or not pk.isdigit():
            raise ValueError
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(BAD_CURSOR) from exc


def parse_since(value: str, center: Center) -> datetime:
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise bad_request("updated_since 应为 ISO 8601 时间，如 2026-11-30T08:00:00+08:00。")
    if timezone.is_naive(moment):  # no offset given: the center's own clock
        try:
            zone = zoneinfo.ZoneInfo(center.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = timezone.get_default_timezone()
        moment = timezone.make_aware(moment, zone)
    return moment


# --- Schemas (for the OpenAPI document) ----------------------------------------------------

class Error(Schema):
    detail: str


class Invalid(Schema):
    detail: str
    errors: list[dict[str, Any]] | None = None


class Gone(Schema):
    detail: str
    notice: str | None = None


class ItemPage(Schema):
    items: list[dict[str, Any]]
    next: str | None = None


class ColumnOut(Schema):
    slug: str
    name: str
    description: str
    url: str


class FeatureOut(Schema):
    slug: str
    title: str
    summary: str
    cover: str | None = None
    count: int
    url: str


class FeatureDetail(FeatureOut):
    items: list[dict[str, Any]]


class Player(Schema):
    kind: str
    url: str | None = None


class LiveOut(Schema):
    id: int
    title: str
    summary: str
    state: str
    starts_at: str
    ends_at: str
    player: Player
    poster: str | None = None
    replay_url: str | None = None


class ServiceOut(Schema):
    name: str
    slug: str
    kind: str
    url: str | None = None
    icon: str
    description: str


class ServiceGroup(Schema):
    category: str
    label: str
    entries: list[ServiceOut]


# --- Items ------------------------------------------------------------------------------------

@public_api.get("/{center}/items", response={200: ItemPage, 400: Invalid, 404: Error}, tags=["稿件"],
                summary="稿件列表", description="本中心网站上在线的稿件，新的在前；每条是完整的 ninjs 3.1 文档。"
                "用返回的 next 作为 cursor 取下一页，next 为 null 表示没有更多。")
def list_items(request, center: str,
               column: str | None = Query(None, description="栏目标识"),
               feature: str | None = Query(None, description="专题标识"),
               updated_since: str | None = Query(None, description="只要此时间之后发布或更正的，ISO 8601，如 2026-11-30T08:00:00+08:00"),
               cursor: str | None = Query(None, description="上一页返回的 next"),
               limit: int = Query(20, ge=1, le=MAX_LIMIT, description="每页条数，1–50")):
    site = center_or_404(center)
    qs = live_items(site)
    if column:
        col = selectors.columns(site).filter(slug=column).first()
        if col is None:
            raise not_found("没有这个栏目。")
        qs = qs.filter(story__column=col)
    if feature:
        feat = selectors.features(site).filter(slug=feature).first()
        if feat is None:
            raise not_found("没有这个专题。")
        qs = qs.filter(story_id__in=FeatureItem.objects.filter(feature=feat).values("story_id"))
    if updated_since:
        since = parse_since(updated_since, site)
        qs = qs.filter(Q(sent_at__gte=since) | Q(corrected_at__gte=since))
    if cursor:
        sent_at, pk = decode_cursor(cursor)
        qs = qs.filter(Q(sent_at__lt=sent_at) | Q(sent_at=sent_at, pk__lt=pk))
    page = list(qs.order_by("-sent_at", "-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": [selectors.to_ninjs(p) for p in page], "next": encode_cursor(page[-1]) if more else None}


def takedown_notice(publication: Publication) -> str | None:
    return distribution_selectors.takedown_notice(publication) or None


def _published_document(request, site: Center, story_id: int) -> HttpResponse | None:
    """The ninjs document static publishing wrote for the item (publish, correction), read
    as it is: the same bytes the item's page was made from, without building it again."""
    from django.conf import settings

    from rongmei.portal.publishing import docroot, item_document_path

    if not settings.RONGMEI_PORTAL_STATIC:
        return None
    try:
        body = item_document_path(docroot(site), story_id).read_bytes()
    except OSError:
        return None
    return conditional(request, HttpResponse(body, content_type="application/json; charset=utf-8"))


@public_api.get("/{center}/items/{id}", response={200: dict[str, Any], 404: Error, 410: Gone}, tags=["稿件"],
                summary="单篇稿件", description="按稿件编号取 ninjs 3.1 文档；已撤稿的返回 410 和撤稿说明。")
def get_item(request, center: str, id: str):
    site = center_or_404(center)
    if not re.fullmatch(r"\d{1,12}", id):
        raise not_found("没有这篇稿件。")
    story_id = int(id)
    document = _published_document(request, site, story_id)
    if document is not None:
        return document
    publication = selectors.item(site, story_id)
    if publication is not None:
        return selectors.to_ninjs(publication)
    taken_down = selectors.gone(site, story_id)
    if taken_down is not None:
        return Status(410, {"detail": "该稿件已撤稿。", "notice": takedown_notice(taken_down)})
    raise not_found("没有这篇稿件。")


# --- Columns, features ------------------------------------------------------------------------

@public_api.get("/{center}/columns", response={200: list[ColumnOut], 404: Error}, tags=["栏目与专题"], summary="栏目")
def list_columns(request, center: str):
    site = center_or_404(center)
    return [{"slug": c.slug, "name": c.name, "description": c.description,
             "url": site.site_url(f"/columns/{c.slug}/")} for c in selectors.columns(site)]


def _feature(site: Center, feature, count: int) -> dict:
    return {"slug": feature.slug, "title": feature.title, "summary": feature.summary,
            "cover": absolute(feature.cover.web_url) if feature.cover_id else None, "count": count,
            "url": site.site_url(f"/features/{feature.slug}/")}


@public_api.get("/{center}/features", response={200: list[FeatureOut], 404: Error}, tags=["栏目与专题"],
                summary="专题", description="上线的专题；count 是其中在线稿件的条数。")
def list_features(request, center: str):
    site = center_or_404(center)
    features = list(selectors.features(site).prefetch_related("cover__renditions"))
    live = selectors.items(site).prefetch_related(None).values("story_id")
    counts = Counter(FeatureItem.objects.filter(feature__in=features, story_id__in=live)
                     .values_list("feature_id", flat=True))
    return [_feature(site, f, counts[f.pk]) for f in features]


@public_api.get("/{center}/features/{slug}", response={200: FeatureDetail, 404: Error}, tags=["栏目与专题"],
                summary="专题详情", description="专题及其在线稿件（编辑排定的顺序，ninjs 3.1）。")
def get_feature(request, center: str, slug: str):
    site = center_or_404(center)
    feature = selectors.features(site).filter(slug=slug).first()
    if feature is None:
        raise not_found("没有这个专题。")
    items = [selectors.to_ninjs(p) for p in selectors.feature_items(feature)]
    return {**_feature(site, feature, len(items)), "items": items}


# --- Live streams, services --------------------------------------------------------------------

@public_api.get("/{center}/live", response={200: list[LiveOut], 404: Error}, tags=["直播与服务"], summary="直播",
                description="state：scheduled 未开始、live 直播中、ended 已结束；player.kind：video 为流地址"
                "（HLS/MP4），embed 为可嵌入的播放器页面。")
def list_live(request, center: str):
    site = center_or_404(center)
    now = timezone.now()
    return [{"id": s.pk, "title": s.title, "summary": s.summary, "state": s.state(now),
             "starts_at": local_iso(site, s.starts_at), "ends_at": local_iso(site, s.ends_at),
             "player": {"kind": s.player, "url": absolute(s.player_url)},
             "poster": absolute(s.poster.web_url) if s.poster_id else None,
             "replay_url": absolute(s.replay_url)}
            for s in selectors.live_streams(site).prefetch_related("poster__renditions")]


@public_api.get("/{center}/services", response={200: list[ServiceGroup], 404: Error}, tags=["直播与服务"],
                summary="便民服务", description="按分类分组；kind 为 page 的是本站页面，link 为外部链接，h5 为 H5 应用。")
def list_services(request, center: str):
    site = center_or_404(center)
    grouped: dict[str, list[dict]] = {}
    for entry in selectors.services(site):
        url = site.site_url(f"/services/{entry.slug}/") if entry.kind == ServiceEntry.Kind.PAGE else absolute(entry.url)
        grouped.setdefault(entry.category, []).append(
            {"name": entry.name, "slug": entry.slug, "kind": entry.kind, "url": url, "icon": entry.icon,
             "description": entry.description})
    return [{"category": code, "label": label, "entries": grouped[code]}
            for code, label in ServiceEntry.Category.choices if code in grouped]


# --- Read beacon ------------------------------------------------------------------------------

@public_api.api_operation(["GET", "POST"], "/{center}/reads", response={204: None}, tags=["阅读计数"],
                          summary="阅读计数", description="打开稿件时调用一次（可用 navigator.sendBeacon 或图片请求）。"
                          "总是立即返回 204，无论是否计入；同一读者同一稿件同一渠道每小时计一次。"
                          "ch：web、app、wechat、weibo、other（缺省 web）。")
def read_beacon(request, center: str, item: str | None = Query(None, description="稿件编号"),
                ch: str | None = Query(None, description="渠道")):
    return reads.beacon(request, center, item, ch)


# Errors raised outside the views' own checks (e.g. a Django ValidationError) stay JSON.
@public_api.exception_handler(DjangoValidationError)
def django_invalid(request, exc):
    return public_api.create_response(request, {"detail": "请求参数有误。"}, status=400)


@public_api.exception_handler(OverflowError)
@public_api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number the database refused (SQLite: OverflowError, PostgreSQL: DataError): 400."""
    from rongmei.core.ids import OUT_OF_RANGE

    return public_api.create_response(request, {"detail": OUT_OF_RANGE}, status=400)
