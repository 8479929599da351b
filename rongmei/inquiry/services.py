"""The closed loop of 网络问政: 受理 → 转办 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价.

Every change happens here, in one transaction with its timeline event and audit record;
views, the Open311 API and the demo only call these functions. Deadlines are working-day
deadlines (`workdays`), set when a case is routed, pushed while the citizen is asked for
more, extended on approval; `chase` (run by the scheduler) reminds, chases and escalates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from rongmei.core import events
from rongmei.core.models import Center, Department, Membership, User
from rongmei.core.services import notify, record
from rongmei.inquiry import sms as citizen_sms
from rongmei.inquiry.models import (Assignment, Case, CaseEvent, CaseMedia, Extension, HolidayOverride, Kind, Reply,
                                    RoutingRule)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_IMAGES, MAX_VIDEOS = 4, 1
IMAGE_BYTES, VIDEO_BYTES = 10 * 1024 * 1024, 50 * 1024 * 1024
VAGUE = ("近期", "尽快", "研究研究", "择机", "适时", "有关部门", "逐步", "争取", "原则上", "视情况")
DUPLICATE_HOURS = 24


# --- Submitting -----------------------------------------------------------------------------------

@dataclass
class Submission:
    kind: str
    title: str
    text: str
    phone: str
    name: str = ""
    show_name: bool = False
    email: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    emergency: bool = False
    source: str = Case.Source.WEB
    files: list = field(default_factory=list)   # uploaded files (photos, one short video)
    client: str = ""                            # who sent it (hashed IP + agent), for merging floods
    sms_opt_out: bool = False                   # 不接收短信 ticked on the form


def _normalize(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def new_code() -> str:
    """WZ + 8 random characters: unguessable (the code alone shows the case and lets one
    rate it), easy to read out."""
    return "WZ" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _check(sub: Submission) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if sub.kind not in Kind.values:
        errors["kind"] = ["请选择类型：咨询、建议、投诉、求助或爆料。"]
    title = (sub.title or "").strip()
    if len(title) < 4:
        errors["title"] = ["标题至少 4 个字，简要说明是什么事。"]
    elif len(title) > 60:
        errors["title"] = [f"标题最多 60 个字，现在是 {len(title)} 个字。"]
    text = (sub.text or "").strip()
    if len(text) < 10:
        errors["text"] = ["内容至少 10 个字：请写清楚时间、地点和具体情况。"]
    elif len(text) > 2000:
        errors["text"] = [f"内容最多 2000 字，现在是 {len(text)} 字。"]
    if not PHONE.match((sub.phone or "").replace(" ", "")):
        errors["phone"] = ["请填写能联系到您的手机号（11 位）或固定电话（如 0000-6201008），用于回访，不会公开。"]
    if len(sub.name or "") > 30:
        errors["name"] = ["称呼最多 30 个字。"]
    if len(sub.address or "") > 200:
        errors["address"] = ["地点最多 200 个字。"]
    if sub.email and (len(sub.email) > 100 or "@" not in sub.email):
        errors["email"] = ["电子邮箱格式不对。"]
    for name, value, low, high in (("lat", sub.lat, -90, 90), ("lng", sub.lng, -180, 180)):
        if value is not None and not low <= value <= high:
            errors[name] = ["地图位置不对，请重新选择。"]
    return errors


def _inspect_files(files) -> tuple[list, dict[str, list[str]]]:
    from rongmei.newsroom.media import AssetKind, Limits, UploadRejected, inspect_upload

    limits = Limits(image_bytes=IMAGE_BYTES, video_bytes=VIDEO_BYTES)
    checked, problems = [], []
    for upload in files:
        try:
            info = inspect_upload(upload, upload.name, limits=limits)
        except UploadRejected as exc:
            problems.append(f"{upload.name}：{exc}")
            continue
        if info.kind not in (AssetKind.IMAGE, AssetKind.VIDEO):
            problems.append(f"{upload.name}：只能上传照片或短视频。")
            continue
        checked.append((upload, info))
    images = sum(1 for _, i in checked if i.kind == AssetKind.IMAGE)
    videos = len(checked) - images
    if images > MAX_IMAGES:
        problems.append(f"最多上传 {MAX_IMAGES} 张照片。")
    if videos > MAX_VIDEOS:
        problems.append(f"最多上传 {MAX_VIDEOS} 段视频。")
    return checked, ({"files": problems} if problems else {})


def submit(*, center: Center, sub: Submission) -> Case:
    """Store a citizen's submission and return its case (with the tracking code). Nothing is
    stored when anything is wrong. The same text from the same phone within a day is the
    same case: the citizen gets its code again and the case counts the repeat."""
    from rongmei.inquiry import workdays

    errors = _check(sub)
    checked, file_errors = _inspect_files(sub.files)
    errors.update(file_errors)
    if errors:
        raise ValidationError(errors)
    phone = sub.phone.replace(" ", "")
    digest = hashlib.sha256(f"{phone}|{_normalize(sub.text)}".encode()).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        # the same sender (phone, and browser or client where known) repeating the same text
        repeats = Case.objects.select_for_update().filter(center=center, text_hash=digest,
                                                          created_at__gte=now - dt.timedelta(hours=DUPLICATE_HOURS))
        if sub.client:
            repeats = repeats.filter(client_hash=sub.client[:64])
        earlier = repeats.order_by("id").first()
        if earlier is not None:
            Case.objects.filter(pk=earlier.pk).update(duplicates=earlier.duplicates + 1)
            CaseEvent.objects.create(case=earlier, kind="duplicate", text="群众再次提交了相同内容，已合并到本件。")
            return earlier
        calendar = workdays.Calendar.load(center)
        ack_due = calendar.add_working_days(now, workdays.deadline_days(center, "ack", joint=False, emergency=False),
                                            tz=center.timezone)
        for _ in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        center=center, code=new_code(), kind=sub.kind, title=sub.title.strip(), text=sub.text.strip(),
                        phone=phone, name=(sub.name or "").strip(), show_name=sub.show_name, email=sub.email.strip(),
                        address=(sub.address or "").strip(), lat=sub.lat, lng=sub.lng, emergency=sub.emergency,
                        source=sub.source, text_hash=digest, client_hash=sub.client[:64], ack_due_at=ack_due,
                        created_at=now, sms_opt_out=bool(sub.sms_opt_out),
                        sms_opt_out_at=now if sub.sms_opt_out else None)
                break
            except IntegrityError:  # the same code drawn twice (1 in 10^12): draw again
                continue
        else:
            raise ValidationError("暂时无法生成查询码，请稍后再试。")
        for upload, info in checked:
            upload.seek(0)
            content = upload
            if info.kind.value == "image":
                # a phone writes where the photo was taken: never keep a citizen's position
                from django.core.files.base import ContentFile

                from rongmei.newsroom.media import strip_location

                content = ContentFile(strip_location(upload.read()))
            media = CaseMedia(case=case, kind="image" if info.kind.value == "image" else "video", mime=info.mime,
                              size=content.size if hasattr(content, "size") else info.size)
            # a random name: the tracking code must not leak through a picture's address
            media.file.save(f"{secrets.token_hex(8)}.{info.extension.lstrip('.')}", content, save=True)
        CaseEvent.objects.create(case=case, kind="submitted", public=True,
                                 text=f"已收到您的{case.get_kind_display()}，查询码 {case.code}。")
        coordinators = _people(center, "coordinator")
        transaction.on_commit(lambda: notify(center=center, recipients=coordinators,
                                             title=f"新{case.get_kind_display()}：{case.title}"[:200],
                                             body=f"{case.code}，请在 1 个工作日内受理。", url=f"/inquiry/cases/{case.pk}/",
                                             event="inquiry_assigned"))
    return case


# --- People ---------------------------------------------------------------------------------------

def _people(center: Center, role: str) -> list[User]:
    return list(User.objects.filter(memberships__center=center, memberships__role=role, is_active=True).distinct())


def liaisons(department: Department) -> list[User]:
    return list(User.objects.filter(memberships__center=department.center, memberships__role="liaison",
                                    memberships__department=department, is_active=True).distinct())


def department_of(user: User, center: Center) -> Department | None:
    membership = Membership.objects.filter(user=user, center=center, role="liaison").select_related("department").first()
    return membership.department if membership else None


def _event(case: Case, kind: str, text: str, actor: User | None = None, public: bool = False) -> None:
    CaseEvent.objects.create(case=case, kind=kind, text=text[:500], actor=actor, public=public)


def emit_case(case: Case, kind: str, **extra) -> None:
    """Tell the center's webhooks (rongmei.core.events) in the caller's transaction. Ids,
    title, state and times only: never the citizen's name, phone, e-mail or tracking code."""
    from django.conf import settings

    department = case.lead_department.name if case.lead_department_id else ""
    events.emit(case.center, kind, {
        "case": {"id": case.pk, "kind": case.kind, "title": case.title, "status": case.status, "department": department,
                 "due_at": case.due_at, "replied_at": case.replied_at, "is_public": case.is_public,
                 "public_url": case.center.site_url(f"/wenzheng/cases/{case.pk}/") if case.is_public else None},
        "staff_url": f"{settings.RONGMEI_BASE_URL}/inquiry/cases/{case.pk}/",
        **extra,
    })


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


