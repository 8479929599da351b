"""Every change of 上下级稿件流转: one function, one transaction, one audit event.

Push down: `push` (a signed-off story or a plan, to centers among `descendants(center)`),
then per receiving center `accept_as_lead`, `accept_as_story` (only for stories whose
rights allow publication; text and media copied into the receiving center — files are
copied, never shared) or `decline`. Submit up: `submit` (a signed-off story, to centers
among `ancestors(center)`), then in the upper center `mark_used` (sends
`signals.submission_used`, which appraisal counts as a pickup), `mark_not_used` or
`take_in` (a draft copy in the upper center; it does not count as used by itself — the
editor marks it used once it is published, with where and when).

A state already left (handled twice, by two people at once) is a 409 "已经处理过了"; the
row is locked (SELECT … FOR UPDATE) and re-read before any change.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from rongmei.core import selectors as core_selectors
from rongmei.core.models import Center, Membership, User
from rongmei.core.permissions import PERMISSIONS, ROLES
from rongmei.core.services import notify, record
from rongmei.newsroom.html import plain_text
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import assets as asset_services
from rongmei.newsroom.services import stories as story_services
from rongmei.planning import services as planning_services
from rongmei.planning.models import Lead, Plan
from rongmei.sharing import signals
from rongmei.sharing.models import Push, PushTarget, Rights, Submission

PUSH, SUBMIT, RECEIVE = "sharing.push", "sharing.submit", "sharing.receive"
#: A story may be shared once it is signed off (已签发): everything published has been.
SHAREABLE = (Story.Status.SIGNED_OFF,)
LEVEL_OF_CENTER = {"province": Submission.Level.PROVINCIAL, "city": Submission.Level.PREFECTURE,
                   "county": Submission.Level.COUNTY}

AUDIT_LABELS = {
    "sharing.push": "向下级推送", "sharing.accept_lead": "上级推送转为线索", "sharing.accept_story": "上级推送转为稿件",
    "sharing.decline": "谢绝上级推送", "sharing.submit": "向上级供稿", "sharing.used": "标记供稿已采用",
    "sharing.not_used": "标记供稿未采用", "sharing.take_in": "下级供稿转为本中心稿件",
}


# --- helpers ---------------------------------------------------------------------------------------

def _conflict(message: str) -> ValidationError:
    exc = ValidationError(message)
    exc.api_status = 409
    return exc


def _require(user: User | None, perm: str, center: Center) -> None:
    if user is not None and not user.has_perm(perm, center):
        raise PermissionDenied(f"您在{center.name}没有“{PERMISSIONS.get(perm, perm)}”的权限。")


def _text(value, *, field: str, what: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [f"请填写{what}。"]})
    if len(value) > limit:
        raise ValidationError({field: [f"{what}最多 {limit} 个字，现在是 {len(value)} 个字。"]})
    return value


def receivers(center: Center) -> list[User]:
    """Active people holding sharing.receive in `center` (they get the bell on arrival)."""
    roles = [code for code, role in ROLES.items() if RECEIVE in role.permissions]
    rows = Membership.objects.filter(center=center, role__in=roles, user__is_active=True).select_related("user")
    return list({m.user_id: m.user for m in rows}.values())


def _ids(values) -> list[int]:
    out = []
    for v in values or []:
        try:
            n = int(v)
        except (TypeError, ValueError):
            raise ValidationError({"targets": ["目标中心编号应为正整数。"]}) from None
        if not 1 <= n <= 2**63 - 1:
            raise ValidationError({"targets": ["目标中心编号应为正整数。"]})
        out.append(n)
    return list(dict.fromkeys(out))


def pick_targets(center: Center, *, scope: str = "picked", ids=()) -> list[Center]:
    """The receiving centers: "all" below, "city"/"county" for a level below, or "picked"
    among them. Any id that is not a center below `center` refuses the whole request."""
    below = core_selectors.descendants(center)
    if scope == "all":
        chosen = below
    elif scope in ("city", "county"):
        chosen = [c for c in below if c.level == scope]
    elif scope == "picked":
        wanted = _ids(ids)
        by_id = {c.pk: c for c in below}
        if any(i not in by_id for i in wanted):
            raise ValidationError({"targets": ["只能推送给本中心下级的融媒体中心。"]})
        chosen = [by_id[i] for i in wanted]
    else:
        raise ValidationError({"scope": ["推送范围应为 all（全部下级）、city（市级）、county（县级）或 picked（指定）。"]})
    if not chosen:
        raise ValidationError({"targets": ["请至少选择一个下级中心。"]})
    return chosen


# --- push down ---------------------------------------------------------------------------------------

@transaction.atomic
def push(*, center: Center, user: User, targets: list[Center], rights: str, story: Story | None = None,
         plan: Plan | None = None, note: str = "", source_line: str = "") -> Push:
    _require(user, PUSH, center)
    if center.level not in ("province", "city"):
        raise ValidationError("只有省级平台和市级中心可以向下级推送。")
    if (story is None) == (plan is None):
        raise ValidationError({"story": ["请选择一篇稿件或一个策划。"]})
    if rights not in Rights.values:
        raise ValidationError({"rights": ["请选择转载权限。"]})
    note = _text(note, field="note", what="推送说明", limit=500)
    source_line = _text(source_line, field="source_line", what="来源", limit=100) or center.name
    below = {c.pk for c in core_selectors.descendants(center)}
    targets = list({c.pk: c for c in targets}.values())
    if not targets:
        raise ValidationError({"targets": ["请至少选择一个下级中心。"]})
    if any(c.pk not in below for c in targets):
        raise ValidationError({"targets": ["只能推送给本中心下级的融媒体中心。"]})
    if story is not None:
        if story.center_id != center.pk:
            raise ValidationError({"story": ["所选稿件不属于本中心。"]})
        if story.status not in SHAREABLE:
            raise ValidationError({"story": ["只能推送已签发的稿件。"]})
        kind, title = Push.Kind.STORY, story.headline
    else:
        if plan.center_id != center.pk:
            raise ValidationError({"plan": ["所选策划不属于本中心。"]})
        kind, title = Push.Kind.PLAN, plan.title
        if rights != Rights.REFERENCE:
            rights = Rights.REFERENCE  # a plan is a brief, never published as it is
    p = Push.objects.create(center=center, kind=kind, story=story, plan=plan, title=title[:100], note=note,
                            source_line=source_line, rights=rights, created_by=user)
    PushTarget.objects.bulk_create([PushTarget(center=c, push=p) for c in targets])
    record("sharing.push", actor=user, center=center, obj=p,
           after={"kind": kind, "title": p.title, "rights": rights, "targets": [c.pk for c in targets]})
    for row in PushTarget.objects.filter(push=p).select_related("center"):
        notify(center=row.center, recipients=receivers(row.center), title=f"上级推送：《{p.title}》"[:200],
               body=f"{center.name}推送了{p.get_kind_display()}（{p.get_rights_display()}）。{note}"[:300],
               url=f"/sharing/received/{row.pk}/", event="sharing_push")
    return p


def _lock_target(target: PushTarget) -> PushTarget:
    locked = PushTarget.objects.select_for_update().select_related("push", "push__center", "center").get(pk=target.pk)
    if locked.status != PushTarget.Status.WAITING:
        raise _conflict(f"这条推送已经处理过了（{locked.get_status_display()}）。")
    return locked


def _done(target: PushTarget, user: User, **fields) -> None:
    fields.update(handled_by=user, handled_at=timezone.now())
    PushTarget.objects.filter(pk=target.pk).update(**fields)
    target.refresh_from_db()


def _push_text(p: Push) -> str:
    parts = [f"来源：{p.source_line}", f"转载权限：{p.get_rights_display()}"]
    if p.note:
        parts.append(f"推送说明：{p.note}")
    if p.story_id:
        s = p.story
        parts.append(f"标题：{s.headline}")
        if s.summary:
            parts.append(f"摘要：{s.summary}")
        parts.append(plain_text(s.body)[:8000])
    else:
        plan = p.plan
        parts.append(f"策划：{plan.title}")
        if plan.starts_on or plan.ends_on:
            parts.append(f"时间：{plan.starts_on or ''} 至 {plan.ends_on or ''}")
        if plan.description:
            parts.append(plan.description[:8000])
    return "\n".join(parts)


@transaction.atomic
def accept_as_lead(*, target: PushTarget, user: User) -> Lead:
    _require(user, RECEIVE, target.center)
    t = _lock_target(target)
    lead = planning_services.create_lead(center=t.center, title=t.push.title, content=_push_text(t.push),
                                         source=Lead.Source.STAFF, source_ref=f"sharing-push-{t.pk}", created_by=user)
    _done(t, user, status=PushTarget.Status.LEAD, lead=lead)
    record("sharing.accept_lead", actor=user, center=t.center, obj=t, after={"push": t.push_id, "lead": lead.pk})
    target.refresh_from_db()
    return lead


def _copy_assets(source: Story, center: Center, user: User) -> dict:
    """Each medium of `source` stored anew in `center` (its own file): {old asset: new asset}."""
    copied = {}
    for link in source.story_assets.select_related("asset").order_by("order", "id"):
        asset = link.asset
        with asset.file.open("rb") as fh:
            data = fh.read()
        upload = SimpleUploadedFile(asset.original_name, data, content_type=asset.mime)
        copied[asset] = asset_services.upload(center=center, user=user, upload=upload, caption=asset.caption,
                                              credit=asset.credit)
    return copied


def _copy_story(source: Story, center: Center, user: User, source_line: str) -> Story:
    copied = _copy_assets(source, center, user)
    body = source.body
    for old, new in copied.items():
        body = re.sub(rf'data-asset="{old.pk}"', f'data-asset="{new.pk}"', body)
        body = body.replace(old.file.url, new.file.url)
    data = story_services.StoryData(
        headline=source.headline, kicker=source.kicker, subheadline=source.subheadline, summary=source.summary,
        body=body, tags=list(source.tags or []), location=source.location, source=source_line[:100],
        asset_ids=[a.pk for a in copied.values()], genre=source.genre, originality=Story.Originality.REPRINT)
    return story_services.create_story(center=center, user=user, data=data)


@transaction.atomic
def accept_as_story(*, target: PushTarget, user: User) -> Story:
    _require(user, RECEIVE, target.center)
    t = _lock_target(target)
    if not t.push.publishable:
        raise ValidationError("这条推送的转载权限是“仅供参考，不得刊发”（或是策划），只能转为线索。")
    story = _copy_story(t.push.story, t.center, user, t.push.source_line)
    _done(t, user, status=PushTarget.Status.STORY, story=story)
    record("sharing.accept_story", actor=user, center=t.center, obj=t,
           after={"push": t.push_id, "story": story.pk, "rights": t.push.rights})
    target.refresh_from_db()
    return story


@transaction.atomic
def decline(*, target: PushTarget, user: User, reason: str) -> PushTarget:
    _require(user, RECEIVE, target.center)
    reason = _text(reason, field="reason", what="谢绝原因", limit=200, required=True)
    t = _lock_target(target)
    _done(t, user, status=PushTarget.Status.DECLINED, reason=reason)
    record("sharing.decline", actor=user, center=t.center, obj=t, after={"push": t.push_id, "reason": reason})
    target.refresh_from_db()
    return target


# --- submit up ---------------------------------------------------------------------------------------

@transaction.atomic
def submit(*, center: Center, user: User, story: Story, to_centers: list[Center], note: str = "") -> list[Submission]:
    _require(user, SUBMIT, center)
    if story.center_id != center.pk:
        raise ValidationError({"story": ["所选稿件不属于本中心。"]})
    if story.status not in SHAREABLE:
        raise ValidationError({"story": ["只能报送已签发的稿件。"]})
    note = _text(note, field="note", what="供稿说明", limit=500)
    above = {c.pk for c in core_selectors.ancestors(center)}
    to_centers = list({c.pk: c for c in to_centers}.values())
    if not to_centers:
        raise ValidationError({"to_centers": ["请选择报送的上级中心。"]})
    if any(c.pk not in above for c in to_centers):
        raise ValidationError({"to_centers": ["只能报送给本中心的上级中心。"]})
    already = set(Submission.objects.filter(story=story, to_center__in=to_centers).values_list("to_center__name", flat=True))
    if already:
        raise _conflict(f"这篇稿件已经报送过{'、'.join(sorted(already))}。")
    rows = []
    for upper in to_centers:
        sub = Submission.objects.create(center=center, story=story, to_center=upper, title=story.headline[:100], note=note,
                                        submitted_by=user)
        record("sharing.submit", actor=user, center=center, obj=sub, after={"story": story.pk, "to": upper.pk})
        notify(center=upper, recipients=receivers(upper), title=f"下级供稿：《{sub.title}》"[:200],
               body=f"{center.name}报送了稿件。{note}"[:300], url=f"/sharing/submissions/{sub.pk}/", event="sharing_submit")
        rows.append(sub)
    return rows


def _lock_submission(sub: Submission, center: Center) -> Submission:
    locked = Submission.objects.select_for_update().select_related("center", "to_center", "story").get(pk=sub.pk)
    if locked.to_center_id != center.pk:
        raise PermissionDenied("这篇供稿不是报送给本中心的。")
    if locked.status != Submission.Status.WAITING:
        raise _conflict(f"这篇供稿已经处理过了（{locked.get_status_display()}）。")
    return locked


@transaction.atomic
def mark_used(*, submission: Submission, user: User, outlet_name: str = "", used_on: dt.date | None = None,
              url: str = "") -> Submission:
    upper = submission.to_center
    _require(user, RECEIVE, upper)
    outlet_name = _text(outlet_name, field="outlet_name", what="采用媒体", limit=100) or upper.name
    url = _text(url, field="url", what="采用链接", limit=500)
    if url and not re.match(r"^https?://", url):
        raise ValidationError({"url": ["采用链接应以 http:// 或 https:// 开头。"]})
    today = timezone.localdate()
    used_on = used_on or today
    if used_on > today:
        raise ValidationError({"used_on": ["采用日期不能晚于今天。"]})
    s = _lock_submission(submission, upper)
    level = LEVEL_OF_CENTER.get(upper.level, Submission.Level.COUNTY)
    Submission.objects.filter(pk=s.pk).update(status=Submission.Status.USED, outlet_name=outlet_name, level=level,
                                              used_on=used_on, url=url, handled_by=user, handled_at=timezone.now())
    s.refresh_from_db()
    record("sharing.used", actor=user, center=upper, obj=s,
           after={"outlet": outlet_name, "level": level, "used_on": used_on.isoformat(), "url": url})
    notify(center=s.center, recipients=[s.submitted_by], title=f"供稿已采用：《{s.title}》"[:200],
           body=f"{upper.name}于 {used_on:%Y-%m-%d} 采用（{outlet_name}）。", url=f"/sharing/sent/#sub-{s.pk}",
           event="sharing_result")
    signals.submission_used.send(sender=Submission, submission=s)
    submission.refresh_from_db()
    return s


@transaction.atomic
def mark_not_used(*, submission: Submission, user: User, reason: str) -> Submission:
    upper = submission.to_center
    _require(user, RECEIVE, upper)
    reason = _text(reason, field="reason", what="未采用原因", limit=200, required=True)
    s = _lock_submission(submission, upper)
    Submission.objects.filter(pk=s.pk).update(status=Submission.Status.NOT_USED, reason=reason, handled_by=user,
                                              handled_at=timezone.now())
    s.refresh_from_db()
    record("sharing.not_used", actor=user, center=upper, obj=s, after={"reason": reason})
    notify(center=s.center, recipients=[s.submitted_by], title=f"供稿未采用：《{s.title}》"[:200],
           body=f"{upper.name}：{reason}", url=f"/sharing/sent/#sub-{s.pk}", event="sharing_result")
    submission.refresh_from_db()
    return s


@transaction.atomic
def take_in(*, submission: Submission, user: User) -> Story:
    """A draft copy in the upper center (text and media); the submission stays waiting
    until the editor marks it used or not used."""
    upper = submission.to_center
    _require(user, RECEIVE, upper)
    s = _lock_submission(submission, upper)
    if s.taken_story_id:
        raise _conflict("这篇供稿已经转为本中心稿件了。")
    story = _copy_story(s.story, upper, user, f"{s.center.name}供稿")
    Submission.objects.filter(pk=s.pk).update(taken_story=story)
    record("sharing.take_in", actor=user, center=upper, obj=s, after={"story": story.pk})
    submission.refresh_from_db()
    return story
