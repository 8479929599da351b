"""The facts only appraisal records — 优稿 ratings, external pickups (外宣), deductions and
pay bases — one function per use case, each in one transaction with its audit event.

Why here and not in the engine: these are what people enter by hand, so each is checked as
it is written (a level the month's rules know, a month still open, a story of this center),
and the engine (PC) can simply trust what it reads. A month is locked once the appraisal
admin closes it (Period.status closed): every write for a closed month is refused with a
Chinese message, and the check takes a row lock on the month's Period (when there is one),
so a close and a rating at the same moment cannot both win.

When a piece "belongs" to a month: the month (in the center's time zone) of its first
publication that went out (a distribution Publication with `sent_at` — sent, corrected, or
taken down after being sent). A 优稿 counts in that month; a pickup in the month of its
`used_on`; a deduction in the month chosen when it is registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from rongmei.appraisal import rules as rules_kit
from rongmei.appraisal.models import Deduction, PayProfile, Period, Pickup, Rating
from rongmei.core.models import Center, User
from rongmei.core.services import notify, record
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Story

MAX_POINTS = Decimal(1000)
MAX_BASE = Decimal(1_000_000)


class Stale(Exception):
    """What the person edited was changed by someone else since they opened it."""


# --- Months -----------------------------------------------------------------------------------------

def month_of(value) -> dt.date | None:
    """A month from "2026-12" / "2026-12-01" / a date; None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


def this_month(center: Center | None = None) -> dt.date:
    return _local_today(center).replace(day=1)


def _tz(center: Center | None):
    try:
        return zoneinfo.ZoneInfo(center.timezone) if center is not None and center.timezone else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _local_today(center: Center | None) -> dt.date:
    return timezone.localtime(timezone.now(), _tz(center)).date()