class StateConflict(ValidationError):
    """The case (or its reply or extension) is no longer in the state the request expected:
    handled or decided already. A page shows the message; the API answers 409."""

    api_status = 409


def _require(case: Case, *statuses: str) -> None:
    if case.status not in statuses:
        raise StateConflict(f"这件问政当前为“{case.get_status_display()}”，不能这样办理。")


# --- Screening (受理) -------------------------------------------------------------------------------

def suggest_departments(case: Case) -> list[tuple[Department, list[str]]]:
    """Departments whose routing keywords appear in the case, best match first."""
    text = f"{case.title}\n{case.text}\n{case.address}"
    scored = []
    for rule in RoutingRule.objects.filter(center=case.center).select_related("department"):
        words = [w.strip() for w in re.split(r"[\n,，、;；\s]+", rule.keywords) if w.strip()]
        hits = [w for w in words if w in text]
        if hits and rule.department.is_active:
            scored.append((rule.department, hits))
    scored.sort(key=lambda pair: -len(pair[1]))
    return scored


@transaction.atomic
def accept(*, case: Case, user: User, departments: list[Department] = (), lead: Department | None = None,
           category: str = "", emergency: bool | None = None) -> Case:
    """受理 and 转办: route to one department, or several with a lead (首问责任制). A tip goes
    to the newsroom as a lead instead."""
    from rongmei.inquiry import workdays

    case = _locked(case)
    _require(case, Case.Status.SUBMITTED)
    now = timezone.now()
    if case.kind == Kind.TIP:
        return _to_newsroom(case, user, now)
    departments = list(dict.fromkeys(departments))
    if not departments:
        raise ValidationError("请选择承办部门。")
    if any(d.center_id != case.center_id or not d.is_active for d in departments):
        raise ValidationError("承办部门不属于本中心或已停用。")
    lead = lead or departments[0]
    if lead not in departments:
        raise ValidationError("主办部门必须是承办部门之一。")
    if emergency is not None:
        case.emergency = emergency
    days = workdays.deadline_days(case.center, case.kind, joint=len(departments) > 1, emergency=case.emergency)
    case.due_at = workdays.Calendar.load(case.center).add_working_days(now, days, tz=case.center.timezone)
    case.status, case.accepted_at, case.lead_department, case.category = Case.Status.PROCESSING, now, lead, category[:40]
    case.save()
    # departments that handed the case back keep their returned assignment (it counts in the
    # statistics) unless the case is routed to them again
    case.assignments.exclude(status=Assignment.Status.RETURNED).delete()
    for department in departments:
        Assignment.objects.update_or_create(case=case, department=department, defaults={
            "is_lead": department == lead, "assigned_at": now, "status": Assignment.Status.OPEN, "return_reason": "",
            "reminded_at": None, "chased_at": None, "escalated_at": None})
    # Full names first (首次出现用全称, as the review room's wording check requires); the lead
    # department's short name may follow them.
    names = "、".join(d.name for d in departments)
    _event(case, "accepted", f"已受理，转{names}办理（{'主办：' + (lead.short_name or lead.name) + '；' if len(departments) > 1 else ''}"
                             f"{days} 个工作日内答复）。", user, public=True)
    record("inquiry.accept", actor=user, center=case.center, obj=case, after={"departments": [d.pk for d in departments],
                                                                              "due": case.due_at.isoformat()})
    citizen_sms.tell_citizen(case, "accepted")
    for department in departments:
        notify(center=case.center, recipients=liaisons(department), title=f"新交办：{case.title}"[:200],
               body=f"{case.code}，请于 {timezone.localtime(case.due_at):%m月%d日 %H:%M} 前答复。",
               url=f"/inquiry/cases/{case.pk}/", event="inquiry_assigned")
    return case


