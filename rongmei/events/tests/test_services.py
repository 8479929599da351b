"""The rules of 活动运营's services: events' fields, the over-budget refusal and the budget
raise, income lines, tasks (owners, notifications, to-dos, the due-soon reminder with a fixed
clock), documents checked by content, the coverage plan, and the version check on edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rongmei.core.models import AuditEvent, Notification
from rongmei.core.todo import todos_for
from rongmei.events import selectors, services
from rongmei.events.models import BudgetChange, BudgetLine, Document, Entry, Event, Task


def _line(event, name="舞台搭建"):
    return BudgetLine.objects.get(event=event, name=name)


def test_event_fields_are_checked_and_nothing_is_written(center, people):
    before = Event.objects.count()
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.create_event(center=center, user=people["events"], data=services.EventData(
            name=" ", kind="party", starts_on=today, ends_on=today - dt.timedelta(days=1), manager=people["reporter"]))
    errors = caught.value.message_dict
    assert errors["name"] == ["请填写活动名称。"]
    assert errors["kind"] == ["请选择活动类型。"]
    assert errors["ends_on"] == ["结束日期不能早于开始日期。"]
    assert errors["manager"] == ["负责人须是本中心能查看活动项目的人员。"]
    assert Event.objects.count() == before


def test_another_centers_client_is_refused(center, people, demo):
    from rongmei.ads.models import Client

    other = Client.objects.create(center=demo["linxian"], name="邻县客户")
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        services.create_event(center=center, user=people["events"], data=services.EventData(
            name="活动", kind="gala", starts_on=today, ends_on=today, manager=people["events"], client=other))
    assert caught.value.message_dict["client"] == ["所选客户不属于本中心。"]


def test_an_expense_over_the_budget_is_refused_until_the_budget_is_raised(event, people):
    line = _line(event)
    user = people["events"]
    services.add_entry(line=line, user=user, date=timezone.localdate(), party="星光舞台公司", amount="8000")
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.add_entry(line=line, user=user, date=timezone.localdate(), party="星光舞台公司", amount="2500.50")
    message = caught.value.message_dict["amount"][0]
    assert "超出预算" in message and "舞台搭建" in message and "剩余 2,000.00 元" in message and "本次 2,500.50 元" in message
    line.refresh_from_db()
    assert line.actual == Decimal("8000.00")                      # nothing half-written
    assert Entry.objects.filter(line=line).count() == 1
    assert AuditEvent.objects.count() == audit_before

    # spending exactly what is left is fine; then the manager raises the line with a reason
    with pytest.raises(ValidationError) as caught:
        services.change_budget(line=line, user=user, planned="12000", reason=" ")
    assert caught.value.message_dict["reason"] == ["请填写调整原因。"]
    change = services.change_budget(line=line, user=user, planned="12000", reason="加一组返送音箱")
    assert (change.old_amount, change.new_amount) == (Decimal("10000.00"), Decimal("12000.00"))
    services.add_entry(line=line, user=user, date=timezone.localdate(), party="星光舞台公司", amount="2500.50")
    line.refresh_from_db()
    assert line.actual == Decimal("10500.50") and line.planned == Decimal("12000.00")
    assert BudgetChange.objects.filter(line=line).count() == 1
    assert AuditEvent.objects.filter(action="events.budget_change").exists()


def test_a_budget_cannot_go_below_what_is_spent_and_only_managers_change_it(event, people):
    line = _line(event)
    services.add_entry(line=line, user=people["events"], date=timezone.localdate(), party="甲", amount="6000")
    with pytest.raises(ValidationError) as caught:
        services.change_budget(line=line, user=people["events"], planned="5000", reason="压缩开支")
    assert "新预算不能低于已支出金额" in caught.value.message_dict["planned"][0]
    with pytest.raises(services.NotAllowed):
        services.change_budget(line=line, user=people["director"], planned="20000", reason="多要点")
    line.refresh_from_db()
    assert line.planned == Decimal("10000.00")


def test_a_stale_budget_version_is_refused(event, people):
    line = _line(event)
    services.change_budget(line=line, user=people["events"], planned="11000", reason="一")
    with pytest.raises(services.Stale):
        services.change_budget(line=line, user=people["business"], planned="13000", reason="二", expected_version=1)


@pytest.mark.parametrize("amount, message", [
    ("-5", "金额须大于 0。"), ("0", "金额须大于 0。"), ("abc", "金额应为数字，如 12000 或 3500.50。"),
    ("1.234", "金额最多两位小数（精确到分）。"), ("NaN", "金额应为数字，如 12000 或 3500.50。"),
    ("99999999999", "金额太大：不超过 9,999,999,999.99 元。"),
])
def test_bad_amounts_are_refused(event, people, amount, message):
    with pytest.raises(ValidationError) as caught:
        services.add_entry(line=_line(event), user=people["events"], date=timezone.localdate(), party="甲", amount=amount)
    assert caught.value.message_dict["amount"] == [message]


def test_income_lines_may_exceed_their_plan_and_totals_add_up(event, people):
    income = _line(event, "冠名赞助")
    services.add_entry(line=income, user=people["events"], date=timezone.localdate(), party="农商银行", amount="25000")
    services.add_entry(line=_line(event), user=people["events"], date=timezone.localdate(), party="甲", amount="9500")
    data = selectors.budget(event)
    assert (data.expense_planned, data.expense_actual, data.expense_variance) == (Decimal(10000), Decimal(9500), Decimal(500))
    assert (data.income_planned, data.income_actual) == (Decimal(20000), Decimal(25000))
    assert data.actual_balance == Decimal(15500)
    assert _line(event) in selectors.near_limit_lines(event.center)   # 95 % used


def test_deleting_an_entry_gives_the_money_back_to_the_line(event, people):
    line = _line(event)
    entry = services.add_entry(line=line, user=people["events"], date=timezone.localdate(), party="甲", amount="7000")
    with pytest.raises(ValidationError):
        services.delete_entry(entry=entry, user=people["events"], reason="")
    services.delete_entry(entry=entry, user=people["events"], reason="重复登记")
    line.refresh_from_db()
    assert line.actual == 0 and not Entry.objects.filter(pk=entry.pk).exists()


def test_a_cancelled_event_takes_no_more_money(event, people):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    line = _line(event)
    with pytest.raises(ValidationError) as caught:
        services.add_entry(line=line, user=people["events"], date=timezone.localdate(), party="甲", amount="10")
    assert "已取消" in caught.value.messages[0]


def test_editing_checks_the_version(event, people):
    data = services.EventData(name="测试晚会（改）", kind="gala", starts_on=event.starts_on, ends_on=event.ends_on,
                              manager=people["events"], status="running")
    services.update_event(event=event, user=people["events"], data=data, expected_version=1)
    event.refresh_from_db()
    assert (event.name, event.status, event.version) == ("测试晚会（改）", "running", 2)
    with pytest.raises(services.Stale) as caught:
        services.update_event(event=event, user=people["business"], data=data, expected_version=1)
    assert "已被他人修改" in caught.value.messages[0]


def test_a_task_reaches_its_owner_and_their_todo_list(event, people):
    owner = people["director"]
    with pytest.raises(ValidationError) as caught:
        services.add_task(event=event, user=people["events"], title="直播", owner=people["reporter"], due_on=None)
    assert caught.value.message_dict["owner"] == ["负责人须是本中心能查看活动项目的人员。"]
    assert caught.value.message_dict["due_on"] == ["请填写完成期限。"]
    task = services.add_task(event=event, user=people["events"], title="直播信号测试", owner=owner,
                             due_on=timezone.localdate() + dt.timedelta(days=3))
    note = Notification.objects.filter(recipient=owner).latest("pk")
    assert note.title == "新活动任务：直播信号测试" and note.url == f"/events/{event.pk}/tasks/"
    mine = f"/events/{event.pk}/tasks/"
    todos = [t["item"] for t in todos_for(owner, event.center) if t["item"].room == "活动" and t["item"].url == mine]
    assert [t.title for t in todos] == ["直播信号测试"]
    # someone else may not move the director's task; the director and the managers may
    with pytest.raises(services.NotAllowed):
        services.set_task_status(task=task, user=people["reporter"], status="done")
    services.set_task_status(task=task, user=owner, status="doing")
    with pytest.raises(services.Stale):
        services.set_task_status(task=task, user=people["events"], status="done", expected_version=1)
    services.set_task_status(task=task, user=people["events"], status="done", expected_version=2)
    assert not [t for t in todos_for(owner, event.center) if t["item"].url == mine]


def test_the_due_soon_reminder_with_a_fixed_clock(event, people):
    tz = timezone.get_current_timezone()
    monday = dt.date(2026, 12, 14)
    near = services.add_task(event=event, user=people["events"], title="彩排", owner=people["director"],
                             due_on=monday + dt.timedelta(days=1))
    far = services.add_task(event=event, user=people["events"], title="总结", owner=people["director"],
                            due_on=monday + dt.timedelta(days=5))
    done = services.add_task(event=event, user=people["events"], title="选址", owner=people["director"], due_on=monday)
    services.set_task_status(task=done, user=people["events"], status="done")
    Notification.objects.filter(recipient=people["director"]).delete()
    now = dt.datetime.combine(monday, dt.time(9, 0), tzinfo=tz)
    assert services.remind_due(now=now) >= 1
    mine = Notification.objects.filter(recipient=people["director"], url=f"/events/{event.pk}/tasks/")
    titles = list(mine.values_list("title", flat=True))
    assert titles == ["活动任务明天到期：彩排"]
    assert services.remind_due(now=now + dt.timedelta(hours=1)) == 0          # once only
    assert services.remind_due(now=now + dt.timedelta(days=4)) >= 1           # the far one, four days on
    far.refresh_from_db()
    near.refresh_from_db()
    assert far.reminded_at == now + dt.timedelta(days=4) and near.reminded_at == now


def _pdf(name="方案.pdf", body=b"%PDF-1.4\n1 0 obj\n"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_documents_are_checked_by_content(event, people, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with pytest.raises(ValidationError) as caught:
        services.upload_document(event=event, user=people["events"], kind="plan", title="",
                                 upload=SimpleUploadedFile("方案.pdf", b"<html>not a pdf</html>"))
    assert "内容与扩展名 .pdf 不符" in caught.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as caught:
        services.upload_document(event=event, user=people["events"], kind="plan", title="",
                                 upload=SimpleUploadedFile("run.exe", b"MZ\x90\x00"))
    assert "只能是" in caught.value.message_dict["file"][0]
    assert not Document.objects.filter(event=event).exists()
    doc = services.upload_document(event=event, user=people["events"], kind="plan", title="", upload=_pdf())
    assert doc.title == "方案" and doc.file.name.startswith("events/") and doc.size > 0


def test_the_coverage_plan_is_made_in_planning_and_shown(event, people, center):
    event = services.create_plan(event=event, user=people["events"])
    assert event.plan.title == "测试晚会报道" and event.plan.center_id == center.pk
    with pytest.raises(ValidationError):
        services.create_plan(event=event, user=people["events"])
    from rongmei.planning import services as planning_services

    planning_services.propose_topic(center=center, user=people["editor"], title="晚会直播", plan=event.plan)
    shown = selectors.coverage(event)
    assert shown["plan"].pk == event.plan_id and [t.title for t in shown["topics"]] == ["晚会直播"]
    services.unlink_plan(event=event, user=people["events"])
    assert selectors.coverage(event) is None


def test_another_centers_plan_cannot_be_linked(event, people, demo):
    from rongmei.planning import services as planning_services

    plan = planning_services.create_plan(center=demo["linxian"], user=people["editor"], title="邻县策划")
    with pytest.raises(ValidationError) as caught:
        services.link_plan(event=event, user=people["events"], plan=plan)
    assert caught.value.messages == ["所选内容不属于本中心。"]


def test_the_managers_box(event, people, center):
    line = _line(event)
    services.add_entry(line=line, user=people["events"], date=timezone.localdate(), party="甲", amount="9200")
    services.add_task(event=event, user=people["business"], title="节目单", owner=people["events"],
                      due_on=timezone.localdate() + dt.timedelta(days=2))
    box = selectors.manager_box(people["events"], center)
    assert box["template"] == "events/home_box.html"
    assert "节目单" in [t.title for t in box["my_tasks"]]
    assert line.pk in [x.pk for x in box["near"]]
    assert selectors.manager_box(people["director"], center) is None      # events.view only
    assert selectors.manager_box(people["reporter"], center) is None


def test_task_overdue_flag():
    task = Task(due_on=dt.date(2026, 12, 1), status="todo")
    assert task.is_overdue(dt.date(2026, 12, 2)) and not task.is_overdue(dt.date(2026, 12, 1))
    task.status = "done"
    assert not task.is_overdue(dt.date(2026, 12, 9))
