"""What every room's API shares (rongmei.core.api_kit, issue 14): keyset cursor pages that
give every row exactly once while rows are added between pages, refusal of damaged, forged
and foreign cursors, limits, pages of computed lists, Chinese field errors, and the API's
handlers turning a service's ValidationError into 422 and PermissionDenied into 403."""

from __future__ import annotations

import base64
import datetime as dt
import json
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from ninja import NinjaAPI, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from rongmei.core.api_kit import (
    BAD_CURSOR, ERRORS, MAX_CURSOR, MAX_LIMIT, decode_cursor, encode_cursor, invalid, paginate, paginate_list, schema_errors,
)
from rongmei.core.models import AuditEvent, Department, OrgUnit

T0 = dt.datetime(2026, 11, 3, 8, 0, tzinfo=dt.UTC)


def _events(center, moments: list[dt.datetime], action: str = "kit.test") -> list[AuditEvent]:
    """Audit events created at the given moments (several share one: ties)."""
    made = []
    for moment in moments:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            made.append(AuditEvent.objects.create(center=center, action=action, actor_repr="测试"))
    return made


def _expected(qs, key) -> list[int]:
    return [row.pk for row in sorted(qs, key=key)]


def _walk(qs, order, limit, between=None) -> list[int]:
    """Every page's ids, in order; `between(page_number)` runs after each page."""
    seen, cursor, n = [], None, 0
    while True:
        page = paginate(qs, cursor=cursor, limit=limit, order=order)
        assert len(page["items"]) <= limit
        seen += [row.pk for row in page["items"]]
        n += 1
        if between:
            between(n)
        cursor = page["next"]
        if cursor is None:
            return seen
        assert n < 100, "pagination does not end"


# --- Keyset pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 4, 7, 23, 24])
def test_datetime_desc_with_ties_gives_every_row_exactly_once(demo, limit):
    moments = [T0] * 7 + [T0 + dt.timedelta(minutes=1)] * 5 + [T0 - dt.timedelta(seconds=1)] * 6 \
        + [T0 + dt.timedelta(microseconds=1)] * 3 + [T0 + dt.timedelta(days=1)] * 2
    _events(demo["demo"], moments)
    qs = AuditEvent.objects.filter(action="kit.test")
    expected = _expected(qs, key=lambda e: (-e.created_at.timestamp(), -e.pk))
    assert len(expected) == 23
    assert _walk(qs, ("-created_at", "-pk"), limit) == expected


@pytest.mark.parametrize("limit", [1, 2, 5, 11])
def test_string_asc_with_ties_gives_every_row_exactly_once(demo, limit):
    center = demo["demo"]
    for i, short in enumerate(["乙", "甲", "乙", "", "甲", "甲", "丙", "", "乙", "甲", "A"]):
        Department.objects.create(center=center, name=f"接口分页测试局{i}", short_name=short)
    qs = Department.objects.filter(center=center, name__startswith="接口分页测试局")
    expected = [d.pk for d in qs.order_by("short_name", "pk")]
    assert len(expected) == 11
    assert _walk(qs, ("short_name", "pk"), limit) == expected
    assert len(set(expected)) == 11


@pytest.mark.parametrize("order", [("ip", "pk"), ("-ip", "-pk"), ("-ip", "pk")])
@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_nullable_order_fields_put_nulls_last_and_lose_no_row(demo, order, limit):
    """A nullable field (here the audit event's IP) may end a page on a null: the next page
    goes on with the other nulls instead of failing or starting over."""
    center = demo["demo"]
    for ip in [None, "10.0.0.2", None, "10.0.0.1", "10.0.0.2", None, "10.0.0.3", None]:
        AuditEvent.objects.create(center=center, action="kit.null", ip=ip)
    qs = AuditEvent.objects.filter(action="kit.null")
    rows = list(qs)
    name, desc = order[0].lstrip("-"), order[0].startswith("-")
    pk_desc = order[1].startswith("-")
    present = sorted((r for r in rows if r.ip), key=lambda r: (r.ip, -r.pk if pk_desc else r.pk), reverse=False)
    if desc:
        present = sorted((r for r in rows if r.ip), key=lambda r: (r.ip, r.pk if pk_desc else -r.pk), reverse=True)
    nulls = sorted((r for r in rows if not r.ip), key=lambda r: r.pk, reverse=pk_desc)
    assert name == "ip"
    assert _walk(qs, order, limit) == [r.pk for r in present + nulls]