def _to_newsroom(case: Case, user: User, now) -> Case:
    from rongmei.newsroom.services import assets as asset_services
    from rongmei.planning.services import create_lead

    attachments = []
    for media in case.media.all():
        with media.file.open("rb") as f:
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile(media.file.name.rsplit("/", 1)[-1], f.read(), media.mime)
        try:
            attachments.append(asset_services.upload(center=case.center, user=user, upload=upload,
                                                     caption=f"群众爆料 {case.code}", credit="网友供图"))
        except ValidationError:
            continue
    from rongmei.core.privacy import mask_mobiles, mask_phone

    contact = f"{case.name or '网友'} {case.phone}".strip()  # shown masked; revealed only on purpose, audited
    story = mask_mobiles(case.text).replace(case.phone, mask_phone(case.phone)) if case.phone else mask_mobiles(case.text)
    lead = create_lead(center=case.center, title=case.title[:100], content=f"{story}\n\n地点：{case.address or '未填'}",
                       source="tip", contact=contact, source_ref=case.code, created_by=user)
    if attachments:
        lead.attachments.add(*attachments)
    case.status, case.accepted_at, case.closed_at, case.lead_id_ref = Case.Status.CLOSED, now, now, lead.pk
    case.save()
    _event(case, "to_newsroom", "感谢爆料！线索已转交编辑部，记者会择优采访。", user, public=True)
    record("inquiry.tip_to_lead", actor=user, center=case.center, obj=case, after={"lead": lead.pk})
    return case


