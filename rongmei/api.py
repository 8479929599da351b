"""The staff REST API under /api/, with its OpenAPI document at /api/openapi.json and
interactive docs at /api/docs (served from local files, no CDN)."""

import copy
import functools
import logging

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rongmei.core.api import ApiTokenAuth, CenterSessionAuth
from rongmei.core.api import router as core_router
from rongmei.core.api_kit import invalid as service_refused
from rongmei.core.api_kit import schema_errors
from rongmei.core.ids import OUT_OF_RANGE
from rongmei.newsroom.api import router as newsroom_router
from rongmei.planning.api import router as planning_router


def docs_need_login(view):
    """The staff API's document and docs page describe internal operations: only for a
    logged-in session or a valid personal token. People get the login page, programs a 401."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_active:
            return view(request, *args, **kwargs)
        header = request.headers.get("Authorization", "")
        try:
            if header[:7].lower() == "bearer " and ApiTokenAuth().authenticate(request, header[7:].strip()) is not None:
                return view(request, *args, **kwargs)
        except HttpError as exc:  # a token whose owner must change the initial password first
            return JsonResponse({"detail": str(exc)}, status=exc.status_code, json_dumps_params={"ensure_ascii": False})
        if request.path.endswith(".json"):
            return JsonResponse({"detail": "接口文档需要登录：请先登录本系统，或在 Authorization 头中提供有效的 Bearer 令牌。"},
                                status=401, json_dumps_params={"ensure_ascii": False})
        return redirect_to_login(request.get_full_path())

    return wrapped


class StaffAPI(NinjaAPI):
    """The document is built once per path prefix: it describes code, not data, and building
    it walks every schema of every room (about a third of a second each time)."""

    _documents: dict = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._documents:
            self._documents[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return copy.deepcopy(self._documents[path_prefix])


api = StaffAPI(
    title="融媒 Rongmei API",
    version="1",
    description="县级融媒体中心工作平台接口。使用个人 API 令牌（Authorization: Bearer rm_…）或已登录的会话访问；"
    "令牌只在创建它的中心内有效。",
    auth=[ApiTokenAuth(), CenterSessionAuth()],
    urls_namespace="api",
    docs_decorator=docs_need_login,
)
api.add_router("/v1/", core_router)
api.add_router("/v1/", newsroom_router)
api.add_router("/v1/", planning_router)
api.add_router("/v1/", "rongmei.newsroom.search_api.router")
api.add_router("/v1/", "rongmei.distribution.webhooks_api.router")
api.add_router("/v1/", "rongmei.distribution.api.router")
api.add_router("/v1/", "rongmei.inquiry.api.router")
api.add_router("/v1/", "rongmei.core.notifications_api.router")
api.add_router("/v1/", "rongmei.review.api.router")
api.add_router("/v1/", "rongmei.monitor.api_alerts.router")
api.add_router("/v1/", "rongmei.monitor.api_topics.router")
api.add_router("/v1/", "rongmei.monitor.api_sources.router")
api.add_router("/v1/", "rongmei.monitor.api_items.router")
api.add_router("/v1/", "rongmei.monitor.api_reports.router")
api.add_router("/v1/", "rongmei.analytics.api.router")
api.add_router("/v1/", "rongmei.analytics.api_data.router")
api.add_router("/v1/", "rongmei.appraisal.api.router")
api.add_router("/v1/", "rongmei.appraisal.api_facts.router")


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "未找到该对象，或它不属于您当前的中心。"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": "未登录或令牌无效：请在 Authorization 头中提供有效的 Bearer 令牌。"}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": "请求参数有误。", "errors": schema_errors(exc.errors)}, status=422)


@api.exception_handler(DjangoValidationError)
def refused(request, exc):
    """A service refused the request (a field's value, a state that does not allow it): 422
    with the service's Chinese messages per field."""
    status, body = service_refused(exc)
    # A room marks refusals that are about state, not values, with `api_status` (409: handled
    # already / changed since; 403: not this person's to do).
    return api.create_response(request, body, status=getattr(exc, "api_status", status))


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number the database refused (SQLite: OverflowError, PostgreSQL: DataError) is the
    client's mistake: 400 with a Chinese message, never 500 (see rongmei.core.ids)."""
    return api.create_response(request, {"detail": OUT_OF_RANGE}, status=400)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限进行这项操作。"}, status=403)


log = logging.getLogger("rongmei.api")


@api.exception_handler(Exception)
def unexpected(request, exc):
    """A defect: logged with its traceback and answered in JSON, never Django's HTML page.
    The fuzz suite treats any 5xx as a failure, so this is the last line, not a way out."""
    log.exception("API %s %s failed", request.method, request.path)
    return api.create_response(request, {"detail": "服务器内部错误，已记录，请稍后重试或联系管理员。"}, status=500)
api.add_router("/v1/", "rongmei.newsroom.video_api.router")
api.add_router("/v1/", "rongmei.core.notify_api.router")
api.add_router("/v1/", "rongmei.ads.api.router")
api.add_router("/v1/", "rongmei.events.api.router")
api.add_router("/v1/", "rongmei.live.api.router")
api.add_router("/v1/", "rongmei.cable.api.router")
api.add_router("/v1/", "rongmei.province.api.router")
api.add_router("/v1/", "rongmei.sharing.api.router")
