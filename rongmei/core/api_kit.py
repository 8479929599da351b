"""What every room's API uses the same way (issue 14): cursor pagination, error answers with
a Chinese message and field errors, and turning a service's refusal into such an answer.

Pagination is by keyset cursor everywhere: a list is ordered by a few fields ending with the
primary key, and ``next`` is an opaque, signed token of the last item's values. A client
passes it back as ``cursor``; the page after it stays correct while rows are added or
removed in between, and a damaged or hand-made cursor is refused with 400.

    @router.get("/leads", response={200: page_of(LeadOut), **ERRORS})
    def leads(request, cursor: str | None = None, limit: int = LIMIT):
        return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_out)

Errors: ``{"detail": "中文说明", "errors": {"field": ["中文说明", …]}}`` with 400 (bad request),
401, 403, 404, 409 (stale version / state conflict) or 422 (a field's value refused). A
service's ``django.core.exceptions.ValidationError`` becomes 422 with its field messages
through the API's exception handler, so an endpoint may simply let it propagate.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any, Callable, Iterable

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac
from ninja import Field, Query, Schema
from ninja.errors import HttpError
from pydantic import create_model

LIMIT = 50
MAX_LIMIT = 200
CURSOR_SALT = "rongmei.api.cursor"
BAD_CURSOR = "cursor 无效：请原样使用上一页返回的 next 值。"
BAD_LIMIT = f"limit 须在 1 到 {MAX_LIMIT} 之间。"

# Query parameters, declared once so every list documents them the same way.
MAX_CURSOR = 1024  # characters: room for a text field of the order (a name) in the cursor
CursorQuery = Query(None, description="上一页返回的 next；不传则从第一页开始", max_length=MAX_CURSOR)
LimitQuery = Query(LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")


class ErrorOut(Schema):
    detail: str = Field(..., description="中文说明")
    errors: dict[str, list[str]] | None = Field(None, description="字段错误：字段名 → 中文说明（没有时为 null）")


# The error answers an operation may give, for its `response=` (the OpenAPI document lists them).
ERRORS: dict[int, type] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


_pages: dict[type, type] = {}


def page_of(item: type) -> type:
    """The schema of one page of `item`s: ``{"items": [...], "next": "…" | null}``."""
    if item not in _pages:
        name = item.__name__.removesuffix("Out") + "Page"
        _pages[item] = create_model(
            name, __base__=Schema,
            items=(list[item], ...),
            next=(str | None, Field(None, description="下一页的 cursor；null 表示没有更多")),
        )
    return _pages[item]


def _plain(value) -> Any:
    if isinstance(value, dt.datetime):
        return ["dt", value.astimezone(dt.UTC).isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, Decimal):
        return ["dec", str(value)]
    return value


def _typed(value) -> Any:
    if isinstance(value, list) and len(value) == 2 and value[0] in ("dt", "d", "dec"):
        kind, text = value
        if kind == "dt":
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError
            return moment
        return dt.date.fromisoformat(text) if kind == "d" else Decimal(text)
    if value is None or isinstance(value, (int, str, bool, float)):
        return value
    raise ValueError


def _mac(raw: str, scope: str) -> str:
    # The scope (model and order, see paginate) is part of what is signed: a cursor of one
    # list given to another is refused like a forged one instead of comparing, say, a date
    # with a name (which PostgreSQL answers with an error).
    return salted_hmac(f"{CURSOR_SALT}:{scope}", raw).hexdigest()[:16]


_CURSOR_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def encode_cursor(values: Iterable, scope: str = "") -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(f"{_mac(raw, scope)}{raw}".encode()).rstrip(b"=").decode()


def decode_cursor(token: str, width: int, scope: str = "") -> list:
    try:
        # Only the unpadded URL-safe alphabet encode_cursor writes: base64 itself would take
        # extra "=" after a whole group and so read a second spelling of the same cursor.
        if len(token) > MAX_CURSOR or not _CURSOR_CHARS.fullmatch(token):
            raise ValueError
        text = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
        mac, raw = text[:16], text[16:]
        if not constant_time_compare(mac, _mac(raw, scope)):
            raise ValueError
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError
        return [_typed(v) for v in values]
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise HttpError(400, BAD_CURSOR) from exc


def _nullable(model, name: str) -> bool:
    """Whether an order field may hold null (a field through a relation: assumed so)."""
    if "__" in name:
        return True
    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:  # an annotation
        return True
    return field.null


def _ordering(model, order: tuple[str, ...]) -> list:
    """`order` for order_by: nullable fields with their nulls last in either direction
    (the keyset condition below relies on it, on SQLite and PostgreSQL alike)."""
    out = []
    for field in order:
        name = field.lstrip("-")
        if not _nullable(model, name):
            out.append(field)
        else:
            out.append(F(name).desc(nulls_last=True) if field.startswith("-") else F(name).asc(nulls_last=True))
    return out


def _after(model, order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `order` (keyset condition). Nulls sort last: after a
    value come the larger (smaller for "-field") values and then the nulls; after a null,
    only rows with a null there too and a later next field."""
    condition = Q(pk__in=[])
    same = Q()
    for field, value in zip(order, values):
        name = field.lstrip("-")
        nullable = _nullable(model, name)
        if value is None:
            if not nullable:
                raise HttpError(400, BAD_CURSOR)
            same &= Q(**{f"{name}__isnull": True})
            continue
        step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": value})
        if nullable:
            step |= Q(**{f"{name}__isnull": True})
        condition |= same & step
        same &= Q(**{name: value})
    return condition