def month_bounds(center: Center, month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of `month` as aware datetimes in the center's time zone."""
    month = month.replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    tz = _tz(center)
    return (dt.datetime.combine(month, dt.time.min, tzinfo=tz), dt.datetime.combine(following, dt.time.min, tzinfo=tz))


def is_closed(center: Center, month: dt.date) -> bool:
    """Whether the month is closed (locked): the close engine's answer (periods.is_closed)."""
    from rongmei.appraisal import periods

    return periods.is_closed(center, month)


def _require_open(center: Center, month: dt.date, what: str) -> None:
    """Refuse a write for a closed month; lock the month's Period row (if any) so a close
    running at the same time waits for this write, or this write sees the close."""
    period = Period.objects.select_for_update().filter(center=center, month=month.replace(day=1)).first()
    if period is not None and period.status == Period.Status.CLOSED:
        raise ValidationError(f"{month:%Y年%m月}已结算锁定，不能再{what}；如需更正，请由考核管理员做结算后调整。")


# --- Published pieces ---------------------------------------------------------------------------------

def _first_sent():
    return (Publication.objects.filter(story=OuterRef("pk"), sent_at__isnull=False).order_by()
            .values("story").annotate(first=Min("sent_at")).values("first"))


def published_stories(center: Center) -> QuerySet:
    """The center's stories that went out at least once, with `first_sent_at`."""
    return (Story.objects.filter(center=center).annotate(first_sent_at=Subquery(_first_sent()))
            .filter(first_sent_at__isnull=False))


def published_in(center: Center, month: dt.date) -> QuerySet:
    """Stories first published in `month` (center's time zone), newest first."""
    start, end = month_bounds(center, month)
    return published_stories(center).filter(first_sent_at__gte=start, first_sent_at__lt=end).order_by("-first_sent_at", "-pk")


def published_month(story: Story) -> dt.date | None:
    first = Publication.objects.filter(story=story, sent_at__isnull=False).aggregate(first=Min("sent_at"))["first"]
    if first is None:
        return None
    return timezone.localtime(first, _tz(story.center)).date().replace(day=1)


def unrated_pieces(center: Center, month: dt.date) -> QuerySet:
    """Published pieces of `month` that no editor has rated yet (the admin's "unrated pieces")."""
    rated = Rating.objects.filter(center=center).values("story_id")
    return published_in(center, month).exclude(pk__in=rated)


def rated_pieces(center: Center, month: dt.date) -> QuerySet:
    return (Rating.objects.filter(center=center, month=month.replace(day=1))
            .select_related("story", "awarded_by").order_by("-awarded_at", "-pk"))


# --- 优稿 ------------------------------------------------------------------------------------------------

def rating_token(rating: Rating | None) -> str:
    """What the rating looked like when a form was opened ("none" without one): a change made
    on an older look is refused instead of overwriting someone else's rating."""
    if rating is None:
        return "none"
    raw = f"{rating.pk}|{rating.level}|{rating.reason}|{rating.awarded_by_id}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def level_choices(center: Center, month: dt.date) -> list[tuple[str, str, Decimal]]:
    return [(r.code, r.label, r.points) for r in rules_kit.rules_for(center, month).ratings]


def _authors(story: Story) -> list[User]:
    people = [b.user for b in story.bylines.select_related("user") if b.user_id]
    if not people and story.created_by_id:
        people = [story.created_by]
    return list({p.pk: p for p in people}.values())


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写评定理由。"]})
    if len(reason) > 300:
        raise ValidationError({"reason": [f"评定理由最多 300 个字，现在 {len(reason)} 个字。"]})
    return reason


def rate(story: Story, level: str, reason: str, user: User, *, expected: str | None = None) -> Rating:
    """Rate a published piece 优稿 at `level` (a code of its month's rules) with a reason, or
    change its rating. Refused for an unpublished piece, an unknown level or a closed month;
    with `expected` (rating_token of what the editor saw) a rating changed meanwhile raises
    Stale. The authors are notified."""
    center = story.center
    reason = _clean_reason(reason)
    month = published_month(story)
    if month is None:
        raise ValidationError("这篇稿件还没有发布，发布后才能评优稿。")
    with transaction.atomic():
        current = Rating.objects.select_for_update().filter(center=center, story=story).first()
        if expected is not None and rating_token(current) != expected:
            raise Stale("这篇稿件的优稿评定已被他人修改，请刷新后再评。")
        month = current.month if current is not None else month
        _require_open(center, month, "评定或修改优稿")
        levels = level_choices(center, month)
        chosen = next((entry for entry in levels if entry[0] == level), None)
        if chosen is None:
            names = "、".join(f"{label}（{code}）" for code, label, _ in levels) or "无（请先在考核规则里设定优稿等级）"
            raise ValidationError({"level": [f"没有“{level}”这个优稿等级；{month:%Y年%m月}可选：{names}。"]})
        before = {"level": current.level, "reason": current.reason} if current else None
        try:
            with transaction.atomic():
                if current is None:
                    rating = Rating.objects.create(center=center, story=story, month=month, level=level, reason=reason,
                                                   awarded_by=user)
                else:
                    current.level, current.reason, current.awarded_by = level, reason, user
                    current.save(update_fields=["level", "reason", "awarded_by"])
                    rating = current
        except IntegrityError as exc:  # another editor rated it at the same moment
            raise Stale("这篇稿件刚刚已被他人评定，请刷新后再看。") from exc
        record("appraisal.rating_change" if before else "appraisal.rating_add", actor=user, center=center, obj=rating,
               before=before, after={"level": level, "reason": reason, "month": month.isoformat()})
        label = chosen[1]
        title = (f"您的稿件《{story.headline}》被评为{label}" if before is None
                 else f"您的稿件《{story.headline}》的优稿评定改为{label}")
        notify(center=center, recipients=_authors(story), title=title,
               body=f"评定人：{user}；理由：{reason}", url=f"/stories/{story.pk}/")
    return rating


def withdraw(rating: Rating, user: User, *, reason: str = "", expected: str | None = None) -> None:
    """Withdraw a 优稿 rating while its month is open (the authors are told)."""
    center = rating.center
    with transaction.atomic():
        current = Rating.objects.select_for_update().filter(pk=rating.pk).first()
        if current is None or (expected is not None and rating_token(current) != expected):
            raise Stale("这条优稿评定已被他人修改或撤销，请刷新后再看。")
        _require_open(center, current.month, "撤销优稿")
        story = current.story
        record("appraisal.rating_withdraw", actor=user, center=center, obj=current,
               before={"level": current.level, "reason": current.reason}, after={"reason": (reason or "").strip()[:300]})
        current.delete()
        notify(center=center, recipients=_authors(story), title=f"您的稿件《{story.headline}》的优稿评定已撤销",
               body=f"撤销人：{user}" + (f"；说明：{reason.strip()[:200]}" if (reason or "").strip() else ""),
               url=f"/stories/{story.pk}/")


# --- 外宣 -------------------------------------------------------------------------------------------------

@dataclass
class PickupData:
    outlet_name: str
    level: str
    used_on: dt.date | None
    story_id: int | None = None
    our_link: str = ""          # the story found by this link when no id is given
    url: str = ""               # where the other outlet carried it
    is_long: bool = False


_OWN_ARTICLE = re.compile(r"/site/(?P<slug>[-a-zA-Z0-9_]+)/news/(?P<pk>\d+)/?(?:[?#].*)?$")


def _out(story: Story) -> bool:
    """Signed off or sent somewhere: a piece the outside world can have seen (drafts are
    neither scored nor named on appraisal's screens)."""
    return story.status == Story.Status.SIGNED_OFF or Publication.objects.filter(
        story=story, sent_at__isnull=False).exists()


def find_story(center: Center, *, story_id: int | None = None, link: str = "") -> Story | None:
    """Our story by its id, or by a link to it: our own site's article address
    (/site/<center>/news/<id>/) or the link of one of our publications (Publication.remote_url)."""
    if story_id:
        return Story.objects.filter(center=center, pk=story_id).first()
    link = (link or "").strip()
    if not link:
        return None
    match = _OWN_ARTICLE.search(link)
    if match and match["slug"] == center.slug and len(match["pk"]) < 19:
        return Story.objects.filter(center=center, pk=int(match["pk"])).first()
    variants = {link, link.rstrip("/"), link.rstrip("/") + "/"}
    publication = (Publication.objects.filter(center=center, remote_url__in=variants).exclude(remote_url="")
                   .order_by("-pk").first())
    return Story.objects.filter(center=center, pk=publication.story_id).first() if publication else None


def check_pickup(center: Center, data: PickupData) -> tuple[Story, dict]:
    errors: dict[str, list[str]] = {}
    story = find_story(center, story_id=data.story_id, link=data.our_link)
    if story is not None and not _out(story):
        errors["story_id"] = ["这篇稿件尚未签发，不能登记外宣采用。"]
        story = None
    elif story is None:
        if data.story_id:
            errors["story_id"] = [f"本中心没有编号为 {data.story_id} 的稿件。"]
        elif data.our_link.strip():
            errors["our_link"] = ["没有找到这个链接对应的本中心稿件（应为本站文章地址或已发布渠道的链接）。"]
        else:
            errors["story_id"] = ["请填写稿件编号，或本中心的发布链接。"]
    outlet = (data.outlet_name or "").strip()
    if not outlet:
        errors["outlet_name"] = ["请填写采用媒体。"]
    elif len(outlet) > 100:
        errors["outlet_name"] = ["采用媒体最多 100 个字。"]
    if data.level not in Pickup.Level.values:
        errors["level"] = [f"级别应为：{'、'.join(Pickup.Level.labels)}。"]
    if data.used_on is None:
        errors["used_on"] = ["请填写采用日期。"]
    elif data.used_on > _local_today(center):
        errors["used_on"] = ["采用日期不能晚于今天。"]
    url = (data.url or "").strip()
    if url and (len(url) > 500 or not re.match(r"https?://[^\s]+$", url)):
        errors["url"] = ["采用链接应为 http:// 或 https:// 开头的网址（最多 500 个字符）。"]
    if errors:
        raise ValidationError(errors)
    return story, {"outlet_name": outlet, "level": data.level, "used_on": data.used_on, "url": url,
                   "is_long": bool(data.is_long), "month": data.used_on.replace(day=1)}


def _duplicate_message(story: Story, outlet: str, day: dt.date) -> str:
    return f"《{story.headline}》已登记过{outlet}在 {day:%Y-%m-%d} 的采用，不能重复登记；请修改原登记。"


def save_pickup(*, center: Center, user: User, data: PickupData, pickup: Pickup | None = None,
                source: str = Pickup.Source.MANUAL) -> Pickup:
    """Register a pickup, or change one. Refused for a closed month (the old and the new),
    a story not of this center, a duplicate (story, outlet, date)."""
    story, values = check_pickup(center, data)
    with transaction.atomic():
        if pickup is not None:
            _require_open(center, pickup.month, "修改这条外宣登记")
        _require_open(center, values["month"], "登记外宣采用")
        clash = Pickup.objects.filter(center=center, story=story, outlet_name=values["outlet_name"], used_on=values["used_on"])
        if pickup is not None:
            clash = clash.exclude(pk=pickup.pk)
        if clash.exists():
            raise ValidationError({"used_on": [_duplicate_message(story, values["outlet_name"], values["used_on"])]})
        before = _pickup_state(pickup) if pickup is not None else None
        try:
            with transaction.atomic():
                if pickup is None:
                    pickup = Pickup.objects.create(center=center, story=story, source=source, entered_by=user, **values)
                else:
                    for name, value in values.items():
                        setattr(pickup, name, value)
                    pickup.story = story
                    pickup.save()
        except IntegrityError as exc:
            raise ValidationError({"used_on": [_duplicate_message(story, values["outlet_name"], values["used_on"])]}) from exc
        record("appraisal.pickup_update" if before else "appraisal.pickup_add", actor=user, center=center, obj=pickup,
               before=before, after=_pickup_state(pickup))
    return pickup


def _pickup_state(pickup: Pickup) -> dict:
    return {"story": pickup.story_id, "outlet": pickup.outlet_name, "level": pickup.level,
            "used_on": pickup.used_on.isoformat(), "url": pickup.url, "is_long": pickup.is_long}


def delete_pickup(*, pickup: Pickup, user: User) -> None:
    with transaction.atomic():
        _require_open(pickup.center, pickup.month, "删除这条外宣登记")
        record("appraisal.pickup_delete", actor=user, center=pickup.center, obj=pickup, before=_pickup_state(pickup))
        pickup.delete()


# --- Deductions -------------------------------------------------------------------------------------------

MANUAL_KINDS = {Deduction.Kind.ERROR: "差错（发布后发现）", Deduction.Kind.OTHER: "其他"}


def default_points(center: Center, month: dt.date, kind: str) -> Decimal | None:
    """The rules' points for a kind of deduction (None for "other": it has no default)."""
    if kind == Deduction.Kind.ERROR:
        return rules_kit.rules_for(center, month).deductions.error
    if kind == Deduction.Kind.CORRECTION:
        return rules_kit.rules_for(center, month).deductions.correction
    return None


def add_deduction(*, center: Center, user: User, month: dt.date, kind: str, reason: str, story: Story | None = None,
                  person: User | None = None, points: Decimal | None = None) -> Deduction:
    """Register a deduction on a piece (shared by its byline like its points) or on a person.
    Corrections are counted by the engine from distribution's corrected publications, so by
    hand only an error found after publishing or another reason. Points default from the
    month's rules for an error."""
    from rongmei.core.selectors import staff

    errors: dict[str, list[str]] = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = ["类型应为差错或其他（更正由系统根据已更正的发布自动扣分）。"]
    if (story is None) == (person is None):
        errors["story"] = ["请指定扣分对象：一篇稿件（按署名占比分摊），或一位人员（二选一）。"]
    if story is not None and story.center_id != center.pk:
        errors["story"] = ["本中心没有这篇稿件。"]
    elif story is not None and not _out(story):
        errors["story"] = ["这篇稿件尚未签发：扣分针对已签发或已发布的稿件。"]
    if person is not None and not staff(center).filter(pk=person.pk).exists():
        errors["user"] = ["请选择本中心的人员。"]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["请填写扣分原因。"]
    elif len(reason) > 300:
        errors["reason"] = ["扣分原因最多 300 个字。"]
    if points is None and not errors.get("kind"):
        points = default_points(center, month, kind)
        if points is None:
            errors["points"] = ["“其他”扣分没有默认分值，请填写扣分。"]
    if points is not None and not (Decimal(0) < points <= MAX_POINTS):
        errors["points"] = [f"扣分须大于 0、不超过 {MAX_POINTS}。"]
    if points is not None and points.as_tuple().exponent < -2:
        errors["points"] = ["扣分最多两位小数。"]
    if errors:
        raise ValidationError(errors)
    month = month.replace(day=1)
    with transaction.atomic():
        _require_open(center, month, "登记扣分")
        deduction = Deduction.objects.create(center=center, month=month, kind=kind, story=story, user=person,
                                             points=points, reason=reason, created_by=user)
        record("appraisal.deduction_add", actor=user, center=center, obj=deduction,
               after={"month": month.isoformat(), "kind": kind, "story": story.pk if story else None,
                      "user": person.pk if person else None, "points": str(points), "reason": reason})
        notify(center=center, recipients=[person] if person else _authors(story),
               title=f"{month:%Y年%m月}绩效扣分 {points} 分", body=f"原因：{reason}",
               url=f"/stories/{story.pk}/" if story else "")
    return deduction


def delete_deduction(*, deduction: Deduction, user: User) -> None:
    with transaction.atomic():
        _require_open(deduction.center, deduction.month, "删除这条扣分")
        record("appraisal.deduction_delete", actor=user, center=deduction.center, obj=deduction,
               before={"month": deduction.month.isoformat(), "kind": deduction.kind, "points": str(deduction.points),
                       "story": deduction.story_id, "user": deduction.user_id, "reason": deduction.reason})
        deduction.delete()


# --- Pay bases ---------------------------------------------------------------------------------------------

def profile_token(profile: PayProfile | None) -> str:
    return "none" if profile is None else f"{profile.pk}:{profile.updated_at.timestamp():.6f}"


def parse_amount(text) -> Decimal | None:
    """"3,500.00" → Decimal; "" → None; anything else → ValidationError."""
    raw = str(text if text is not None else "").replace(",", "").replace("，", "").strip()
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(f"“{raw}”不是金额。") from exc
    if not value.is_finite():
        raise ValidationError(f"“{raw}”不是金额。")
    return value


def set_pay_profile(*, center: Center, user: User, person: User, base_amount: Decimal | None, pays_fees: bool,
                    note: str = "", expected: str | None = None) -> PayProfile | None:
    """Set a person's monthly base and whether the center pays them 稿费. A blank base (and no
    稿费) removes the profile: the rules' default for their role applies."""
    from rongmei.core.selectors import staff

    if not staff(center).filter(pk=person.pk).exists():
        raise ValidationError("请选择本中心的人员。")
    if base_amount is not None:
        if base_amount < 0 or base_amount > MAX_BASE:
            raise ValidationError(f"{person}：绩效工资基数须在 0 到 {MAX_BASE} 元之间。")
        if base_amount.as_tuple().exponent < -2:
            raise ValidationError(f"{person}：金额最多两位小数（分）。")
    if base_amount is None and pays_fees:
        raise ValidationError(f"{person}：勾选“计发稿费”时请填写绩效工资基数（不发绩效工资填 0）。")
    note = (note or "").strip()[:200]
    with transaction.atomic():
        current = PayProfile.objects.select_for_update().filter(center=center, user=person).first()
        if expected is not None and profile_token(current) != expected:
            raise Stale(f"{person}的绩效工资基数已被他人修改，请刷新后再改。")
        before = ({"base_amount": str(current.base_amount), "pays_fees": current.pays_fees, "note": current.note}
                  if current else None)
        if base_amount is None:
            if current is None:
                return None
            record("appraisal.payprofile_delete", actor=user, center=center, obj=current, before=before)
            current.delete()
            return None
        after = {"base_amount": str(base_amount), "pays_fees": pays_fees, "note": note}
        if before == after:
            return current
        if current is None:
            current = PayProfile.objects.create(center=center, user=person, base_amount=base_amount,
                                                pays_fees=pays_fees, note=note)
        else:
            current.base_amount, current.pays_fees, current.note = base_amount, pays_fees, note
            current.save()
        record("appraisal.payprofile_save", actor=user, center=center, obj=current, before=before, after=after)
    return current
