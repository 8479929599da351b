"""网络问政 demo: liaisons for more departments, routing rules, the Open311 demo key, and a
few dozen cases walked through the real services to every state of the loop."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, Department, Membership, User
from rongmei.inquiry import demo_content, services
from rongmei.inquiry.models import Case, RoutingRule
from rongmei.inquiry.services import Submission


def _liaisons(center: Center) -> int:
    from rongmei.core import services as core_services
    from rongmei.core.demo import DEMO_PASSWORD

    made = 0
    for username, name, department_name in demo_content.LIAISONS:
        department = Department.objects.filter(center=center, name=department_name).first()
        if department is None or User.objects.filter(username=username).exists():
            continue
        core_services.create_person(center=center, username=username, display_name=name, password=DEMO_PASSWORD,
                                    roles=["liaison"], actor=None, department=department, is_demo=True)
        made += 1
    return made


def _liaison_for(center: Center, department: Department) -> User | None:
    m = Membership.objects.filter(center=center, role="liaison", department=department).select_related("user").first()
    return m.user if m else None


def _walk(center: Center, spec: tuple, index: int, coordinator: User, cases_by_title: dict) -> Case:
    kind, title, text, address, department_name, state = spec
    case = services.submit(center=center, sub=Submission(
        kind=kind, title=title, text=text, address=address, phone=f"139{index:04d}{(index * 7919) % 10000:04d}",
        name=["张先生", "李女士", "王师傅", "刘阿姨", ""][index % 5], show_name=index % 3 == 0, source="app" if index % 2 else "web"))
    if state == "submitted":
        return case
    if state == "tip":
        return services.accept(case=case, user=coordinator)
    if state == "rejected":
        return services.reject(case=case, user=coordinator, reason="驾驶证转籍不属于本县办理事项，请咨询12123或车管所（0000-6201004）。")
    if state == "merged":
        into = cases_by_title.get("东门社区幸福路路灯不亮")
        return services.merge(case=case, user=coordinator, into=into) if into else case
    department = Department.objects.get(center=center, name=department_name)
    case = services.accept(case=case, user=coordinator, departments=[department])
    liaison = _liaison_for(center, department)
    if state in ("overdue", "processing") or liaison is None:
        return case
    if state == "waiting":
        return services.ask_citizen(case=case, user=liaison, question="请补充您希望延长开放的具体时段和理由。")
    text_reply = demo_content.REPLIES[department_name].format(date=f"{timezone.localdate().month}月{max(timezone.localdate().day - 1, 1)}日")
    answer = services.reply(case=case, user=liaison, text=text_reply, confirm_flags=True)
    if state == "pending_reply":
        return case
    services.approve_reply(reply_obj=answer, user=coordinator)
    case.refresh_from_db()
    if state == "replied":
        return case
    services.publish(case=case, user=coordinator)
    if state == "published":
        return case
    if state == "reopened":
        return services.rate(case=case, rating="unsatisfied", comment="停车位还是不够，周末依然停满。")
    return services.rate(case=case, rating=["satisfied", "basic", "satisfied"][index % 3], comment="处理很及时，谢谢！")


def load(center: Center) -> tuple[int, int]:
    coordinator = User.objects.filter(username="coordinator").first()
    if coordinator is None or center.slug != "demo":
        return 0, 0
    created = _liaisons(center)
    for name, keywords in demo_content.ROUTING.items():
        department = Department.objects.filter(center=center, name=name).first()
        if department:
            _, new = RoutingRule.objects.get_or_create(center=center, department=department, defaults={"keywords": keywords})
            created += new
    try:
        from rongmei.inquiry.open311_keys import ensure_demo_key
    except ImportError:  # the Open311 module not there yet
        ensure_demo_key = None
    if ensure_demo_key:
        ensure_demo_key(center)
    created += _local_holiday(center)
    if Case.objects.filter(center=center).exists():
        return created + _sms(center), len(demo_content.CASES)
    by_title: dict = {}
    for index, spec in enumerate(demo_content.CASES):
        with transaction.atomic():
            case = _walk(center, spec, index, coordinator, by_title)
        by_title[spec[1]] = case
        _backdate(case, AGE[spec[5]] + index % 3, index)
        created += 1
    # after the walk: the demo's old cases sent nothing; what people do in the demo now does
    return created + _sms(center), 0


def _sms(center: Center) -> int:
    """SMS to citizens: the sandbox's signature and templates (the fake SMS server that
    `rongmei serve` starts on sandbox_port + 9 knows them) and a channel pointing there."""
    from django.conf import settings

    from rongmei.core.messaging import secrets
    from rongmei.core.models import MessageChannel
    from rongmei.inquiry import sms
    from rongmei.inquiry.models import SmsSetting, SmsTemplate

    made = 0
    _, new = SmsSetting.objects.get_or_create(center=center, defaults={
        "enabled": True, "sign_name": center.name, "daily_limit": 5})
    made += new
    codes = {"accepted": "SMS_480100001", "answered": "SMS_480100002", "closed": "SMS_480100003"}
    for event, params in sms.default_templates_hint().items():
        _, new = SmsTemplate.objects.get_or_create(center=center, event=event, defaults={
            "template_code": codes[event], "params": params})
        made += new
    if not MessageChannel.objects.filter(center=center, kind=MessageChannel.Kind.SMS).exists():
        MessageChannel.objects.create(
            center=center, kind=MessageChannel.Kind.SMS, name=sms.CHANNEL_NAME, app_id="LTAI-demo-sms",
            secret=secrets.encrypt("secret-LTAI-demo-sms"), options={"provider": "aliyun", "region": "cn-hangzhou"},
            base_url=f"http://127.0.0.1:{settings.CONFIG.sandbox_port + 9}")
        made += 1
    return made


def _local_holiday(center: Center) -> int:
    """One row of the center's own calendar, so 问政设置 shows both layers (the platform
    layer stays empty: the package knows this year). Its day lies before every demo case,
    so no demo deadline moves."""
    from rongmei.inquiry.models import HolidayOverride

    if HolidayOverride.objects.filter(center=center).exists():
        return 0
    day = timezone.localdate() - dt.timedelta(days=45)
    HolidayOverride.objects.create(center=center, day=day, is_workday=False, note="示例：本县县庆放假（只影响本中心）")
    return 1


# How many days ago a demo case in each state was submitted (plus a little spread).
AGE = {"submitted": 0, "processing": 1, "waiting": 2, "pending_reply": 2, "overdue": 12, "replied": 5, "published": 7,
       "rated": 9, "reopened": 10, "rejected": 3, "merged": 3, "tip": 2}


def _backdate(case: Case, days: int, index: int) -> None:
    """The walk above happens in a second; spread each case's steps over the days a real
    one takes, so the timeline, the deadlines and the statistics look like a month's work."""
    from rongmei.inquiry import workdays
    from rongmei.inquiry.models import Assignment, CaseEvent, Reply

    now = timezone.now()
    case.refresh_from_db()
    submitted = now - dt.timedelta(days=days, hours=2 + index % 5)
    accepted = submitted + dt.timedelta(hours=3)
    answered = min(accepted + dt.timedelta(days=1 + index % 3, hours=2), now - dt.timedelta(hours=3))
    rated = min(answered + dt.timedelta(hours=20), now - dt.timedelta(hours=1))
    calendar = workdays.Calendar.load(case.center)
    fields = {"created_at": submitted, "ack_due_at": calendar.add_working_days(submitted, 1, tz=case.center.timezone)}
    if case.accepted_at:
        fields["accepted_at"] = accepted
    if case.due_at and case.lead_department_id and not case.reopened:  # a 重办 keeps its new deadline
        joint = case.assignments.count() > 1
        fields["due_at"] = calendar.add_working_days(
            accepted, workdays.deadline_days(case.center, case.kind, joint=joint, emergency=case.emergency),
            tz=case.center.timezone)
    if case.replied_at:
        fields["replied_at"] = answered
    if case.published_at:
        fields["published_at"] = answered + dt.timedelta(hours=1)
    if case.rated_at:
        fields["rated_at"] = rated
    if case.closed_at:
        fields["closed_at"] = rated if case.rated_at else accepted
    Case.objects.filter(pk=case.pk).update(**fields)
    Assignment.objects.filter(case=case).update(assigned_at=accepted)
    Reply.objects.filter(case=case).update(created_at=answered - dt.timedelta(hours=2))
    Reply.objects.filter(case=case, approved_at__isnull=False).update(approved_at=answered)
    moments = {"submitted": submitted, "accepted": accepted, "rejected": accepted, "merged": accepted,
               "to_newsroom": accepted, "paused": accepted + dt.timedelta(hours=20),
               "reply_pending": answered - dt.timedelta(hours=2), "replied": answered,
               "published": answered + dt.timedelta(hours=1), "rated": rated, "reopened": rated}
    for event in CaseEvent.objects.filter(case=case):
        if event.kind in moments:
            CaseEvent.objects.filter(pk=event.pk).update(created_at=moments[event.kind])