@transaction.atomic
def reject(*, case: Case, user: User, reason: str) -> Case:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("不予受理必须写明原因，群众能看到。")
    case = _locked(case)
    _require(case, Case.Status.SUBMITTED)
    case.status, case.reject_reason, case.closed_at = Case.Status.REJECTED, reason[:300], timezone.now()
    case.save()
    _event(case, "rejected", f"不予受理：{reason}", user, public=True)
    record("inquiry.reject", actor=user, center=case.center, obj=case, after={"reason": reason})
    return case


@transaction.atomic
def merge(*, case: Case, user: User, into: Case) -> Case:
    """A duplicate of a case already being handled: the citizen follows the main case."""
    case = _locked(case)
    _require(case, Case.Status.SUBMITTED)
    if into.center_id != case.center_id or into.pk == case.pk or into.status in (Case.Status.MERGED, Case.Status.REJECTED):
        raise ValidationError("只能合并到本中心另一件正在办理或已办结的问政。")
    case.status, case.merged_into, case.closed_at = Case.Status.MERGED, into, timezone.now()
    case.save()
    _event(case, "merged", f"与同类问题合并办理，请关注“{into.title}”的答复。", user, public=True)
    _event(into, "merged_in", f"合并了同类问题 {case.code}。", user)
    record("inquiry.merge", actor=user, center=case.center, obj=case, after={"into": into.pk})
    return case


# --- Waiting for the citizen (the clock pauses) ---------------------------------------------------

@transaction.atomic
def ask_citizen(*, case: Case, user: User, question: str) -> Case:
    question = (question or "").strip()
    if not question:
        raise ValidationError("请写明需要群众补充什么。")
    case = _locked(case)
    _require(case, Case.Status.PROCESSING)
    case.status, case.paused_at = Case.Status.WAITING, timezone.now()
    case.save()
    _event(case, "paused", f"请您补充：{question}（补充前办理时限暂停计算）", user, public=True)
    return case


