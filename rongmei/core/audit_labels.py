"""Readable Chinese names for audit actions and for the objects they touch. Each room
registers its own, so the audit log reads 签发 稿件《…》 by 陈静, never "Review object (7)"
by reviewer3."""

from __future__ import annotations

import re
from typing import Any, Callable

_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.logout": "退出",
    "auth.login_failed": "登录失败",
    "auth.locked_out": "登录锁定",
    "center.create": "新建中心",
    "user.create": "新建账号",
    "user.roles_change": "变更角色",
    "user.activate": "启用账号",
    "user.deactivate": "停用账号",
    "user.password_change": "修改密码",
    "user.change_request": "申请变更共用账号",
    "user.change_approve": "同意变更共用账号",
    "user.change_refuse": "不同意变更共用账号",
    "department.create": "新增政府部门",
    "token.create": "创建 API 令牌",
    "token.revoke": "吊销 API 令牌",
}


# Groups of the action filter, by the part of the action before the dot.
_GROUPS: dict[str, str] = {
    "auth": "登录", "user": "账号", "center": "中心", "department": "组织机构", "token": "API 令牌",
    "story": "稿件", "asset": "素材", "rendition": "渠道稿", "column": "栏目",
    "review": "审核", "signoff": "签字记录", "checklist": "检查词表", "workflow": "审核流程",
    "lead": "线索", "plan": "策划", "topic": "选题", "assignment": "采访任务", "duty": "值班",
    "inquiry": "网络问政", "distribution": "一键分发", "account": "渠道账号", "portal": "网站与服务",
    "monitor": "舆情监测",
    "analytics": "传播效果",
    "appraisal": "绩效考核",
    "ads": "广告经营", "events": "活动运营", "live": "直播制作", "cable": "有线网络",
    "province": "省级平台", "sharing": "上下级稿件流转",
}

# object type (app_label.model) -> (kind shown in the log, how to name one object or None)
_OBJECTS: dict[str, tuple[str, Callable[[Any], str] | None]] = {
    "core.user": ("账号", lambda u: f"账号「{u.display_name or u.username}（{u.username}）」"),
    "core.center": ("融媒体中心", None),
    "core.department": ("政府部门", None),
    "core.apitoken": ("API 令牌", None),
}
_DEFAULT_REPR = re.compile(r"\w+ object \((\d+)\)")


def register(labels: dict[str, str]) -> None:
    _LABELS.update(labels)


def register_objects(kinds: dict[str, tuple[str, Callable[[Any], str] | None]]) -> None:
    """`{"newsroom.story": ("稿件", lambda s: f"稿件《{s.title}》")}`; None names it
    `kind「str(obj)」`."""
    _OBJECTS.update(kinds)


def label(action: str) -> str:
    return _LABELS.get(action, action)


def action_choices() -> list[tuple[str, Any]]:
    """The action filter: one group per area, each with "all of it" first, in Chinese."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action, text in _LABELS.items():
        groups.setdefault(action.split(".", 1)[0], []).append((action, text))
    choices: list[tuple[str, Any]] = [("", "全部动作")]
    for prefix in sorted(groups, key=lambda p: list(_GROUPS).index(p) if p in _GROUPS else len(_GROUPS)):
        name = _GROUPS.get(prefix, prefix)
        choices.append((name, [(f"{prefix}.", f"{name}（全部）"), *sorted(groups[prefix], key=lambda c: c[0])]))
    return choices


def object_type_choices() -> list[tuple[str, str]]:
    return [("", "全部对象"), *sorted(((t, kind) for t, (kind, _) in _OBJECTS.items()), key=lambda c: c[0])]


def describe(obj: Any) -> str:
    """How the audit log names `obj` when an event is written: its kind and its name."""
    kind, namer = _OBJECTS.get(obj._meta.label_lower, (None, None))
    if namer is not None:
        return namer(obj)
    text = str(obj)
    kind = kind or str(obj._meta.verbose_name)
    if _DEFAULT_REPR.fullmatch(text):
        return f"{kind} #{obj.pk}"
    return f"{kind}「{text}」"


def object_label(event: Any) -> str:
    """The object of a stored event as shown: its stored name; for events written before
    objects were named ("Review object (7)"), the object's name now, if it still exists."""
    if not _DEFAULT_REPR.fullmatch(event.object_repr or ""):
        return event.object_repr
    from django.apps import apps

    try:
        model = apps.get_model(event.object_type)
        return describe(model._default_manager.get(pk=event.object_id))
    except Exception:  # the model or the object is gone: say what it was
        kind = _OBJECTS.get(event.object_type, (event.object_type, None))[0]
        return f"{kind} #{event.object_id}"


def actor_label(event: Any) -> str:
    """Who acted, by name: the person's name, else what was written (系统, Open311 …)."""
    actor = getattr(event, "actor", None)
    if actor is not None:
        return actor.display_name or actor.username
    return event.actor_repr
