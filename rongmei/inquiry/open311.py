"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Every resource ends in its format, ``.xml`` (the standard's required format) or ``.json``;
any other suffix is 404. Answers are UTF-8, XML with its declaration; errors have the
standard's shape (``<errors><error><code/><description/></error></errors>``, in JSON
``[{"code": 400, "description": "..."}]``) and the standard's status codes: 400 for a bad
or missing parameter, 403 for a missing or wrong ``api_key`` (sent in the form body, never
in the URL), 404 for an unknown jurisdiction, service or request; 405 for another method.

Endpoints
---------
``GET discovery.{fmt}``            the service discovery document
``GET services.{fmt}``             the case kinds as services (咨询 consult, 建议 suggest, 投诉 complain, 求助 help, 爆料 tip)
``GET services/{code}.{fmt}``      a service definition: optional attributes ``title`` and ``emergency``
``POST requests.{fmt}``            submit a case (``api_key`` required), through ``services.submit``
``GET requests.{fmt}``             published cases of a jurisdiction, or the cases named by ``service_request_id``
``GET requests/{id}.{fmt}``        one case by its 查询码
``GET tokens/{token}.{fmt}``       the token is the 查询码 itself (ids are given at once)

Decisions
---------
* **Jurisdiction.** ``jurisdiction_id`` is a center's slug (unknown or inactive: 404). It may
  be left out where the answer does not depend on it (services), when the ``api_key`` names
  the center (POST), when a request is looked up by its id (codes are unique across centers),
  and when the installation has only one active center; otherwise 400 "jurisdiction_id was
  not provided", as the standard says. A key only works for its own center (else 403).
* **POST mapping.** ``service_code`` → kind; ``description`` → the case text (required by us,
  10–2000 characters); the title is ``attribute[title]`` or else the first 30 characters of
  the description's first line (the whole text when that line is shorter than 4); ``phone`` → phone (required by us: the case is answered and
  followed up by phone; never shown again); ``last_name`` + ``first_name`` → name (姓在前 for
  Chinese names), never shown (the API cannot ask for consent to show it); ``email`` →
  email; ``address_string`` → address (``address_id``, which we cannot resolve, is kept as
  "地址编号 …" when no address is given); ``lat``/``long`` → the map position.
  The standard requires a location: ``lat`` and ``long``, ``address_string`` or
  ``address_id`` (400 without one). ``media_url`` is not fetched (no requests to addresses
  a client chooses): an http(s) link is appended to the text as a line "附件链接：…" for the
  staff, and is given back as the request's ``media_url``. ``attribute[emergency]`` =
  ``true`` marks the case 紧急. ``device_id`` and ``account_id`` are ignored.
  A new case answers 201 with ``[{service_request_id, service_notice, account_id}]``; the
  same text from the same phone within a day is the same case (``services.submit``) and
  answers 200 with that case's id. Our validation messages are Chinese; each error's
  description starts with the Open311 parameter it is about ("phone: …").
* **Status.** ``closed`` = 已办结, 不予受理 and 已合并; everything else is ``open`` — an answered
  case (已答复) stays open until it is closed, because the citizen's 不满意 reopens it.
  ``status_notes`` is the case's latest public timeline entry (the reject reason, for a
  rejected case). ``updated_datetime`` is the closing time of a closed case, else the last
  change. ``expected_datetime`` is the answer deadline once the case is routed, else the
  deadline for 受理. ``agency_responsible`` is the lead department's name.
* **Privacy.** No output ever carries the phone, name or email; mobile numbers inside the
  description and status notes are masked (138****1234), and so is the citizen's own number
  (a landline too). The list (``GET requests`` without
  ``service_request_id``) shows only cases the center has published (``is_public``): a case's
  code is what the citizen tracks and rates it with, and unpublished texts (and 爆料 tips)
  are not public. A case named by its code (``service_request_id``, ``requests/{id}``) is
  shown whatever its state, like the tracking page.
* **Dates.** W3C datetimes with the center's offset (Asia/Shanghai: +08:00). ``start_date``/
  ``end_date`` filter ``requested_datetime``; without them the last 90 days; a range may not
  span more than 90 days (400). At most 1000 requests, newest first.