def _check_phone_tail(case: Case, phone_tail: str | None) -> None:
    """The code shows a case; acting on it as the citizen also takes the last four digits
    of the phone given (a published case's code may be known to others)."""
    if phone_tail is None:
        return
    if (phone_tail or "").strip() != case.phone[-4:]:
        raise ValidationError({"phone_tail": ["电话后四位不对，请填写提交时所留电话的最后四位。"]})


@transaction.atomic
def supplement(*, case: Case, text: str, user: User | None = None, phone_tail: str | None = None) -> Case:
    """The citizen answers (or staff resume): the clock runs again, the deadline moves by
    the working days it was paused."""
    from rongmei.inquiry import workdays

    text = (text or "").strip()
    if user is None and not (5 <= len(text) <= 1000):
        raise ValidationError({"text": ["补充内容 5 到 1000 字。"]})
    case = _locked(case)
    _require(case, Case.Status.WAITING)
    _check_phone_tail(case, phone_tail)
    now = timezone.now()
    if case.due_at and case.paused_at:
        case.due_at = workdays.Calendar.load(case.center).extend(case.due_at, case.paused_at, now, tz=case.center.timezone)
    case.status, case.paused_at = Case.Status.PROCESSING, None
    case.save()
    _event(case, "resumed", f"群众补充：{text}" if user is None else "恢复办理。", user, public=True)
    for assignment in case.assignments.filter(status=Assignment.Status.OPEN):
        notify(center=case.center, recipients=liaisons(assignment.department), title=f"群众已补充：{case.title}"[:200],
               url=f"/inquiry/cases/{case.pk}/")
    return case


# --- Departments ------------------------------------------------------------------------------------

def _assignment_for(case: Case, user: User) -> Assignment:
    department = department_of(user, case.center)
    assignment = case.assignments.filter(department=department).first() if department else None
    if assignment is None:
        raise ValidationError("这件问政没有交给您所在的部门。")
    return assignment


def check_reply(center: Center, text: str) -> list[dict]:
    """Vague promises and the review room's sensitive terms, flagged before sending."""
    from rongmei.review.services import check_text

    found = [{"check": "vague", "text": word, "message": f"“{word}”是含糊的承诺，请写明具体时间、措施和责任人。"}
             for word in VAGUE if word in text]
    printed = _printed_spans(center, text)
    for finding in check_text(center, {"body": text}, lists=("lexicon", "wording")):
        if finding.check == "wording" and any(a <= finding.start and finding.end <= b for a, b in printed):
            continue  # a name the system itself shows (the department's name on the case) is never refused
        if finding.check in ("sensitive", "wording"):
            found.append({"check": finding.check, "text": finding.text, "message": finding.message})
    return found


def _printed_spans(center: Center, text: str) -> list[tuple[int, int]]:
    """Where the reply writes a name the system prints itself: a department's full or short
    name as the center registered it (shown on the case, the queue and the ranking)."""
    names = {n for pair in Department.objects.filter(center=center).values_list("name", "short_name") for n in pair if n}
    spans = []
    for name in names:
        start = text.find(name)
        while start >= 0:
            spans.append((start, start + len(name)))
            start = text.find(name, start + 1)
    return spans


@transaction.atomic
def reply(*, case: Case, user: User, text: str, confirm_flags: bool = False) -> Reply:
    """A department's answer. Flagged wording is shown first; sending anyway is a choice.
    The answer reaches the citizen once the coordinator approves it (unless the center
    lets departments answer directly)."""
    from django.conf import settings

    text = (text or "").strip()
    if len(text) < 20:
        raise ValidationError({"text": ["答复至少 20 个字：写明查到的情况、怎么办、什么时候办好。"]})
    if len(text) > 5000:
        raise ValidationError({"text": ["答复最多 5000 字。"]})
    case = _locked(case)
    _require(case, Case.Status.PROCESSING, Case.Status.REPLIED)
    assignment = _assignment_for(case, user)
    findings = check_reply(case.center, text)
    if findings and not confirm_flags:
        raise ValidationError({"text": [ValidationError(f["message"], code="flagged") for f in findings]})
    answer = Reply.objects.create(case=case, department=assignment.department, author=user, text=text, findings=findings)
    record("inquiry.reply", actor=user, center=case.center, obj=case, after={"reply": answer.pk, "flags": len(findings)})
    if getattr(settings, "RONGMEI_INQUIRY_REVIEW_REPLIES", True):
        _event(case, "reply_pending", f"{assignment.department.name}提交了答复，待审核。", user)
        notify(center=case.center, recipients=_people(case.center, "coordinator"), title=f"答复待审核：{case.title}"[:200],
               url=f"/inquiry/cases/{case.pk}/")
        return answer
    return _approve(answer, user)


