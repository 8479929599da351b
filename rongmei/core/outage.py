"""A clear 503 while the database is unreachable (restarting, failing over), instead of the
generic 500 page.

Django turns an exception anywhere below a middleware into a 500 response before an outer
middleware sees it, so the exception is noted on the request by the got_request_exception
signal (sent with the exception in hand) and `ServiceUnavailableMiddleware`, near the top of
MIDDLEWARE, replaces that 500 with a 503 in Chinese and a Retry-After. Nothing was stored by
such a request: the failed statement or commit is what raised. Connections are opened per
request (CONN_MAX_AGE 0, CONN_HEALTH_CHECKS), so the first request after the database is back
succeeds without restarting anything. The staff API handles its exceptions itself, so it
gets its own handler for these errors (register_api_handlers)."""

from __future__ import annotations

import json
import logging
import sys

from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse

log = logging.getLogger("rongmei.request")

MESSAGE = "服务暂时不可用，请稍后重试。"
RETRY_AFTER_SECONDS = 5
DATABASE_DOWN = (OperationalError, InterfaceError)
_FLAG = "_rongmei_database_down"

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>服务暂时不可用</title></head>
<body><main><h1>服务暂时不可用，请稍后重试</h1>
<p>系统正在恢复，通常几秒钟即可。您刚才的操作没有保存成功，请稍后重新提交。</p></main></body></html>
"""


def _note(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_DOWN):
        setattr(request, _FLAG, error.__class__.__name__)


got_request_exception.connect(_note, dispatch_uid="rongmei.core.outage")


def wants_json(request) -> bool:
    path = request.path
    return (path.startswith(("/api/", "/open311/")) or path.endswith(".json")
            or "application/json" in request.META.get("HTTP_ACCEPT", ""))


def unavailable(request) -> HttpResponse:
    if wants_json(request):
        response = HttpResponse(json.dumps({"detail": MESSAGE}, ensure_ascii=False),
                                content_type="application/json; charset=utf-8", status=503)
    else:
        response = HttpResponse(PAGE, content_type="text/html; charset=utf-8", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _api_unavailable(request, exc):
    log.warning("database unreachable (%s): answered 503 to %s %s", exc.__class__.__name__, request.method, request.path)
    return unavailable(request)


def register_api_handlers() -> None:
    """The staff API answers every unexpected exception itself (a logged 500 in JSON, see
    rongmei/api.py), so Django never hears of it: a more specific handler for the database
    errors answers the 503 there."""
    from rongmei.api import api

    for error in DATABASE_DOWN:
        api.add_exception_handler(error, _api_unavailable)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        register_api_handlers()

    def __call__(self, request):
        response = self.get_response(request)
        cause = getattr(request, _FLAG, None)
        if cause and response.status_code >= 500:
            log.warning("database unreachable (%s): answered 503 to %s %s", cause, request.method, request.path)
            return unavailable(request)
        return response