def test_long_text_values_fit_in_a_cursor(demo):
    center = demo["demo"]
    for i in range(3):
        Department.objects.create(center=center, name=f"{'很长的部门名称' * 14}{i}")
    qs = Department.objects.filter(center=center, name__startswith="很长的部门名称")
    first = paginate(qs, cursor=None, limit=1, order=("name", "pk"))
    assert len(first["next"]) <= MAX_CURSOR
    assert _walk(qs, ("name", "pk"), 1) == [d.pk for d in qs.order_by("name", "pk")]


def test_rows_added_between_pages_cause_no_duplicates_or_gaps(demo):
    center = demo["demo"]
    original = _events(center, [T0] * 6 + [T0 - dt.timedelta(minutes=1)] * 6)
    qs = AuditEvent.objects.filter(action="kit.test")
    expected = _expected(qs, key=lambda e: (-e.created_at.timestamp(), -e.pk))
    added_after: list[int] = []

    def add(page_number):
        if page_number == 1:
            # Newer than everything (belongs before the cursor), and one tied with the
            # cursor's row but with a larger pk (also before it): neither may appear later.
            _events(center, [T0 + dt.timedelta(hours=1), T0])
            # Older than everything: belongs after the cursor, so the rest of the walk shows it.
            added_after.extend(e.pk for e in _events(center, [T0 - dt.timedelta(hours=1)]))

    seen = _walk(qs, ("-created_at", "-pk"), 5, between=add)
    assert len(seen) == len(set(seen)), "a row came twice"
    assert seen == expected + added_after
    assert {e.pk for e in original} <= set(seen)


def test_page_boundary_has_no_empty_last_page(demo):
    _events(demo["demo"], [T0 + dt.timedelta(seconds=i) for i in range(6)])
    qs = AuditEvent.objects.filter(action="kit.test")
    whole = paginate(qs, cursor=None, limit=6, order=("-created_at", "-pk"))
    assert len(whole["items"]) == 6 and whole["next"] is None
    first = paginate(qs, cursor=None, limit=5, order=("-created_at", "-pk"))
    assert len(first["items"]) == 5 and first["next"]
    rest = paginate(qs, cursor=first["next"], limit=5, order=("-created_at", "-pk"))
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert paginate(qs.none(), cursor=None, limit=5) == {"items": [], "next": None}


def test_out_function_maps_rows(demo):
    _events(demo["demo"], [T0, T0])
    page = paginate(AuditEvent.objects.filter(action="kit.test"), cursor=None, limit=10, order=("-created_at", "-pk"),
                    out=lambda e: e.action)
    assert page["items"] == ["kit.test", "kit.test"]


# --- Cursors that are not ours --------------------------------------------------------------------


def _refused(call):
    with pytest.raises(HttpError) as caught:
        call()
    assert caught.value.status_code == 400 and str(caught.value) == BAD_CURSOR


def test_damaged_forged_and_foreign_cursors_are_refused(demo):
    _events(demo["demo"], [T0 + dt.timedelta(seconds=i) for i in range(4)])
    events = AuditEvent.objects.filter(action="kit.test")
    good = paginate(events, cursor=None, limit=2, order=("-created_at", "-pk"))["next"]
    departments = Department.objects.filter(center=demo["demo"])
    foreign = paginate(departments, cursor=None, limit=1, order=("order", "pk"))["next"]
    position = paginate_list(list(range(5)), cursor=None, limit=2)["next"]
    raw = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4)).decode()
    mac, values = raw[:16], json.loads(raw[16:])
    values[1] += 1  # a hand-edited pk under the old signature
    tampered = base64.urlsafe_b64encode(f"{mac}{json.dumps(values, separators=(',', ':'))}".encode()).decode().rstrip("=")
    unsigned = base64.urlsafe_b64encode(b"0" * 16 + b'[["dt","2026-01-01T00:00:00+00:00"],1]').decode()
    # A changed character inside the cursor (the last one may only carry base64's padding
    # bits, so changing it can leave the bytes as they were: this test failed now and then).
    for bad in ["x", "!!!!", good[:-3], good[:5] + ("A" if good[5] != "A" else "B") + good[6:], tampered, unsigned,
                good + "=" * 500, "", foreign, position]:
        if bad == "":
            continue  # an empty cursor is "no cursor": the first page
        _refused(lambda bad=bad: paginate(events, cursor=bad, limit=2, order=("-created_at", "-pk")))
    # A cursor of the same order over another model, and another order over the same model.
    units = OrgUnit.objects.filter(center=demo["demo"])
    _refused(lambda: paginate(units, cursor=foreign, limit=2, order=("order", "pk")))
    _refused(lambda: paginate(events, cursor=good, limit=2, order=("created_at", "pk")))
    # paginate_list refuses list cursors of another kind too.
    _refused(lambda: paginate_list(list(range(5)), cursor=good, limit=2))
    _refused(lambda: paginate_list(list(range(5)), cursor=encode_cursor([-1], "position"), limit=2))
    _refused(lambda: paginate_list(list(range(5)), cursor=encode_cursor([True], "position"), limit=2))