def _value(obj, field: str):
    value = obj
    for part in field.lstrip("-").split("__"):
        if value is None:  # through a relation that is not set
            return None
        value = getattr(value, part)
    return value


def paginate(qs: QuerySet, *, cursor: str | None, limit: int, order: tuple[str, ...] = ("-pk",),
             out: Callable | None = None) -> dict:
    """One page of `qs` in `order` (its last field must be unique, usually "pk"/"-pk"; a
    nullable field sorts its nulls last). `out` maps a row to its schema (the row itself by
    default)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, BAD_LIMIT)
    scope = f"{qs.model._meta.label_lower}:{','.join(order)}"
    model = qs.model
    qs = qs.order_by(*_ordering(model, order))
    if cursor:
        qs = qs.filter(_after(model, order, decode_cursor(cursor, len(order), scope)))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [out(r) for r in rows] if out else rows,
        "next": encode_cursor((_value(rows[-1], f) for f in order), scope) if more and rows else None,
    }


def paginate_list(rows: list, *, cursor: str | None, limit: int, out: Callable | None = None) -> dict:
    """One page of an already built, stably ordered list (small lists computed in Python,
    e.g. an inbox merged from several sources): the cursor is the position, signed."""
    if not 1 <= limit <= MAX_LIMIT:
        raise HttpError(400, BAD_LIMIT)
    start = 0
    if cursor:
        (start,) = decode_cursor(cursor, 1, "position")
        if not isinstance(start, int) or isinstance(start, bool) or start < 0:
            raise HttpError(400, BAD_CURSOR)
    chunk = rows[start:start + limit]
    more = start + limit < len(rows)
    return {"items": [out(r) for r in chunk] if out else chunk, "next": encode_cursor([start + limit], "position") if more else None}


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("__all__" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def invalid(exc: DjangoValidationError) -> tuple[int, dict]:
    """(422, body) for a service's ValidationError; for `return Status(*invalid(exc))`."""
    errors = field_errors(exc)
    first = next(iter(errors.values()), ["提交的内容有误。"])
    detail = first[0] if list(errors) == ["__all__"] and len(first) == 1 else "提交的内容有误。"
    return 422, {"detail": detail, "errors": errors}


# Pydantic's error types, in Chinese (the API's 422 for a malformed request).
_PYDANTIC_MESSAGES = {
    "missing": "必填。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "int_from_float": "应为整数。",
    "float_parsing": "应为数字。",
    "float_type": "应为数字。",
    "decimal_parsing": "应为数字。",
    "bool_parsing": "应为 true 或 false。",
    "bool_type": "应为 true 或 false。",
    "string_type": "应为文字。",
    "string_too_short": "太短。",
    "string_too_long": "太长。",
    "list_type": "应为列表。",
    "dict_type": "应为对象。",
    "model_attributes_type": "应为对象。",
    "datetime_parsing": "应为 ISO 8601 时间，如 2026-12-01T08:00:00+08:00。",
    "datetime_from_date_parsing": "应为 ISO 8601 时间，如 2026-12-01T08:00:00+08:00。",
    "datetime_type": "应为 ISO 8601 时间。",
    "date_parsing": "应为日期，如 2026-12-01。",
    "date_from_datetime_parsing": "应为日期，如 2026-12-01。",
    "date_type": "应为日期，如 2026-12-01。",
    "greater_than_equal": "数值太小。",
    "greater_than": "数值太小。",
    "less_than_equal": "数值太大。",
    "less_than": "数值太大。",
    "literal_error": "取值不在允许的范围内。",
    "enum": "取值不在允许的范围内。",
    "json_invalid": "不是有效的 JSON。",
    "uuid_parsing": "格式不对。",
    "url_parsing": "不是有效的网址。",
    "value_error": "取值无效。",
}


def schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    """ninja's (pydantic's) error list → field → Chinese messages. The field is the
    location without its source ("body", "query", "path"), e.g. "headline" or "items.0.id"."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
            loc = loc[1:]
        if len(loc) > 1 and loc[0] == "payload":
            loc = loc[1:]
        message = _PYDANTIC_MESSAGES.get(error.get("type", ""), "取值无效。")
        ctx = error.get("ctx") or {}
        if error.get("type") in ("greater_than_equal", "greater_than") and ("ge" in ctx or "gt" in ctx):
            message = f"不能小于 {ctx.get('ge', ctx.get('gt'))}。"
        elif error.get("type") in ("less_than_equal", "less_than") and ("le" in ctx or "lt" in ctx):
            message = f"不能大于 {ctx.get('le', ctx.get('lt'))}。"
        elif error.get("type") == "string_too_long" and "max_length" in ctx:
            message = f"最多 {ctx['max_length']} 个字符。"
        elif error.get("type") == "string_too_short" and "min_length" in ctx:
            message = f"至少 {ctx['min_length']} 个字符。"
        out.setdefault(".".join(loc) or "__all__", []).append(message)
    return out