* **Rate limit.** POSTs count per API key (``RONGMEI_OPEN311_RATE``, default 600/m; counted in
  the cache every web process shares: a database table, or Redis). Over the limit: HTTP 429 with a
  ``Retry-After`` and the standard's error shape (code 429) — the standard has no code for
  it, and 403 would tell the client its key is wrong. Looking cases up by code
  (``requests/{id}``, ``tokens/{token}``, ``service_request_id=``, at most 50 ids at a time)
  counts per client IP (``RONGMEI_OPEN311_LOOKUP_RATE``, default 120/m), so that codes cannot
  be guessed in bulk. Reading the published list and the services is not limited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

from rongmei.core.middleware import client_ip
from rongmei.core.models import Center
from rongmei.inquiry import media_access, open311_keys
from rongmei.inquiry.models import Case, CaseEvent, Kind
from rongmei.inquiry.privacy import mask_phone

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00+08:00"  # when this API last changed shape
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_RESULTS = 1000
MAX_IDS = 50  # service_request_id values per GET: codes are unguessable only if guessing is slow
MAX_SPAN = dt.timedelta(days=90)
TITLE_CHARS = 30
DEFAULT_RATE = "600/m"
DEFAULT_LOOKUP_RATE = "120/m"

CLOSED = {Case.Status.CLOSED, Case.Status.REJECTED, Case.Status.MERGED}
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
MEDIA_LINE = re.compile(r"\n*^附件链接：(\S+)\s*\Z", re.MULTILINE)
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

SERVICES = {
    Kind.CONSULT: ("政策、办事流程、公共服务等方面的咨询，转有关部门答复。", "咨询, 政策, 办事, 公共服务", "网络问政"),
    Kind.SUGGEST: ("对政府工作和公共事务的意见建议，转有关部门研究答复。", "建议, 意见, 公共事务", "网络问政"),
    Kind.COMPLAIN: ("市容环境、交通出行、公共设施、行政作风等问题的投诉，转有关部门核查处理。", "投诉, 市容, 环境, 设施, 交通", "网络问政"),
    Kind.HELP: ("生活中遇到的困难，请有关部门帮助解决。", "求助, 困难, 帮助", "网络问政"),
    Kind.TIP: ("向融媒体中心提供新闻线索，编辑部择优采访报道。", "爆料, 新闻线索, 报道", "新闻爆料"),
}
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "endpoints": "endpoint", "formats": "format", "errors": "error"}


class ApiError(Exception):
    def __init__(self, code: int, *descriptions: str, headers: dict | None = None):
        super().__init__(descriptions[0] if descriptions else "")
        self.code, self.descriptions, self.headers = code, list(descriptions), headers or {}


# --- Rendering ------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_UNSAFE.sub("", str(value))


def _to_xml(parent, name: str, value) -> None:
    element = etree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _to_xml(element, key, child)
    elif isinstance(value, list):
        for child in value:
            _to_xml(element, ITEM_NAMES.get(name, "item"), child)
    else:
        element.text = _text(value)


