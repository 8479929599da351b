"""The events a notification can be about, and where each goes when a person has chosen
nothing: the defaults are what a county newsroom expects (a reporter's new assignment
reaches their phone; an account going stale is only worth the bell and email).

Callers pass the code to `rongmei.core.services.notify(event=...)`; preferences, group
robots' subscriptions and the delivery log all speak in these codes. A code not listed
here still works (bell only): a room may add events before the catalogue names them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Every channel a person can choose for an event, in the order screens show them.
PERSON_CHANNELS = ("bell", "email", "wecom", "dingtalk")
CHANNEL_LABELS = {"bell": "站内通知", "email": "邮件", "wecom": "企业微信", "dingtalk": "钉钉"}


@dataclass(frozen=True)
class Event:
    code: str
    label: str
    defaults: tuple[str, ...]
    urgent: bool = False


EVENTS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    # code: (label, default channels, urgent?)
    "assignment": ("新任务/派单", ("bell", "email", "wecom", "dingtalk"), False),
    "review_pending": ("待我审核", ("bell", "wecom", "dingtalk"), False),
    "review_returned": ("稿件被退回", ("bell", "wecom", "dingtalk"), False),
    "publish_failed": ("发布失败", ("bell", "email", "wecom", "dingtalk"), True),
    "handoff": ("代发待确认", ("bell", "wecom", "dingtalk"), False),
    "inquiry_assigned": ("问政派单", ("bell", "wecom", "dingtalk"), False),
    "inquiry_overdue": ("问政超期督办", ("bell", "email", "wecom", "dingtalk"), True),
    "monitor_alert": ("舆情预警", ("bell", "wecom", "dingtalk"), True),
    "account_stale": ("账号长期未更新", ("bell", "email"), False),
    # 经营创收 (issue 18)
    "ad_review_pending": ("待审查广告", ("bell", "wecom", "dingtalk"), False),
    "ad_returned": ("广告被退回修改", ("bell", "wecom", "dingtalk"), False),
    "events_task": ("活动任务", ("bell", "wecom", "dingtalk"), False),
    "cable_overdue": ("有线维修超时督办", ("bell", "email", "wecom", "dingtalk"), True),
    # 上下级稿件流转 (issue 19)
    "sharing_push": ("上级推送", ("bell", "wecom", "dingtalk"), False),
    "sharing_submit": ("下级供稿", ("bell", "wecom", "dingtalk"), False),
    "sharing_result": ("供稿采用结果", ("bell",), False),
}


def get(code: str) -> Event:
    """The event of `code`; an unknown or empty code is a plain bell message."""
    label, defaults, urgent = EVENTS.get(code, (code or "通知", ("bell", "email"), False))
    return Event(code, label, defaults, urgent)


def choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _d, _u) in EVENTS.items()]


# Codes that are not events a person chooses channels for, with their labels.
OTHER_LABELS = {"test": "测试消息"}


def label(code: str) -> str:
    if code in EVENTS:
        return EVENTS[code][0]
    return OTHER_LABELS.get(code, code or "通知")
