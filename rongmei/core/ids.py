"""Ids and integers as the database can hold them, in one place (issue 11, item 7).

Every table's key is a BIGINT: 1 … 2^63-1. A number outside that range in a path, a query
string or a body must be answered 404 or 400 with a Chinese message, never reach the
database, where SQLite raises OverflowError and PostgreSQL NumericValueOutOfRange (both a
500 otherwise). Three layers use what is defined here:

* URL patterns: ``<id:pk>`` (registered by ``rongmei.core.apps``) matches only a valid id,
  so anything else is a plain 404 — Django's ``<int:…>`` accepts any number of digits.
* The API (django-ninja): ``Id`` and ``Version`` for path parameters and body fields, so
  pydantic refuses them with the API's usual 422 and field errors.
* Views reading numbers from forms and query strings: ``parse_id`` / ``bounded``.

Whatever still slips through is answered 400 by ``OutOfRangeMiddleware`` and the API's
exception handlers rather than 500.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1  # the largest BIGINT, on SQLite and PostgreSQL alike
MAX_INT = 2**31 - 1  # the largest INTEGER (PostgreSQL): a version number is one
OUT_OF_RANGE = "数字超出范围或格式不对：编号应为 1 到 9223372036854775807 之间的整数，请检查后重试。"

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="编号，1 到 2^63-1")]
Version = Annotated[int, Field(ge=1, le=MAX_INT, description="版本号，从 1 开始")]


class IdConverter:
    """``<id:pk>``: a database id written in at most 19 digits and within 1 … 2^63-1; any
    other value does not match the pattern (so the answer is 404, not 500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(OUT_OF_RANGE)
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def parse_id(value) -> int | None:
    """A valid id from a form or query value (str or int), or None."""
    text = str(value).strip() if value is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def bounded(value, default: int, low: int, high: int) -> int:
    """An integer from a query value clamped to low … high (``default`` when not a number),
    for page numbers, limits, years and the like."""
    try:
        text = str(value).strip()
        number = int(text) if len(text) <= 20 else default
    except (TypeError, ValueError):
        number = default
    return min(max(number, low), high)


# --- The catch-all ------------------------------------------------------------------------------

def is_out_of_range(exc: BaseException) -> bool:
    """A number the database could not take: SQLite's OverflowError, PostgreSQL's
    NumericValueOutOfRange (a DataError; other DataErrors, e.g. a string too long, are
    the same kind of bad input)."""
    from django.db import DataError

    return isinstance(exc, (OverflowError, DataError))


def out_of_range_response(request):
    """400 with a Chinese message: JSON under /api/ and /open311/, a page elsewhere. The
    page stands alone (like 500.html) and reads nothing from the database: the failed
    statement may have left the connection's transaction unusable."""
    from django.http import HttpResponse, JsonResponse
    from django.template.loader import render_to_string

    if request.path_info.startswith(("/api/", "/open311/")):
        return JsonResponse({"detail": OUT_OF_RANGE}, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(render_to_string("400.html", {"message": OUT_OF_RANGE}), status=400)


class OutOfRangeMiddleware:
    """Whatever number a view forgot to check and the database refused becomes a 400 with a
    Chinese message instead of a 500 (the database work of the request was rolled back by
    the transaction it ran in: services use one transaction per change)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_out_of_range(exception):
            import logging

            logging.getLogger("rongmei.request").warning("out of range: %s %s: %s", request.method, request.path, exception)
            return out_of_range_response(request)
        return None
