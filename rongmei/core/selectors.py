"""Reads of core data that views and other rooms may use."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils import timezone

from rongmei.core.models import ApiToken, Area, AuditEvent, Center, Department, Membership, Notification, OrgUnit, User
from rongmei.core.permissions import ROLES
from rongmei.core.tenancy import scoped


def descendants(center: Center) -> list[Center]:
    """The centers below `center` in the province tree (cities, then their counties), each
    once, in tree order; none for a county. Three levels at most, so three queries at most."""
    found: list[Center] = []
    level = [center.pk]
    seen = {center.pk}
    while level:
        below = [c for c in Center.objects.filter(parent_id__in=level).order_by("id") if c.pk not in seen]
        found += below
        seen.update(c.pk for c in below)
        level = [c.pk for c in below]
    return found


def ancestors(center: Center) -> list[Center]:
    """The centers above `center`, nearest first (its city, then the province)."""
    found: list[Center] = []
    seen = {center.pk}
    current = center
    while current.parent_id and current.parent_id not in seen:
        current = Center.objects.get(pk=current.parent_id)
        seen.add(current.pk)
        found.append(current)
    return found


def members(center: Center) -> list[dict]:
    """People holding any role in `center`, each with their role labels and units."""
    rows = (
        scoped(Membership, center)
        .select_related("user", "org_unit", "department")
        .order_by("user__username", "id")
    )
    people: dict[int, dict] = {}
    for m in rows:
        entry = people.setdefault(m.user_id, {"user": m.user, "roles": [], "org_unit": None, "department": None})
        entry["roles"].append(ROLES[m.role].label if m.role in ROLES else m.role)
        entry["org_unit"] = entry["org_unit"] or m.org_unit
        entry["department"] = entry["department"] or m.department
    return list(people.values())


def staff(center: Center) -> QuerySet:
    """The center's own working people, for bylines, authors and assignees: active, holding
    a role of the center itself. Department liaisons (they work for a government department)
    and system accounts (the platform admin) are not staff."""
    own_roles = [code for code, role in ROLES.items() if not role.needs_department]
    return (User.objects.filter(is_active=True, is_superuser=False, memberships__center=center,
                                memberships__role__in=own_roles).distinct().order_by("username"))


def member_or_none(center: Center, user_id: int) -> User | None:
    """A person of this center (someone with no role here is not found)."""
    return User.objects.filter(pk=user_id, memberships__center=center).distinct().first()


def roles_of(user: User, center: Center) -> list[str]:
    return list(scoped(Membership, center).filter(user=user).values_list("role", flat=True))


def units_of(user: User, center: Center) -> tuple[OrgUnit | None, Department | None]:
    m = scoped(Membership, center).filter(user=user).select_related("org_unit", "department")
    org_unit = next((x.org_unit for x in m if x.org_unit), None)
    department = next((x.department for x in m if x.department), None)
    return org_unit, department


def org_overview(center: Center) -> dict:
    areas = list(scoped(Area, center).order_by("id"))
    villages = defaultdict(list)
    for area in areas:
        if area.parent_id:
            villages[area.parent_id].append(area)
    townships = [{"area": a, "villages": villages[a.id]} for a in areas if a.parent_id is None]
    counts = defaultdict(int)
    for unit_id in scoped(Membership, center).exclude(org_unit=None).values_list("org_unit_id", flat=True):
        counts[unit_id] += 1
    units = list(scoped(OrgUnit, center))
    for unit in units:
        unit.member_count = counts[unit.id]
    return {
        "org_units": units,
        "departments": list(scoped(Department, center)),
        "townships": townships,
        "village_count": sum(len(v) for v in villages.values()),
    }


def liaisons_of(department: Department) -> list[User]:
    return list(
        User.objects.filter(memberships__department=department, memberships__role="liaison").distinct().order_by("username")
    )


def audit_events(center: Center, *, action: str = "", actor: str = "", object_type: str = "",
                 date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet:
    events = scoped(AuditEvent, center).select_related("actor")
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(Q(actor_repr__icontains=actor) | Q(actor__display_name__icontains=actor)
                               | Q(actor__username__icontains=actor))
    if object_type:
        events = events.filter(object_type=object_type)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        events = events.filter(created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return events


def tokens_of(user: User) -> QuerySet:
    return ApiToken.objects.filter(user=user).select_related("center")


def place_and_office_names(center: Center) -> list[str]:
    """The county's own names (townships, villages, departments, their short names), so
    Chinese word segmentation keeps them whole."""
    names = list(scoped(Area, center).values_list("name", flat=True))
    for name, short in scoped(Department, center).values_list("name", "short_name"):
        names.append(name)
        if short:
            names.append(short)
    names.append(center.name)
    return names


def notifications_of(user: User, *, unread: bool = False, center: Center | None = None) -> QuerySet:
    """The person's own notifications (of every center they work in, or of `center` only),
    newest first; `unread` keeps those not read yet."""
    qs = Notification.objects.filter(recipient=user).select_related("center")
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if center is not None:
        qs = qs.filter(center=center)
    return qs


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
