"""The province platform's callback (public: no login, no CSRF token — it is signed) and
the signed links to video files it fetches. The rules are in `rongmei.distribution.province`."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from rongmei.core.middleware import client_ip
from rongmei.distribution import province, video_links

# Per callback address and network address (django-ratelimit, the shared "ratelimit" cache).
RATE_GROUP, RATE = "distribution-province-callback", "120/m"


def _answer(status: int, payload: dict) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
def callback(request, key: str):
    if request.method != "POST":
        response = _answer(405, {"error": "只接受 POST。"})
        response["Allow"] = "POST"
        return response
    if is_ratelimited(request, group=RATE_GROUP, key=lambda g, r: f"{key}:{client_ip(r) or '-'}", rate=RATE,
                      increment=True):
        return _answer(429, {"error": "回执太频繁了，请稍后重试。"})
    account = province.find_account(key)
    if account is None:
        return _answer(404, {"error": "没有这个回执地址。"})
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > province.MAX_BODY:
        return _answer(413, {"error": f"回执过大：最多 {province.MAX_BODY // 1024} KB。"})
    try:
        result = province.receive(account, request.read(province.MAX_BODY + 1),
                                  request.headers.get("X-Rongmei-Signature"))
    except province.CallbackError as exc:
        return _answer(exc.status, {"error": str(exc)})
    return _answer(200, {"ok": True, "receipt": result.receipt.event_id, "duplicate": result.duplicate})


def video_link(request, token: str, filename: str):
    return video_links.serve_signed(request, token, filename)


def handoff_media(request, pk: int, what: str):
    return video_links.serve_handoff(request, pk, what)