def test_cursor_answers_400_in_chinese_through_the_api(login):
    client = login("admin")
    good = client.get("/api/v1/audit-events", {"limit": 1}).json()["next"]
    assert good
    foreign = client.get("/api/v1/departments", {"limit": 1}).json()["next"]
    for bad in ["abc", good[:-2], foreign]:
        answer = client.get("/api/v1/audit-events", {"cursor": bad, "limit": 1})
        assert answer.status_code == 400, bad
        assert answer.json()["detail"] == BAD_CURSOR
    too_long = client.get("/api/v1/audit-events", {"cursor": "A" * (MAX_CURSOR + 1)})
    assert too_long.status_code == 422 and too_long.json()["errors"] == {"cursor": [f"最多 {MAX_CURSOR} 个字符。"]}


def test_limit_bounds(login, demo):
    qs = AuditEvent.objects.all()
    for limit in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(HttpError) as caught:
            paginate(qs, cursor=None, limit=limit)
        assert caught.value.status_code == 400 and "limit" in str(caught.value)
        with pytest.raises(HttpError):
            paginate_list([1], cursor=None, limit=limit)
    assert len(paginate(qs, cursor=None, limit=MAX_LIMIT)["items"]) <= MAX_LIMIT
    client = login("admin")
    assert client.get("/api/v1/audit-events", {"limit": MAX_LIMIT}).status_code == 200
    assert client.get("/api/v1/audit-events", {"limit": 0}).json()["errors"] == {"limit": ["不能小于 1。"]}
    too_many = client.get("/api/v1/audit-events", {"limit": MAX_LIMIT + 1})
    assert too_many.status_code == 422 and too_many.json()["errors"] == {"limit": [f"不能大于 {MAX_LIMIT}。"]}
    assert client.get("/api/v1/audit-events", {"limit": "十"}).json()["errors"] == {"limit": ["应为整数。"]}


def test_pages_through_the_api_give_every_event_once(login, demo):
    _events(demo["demo"], [T0] * 3 + [T0 + dt.timedelta(seconds=1)] * 3, action="kit.api")
    _events(demo["linxian"], [T0] * 2, action="kit.api")  # another center's: never listed
    client = login("admin")
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/audit-events", {"action": "kit.api", "limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    expected = list(AuditEvent.objects.filter(action="kit.api", center=demo["demo"]).order_by("-created_at", "-pk")
                    .values_list("pk", flat=True))
    assert seen == expected and len(seen) == 6


# --- Lists computed in Python -----------------------------------------------------------------------


def test_paginate_list_walks_positions():
    rows = list("abcdefg")
    first = paginate_list(rows, cursor=None, limit=3)
    second = paginate_list(rows, cursor=first["next"], limit=3, out=str.upper)
    third = paginate_list(rows, cursor=second["next"], limit=3)
    assert (first["items"], second["items"], third["items"]) == (list("abc"), list("DEF"), ["g"])
    assert third["next"] is None
    assert paginate_list(rows, cursor=None, limit=7)["next"] is None
    assert paginate_list([], cursor=None, limit=3) == {"items": [], "next": None}


# --- Field errors in Chinese ------------------------------------------------------------------------


class _Item(BaseModel):
    id: int


class _Payload(BaseModel):
    headline: str = Field(max_length=5)
    count: int = Field(ge=1)
    when: dt.datetime
    items: list[_Item]


def test_schema_errors_are_chinese_and_name_the_field():
    with pytest.raises(PydanticValidationError) as caught:
        _Payload.model_validate({"headline": "一二三四五六", "count": 0, "when": "明天", "items": [{"id": "x"}]})
    errors = [{**e, "loc": ("body", "payload", *e["loc"])} for e in caught.value.errors()]
    assert schema_errors(errors) == {
        "headline": ["最多 5 个字符。"], "count": ["不能小于 1。"],
        "when": ["应为 ISO 8601 时间，如 2026-12-01T08:00:00+08:00。"], "items.0.id": ["应为整数。"],
    }
    with pytest.raises(PydanticValidationError) as caught:
        _Payload.model_validate({})
    assert set(schema_errors(caught.value.errors())) == {"headline", "count", "when", "items"}
    assert all(m == ["必填。"] for m in schema_errors(caught.value.errors()).values())
    assert schema_errors([{"loc": ("query",), "type": "something_new"}]) == {"__all__": ["取值无效。"]}