@transaction.atomic
def approve_reply(*, reply_obj: Reply, user: User) -> Reply:
    reply_obj = Reply.objects.select_for_update().get(pk=reply_obj.pk)
    if reply_obj.status != Reply.Status.PENDING:
        raise StateConflict("这条答复已经审核过了。")
    _locked(reply_obj.case)
    return _approve(reply_obj, user)


def _approve(answer: Reply, user: User) -> Reply:
    now = timezone.now()
    answer.status, answer.reviewed_by, answer.approved_at = Reply.Status.APPROVED, user, now
    answer.save()
    case = answer.case
    Assignment.objects.filter(case=case, department=answer.department).update(status=Assignment.Status.REPLIED)
    if case.status in (Case.Status.PROCESSING, Case.Status.REPLIED):
        case.status = Case.Status.REPLIED
        case.replied_at = case.replied_at or now
        case.save()
    _event(case, "replied", f"{answer.department.name}已答复。", user, public=True)
    record("inquiry.reply_approve", actor=user, center=case.center, obj=case, after={"reply": answer.pk})
    if case.status == Case.Status.REPLIED:
        citizen_sms.tell_citizen(case, "answered")
    emit_case(case, "inquiry.answered", answered_by={"department": answer.department.name})
    return answer


@transaction.atomic
def return_reply(*, reply_obj: Reply, user: User, note: str) -> Reply:
    note = (note or "").strip()
    if not note:
        raise ValidationError("退回答复请写明修改意见。")
    reply_obj = Reply.objects.select_for_update().get(pk=reply_obj.pk)
    if reply_obj.status != Reply.Status.PENDING:
        raise StateConflict("这条答复已经审核过了。")
    reply_obj.status, reply_obj.review_note, reply_obj.reviewed_by = Reply.Status.RETURNED, note[:300], user
    reply_obj.save()
    _event(reply_obj.case, "reply_returned", f"答复退回修改：{note}", user)
    notify(center=reply_obj.case.center, recipients=[reply_obj.author], title=f"答复被退回：{reply_obj.case.title}"[:200],
           body=note[:300], url=f"/inquiry/cases/{reply_obj.case_id}/", event="inquiry_assigned")
    return reply_obj


@transaction.atomic
def request_extension(*, case: Case, user: User, days: int, reason: str) -> Extension:
    case = _locked(case)
    _require(case, Case.Status.PROCESSING, Case.Status.WAITING)
    assignment = _assignment_for(case, user)
    if case.due_at and timezone.now() > case.due_at:
        raise ValidationError("已经超过办理期限，不能再申请延期；请尽快答复。")
    if not 1 <= int(days or 0) <= 15:
        raise ValidationError({"days": ["延期 1 到 15 个工作日。"]})
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": ["请写明延期理由。"]})
    if case.extensions.filter(status=Extension.Status.PENDING).exists():
        raise StateConflict("已有一个延期申请在等待审批。")
    ext = Extension.objects.create(case=case, department=assignment.department, days=days, reason=reason[:300],
                                   requested_by=user)
    _event(case, "extension_requested", f"{assignment.department.name}申请延期 {days} 个工作日：{reason}", user)
    notify(center=case.center, recipients=_people(case.center, "coordinator"), title=f"延期申请：{case.title}"[:200],
           url=f"/inquiry/cases/{case.pk}/")
    return ext


