"""舆情日报 / 一周舆情热点摘要: figures on a known data set, the pre-written sections, the edit
conflict, DOCX and PDF, mailing with attachments, the hourly schedule generating once."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings

from rongmei.core.models import User
from rongmei.monitor import report as reports
from rongmei.monitor.models import Alert, HotTopic, Item, Match, Report, Source, Topic
from rongmei.monitor.settings_store import get_settings
from rongmei.planning.models import Lead

SH = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2025, 3, 12)  # a Wednesday, long before any demo data


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@pytest.fixture
def known(demo):
    """Five items on DAY (two negative on a watched topic, one of them a repost), two the day
    before, a hot topic, an alert handled and closed, an item sent to the newsroom."""
    center = demo["demo"]
    paper = Source.objects.create(center=center, name="报告测试省报", kind="rss", url="http://127.0.0.1/a", level=Source.Level.PROVINCIAL)
    forum = Source.objects.create(center=center, name="报告测试论坛", kind="rss", url="http://127.0.0.1/b", level=Source.Level.FORUM)
    watched = Topic.objects.create(center=center, name="报告测试积水", expression="积水", watched=True)
    unwatched = Topic.objects.create(center=center, name="报告测试公园", expression="公园", watched=False)
    hot = HotTopic.objects.create(center=center, title="青山镇积水引关注", keywords=[["积水", 1.0], ["青山镇", 0.8]], heat=88.5,
                                  item_count=3, first_seen=at(DAY, 8), last_seen=at(DAY, 15))
    counter = iter(range(100))

    def item(title, when, *, source=forum, tone="neutral", repost=False, hot_topic=None, topics=()):
        n = next(counter)
        it = Item.objects.create(center=center, source=source, title=title, text=title, url=f"https://r.example/{n}",
                                 url_hash=f"rep{n}", content_hash=f"rep{n}", published_at=when, level=source.level, tone=tone,
                                 tone_score={"negative": -0.6, "positive": 0.5}.get(tone, 0.0), is_repost=repost,
                                 hot_topic=hot_topic)
        for topic in topics:
            Match.objects.create(center=center, item=it, topic=topic, terms=[topic.expression])
        return it

    flood = item("青山镇幸福路积水严重", at(DAY, 8), source=paper, tone="negative", hot_topic=hot, topics=[watched])
    item("转：青山镇幸福路积水严重", at(DAY, 9), tone="negative", repost=True, hot_topic=hot, topics=[watched])
    item("新公园开放", at(DAY, 10), source=paper, tone="positive", topics=[unwatched])
    item("公园里有人吵架", at(DAY, 11), tone="negative", topics=[unwatched])     # negative, but not on a watched topic
    sent = item("积水点已排水", at(DAY, 23, 30), tone="neutral", hot_topic=hot)
    item("前一天一", at(DAY - dt.timedelta(days=1), 12))
    item("前一天二", at(DAY - dt.timedelta(days=1), 23, 59))
    item("后一天", at(DAY + dt.timedelta(days=1), 0, 1))
    analyst = User.objects.get(username="analyst")
    alert = Alert.objects.create(center=center, kind="negative", fold_key="rep-1", title="青山镇积水负面信息",
                                 status=Alert.Status.CLOSED, resolution="已联系住建局核实并回应", assignee=analyst,
                                 created_at=at(DAY, 8, 5), last_raised_at=at(DAY, 9, 5), times_raised=2)
    alert.items.add(flood)
    lead = Lead.objects.create(center=center, title=sent.title, content=sent.text, source=Lead.Source.MONITOR,
                               source_ref=f"monitor-item:{sent.pk}", created_by=analyst, created_at=at(DAY, 16))
    Item.objects.filter(pk=sent.pk).update(lead=lead)
    return {"center": center, "flood": flood, "alert": alert, "hot": hot, "analyst": analyst}


def test_figures_on_a_known_data_set(known):
    figs = reports.figures(known["center"], "daily", DAY, DAY)
    assert figs["volume"] == {"total": 5, "originals": 4, "reposts": 1, "previous": 2, "change": 1.5,
                              "change_text": "比前一日多 150%"}
    assert figs["tone"] == {"positive": 1, "neutral": 1, "negative": 3, "total": 5}
    assert {s["name"]: s["count"] for s in figs["top_sources"]} == {"报告测试论坛": 3, "报告测试省报": 2}
    assert [h["title"] for h in figs["hot_topics"]] == ["青山镇积水引关注"]
    hot = figs["hot_topics"][0]
    assert hot["count"] == 3 and hot["negative"] == 2 and hot["heat"] == 88.5
    assert "报告测试省报《青山镇幸福路积水严重》" in hot["summary"]
    assert figs["negative_watched"]["total"] == 2           # the park quarrel is not on a watched topic
    assert {i["topics"][0] for i in figs["negative_watched"]["items"]} == {"报告测试积水"}
    assert figs["alerts"]["total"] == 1 and figs["alerts"]["closed"] == 1
    assert figs["alerts"]["items"][0]["resolution"] == "已联系住建局核实并回应"
    assert figs["leads"]["total"] == 1 and figs["leads"]["items"][0]["title"] == "积水点已排水"
    assert len(figs["series"]["points"]) == 24 and sum(p["count"] for p in figs["series"]["points"]) == 5
    assert figs["series"]["points"][23]["count"] == 1         # 23:30 Shanghai time is the day's last hour


def test_weekly_covers_monday_to_sunday(known):
    first, last = reports.period("weekly", DAY)
    assert (first, last) == (dt.date(2025, 3, 10), dt.date(2025, 3, 16))
    figs = reports.figures(known["center"], "weekly", first, last)
    assert figs["volume"]["total"] == 8 and len(figs["series"]["points"]) == 7


def test_sections_are_written_from_the_figures(known):
    report = reports.generate(center=known["center"], kind="daily", day=DAY, user=known["analyst"])
    text = "\n".join(f"{s['heading']}\n{s['text']}" for s in report.sections)
    assert report.title == "示例县融媒体中心舆情日报（2025年3月12日）" or report.title.endswith("舆情日报（2025年3月12日）")
    assert "共监测到相关信息 5 条（原发 4 条，转载 1 条），比前一日多 150%" in text
    assert "负面 3 条（60.0%）" in text
    assert "青山镇积水引关注（热度 88.5）" in text
    assert "重点关注方案中出现负面信息 2 条" in text
    assert "触发预警 1 起，其中已办结 1 起" in text and "已联系住建局核实并回应" in text
    assert "有 1 条信息转为新闻线索" in text
    assert "负面信息集中在报告测试积水方面" in text


def test_generating_twice_is_refused(login, known):
    report = reports.generate(center=known["center"], kind="daily", day=DAY, user=known["analyst"])
    with pytest.raises(reports.ReportExists):
        reports.generate(center=known["center"], kind="daily", day=DAY)
    answer = login("analyst").post("/monitor/reports/new/", {"kind": "daily", "day": DAY.isoformat()})
    assert answer.status_code == 302 and answer["Location"] == f"/monitor/reports/{report.pk}/"
    assert Report.objects.filter(center=known["center"], kind="daily", period_start=DAY).count() == 1


def test_generate_refuses_bad_input_and_changes_nothing(login, known):
    client = login("analyst")
    before = Report.objects.count()
    for data in ({"kind": "monthly", "day": "2025-03-12"}, {"kind": "daily", "day": "2025-13-40"},
                 {"kind": "daily", "day": "2099-01-01"}):
        answer = client.post("/monitor/reports/new/", data, follow=True)
        assert answer.status_code == 200
        assert any(m.level_tag == "error" for m in answer.context["messages"])
    assert Report.objects.count() == before


def test_a_stale_save_is_refused_and_nothing_is_lost(login, known):
    report = reports.generate(center=known["center"], kind="daily", day=DAY, user=known["analyst"])
    first, second = login("analyst"), login("admin")
    from rongmei.core.models import Membership

    Membership.objects.get_or_create(user=User.objects.get(username="admin"), center=known["center"], role="analyst")
    version = first.get(f"/monitor/reports/{report.pk}/edit/").context["version"]
    assert second.get(f"/monitor/reports/{report.pk}/edit/").context["version"] == version

    def form(text):
        data = {"version": version, "title": report.title, "recipients": ""}
        for n, s in enumerate(report.sections):
            data[f"heading_{n}"], data[f"text_{n}"] = s["heading"], s["text"]
        data["text_0"] = text
        return data

    assert first.post(f"/monitor/reports/{report.pk}/edit/", form("第一位编辑的总体情况")).status_code == 302
    stale = second.post(f"/monitor/reports/{report.pk}/edit/", form("第二位编辑的总体情况"))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "修改，您的修改没有保存" in html and "黄勇" in html       # who saved in between
    assert "第二位编辑的总体情况" in html                              # the refused text is still in the form
    report.refresh_from_db()
    assert report.sections[0]["text"] == "第一位编辑的总体情况"
    with pytest.raises(reports.ReportConflict):
        reports.update(report=report, user=None, version=version, sections=[{"heading": "x", "text": "y"}])


def test_edit_refuses_bad_sections_and_recipients(known):
    report = reports.generate(center=known["center"], kind="daily", day=DAY)
    version = reports.version_of(report)
    for kwargs in ({"sections": []}, {"sections": [{"heading": "", "text": "正文"}]},
                   {"sections": [{"heading": "x" * 101, "text": ""}]}, {"recipients": "not-an-email"}):
        with pytest.raises(ValidationError):
            reports.update(report=report, user=None, version=version, **kwargs)
    report.refresh_from_db()
    assert reports.version_of(report) == version


def test_docx_opens_and_has_the_sections(login, known):
    from docx import Document
    from docx.oxml.ns import qn

    report = reports.generate(center=known["center"], kind="daily", day=DAY)
    answer = login("analyst").get(f"/monitor/reports/{report.pk}/docx/")
    assert answer.status_code == 200 and answer["Content-Type"] == reports.DOCX_TYPE
    document = Document(io.BytesIO(answer.content))
    paragraphs = [p.text for p in document.paragraphs]
    for section in report.sections:
        assert section["heading"] in paragraphs
    assert any("比前一日多 150%" in p for p in paragraphs)
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert any("报告测试论坛" in c.text for t in document.tables for row in t.rows for c in row.cells)


def test_pdf_is_a_pdf(login, known):
    report = reports.generate(center=known["center"], kind="weekly", day=DAY)
    answer = login("reviewer3").get(f"/monitor/reports/{report.pk}/pdf/")   # 总编辑 reads reports
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert any(b"Noto-Serif-CJK-SC" in part or b"Noto-Sans-CJK-SC" in part for part in _streams(answer.content)), \
        "the machine's Noto CJK font is embedded"


def _streams(pdf: bytes) -> list[bytes]:
    """The PDF's objects, inflated where they are compressed (font names sit in object streams)."""
    import re
    import zlib

    out = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return out