def render(fmt: str, root: str, data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """``data`` (a list of dicts, or one dict) as JSON, or as XML under ``root``."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        element = etree.Element(root)
        if isinstance(data, list):
            for item in data:
                _to_xml(element, ITEM_NAMES.get(root, "item"), item)
        else:
            for key, value in data.items():
                _to_xml(element, key, value)
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(element, xml_declaration=False, encoding="UTF-8")
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(fmt: str, error: ApiError) -> HttpResponse:
    data = [{"code": error.code, "description": d} for d in error.descriptions]
    return render(fmt if fmt in CONTENT_TYPES else "xml", "errors", data, status=error.code, headers=error.headers)


def endpoint(methods: tuple[str, ...]):
    """A view answering the standard's error shape for ApiError, unknown formats and methods."""
    def wrap(view):
        def handler(request, fmt: str, **kwargs):
            fmt = fmt.lower()
            try:
                if fmt not in CONTENT_TYPES:
                    raise ApiError(404, f"Unknown format .{fmt}: use .xml or .json / 不支持的格式")
                if request.method not in methods:
                    raise ApiError(405, f"Method {request.method} not allowed / 不支持的请求方法",
                                   headers={"Allow": ", ".join(methods)})
                response = view(request, fmt, **kwargs)
            except ApiError as exc:
                response = error_response(fmt, exc)
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"  # public data, no cookies needed
            return response
        handler.__name__ = handler.__qualname__ = view.__name__
        handler.__doc__ = view.__doc__
        return csrf_exempt(handler)
    return wrap


# --- Parameters -----------------------------------------------------------------------------------

def _center(request, *, required: bool) -> Center | None:
    slug = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if slug:
        center = Center.objects.filter(slug=slug, is_active=True).first()
        if center is None:
            raise ApiError(404, f"jurisdiction_id {slug} was not found / 没有这个融媒体中心")
        return center
    if not required:
        return None
    active = list(Center.objects.filter(is_active=True)[:2])
    if len(active) == 1:
        return active[0]
    raise ApiError(400, "jurisdiction_id was not provided / 请提供 jurisdiction_id（融媒体中心标识）")


def _when(value: str, name: str, tz: ZoneInfo) -> dt.datetime:
    raw = (value or "").strip().replace(" ", "+")  # an unencoded "+08:00" arrives as " 08:00"
    moment = None
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)) is not None:
            moment = dt.datetime.combine(day, dt.time(0))
    except ValueError:
        moment = None
    if moment is None:
        raise ApiError(400, f"{name} is not a valid W3C datetime, e.g. 2026-11-19T10:00:00+08:00 / 日期时间格式不对")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# --- Service requests as Open311 sees them ----------------------------------------------------------

def _w3c(moment: dt.datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment else None


def _public_text(text: str, phone: str = "") -> str:
    """Mobile numbers masked, and the citizen's own number (a landline too)."""
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text or "")
    return text.replace(phone, mask_phone(phone)) if phone else text


def _split_media(text: str) -> tuple[str, str]:
    """The case text without the "附件链接：" line an Open311 client's media_url became, and that URL."""
    match = MEDIA_LINE.search(text or "")
    if not match:
        return text or "", ""
    return text[:match.start()].rstrip(), match.group(1)


def _notice(case: Case, tz: ZoneInfo) -> str:
    if case.status == Case.Status.SUBMITTED and case.ack_due_at:
        return f"将于 {case.ack_due_at.astimezone(tz):%Y-%m-%d %H:%M} 前受理并转有关部门办理。"
    if case.status in (Case.Status.PROCESSING, Case.Status.WAITING) and case.due_at:
        who = case.lead_department.name if case.lead_department else "承办部门"
        paused = "（待补充材料，办理时限暂停计算）" if case.status == Case.Status.WAITING else ""
        return f"由{who}办理，于 {case.due_at.astimezone(tz):%Y-%m-%d %H:%M} 前答复{paused}。"
    return ""


def _cases():
    notes = CaseEvent.objects.filter(case=OuterRef("pk"), public=True).order_by("-created_at", "-id").values("text")[:1]
    return (Case.objects.select_related("center", "lead_department").prefetch_related("media")
            .annotate(latest_note=Subquery(notes)))


def as_request(case: Case, request) -> dict:
    """One service request: public fields only (never phone, name or email)."""
    tz = ZoneInfo(case.center.timezone)
    text, linked = _split_media(case.text)
    media = next(iter(case.media.all()), None)
    closed = case.status in CLOSED
    lat = float(case.lat) if case.lat is not None else None
    lng = float(case.lng) if case.lng is not None else None
    notes = getattr(case, "latest_note", None) or ""
    if case.status == Case.Status.REJECTED and case.reject_reason and not notes:
        notes = f"不予受理：{case.reject_reason}"
    return {
        "service_request_id": case.code,
        "status": "closed" if closed else "open",
        "status_notes": _public_text(notes, case.phone),
        "service_name": case.get_kind_display(),
        "service_code": case.kind,
        "description": _public_text(text, case.phone),
        "agency_responsible": case.lead_department.name if case.lead_department else "",
        "service_notice": _notice(case, tz),
        "requested_datetime": _w3c(case.created_at, tz),
        "updated_datetime": _w3c(case.closed_at if closed and case.closed_at else case.updated_at, tz),
        "expected_datetime": _w3c(case.due_at or case.ack_due_at, tz),
        "address": case.address,
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lng,
        "media_url": request.build_absolute_uri(media_access.url(media)) if media else linked,
    }