def test_malformed_request_through_the_api_is_422_with_chinese_field_errors(login):
    answer = login("reporter").post("/api/v1/stories", {"headline": 5, "asset_ids": ["x"], "embargo_until": "下周"},
                                    content_type="application/json")
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"] == "请求参数有误。"
    assert body["errors"]["headline"] == ["应为文字。"]
    assert body["errors"]["asset_ids.0"]
    assert body["errors"]["embargo_until"][0].startswith("应为 ISO 8601 时间")


def test_invalid_turns_a_validation_error_into_422():
    assert invalid(DjangoValidationError({"headline": ["请填写主标题。"], "body": ["太长。", "有违禁词。"]})) == (
        422, {"detail": "提交的内容有误。", "errors": {"headline": ["请填写主标题。"], "body": ["太长。", "有违禁词。"]}})
    assert invalid(DjangoValidationError("这篇稿件已签发，不能再改。")) == (
        422, {"detail": "这篇稿件已签发，不能再改。", "errors": {"__all__": ["这篇稿件已签发，不能再改。"]}})


# --- The API's handlers, over HTTP ------------------------------------------------------------------
# A small API with the real API's exception handlers, so what a service raises is answered
# exactly as in /api/v1/ (the test points ROOT_URLCONF at this module).


class _Out(Schema):
    ok: bool


def _handlers_api() -> NinjaAPI:
    from rongmei.api import api as real

    kit_api = NinjaAPI(urls_namespace="api-kit-test", auth=None, docs_url=None)
    kit_api._exception_handlers = dict(real._exception_handlers)
    router = Router()

    @router.post("/field", response={200: _Out, **ERRORS})
    def kit_field(request):
        raise DjangoValidationError({"headline": ["请填写主标题。"], "column_id": ["栏目不属于本中心。"]})

    @router.post("/state", response={200: _Out, **ERRORS})
    def kit_state(request):
        raise DjangoValidationError("稿件已签发，不能撤回。")

    @router.post("/forbidden", response={200: _Out, **ERRORS})
    def kit_forbidden(request):
        raise PermissionDenied("没有权限：需要“签发”。")

    @router.post("/forbidden-plain", response={200: _Out, **ERRORS})
    def kit_forbidden_plain(request):
        raise PermissionDenied

    @router.post("/defect", response={200: _Out, **ERRORS})
    def kit_defect(request):
        raise RuntimeError("boom")

    kit_api.add_router("/", router)
    return kit_api


urlpatterns = [path("kit/", _handlers_api().urls)]


@pytest.mark.urls("rongmei.core.tests.test_api_kit")
def test_service_errors_become_422_and_403_through_the_handlers(client, caplog):
    field = client.post("/kit/field")
    assert field.status_code == 422
    assert field.json() == {"detail": "提交的内容有误。",
                            "errors": {"headline": ["请填写主标题。"], "column_id": ["栏目不属于本中心。"]}}
    state = client.post("/kit/state")
    assert state.status_code == 422 and state.json()["detail"] == "稿件已签发，不能撤回。"
    forbidden = client.post("/kit/forbidden")
    assert forbidden.status_code == 403 and forbidden.json() == {"detail": "没有权限：需要“签发”。"}
    assert client.post("/kit/forbidden-plain").json() == {"detail": "没有权限进行这项操作。"}
    with caplog.at_level("ERROR", logger="rongmei.api"):
        defect = client.post("/kit/defect")
    assert defect.status_code == 500 and defect["Content-Type"].startswith("application/json")
    assert "服务器内部错误" in defect.json()["detail"] and "boom" not in defect.content.decode()
    assert any("boom" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_a_whole_group_cursor_with_extra_padding_is_refused():
    # base64 reads "=" after a whole 4-character group as nothing: the decoder must refuse
    # that second spelling itself (this failed now and then, on cursors of such a length).
    whole = next(t for t in (encode_cursor([n], "position") for n in range(1000)) if len(t) % 4 == 0)
    assert decode_cursor(whole, 1, "position")
    for bad in [whole + "=", whole + "====", whole + "=" * 500, whole[:4] + "=" + whole[4:], whole + " "]:
        _refused(lambda bad=bad: decode_cursor(bad, 1, "position"))
