"""The staff navigation. Each room registers its entries with the permission they need;
a person sees only the entries their roles in the active center allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.templatetags.static import static
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    permission: str | None = None
    platform_admin_only: bool = False
    order: int = 100
    icon: str = "•"  # a glyph, or a static path ending in .svg where fonts may lack the glyph
    # A further test (user, center) -> bool for entries a permission alone does not decide:
    # 部门办件 is for people bound to a department, whom a platform admin is not.
    visible: Callable | None = None


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _ITEMS[item.key] = item


def items_for(user, center_perms: frozenset[str], path: str = "", center=None) -> list[dict]:
    """Entries the person may see (and open: none answers 403); the one whose address is
    the longest prefix of `path` is marked active."""
    visible = []
    for item in sorted(_ITEMS.values(), key=lambda i: (i.order, i.key)):
        if item.platform_admin_only and not user.is_superuser:
            continue
        if item.permission and item.permission not in center_perms:
            continue
        if item.visible is not None and not item.visible(user, center):
            continue
        visible.append({"key": item.key, "label": item.label, "url": reverse(item.url_name), "icon": item.icon,
                        "icon_src": static(item.icon) if item.icon.endswith(".svg") else "", "active": False})
    matches = [i for i in visible if path.startswith(i["url"]) and (i["url"] != "/" or path == "/")]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return visible


def register_core_items() -> None:
    register(NavItem("home", "工作台", "core:home", "core.view_dashboard", order=0, icon="⌂"))
    register(NavItem("org", "组织机构", "core:org", "core.view_org", order=800, icon="▦"))
    register(NavItem("people", "人员与角色", "core:people", "core.manage_people", order=810, icon="☺"))
    register(NavItem("audit", "审计日志", "core:audit", "core.view_audit", order=820, icon="☰"))
    register(NavItem("tokens", "API 令牌", "core:tokens", "core.use_api_tokens", order=900, icon="◈"))
    register(NavItem("djadmin", "系统后台", "admin:index", platform_admin_only=True, order=990, icon="⚙"))
