"""The notification centre through the API: a person's own notifications, newest first,
read one or all. The same selector and service as the 通知 page (core.views.notifications).

A logged-in session sees the person's notifications of every center they work in, as the
page does; a personal token is bound to one center and sees that center's only."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from rongmei.core import selectors, services
from rongmei.core.api_kit import ERRORS, CursorQuery, LimitQuery, page_of, paginate
from rongmei.core.ids import Id
from rongmei.core.models import Notification

router = Router(tags=["通知"])


class NotificationCenterOut(Schema):
    id: int
    slug: str
    name: str


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str = Field(..., description="相关页面（本系统内的路径，可能为空）")
    center: NotificationCenterOut = Field(..., description="通知来自哪个中心")
    created_at: dt.datetime
    read: bool
    read_at: dt.datetime | None


class NotificationsReadAllOut(Schema):
    marked: int = Field(..., description="这次标为已读的条数")
    unread: int = Field(..., description="仍未读的条数（应为 0）")


def _out(n: Notification) -> NotificationOut:
    return NotificationOut(id=n.pk, title=n.title, body=n.body, url=n.url,
                           center=NotificationCenterOut(id=n.center.pk, slug=n.center.slug, name=n.center.name),
                           created_at=n.created_at, read=n.read_at is not None, read_at=n.read_at)


def _center(request):
    """A token reads its own center's notifications only; a session all of the person's."""
    return request.center if hasattr(request, "api_token") else None


@router.get("/notifications", response={200: page_of(NotificationOut), **ERRORS}, summary="我的通知（最新在前）",
            description="只列您本人的通知。unread=true 只看未读的。用令牌访问时只列令牌所属中心的通知。")
def core_list_notifications(request, unread: bool = Query(False, description="只看未读的"),
                            cursor: str | None = CursorQuery, limit: int = LimitQuery):
    qs = selectors.notifications_of(request.user, unread=unread, center=_center(request))
    return paginate(qs, cursor=cursor, limit=limit, order=("-created_at", "-pk"), out=_out)


@router.post("/notifications/read-all", response={200: NotificationsReadAllOut, **ERRORS}, summary="全部标为已读")
def core_read_all_notifications(request):
    center = _center(request)
    marked = services.mark_read(user=request.user, center=center)
    return NotificationsReadAllOut(marked=marked, unread=selectors.notifications_of(request.user, unread=True, center=center).count())


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS},
             summary="把一条通知标为已读", description="别人的通知（或不存在的）一律 404。已读的再标一次不变。")
def core_read_notification(request, notification_id: Id):
    note = get_object_or_404(selectors.notifications_of(request.user, center=_center(request)), pk=notification_id)
    services.mark_read(user=request.user, ids=[note.pk])
    note.refresh_from_db()
    return _out(note)