@transaction.atomic
def decide_extension(*, extension: Extension, user: User, approve: bool) -> Extension:
    from rongmei.inquiry import workdays

    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != Extension.Status.PENDING:
        raise StateConflict("这个延期申请已经审批过了。")
    case = _locked(extension.case)
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.DENIED
    extension.decided_by = user
    extension.save()
    if approve and case.due_at:
        case.due_at = workdays.Calendar.load(case.center).add_working_days(case.due_at, extension.days, tz=case.center.timezone)
        case.save()
        Assignment.objects.filter(case=case).update(reminded_at=None)
    _event(case, "extension_decided",
           f"延期 {extension.days} 个工作日{'已同意，新期限 ' + timezone.localtime(case.due_at).strftime('%m月%d日') if approve else '未同意'}。",
           user, public=approve)
    notify(center=case.center, recipients=[extension.requested_by], title=f"延期{'已同意' if approve else '未同意'}：{case.title}"[:200],
           url=f"/inquiry/cases/{case.pk}/")
    return extension


@transaction.atomic
def hand_back(*, case: Case, user: User, reason: str) -> Case:
    """A department says the case is not theirs; the coordinator routes it again (returns
    are counted per department in the statistics)."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": ["请写明不属于本部门职责的理由（依据）。"]})
    case = _locked(case)
    _require(case, Case.Status.PROCESSING)
    assignment = _assignment_for(case, user)
    assignment.status, assignment.return_reason = Assignment.Status.RETURNED, reason[:300]
    assignment.save()
    _event(case, "handed_back", f"{assignment.department.name}退回：{reason}", user)
    if not case.assignments.filter(status=Assignment.Status.OPEN).exists():
        case.status = Case.Status.SUBMITTED
        case.save()
        notify(center=case.center, recipients=_people(case.center, "coordinator"), title=f"被退回，请重新转办：{case.title}"[:200],
               body=reason[:300], url=f"/inquiry/cases/{case.pk}/", event="inquiry_assigned")
    return case


# --- Publishing, rating, closing ---------------------------------------------------------------------

@transaction.atomic
def publish(*, case: Case, user: User) -> Case:
    case = _locked(case)
    _require(case, Case.Status.REPLIED, Case.Status.CLOSED)
    if not case.replies.filter(status=Reply.Status.APPROVED).exists():
        raise ValidationError("还没有审核通过的答复，不能公开。")
    case.is_public, case.published_at = True, case.published_at or timezone.now()
    case.save()
    _event(case, "published", "答复已在网站“网络问政”栏目公开（不含联系方式）。", user, public=True)
    record("inquiry.publish", actor=user, center=case.center, obj=case)
    emit_case(case, "inquiry.published")
    return case


@transaction.atomic
def unpublish(*, case: Case, user: User) -> Case:
    case = _locked(case)
    case.is_public = False
    case.save()
    _event(case, "unpublished", "已从网站撤下。", user)
    record("inquiry.unpublish", actor=user, center=case.center, obj=case)
    return case


RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}


@transaction.atomic
def rate(*, case: Case, rating: str, comment: str = "", phone_tail: str | None = None) -> Case:
    """The citizen's 评价 (through the tracking code). 不满意 sends the case back once (重办)."""
    from rongmei.inquiry import workdays

    if rating not in RATINGS:
        raise ValidationError({"rating": ["请选择满意、基本满意或不满意。"]})
    comment = (comment or "").strip()
    if len(comment) > 300:
        raise ValidationError({"comment": ["评价意见最多 300 字。"]})
    case = _locked(case)
    if case.status != Case.Status.REPLIED:
        raise ValidationError("答复之后才能评价，且每次答复只能评价一次。")
    _check_phone_tail(case, phone_tail)
    now = timezone.now()
    case.rating, case.rating_comment, case.rated_at = rating, comment, now
    label = RATINGS[rating]
    if rating == "unsatisfied" and case.reopened == 0:
        case.reopened = 1
        case.status = Case.Status.PROCESSING
        joint = case.assignments.count() > 1
        days = workdays.deadline_days(case.center, case.kind, joint=joint, emergency=case.emergency)
        case.due_at = workdays.Calendar.load(case.center).add_working_days(now, days, tz=case.center.timezone)
        case.save()
        case.assignments.exclude(status=Assignment.Status.RETURNED).update(
            status=Assignment.Status.OPEN, reminded_at=None, chased_at=None, escalated_at=None)
        _event(case, "reopened", f"群众评价：不满意{('（' + comment + '）') if comment else ''}。已转回重新办理。", public=True)
        for assignment in case.assignments.filter(status=Assignment.Status.OPEN):
            notify(center=case.center, recipients=liaisons(assignment.department), title=f"重办：{case.title}"[:200],
                   body=comment[:300], url=f"/inquiry/cases/{case.pk}/", event="inquiry_assigned")
        return case
    case.status, case.closed_at = Case.Status.CLOSED, now
    case.save()
    _event(case, "rated", f"群众评价：{label}{('（' + comment + '）') if comment else ''}。已办结。", public=True)
    citizen_sms.tell_citizen(case, "closed")
    return case


