"""The screens of 活动运营 through the Django test client: the list with its filters, the
calendar, creating and editing an event (a stale edit is refused), the budget tab (an
over-budget expense refused with the line's figures, nothing written; the raise), the Excel
export, tasks, documents served only to the center's staff, the coverage tab, the 工作台 box,
permissions, and another center's ids answered 404."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rongmei.events import services
from rongmei.events.models import BudgetLine, Document, Entry, Event, Task


@pytest.fixture
def manager(login):
    return login("events")


def test_the_list_filters_and_the_calendar(manager, event):
    year = event.starts_on.year
    page = manager.get(f"/events/?year={year}")
    assert page.status_code == 200 and "测试晚会" in page.content.decode()
    assert "测试晚会" in manager.get("/events/?year=all").content.decode()
    assert "测试晚会" in manager.get(f"/events/?year={year}&kind=gala&status=planning").content.decode()
    assert "测试晚会" not in manager.get(f"/events/?year={year}&kind=forum").content.decode()
    assert "测试晚会" not in manager.get("/events/?status=done").content.decode()
    assert manager.get("/events/?year=abc&kind=x&status=y&page=zz").status_code == 200
    calendar = manager.get(f"/events/calendar/?year={year}")
    assert calendar.status_code == 200 and "测试晚会" in calendar.content.decode()


def test_creating_and_editing_an_event(manager, people):
    day = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    bad = manager.post("/events/new/", {"name": "", "kind": "gala", "starts_on": day, "ends_on": "2000-01-01",
                                        "manager": people["events"].pk, "status": "planning"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "请填写活动名称。" in text
    made = manager.post("/events/new/", {"name": "县青少年书画展", "kind": "expo", "starts_on": day, "ends_on": day,
                                         "venue": "县文化馆", "manager": people["events"].pk, "status": "planning"})
    assert made.status_code == 302
    event = Event.objects.get(name="县青少年书画展")
    assert made["Location"] == f"/events/{event.pk}/"
    form = {"name": "县青少年书画展（第二届）", "kind": "expo", "starts_on": day, "ends_on": day, "venue": "县文化馆",
            "manager": people["events"].pk, "status": "running", "version": 1}
    assert manager.post(f"/events/{event.pk}/edit/", form).status_code == 302
    stale = manager.post(f"/events/{event.pk}/edit/", {**form, "name": "又改"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    event.refresh_from_db()
    assert event.name == "县青少年书画展（第二届）"


def test_the_budget_tab_refuses_an_over_budget_expense(manager, event):
    line = BudgetLine.objects.get(event=event, name="舞台搭建")
    url = f"/events/{event.pk}/budget/"
    today = timezone.localdate().isoformat()
    ok = manager.post(url, {"action": "entry", "entry-line": line.pk, "entry-date": today, "entry-party": "星光公司",
                            "entry-amount": "9000"})
    assert ok.status_code == 302
    over = manager.post(url, {"action": "entry", "entry-line": line.pk, "entry-date": today, "entry-party": "星光公司",
                              "entry-amount": "1500"})
    assert over.status_code == 400
    text = over.content.decode()
    assert "超出预算" in text and "剩余 1,000.00 元" in text
    line.refresh_from_db()
    assert line.actual == Decimal(9000) and Entry.objects.filter(line=line).count() == 1
    raised = manager.post(url, {"action": "raise", "raise-line": line.pk, "raise-planned": "11000",
                                "raise-reason": "增加灯光"})
    assert raised.status_code == 302
    assert manager.post(url, {"action": "entry", "entry-line": line.pk, "entry-date": today, "entry-party": "星光公司",
                              "entry-amount": "1500"}).status_code == 302
    added = manager.post(url, {"action": "line", "line-direction": "income", "line-name": "门票", "line-planned": "5000"})
    assert added.status_code == 302
    page = manager.get(url).content.decode()
    assert "增加灯光" in page and "门票" in page


def test_an_entry_of_another_event_or_center_is_not_found(manager, event, foreign_event):
    other = BudgetLine.objects.create(center=foreign_event.center, event=foreign_event, name="外", planned=100)
    answer = manager.post(f"/events/{event.pk}/budget/", {"action": "entry", "entry-line": other.pk,
                                                            "entry-date": timezone.localdate().isoformat(),
                                                            "entry-party": "甲", "entry-amount": "1"})
    assert answer.status_code == 400 and "请选择预算项目。" in answer.content.decode()


def test_the_budget_export(manager, event, people):
    from openpyxl import load_workbook

    line = BudgetLine.objects.get(event=event, name="舞台搭建")
    services.add_entry(line=line, user=people["events"], date=timezone.localdate(), party="=HYPERLINK(1)", amount="800")
    answer = manager.get(f"/events/{event.pk}/budget.xlsx")
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames == ["预算", "收支明细", "预算调整"]
    rows = list(wb["预算"].iter_rows(values_only=True))
    stage = next(r for r in rows if r[1] == "舞台搭建")
    assert (stage[2], stage[3], stage[4]) == (10000, 800, 9200)
    assert wb["收支明细"]["D2"].value == "=HYPERLINK(1)" and wb["收支明细"]["D2"].data_type == "s"


def test_tasks_tab(manager, event, people, login):
    url = f"/events/{event.pk}/tasks/"
    bad = manager.post(url, {"title": "", "owner": people["reporter"].pk, "due_on": ""})
    assert bad.status_code == 400 and "请填写任务。" in bad.content.decode()
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    assert manager.post(url, {"title": "彩排", "owner": people["director"].pk, "due_on": due}).status_code == 302
    task = Task.objects.get(event=event, title="彩排")
    director = login("director")
    assert director.post(url, {"title": "x", "owner": people["director"].pk, "due_on": due}).status_code == 403
    assert director.post(f"/events/tasks/{task.pk}/status/", {"status": "done", "version": 1}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    assert "彩排" in manager.get(url + "?status=done").content.decode()
    assert "彩排" not in manager.get(url + "?status=overdue").content.decode()


def test_documents_are_served_only_to_the_centers_event_people(manager, event, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.RONGMEI_SERVE_MEDIA = True
    url = f"/events/{event.pk}/documents/"
    bad = manager.post(url, {"kind": "plan", "title": "", "file": SimpleUploadedFile("a.pdf", b"hello")})
    assert bad.status_code == 400 and "不符" in bad.content.decode()
    body = b"%PDF-1.4 test"
    assert manager.post(url, {"kind": "contract", "title": "冠名合同",
                              "file": SimpleUploadedFile("合同.pdf", body)}).status_code == 302
    doc = Document.objects.get(event=event)
    media_url = doc.file.url
    assert "冠名合同" in manager.get(url).content.decode()
    served = login("director").get(media_url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == body
    assert login("reporter").get(media_url).status_code == 404       # no events.view
    assert login("lx_reporter").get(media_url).status_code == 404    # another center
    assert Client().get(media_url).status_code == 404                 # anonymous
    assert manager.post(url, {"action": "delete", "document": doc.pk}).status_code == 302
    assert not Document.objects.filter(pk=doc.pk).exists()


def test_the_coverage_tab(manager, event, center):
    url = f"/events/{event.pk}/coverage/"
    assert "新建报道策划" in manager.get(url).content.decode()
    assert manager.post(url, {"action": "create", "title": "晚会宣传报道"}).status_code == 302
    event.refresh_from_db()
    assert event.plan.title == "晚会宣传报道"
    page = manager.get(url).content.decode()
    assert "报道策划：晚会宣传报道" in page and "进行中" in page
    assert manager.post(url, {"action": "unlink"}).status_code == 302
    assert manager.post(url, {"action": "link", "plan": "999999999"}).status_code == 400


def test_the_home_box_and_the_nav(manager, login):
    home = manager.get("/").content.decode()
    assert 'data-testid="events-box"' in home and 'data-nav="events"' in home
    reporter = login("reporter")
    assert 'data-nav="events"' not in reporter.get("/").content.decode()
    assert reporter.get("/events/").status_code == 403
    director = login("director")  # events.view: reads, does not change
    assert director.get("/events/").status_code == 200
    assert director.get("/events/new/").status_code == 403


def test_another_centers_event_is_404_everywhere(manager, foreign_event):
    for suffix in ("", "edit/", "budget/", "budget.xlsx", "tasks/", "documents/", "coverage/"):
        assert manager.get(f"/events/{foreign_event.pk}/{suffix}").status_code == 404, suffix
    task = Task.objects.create(center=foreign_event.center, event=foreign_event, title="邻县任务",
                               owner=foreign_event.manager, due_on=timezone.localdate(), created_by=foreign_event.manager)
    assert manager.post(f"/events/tasks/{task.pk}/status/", {"status": "done"}).status_code == 404
    assert manager.get("/events/99999999999999999999/").status_code == 404


def test_a_receipt_goes_with_its_entry_and_is_served_like_the_documents(manager, event, login, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.RONGMEI_SERVE_MEDIA = True
    line = BudgetLine.objects.get(event=event, name="舞台搭建")
    url = f"/events/{event.pk}/budget/"
    today = timezone.localdate().isoformat()
    form = {"action": "entry", "entry-line": line.pk, "entry-date": today, "entry-party": "星光公司", "entry-amount": "100"}
    bad = manager.post(url, {**form, "entry-attachment": SimpleUploadedFile("发票.jpg", b"not a jpeg")})
    assert bad.status_code == 400 and "内容与扩展名 .jpg 不符" in bad.content.decode()
    line.refresh_from_db()
    assert line.actual == 0
    jpeg = b"\xff\xd8\xff\xe0fake jpeg body"
    assert manager.post(url, {**form, "entry-attachment": SimpleUploadedFile("发票.jpg", jpeg)}).status_code == 302
    entry = Entry.objects.get(line=line)
    receipt = entry.attachment.url
    assert receipt in manager.get(url).content.decode()
    assert b"".join(login("director").get(receipt).streaming_content) == jpeg
    assert login("lx_reporter").get(receipt).status_code == 404
    assert Client().get(receipt).status_code == 404
