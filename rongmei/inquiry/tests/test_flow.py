"""The closed loop through the services, and the chasing scheduler with a frozen clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from rongmei.core.models import Department, Notification
from rongmei.inquiry import chasing, services
from rongmei.inquiry.models import Assignment, Case, CaseEvent, Reply, RoutingRule
from rongmei.planning.models import Lead

TZ = ZoneInfo("Asia/Shanghai")


def test_submit_validates_and_stores_nothing_on_bad_input(demo, make_case):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_case(title="灯", text="太短", phone="123")
    assert set(exc.value.message_dict) == {"title", "text", "phone"}
    assert "11 位" in exc.value.message_dict["phone"][0]
    assert Case.objects.count() == before


def test_the_same_text_from_the_same_phone_is_one_case(demo, make_case):
    first = make_case()
    again = make_case(text=" 东门社区幸福路从上周开始有五盏路灯晚上不亮，行人很不方便。 ")
    assert again.pk == first.pk and Case.objects.get(pk=first.pk).duplicates == 1
    other = make_case(phone="13900001111")
    assert other.pk != first.pk and len(first.code) == 10 and first.code.startswith("WZ")


def test_routing_suggestion_reply_checks_and_the_loop(demo, make_case, people, housing):
    RoutingRule.objects.create(center=demo["demo"], department=housing, keywords="路灯、井盖\n积水")
    case = make_case()
    assert (housing, ["路灯"]) in services.suggest_departments(case)
    case = services.accept(case=case, user=people["coordinator"], departments=[housing])
    assert case.status == Case.Status.PROCESSING and case.due_at > case.accepted_at
    assert Notification.objects.filter(recipient=people["liaison"], title__contains="新交办").exists()

    with pytest.raises(ValidationError) as flagged:
        services.reply(case=case, user=people["liaison"], text="您反映的问题我们已收到，将尽快研究研究，近期予以解决，请耐心等待。")
    assert any("含糊" in m for m in flagged.value.messages)
    answer = services.reply(case=case, user=people["liaison"],
                            text="经核查，幸福路5盏路灯因线路老化损坏，我局已于11月28日更换线路，路灯已全部恢复照明。联系人：王工，电话0000-6201008。")
    assert answer.status == Reply.Status.PENDING and Case.objects.get(pk=case.pk).status == Case.Status.PROCESSING
    services.approve_reply(reply_obj=answer, user=people["coordinator"])
    case.refresh_from_db()
    assert case.status == Case.Status.REPLIED and case.replied_at
    services.publish(case=case, user=people["coordinator"])
    case = services.rate(case=case, rating="unsatisfied", comment="还有一盏没修好")
    assert case.status == Case.Status.PROCESSING and case.reopened == 1
    assert Assignment.objects.get(case=case).status == Assignment.Status.OPEN
    second = services.reply(case=case, user=people["liaison"],
                            text="经再次核查，剩余1盏路灯灯头损坏，已于12月1日更换完毕，现已全部恢复照明，感谢您的监督。")
    services.approve_reply(reply_obj=second, user=people["coordinator"])
    case = services.rate(case=Case.objects.get(pk=case.pk), rating="unsatisfied")
    assert case.status == Case.Status.CLOSED  # 重办 only once
    public = [e.text for e in CaseEvent.objects.filter(case=case, public=True)]
    assert any("重新办理" in t for t in public) and any("已答复" in t for t in public)


def test_liaisons_only_answer_their_own_cases(demo, make_case, people):
    other = Department.objects.get(center=demo["demo"], name="示例县交通运输局")
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[other])
    with pytest.raises(ValidationError, match="没有交给您所在的部门"):
        services.reply(case=case, user=people["liaison"], text="这是一条足够长的答复内容，用来测试部门权限是否生效。")


def test_joint_case_hand_back_and_extension(demo, make_case, people, housing):
    transport = Department.objects.get(center=demo["demo"], name="示例县交通运输局")
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing, transport], lead=transport)
    assert case.lead_department == transport
    ext = services.request_extension(case=case, user=people["liaison"], days=3, reason="需要协调供电公司")
    due = case.due_at
    services.decide_extension(extension=ext, user=people["coordinator"], approve=True)
    assert Case.objects.get(pk=case.pk).due_at > due
    services.hand_back(case=case, user=people["liaison"], reason="路灯由交通局负责维护")
    assert Case.objects.get(pk=case.pk).status == Case.Status.PROCESSING  # transport still has it
    assert Assignment.objects.get(case=case, department=housing).status == Assignment.Status.RETURNED


def test_reject_merge_and_pause(demo, make_case, people, housing):
    main = make_case()
    dup = make_case(phone="13900002222", text="东门社区幸福路好几盏路灯晚上都不亮，请尽快修一下，谢谢。")
    services.merge(case=dup, user=people["coordinator"], into=main)
    assert Case.objects.get(pk=dup.pk).status == Case.Status.MERGED
    spam = make_case(phone="13900003333", text="这是一条与本县无关的广告内容，请忽略它的存在。")
    with pytest.raises(ValidationError):
        services.reject(case=spam, user=people["coordinator"], reason="")
    services.reject(case=spam, user=people["coordinator"], reason="与本县事务无关")
    case = services.accept(case=main, user=people["coordinator"], departments=[housing])
    due = case.due_at
    services.ask_citizen(case=case, user=people["liaison"], question="请提供具体的门牌号")
    from django.utils import timezone

    Case.objects.filter(pk=case.pk).update(paused_at=timezone.now() - dt.timedelta(days=4))  # waited 4 days
    case = services.supplement(case=Case.objects.get(pk=case.pk), text="幸福路88号门口")
    assert case.status == Case.Status.PROCESSING and case.due_at > due


def test_a_tip_becomes_a_newsroom_lead(demo, make_case, people):
    tip = make_case(kind="tip", title="西岭乡茶园出现罕见云海", text="今天早上西岭乡云雾村茶园出现大片云海，非常壮观，建议记者来拍。")
    case = services.accept(case=tip, user=people["coordinator"])
    lead = Lead.objects.get(pk=case.lead_id_ref)
    assert case.status == Case.Status.CLOSED and lead.source == Lead.Source.TIP and lead.source_ref == case.code
    assert "13812341234" in lead.contact


def test_chasing_with_a_frozen_clock(demo, make_case, people, housing):
    case = services.accept(case=make_case(), user=people["coordinator"], departments=[housing])
    due = dt.datetime(2026, 12, 4, 18, 0, tzinfo=TZ)  # a Friday
    Case.objects.filter(pk=case.pk).update(due_at=due)
    Case.objects.exclude(pk=case.pk).filter(status=Case.Status.PROCESSING).update(status=Case.Status.CLOSED)  # only ours
    assignment = Assignment.objects.get(case=case)

    def steps(now):
        chasing.chase(now=now)
        assignment.refresh_from_db()
        return [bool(assignment.reminded_at), bool(assignment.chased_at), bool(assignment.escalated_at)]

    assert steps(dt.datetime(2026, 12, 2, 12, 0, tzinfo=TZ)) == [False, False, False]  # more than a day left
    assert steps(dt.datetime(2026, 12, 4, 9, 0, tzinfo=TZ)) == [True, False, False]    # reminded the last day
    assert steps(dt.datetime(2026, 12, 5, 10, 0, tzinfo=TZ)) == [True, False, False]   # Saturday: not a working day late
    assert steps(dt.datetime(2026, 12, 7, 9, 0, tzinfo=TZ)) == [True, True, False]     # Monday: one working day late
    assert steps(dt.datetime(2026, 12, 10, 9, 0, tzinfo=TZ)) == [True, True, False]    # 4 working days late
    assert steps(dt.datetime(2026, 12, 11, 9, 0, tzinfo=TZ)) == [True, True, True]     # 5: escalated
    chasing.chase(now=dt.datetime(2026, 12, 14, 9, 0, tzinfo=TZ))
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds.count("reminded") == 1 and kinds.count("chased") == 1 and kinds.count("escalated") == 1  # once each
    assert Notification.objects.filter(recipient=people["coordinator"], title__startswith="升级督办").exists()
    assert Notification.objects.filter(recipient=people["liaison"], title__startswith="督办").exists()


def test_citizen_photos_lose_their_position(demo, make_case):
    """A phone's photo carries GPS; the stored copy does not."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from rongmei.newsroom import demo_content

    data = demo_content.make_demo_image("flood_drain")  # carries a fake GPS position
    assert Image.open(__import__("io").BytesIO(data)).getexif().get_ifd(0x8825)
    case = make_case(phone="13700001111", files=[SimpleUploadedFile("street.jpg", data, "image/jpeg")])
    stored = case.media.get()
    with stored.file.open("rb") as f:
        assert not Image.open(f).getexif().get_ifd(0x8825)
    assert case.code not in stored.file.name