@override_settings(EMAIL_ENABLED=True)
def test_send_mails_docx_and_pdf_and_marks_sent(login, known):
    report = reports.generate(center=known["center"], kind="daily", day=DAY)
    settings = get_settings(known["center"])
    settings.report_recipients = ""
    settings.save()
    client = login("analyst")
    refused = client.post(f"/monitor/reports/{report.pk}/send/", follow=True)
    assert not mail.outbox                                           # no recipient anywhere yet
    assert "没有接收人" in refused.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    settings.report_recipients = "leader@example.com\nboss@example.com"
    settings.save()
    answer = client.post(f"/monitor/reports/{report.pk}/send/")
    assert answer.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["leader@example.com", "boss@example.com"] and message.subject == report.title
    names = sorted(name for name, _, _ in message.attachments)
    assert names == ["舆情日报-2025-03-12.docx", "舆情日报-2025-03-12.pdf"]
    assert {kind for _, _, kind in message.attachments} == {reports.DOCX_TYPE, "application/pdf"}
    report.refresh_from_db()
    assert report.status == Report.Status.SENT and report.sent_at is not None


def test_schedule_generates_once(known):
    center = known["center"]
    settings = get_settings(center)
    settings.daily_report_hour, settings.weekly_report_weekday, settings.send_reports = 8, 3, False  # Wednesday
    settings.save()
    thursday = DAY + dt.timedelta(days=1)
    reports.run_schedule(now=at(thursday, 7, 59))                  # before the hour: nothing yet
    assert not Report.objects.filter(center=center, period_start__year=2025).exists()
    reports.run_schedule(now=at(thursday, 9))
    reports.run_schedule(now=at(thursday, 10))
    daily = Report.objects.filter(center=center, kind="daily", period_start__lt=DAY + dt.timedelta(days=3))
    assert list(daily.values_list("period_start", flat=True)) == [DAY]
    assert not Report.objects.filter(center=center, kind="weekly", period_start__year=2025).exists()  # not the weekly day
    # The next Wednesday at 8: the daily report of Tuesday and the week of March 10–16.
    wednesday = DAY + dt.timedelta(days=7)
    reports.run_schedule(now=at(wednesday, 8, 5))
    reports.run_schedule(now=at(wednesday, 9, 5))
    weekly = Report.objects.filter(center=center, kind="weekly", period_start__year=2025)
    assert list(weekly.values_list("period_start", "period_end")) == [(dt.date(2025, 3, 10), dt.date(2025, 3, 16))]
    assert Report.objects.filter(center=center, kind="daily", period_start=wednesday - dt.timedelta(days=1)).count() == 1
    assert not mail.outbox