# --- Views -------------------------------------------------------------------------------------------

@endpoint(("GET", "HEAD"))
def discovery(request, fmt):
    """The service discovery document."""
    base = request.build_absolute_uri("/open311/v2")
    data = {
        "changeset": CHANGESET,
        "contact": "请联系所在县融媒体中心用户运维部（网络问政）。",
        "key_service": "API 密钥（api_key）由融媒体中心发放：请向中心系统管理员申请；只有提交（POST requests）需要密钥。",
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }
    return render(fmt, "discovery", data)


def _service(kind: Kind) -> dict:
    description, keywords, group = SERVICES[kind]
    return {"service_code": kind.value, "service_name": kind.label, "description": description, "metadata": True,
            "type": "realtime", "keywords": keywords, "group": group}


def _attributes(kind: Kind) -> list[dict]:
    attributes = [{
        "variable": True, "code": "title", "datatype": "string", "required": False,
        "datatype_description": f"4 到 60 个字；不填则取 description 第一行的前 {TITLE_CHARS} 个字",
        "order": 1, "description": "标题：简要说明是什么事",
    }]
    if kind != Kind.TIP:
        attributes.append({
            "variable": True, "code": "emergency", "datatype": "singlevaluelist", "required": False,
            "datatype_description": "true 或 false（默认 false）", "order": 2,
            "description": "是否紧急（危及人身、财产安全，需要当天处理）",
            "values": [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}],
        })
    return attributes


@endpoint(("GET", "HEAD"))
def service_list(request, fmt):
    """The case kinds as Open311 services."""
    _center(request, required=False)
    return render(fmt, "services", [_service(kind) for kind in Kind])


@endpoint(("GET", "HEAD"))
def service_definition(request, fmt, service_code):
    _center(request, required=False)
    if service_code not in Kind.values:
        raise ApiError(404, f"service_code {service_code} was not found / 没有这个服务类型")
    kind = Kind(service_code)
    return render(fmt, "service_definition", {"service_code": kind.value, "attributes": _attributes(kind)})


@endpoint(("GET", "HEAD", "POST"))
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@endpoint(("GET", "HEAD"))
def request_detail(request, fmt, service_request_id):
    center = _center(request, required=False)
    _check_lookup_rate(request)
    found = _cases().filter(code=service_request_id.strip().upper())
    if center is not None:
        found = found.filter(center=center)
    case = found.first()
    if case is None:
        raise ApiError(404, f"service_request_id {service_request_id} was not found / 没有这件问政")
    return render(fmt, "service_requests", [as_request(case, request)])


@endpoint(("GET", "HEAD"))
def token_detail(request, fmt, token):
    """Ids are given at once, so a token is the service_request_id itself."""
    center = _center(request, required=False)
    _check_lookup_rate(request)
    found = Case.objects.filter(code=token.strip().upper())
    if center is not None:
        found = found.filter(center=center)
    code = found.values_list("code", flat=True).first()
    if code is None:
        raise ApiError(404, f"token {token} was not found / 没有这个 token")
    return render(fmt, "service_requests", [{"service_request_id": code, "token": code}])


