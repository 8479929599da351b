"""Webhook API (issue 14): endpoints, a test event, the delivery log. The secret is
write-only: it is returned once, when the endpoint is created (or its secret rotated)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id, Version
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.distribution import webhooks
from rongmei.distribution.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint

router = Router(tags=["Webhook 推送"])
PERM = webhooks.PERMISSION
KINDS_HELP = "事件类型代码，可选：" + "、".join(f"{k}（{v}）" for k, v in webhooks.kind_choices())


class WebhookIn(Schema):
    name: str = Field(..., max_length=80, description="名称，本中心内不重复")
    url: str = Field(..., max_length=300, description="接收地址，http(s)；不跟随跳转")
    kinds: list[str] = Field(..., max_length=20, description=KINDS_HELP)
    is_active: bool = Field(True, description="启用")


class WebhookUpdateIn(WebhookIn):
    version: Version = Field(..., description="读取时的 version；他人已先修改时返回 409")


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    kinds: list[str]
    is_active: bool
    version: int
    has_secret: bool = Field(..., description="是否已有签名密钥（密钥本身从不返回）")
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="签名密钥，只返回这一次，请立即保存")


class WebhookAttemptOut(Schema):
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str = Field(..., description="ok / retry / fail")
    status_code: int | None = Field(None, description="接收方的 HTTP 状态码（没连上时为 null）")
    detail: str
    next_attempt_at: dt.datetime | None = Field(None, description="重试时：下次尝试的时间（退避）")


class WebhookDeliveryOut(Schema):
    id: int
    delivery_id: str = Field(..., description="X-Rongmei-Delivery，每次重试都相同")
    event: str
    status: str = Field(..., description="pending / leased / done / dead")
    attempts: int
    max_attempts: int
    last_error: str
    last_status_code: int | None
    created_at: dt.datetime
    available_at: dt.datetime = Field(..., description="待发送时：最早的发送时间")
    done_at: dt.datetime | None
    tries: list[WebhookAttemptOut] = Field(..., description="每次尝试的记录")


def _out(e: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(id=e.pk, name=e.name, url=e.url, kinds=e.kinds, is_active=e.is_active, version=e.version,
                      has_secret=bool(e.secret), created_at=e.created_at, updated_at=e.updated_at)


def _attempt(a: DeliveryAttempt) -> WebhookAttemptOut:
    return WebhookAttemptOut(started_at=a.started_at, finished_at=a.finished_at, outcome=a.outcome, status_code=a.status_code,
                      detail=a.detail, next_attempt_at=a.next_attempt_at)


def _delivery(m: OutboxMessage) -> WebhookDeliveryOut:
    tries = list(m.attempts_log.all())
    return WebhookDeliveryOut(id=m.pk, delivery_id=m.idempotency_key, event=m.event, status=m.status, attempts=m.attempts,
                       max_attempts=m.max_attempts, last_error=m.last_error, last_status_code=webhooks.last_status_code(m),
                       created_at=m.created_at, available_at=m.available_at, done_at=m.done_at,
                       tries=[_attempt(a) for a in tries])


def _endpoint(request, webhook_id: int) -> WebhookEndpoint:
    return get_scoped_or_404(WebhookEndpoint, request.center, pk=webhook_id)


def _conflict(endpoint_id: int):
    current = WebhookEndpoint.objects.get(pk=endpoint_id)
    return Status(409, {"detail": webhooks.StaleVersion.message, "errors": {"version": [f"当前版本为 {current.version}。"]}})


@router.get("/webhooks", response={200: page_of(WebhookOut), **ERRORS}, summary="Webhook 接收地址列表",
            description="本中心登记的接收地址，按 cursor 分页（先建的在前）。需要“管理 Webhook 推送”权限。")
def webhooks_list_endpoints(request, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, PERM)
    return paginate(webhooks.endpoints(request.center), cursor=cursor, limit=limit, order=("pk",), out=_out)


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS}, summary="新建 Webhook 接收地址",
             description="返回的 secret 只出现这一次；之后只能重新生成。")
def webhooks_create_endpoint(request, payload: WebhookIn):
    require(request, PERM)
    endpoint, secret = webhooks.create_endpoint(center=request.center, user=request.user, name=payload.name,
                                                url=payload.url, kinds=payload.kinds, is_active=payload.is_active)
    return Status(201, WebhookCreatedOut(**_out(endpoint).model_dump(), secret=secret))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="一个 Webhook 接收地址")
def webhooks_get_endpoint(request, webhook_id: Id):
    require(request, PERM)
    return Status(200, _out(_endpoint(request, webhook_id)))


@router.put("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="修改 Webhook 接收地址",
            description="须带读取时的 version；他人已先修改时返回 409。密钥不在这里修改（见 rotate-secret）。")
def webhooks_update_endpoint(request, webhook_id: Id, payload: WebhookUpdateIn):
    require(request, PERM)
    endpoint = _endpoint(request, webhook_id)
    try:
        endpoint = webhooks.update_endpoint(endpoint=endpoint, user=request.user, name=payload.name, url=payload.url,
                                            kinds=payload.kinds, is_active=payload.is_active, version=payload.version)
    except webhooks.StaleVersion:
        return _conflict(endpoint.pk)
    return Status(200, _out(endpoint))


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS}, summary="删除 Webhook 接收地址",
               description="推送记录一并删除，审计日志保留。只想暂停时请用 PUT 把 is_active 设为 false。")
def webhooks_delete_endpoint(request, webhook_id: Id):
    require(request, PERM)
    webhooks.delete_endpoint(endpoint=_endpoint(request, webhook_id), user=request.user)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response={200: WebhookCreatedOut, **ERRORS},
             summary="重新生成签名密钥", description="新密钥只返回这一次；旧密钥立即失效。")
def webhooks_rotate_secret(request, webhook_id: Id):
    require(request, PERM)
    endpoint, secret = webhooks.rotate_secret(endpoint=_endpoint(request, webhook_id), user=request.user)
    return Status(200, WebhookCreatedOut(**_out(endpoint).model_dump(), secret=secret))


@router.post("/webhooks/{webhook_id}/ping", response={202: WebhookDeliveryOut, **ERRORS}, summary="发送测试事件（ping）",
             description="排队一条 ping 推送给这个地址（停用的地址返回 422）；结果见推送记录。")
def webhooks_ping_endpoint(request, webhook_id: Id):
    require(request, PERM)
    message = webhooks.ping(endpoint=_endpoint(request, webhook_id), user=request.user)
    return Status(202, _delivery(message))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: page_of(WebhookDeliveryOut), **ERRORS},
            summary="推送记录", description="这个地址的推送（新的在前）及每次尝试，按 cursor 分页。")
def webhooks_list_deliveries(request, webhook_id: Id, cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, PERM)
    endpoint = _endpoint(request, webhook_id)
    return paginate(webhooks.deliveries(endpoint), cursor=cursor, limit=limit, order=("-pk",), out=_delivery)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", response={200: WebhookDeliveryOut, **ERRORS},
             summary="重发一条已停止重试的推送", description="推送编号（X-Rongmei-Delivery）不变，尝试次数从头计。")
def webhooks_resend_delivery(request, webhook_id: Id, delivery_id: Id):
    require(request, PERM)
    message = webhooks.delivery(_endpoint(request, webhook_id), delivery_id)
    return Status(200, _delivery(webhooks.resend(message=message, user=request.user)))


