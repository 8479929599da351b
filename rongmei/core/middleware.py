"""Request id, client IP and a structured log line per request; the active center."""

from __future__ import annotations

import logging
import time
import uuid

from rongmei.core import clientip, requestcontext
from rongmei.core.auth import centers_for

log = logging.getLogger("rongmei.request")
SESSION_CENTER_KEY = "rongmei_center_id"


def client_ip(request) -> str | None:
    # Forwarding headers count only from TRUSTED_PROXIES: see core.clientip.
    return clientip.client_ip(request)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:32] or uuid.uuid4().hex
        request.request_id = request_id
        clientip.drop_untrusted_proxy_headers(request)  # before SecurityMiddleware reads it
        token = requestcontext.bind(requestcontext.RequestInfo(request_id=request_id, ip=client_ip(request)))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            requestcontext.reset(token)
        response["X-Request-ID"] = request_id
        if not request.path.startswith("/static/"):
            user = getattr(request, "user", None)
            center = getattr(request, "_cached_center", None)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "%s %s %s %sms", request.method, request.path, response.status_code, duration_ms,
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user": user.get_username() if user is not None and user.is_authenticated else None,
                    "center": center.slug if center is not None else None,
                },
            )
        return response


def active_center(request):
    """The center the person is working in: the one chosen in the session if they may,
    else their first. Cached on the request."""
    if hasattr(request, "_cached_center"):
        return request._cached_center
    centers = centers_for(request.user)
    chosen = None
    wanted = request.session.get(SESSION_CENTER_KEY) if hasattr(request, "session") else None
    if wanted is not None:
        chosen = centers.filter(pk=wanted).first()
    if chosen is None:
        chosen = centers.first()
    request._cached_center = chosen
    return chosen


# The public site and its API serve readers: no session is read, so answers carry no
# "Vary: Cookie" and shared caches (nginx, a CDN, the app) may keep them.
PUBLIC_PREFIXES = ("/site/", "/api/public/", "/open311/")


def is_public(request) -> bool:
    return request.path_info.startswith(PUBLIC_PREFIXES)


class CenterMiddleware:
    """Sets `request.center`. API token requests set it from the token instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_public(request):
            request.center = None
            return self.get_response(request)
        request.center = active_center(request) if request.user.is_authenticated else None
        return self.get_response(request)


MUST_CHANGE_PASSWORD = "您的账号使用的是管理员设的初始密码：请先登录网页修改初始密码，之后才能使用系统和 API。"
# What a person with a password to change may still reach: the password page itself,
# logging out, static files and the health check.
_FIRST_PASSWORD_OPEN = ("/account/password/", "/logout/", "/login/", "/static/", "/healthz", "/favicon.ico",
                        "/notifications/badge/")


class FirstPasswordMiddleware:
    """Someone whose password an admin chose (`User.must_change_password`) is sent to the
    password page until they have set their own; the staff API answers 403 with the reason
    (token requests are refused the same way in `core.api.ApiTokenAuth`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_public(request) or request.path_info.startswith(_FIRST_PASSWORD_OPEN):
            return self.get_response(request)  # before touching request.user: public answers read no session
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": MUST_CHANGE_PASSWORD}, status=403, json_dumps_params={"ensure_ascii": False})
        from urllib.parse import urlencode

        from django.http import HttpResponse
        from django.shortcuts import redirect

        target = "/account/password/"
        if request.headers.get("HX-Request"):  # a fragment would swap the whole page in: go there
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        if request.method == "GET" and request.path_info != "/":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