def _get_requests(request, fmt):
    params = request.GET
    ids = list(dict.fromkeys(code.upper() for code in _split(params.get("service_request_id", ""))))
    if ids:  # "overrides all other arguments"
        center = _center(request, required=False)
        if len(ids) > MAX_IDS:
            raise ApiError(400, f"At most {MAX_IDS} service_request_id values per request / 每次最多查询 {MAX_IDS} 件")
        _check_lookup_rate(request)
        found = _cases().filter(code__in=ids)
        if center is not None:
            found = found.filter(center=center)
        return render(fmt, "service_requests", [as_request(case, request) for case in found])

    center = _center(request, required=True)
    tz = ZoneInfo(center.timezone)
    start = _when(params["start_date"], "start_date", tz) if params.get("start_date") else None
    end = _when(params["end_date"], "end_date", tz) if params.get("end_date") else None
    if start and end:
        if end < start:
            raise ApiError(400, "end_date is before start_date / 结束时间早于开始时间")
        if end - start > MAX_SPAN:
            raise ApiError(400, "start_date and end_date may not span more than 90 days / 时间范围不能超过 90 天")
    elif start:
        end = start + MAX_SPAN
    elif end:
        start = end - MAX_SPAN
    else:
        end = timezone.now()
        start = end - MAX_SPAN
    found = _cases().filter(center=center, is_public=True, created_at__gte=start, created_at__lte=end)
    codes = _split(params.get("service_code", ""))
    if codes:
        found = found.filter(kind__in=codes)
    statuses = {s.lower() for s in _split(params.get("status", ""))}
    if statuses - {"open", "closed"}:
        raise ApiError(400, "status must be open or closed (comma delimited) / status 只能是 open 或 closed")
    if statuses == {"open"}:
        found = found.exclude(status__in=CLOSED)
    elif statuses == {"closed"}:
        found = found.filter(status__in=CLOSED)
    found = found.order_by("-created_at", "-id")[:MAX_RESULTS]
    return render(fmt, "service_requests", [as_request(case, request) for case in found])


# --- POST requests -----------------------------------------------------------------------------------

# Our fields → the Open311 parameter a client has to fix.
PARAMETER_OF = {"kind": "service_code", "title": "attribute[title]", "text": "description", "phone": "phone",
                "name": "first_name", "email": "email", "address": "address_string", "lat": "lat", "lng": "long",
                "files": "media_url"}


def _rate_limited(request, key) -> bool:
    rate = getattr(settings, "RONGMEI_OPEN311_RATE", DEFAULT_RATE)
    if not rate:
        return False
    from django_ratelimit.core import is_ratelimited

    return is_ratelimited(request, group="rongmei.open311.post", key=lambda group, req: key.key_hash,
                          rate=rate, method=["POST"], increment=True)


def _check_lookup_rate(request) -> None:
    """Looking cases up by code counts per client IP: a code is what the citizen tracks and
    rates the case with, so it must not be guessed in bulk."""
    rate = getattr(settings, "RONGMEI_OPEN311_LOOKUP_RATE", DEFAULT_LOOKUP_RATE)
    if not rate:
        return
    from django_ratelimit.core import is_ratelimited

    if is_ratelimited(request, group="rongmei.open311.lookup", key=lambda group, req: client_ip(req) or "-",
                      rate=rate, method=["GET", "HEAD"], increment=True):
        raise ApiError(429, "Too many look-ups from this address, try again in a minute / 查询过于频繁，请一分钟后再试",
                       headers={"Retry-After": "60"})


def _coordinate(params, name: str) -> float | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a number (WGS84 decimal degrees) / {name} 必须是数字") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ApiError(400, f"{name} must be a number (WGS84 decimal degrees) / {name} 必须是数字")
    return value


def _name(params) -> str:
    first, last = (params.get("first_name") or "").strip(), (params.get("last_name") or "").strip()
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    return (last + first) if cjk else f"{first} {last}".strip()


def _title(params, text: str) -> str:
    title = " ".join((params.get("attribute[title]") or "").split())
    if title:
        return title
    first_line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    if len(first_line) < 4:  # "路灯\n……": the whole text, on one line
        first_line = " ".join(text.split())
    return first_line if len(first_line) <= TITLE_CHARS else first_line[:TITLE_CHARS] + "…"