@transaction.atomic
def close(*, case: Case, user: User) -> Case:
    """The coordinator closes an answered case the citizen did not rate."""
    case = _locked(case)
    _require(case, Case.Status.REPLIED)
    case.status, case.closed_at = Case.Status.CLOSED, timezone.now()
    case.save()
    _event(case, "closed", "已办结。", user, public=True)
    citizen_sms.tell_citizen(case, "closed")
    return case


# -- contact data ----------------------------------------------------------------------


@transaction.atomic
def reveal_contact(*, case: Case, user: User, handler: bool) -> dict:
    """The citizen's full phone and e-mail for the coordinator handling the case (everyone
    else sees them masked); each look is written to the audit log."""
    if not handler:
        raise PermissionDenied("只有办理此件的问政受理人员可以查看完整联系方式。")
    record("inquiry.reveal_contact", actor=user, center=case.center, obj=case, after={"case": case.code})
    return {"name": case.name, "phone": case.phone, "email": case.email}


# -- holiday overrides ----------------------------------------------------------------


def can_edit_platform_holidays(user: User) -> bool:
    """Platform-wide rows move every center's deadlines: only the platform admin edits them."""
    return bool(user.is_superuser)


@transaction.atomic
def save_holiday(*, center: Center, user: User, day: dt.date, is_workday: bool, note: str = "",
                 platform: bool = False) -> HolidayOverride:
    """Add or change one day of the center's calendar, or (platform admin only) of every
    center's. A center's row wins over a platform row for the same day."""
    if platform and not can_edit_platform_holidays(user):
        raise PermissionDenied("全平台的节假日安排只有平台管理员可以修改；本中心的调整请添加为“本中心”。")
    owner = None if platform else center
    holiday, created = HolidayOverride.objects.update_or_create(
        center=owner, day=day, defaults={"is_workday": is_workday, "note": (note or "").strip()[:60]})
    record("inquiry.holiday_save", actor=user, center=center, obj=holiday,
           after={"day": day.isoformat(), "is_workday": is_workday, "platform": platform, "created": created})
    return holiday


@transaction.atomic
def set_holiday_year_complete(*, center: Center, user: User, year: int, complete: bool):
    """The platform admin says a year's State Council schedule is (or is no longer) entered
    in full; until then the computed legal holidays stand in and the warning stays."""
    from rongmei.inquiry.models import HolidayYear

    if not can_edit_platform_holidays(user):
        raise PermissionDenied("只有平台管理员可以确认某一年的放假安排已完整录入。")
    if not 2000 <= year <= 2099:
        raise ValidationError("年份应在 2000 到 2099 之间。")
    flag, _ = HolidayYear.objects.update_or_create(year=year, defaults={"complete": complete, "updated_by": user})
    record("inquiry.holiday_year", actor=user, center=center, obj=flag, after={"year": year, "complete": complete})
    return flag


@transaction.atomic
def delete_holiday(*, center: Center, user: User, holiday_id: int) -> None:
    """Remove a row of the center's own, or (platform admin only) a platform row. Another
    center's row is not found (404)."""
    holiday = (HolidayOverride.objects.select_for_update()
               .filter(Q(center=center) | Q(center__isnull=True), pk=holiday_id).first())
    if holiday is None:
        raise Http404("没有找到这条节假日调整。")
    if holiday.is_platform and not can_edit_platform_holidays(user):
        raise PermissionDenied("全平台的节假日安排只有平台管理员可以删除。")
    before = {"day": holiday.day.isoformat(), "is_workday": holiday.is_workday, "platform": holiday.is_platform}
    holiday.delete()
    record("inquiry.holiday_delete", actor=user, center=center, obj=center, before=before)