@override_settings(EMAIL_ENABLED=True)
def test_schedule_sends_when_asked(known):
    center = known["center"]
    settings = get_settings(center)
    settings.daily_report_hour, settings.send_reports = 8, True
    settings.report_recipients = "leader@example.com"
    settings.save()
    done = reports.run_schedule(now=at(DAY + dt.timedelta(days=1), 8, 5))
    report = Report.objects.get(center=center, kind="daily", period_start=DAY)
    assert report.pk in done["sent"] and report.status == Report.Status.SENT
    assert [m.to for m in mail.outbox if m.subject == report.title] == [["leader@example.com"]]


def test_report_permissions_and_isolation(login, known, demo):
    report = reports.generate(center=known["center"], kind="daily", day=DAY)
    assert login("reviewer3").get(f"/monitor/reports/{report.pk}/").status_code == 200
    assert login("reviewer3").get(f"/monitor/reports/{report.pk}/edit/").status_code == 403
    assert login("reviewer3").post("/monitor/reports/new/", {"kind": "daily", "day": "2025-03-11"}).status_code == 403
    assert login("reporter").get("/monitor/reports/").status_code == 403
    assert login("lx_reporter").get(f"/monitor/reports/{report.pk}/").status_code in (403, 404)
    from rongmei.core.models import Membership

    Membership.objects.get_or_create(user=User.objects.get(username="lx_reporter"), center=demo["linxian"], role="analyst")
    outsider = login("lx_reporter")
    for url in (f"/monitor/reports/{report.pk}/", f"/monitor/reports/{report.pk}/docx/", f"/monitor/reports/{report.pk}/edit/"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/monitor/reports/{report.pk}/send/").status_code == 404
    page = login("analyst").get("/monitor/reports/")
    assert page.status_code == 200 and report.title in page.content.decode()


@override_settings(EMAIL_ENABLED=True)
def test_api_generate_edit_conflict_and_send(login, known):
    client = login("analyst")
    made = client.post("/api/v1/monitor/reports", {"kind": "daily", "day": DAY.isoformat()}, content_type="application/json")
    assert made.status_code == 201, made.content
    report = made.json()
    assert report["figures"]["volume"]["total"] == 5 and report["sections"][0]["heading"] == "一、总体情况"
    again = client.post("/api/v1/monitor/reports", {"kind": "daily", "day": DAY.isoformat()}, content_type="application/json")
    assert again.status_code == 409 and "已经生成过" in again.json()["detail"]
    url = f"/api/v1/monitor/reports/{report['id']}"
    saved = client.put(url, {"version": report["version"], "sections": [{"heading": "概况", "text": "新的正文"}]},
                       content_type="application/json")
    assert saved.status_code == 200 and saved.json()["sections"] == [{"heading": "概况", "text": "新的正文"}]
    stale = client.put(url, {"version": report["version"], "title": "旧版本的标题"}, content_type="application/json")
    assert stale.status_code == 409
    assert client.get(url).json()["title"] == report["title"]
    bad = client.put(url, {"version": saved.json()["version"], "recipients": ["nobody"]}, content_type="application/json")
    assert bad.status_code == 422
    sent = client.post(f"{url}/send", {"recipients": ["leader@example.com"]}, content_type="application/json")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert mail.outbox[-1].to == ["leader@example.com"] and len(mail.outbox[-1].attachments) == 2
    listed = client.get("/api/v1/monitor/reports?kind=daily").json()
    assert report["id"] in {r["id"] for r in listed["items"]}
    assert login("reviewer3").post("/api/v1/monitor/reports", {"kind": "daily", "day": "2025-03-11"},
                                   content_type="application/json").status_code == 403