def _post_request(request, fmt):
    from rongmei.core.services import record
    from rongmei.inquiry import services

    params = request.POST
    center = _center(request, required=False)
    plain = (params.get("api_key") or "").strip()  # in the form body only: never in a URL that gets logged
    if not plain:
        raise ApiError(403, "api_key was not provided / 缺少 api_key")
    key = open311_keys.lookup(plain)
    if key is None or (center is not None and key.center_id != center.pk):
        raise ApiError(403, "api_key is invalid for this jurisdiction / api_key 无效")
    center = key.center
    if _rate_limited(request, key):
        raise ApiError(429, "Too many requests for this api_key, try again in a minute / 提交过于频繁，请一分钟后再试",
                       headers={"Retry-After": "60"})

    service_code = (params.get("service_code") or "").strip()
    if not service_code:
        raise ApiError(400, "service_code was not provided / 缺少 service_code")
    if service_code not in Kind.values:
        raise ApiError(400, f"service_code {service_code} is not a valid service / 没有这个服务类型")
    lat, lng = _coordinate(params, "lat"), _coordinate(params, "long")
    if (lat is None) != (lng is None):
        raise ApiError(400, "lat and long must be given together / lat 和 long 要同时提供")
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if lat is None and not address and not address_id:
        raise ApiError(400, "A location is required: lat & long, address_string or address_id / 请提供地点")
    if not address and address_id:
        address = f"地址编号 {address_id}"[:200]
    text = (params.get("description") or "").strip()
    phone = (params.get("phone") or "").strip()
    missing = []
    if not text:
        missing.append("description: required, 10 to 2000 characters / 请填写内容：写清楚时间、地点和具体情况")
    if not phone:
        missing.append("phone: required for the follow-up call, never published / 请填写联系电话，用于回访，不会公开")
    if missing:
        raise ApiError(400, *missing)
    emergency = (params.get("attribute[emergency]") or "false").strip().lower()
    if emergency not in ("true", "false"):
        raise ApiError(400, "attribute[emergency] must be true or false / 是否紧急只能是 true 或 false")
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        if not re.match(r"^https?://[^\s<>\"]+$", media_url) or len(media_url) > 500:
            raise ApiError(400, "media_url must be an http(s) URL / media_url 必须是 http(s) 链接")

    sub = services.Submission(
        kind=service_code, title=_title(params, text), text=text, phone=phone, name=_name(params),
        email=(params.get("email") or "").strip(), address=address, lat=lat, lng=lng,
        emergency=emergency == "true", source=Case.Source.OPEN311,
        client=hashlib.sha256(f"open311|{key.pk}|{client_ip(request)}".encode()).hexdigest())
    # The text is checked as the client sent it; the media link is added after.
    problems = services._check(sub)
    if not (params.get("attribute[title]") or "").strip():
        problems.pop("title", None)  # made from the description: its own error says what to fix
    if problems:
        raise ApiError(400, *[f"{PARAMETER_OF.get(field, field)}: {message}"
                              for field, messages in problems.items() for message in messages])
    if media_url:
        sub.text = f"{text}\n\n附件链接：{media_url}"
    started = timezone.now()
    try:
        with transaction.atomic():
            case = services.submit(center=center, sub=sub)
            is_new = case.created_at >= started
            if is_new:
                record("inquiry.open311_submit", actor=None, center=center, obj=case, actor_repr=f"Open311：{key.name}",
                       after={"key": key.pk, "kind": case.kind})
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise ApiError(400, *[f"{PARAMETER_OF.get(field, field)}: {message}"
                                  for field, messages in exc.message_dict.items() for message in messages]) from None
        raise ApiError(400, *exc.messages) from None
    tz = ZoneInfo(center.timezone)
    if is_new:
        due = f"将于 {case.ack_due_at.astimezone(tz):%Y-%m-%d %H:%M} 前受理" if case.ack_due_at else "将尽快受理"
        notice = f"已收到您的{case.get_kind_display()}，查询码 {case.code}。{due}，受理后转有关部门在规定工作日内答复。"
    else:
        notice = f"您已提交过相同内容，已合并到原件，查询码 {case.code}。"
    return render(fmt, "service_requests",
                  [{"service_request_id": case.code, "service_notice": notice, "account_id": None}],
                  status=201 if is_new else 200)
