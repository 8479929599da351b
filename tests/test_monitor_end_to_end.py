"""舆情监测 end to end, over real HTTP: a news site on a loopback port (the fetch part's
`testserver.FixtureServer`) and a fake WeCom group robot (`robotfakes.RobotFakes`).

The analyst's topic and negative-item rule are set up through the services; a feed is fetched
(`fetching.fetch_source`), its item passes the pipeline, matches the topic, reads negative
and raises one alert, which the delivery task posts to the robot. A lightly edited repost on
a second site, fetched through the scheduled path (the per-minute dispatcher claims the due
source and its task runs), joins the item's repost group and folds into the same alert. The
analyst then acknowledges, assigns, notes and closes it on the alert page and sends the item
to the newsroom: one planning lead with source 舆情监测, however often it is pressed. Last,
the operators' command line: `rongmei monitor fetch`, `tone` and `dedupe` on files."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from rongmei.core.models import User
from rongmei.monitor import fetching, services, source_services, topic_services
from rongmei.monitor.models import Alert, AlertDelivery, FetchRun, Item, Match, Source
from rongmei.monitor.tests.robotfakes import RobotFakes
from rongmei.monitor.testserver import FixtureServer
from rongmei.planning.models import Lead

NEGATIVE_TITLE = "青山水库大坝出现渗漏险情下游村民连夜转移"
NEGATIVE_TEXT = ("示例县青山镇青山水库大坝昨夜出现渗漏险情，下游石桥村、竹林村三百多名村民被紧急转移。"
                 "村民反映大坝渗水问题去年就曾出现，多次反映却无人处理，群众对管理部门极为不满，担心汛期发生溃坝。")
REPOST_TITLE = "【网友爆料】青山水库大坝出现渗漏险情下游村民连夜转移"


@pytest.fixture
def sites(settings):
    """The news site and the robot receiver, both on loopback (allowed for these tests only)."""
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    settings.RONGMEI_MONITOR_HOST_DELAY = 0
    settings.RONGMEI_MONITOR_TIMEOUT = 5
    with FixtureServer(seed=False) as news, FixtureServer(seed=False) as forum, RobotFakes() as robot:
        yield news, forum, robot


def _setup(center, analyst, news, forum, robot):
    topic = topic_services.create_topic(center=center, user=analyst, name="青山水库安全",
                                        expression="青山水库 & (渗漏 | 溃坝 | 险情) & !演练", category="issue")
    hook = services.save_robot(center=center, user=analyst, name="舆情值班群", kind="wecom", url=robot.wecom_url())
    rule = services.save_rule(center=center, user=analyst, topic_ids=[topic.pk], robot_ids=[hook.pk],
                              name="青山水库负面信息", kind="negative", threshold=-0.2, notify_in_app=True, fold_hours=24)
    county = source_services.create_source(center=center, user=analyst, data={
        "name": "端到端·县新闻网", "kind": "rss", "url": f"{news.url}/feeds/county.xml", "level": Source.Level.PROVINCIAL,
        "region": "本县", "interval_minutes": 30, "enabled": True, "config": {}})
    board = source_services.create_source(center=center, user=analyst, data={
        "name": "端到端·本地论坛", "kind": "json", "url": f"{forum.url}/api/news.json", "level": Source.Level.FORUM,
        "region": "本县", "interval_minutes": 30, "enabled": True,
        "config": {"items": "data.list", "title": "title", "text": "content", "url": "link", "published": "pubtime",
                   "id": "id", "author": "source"}})
    return topic, rule, county, board


def test_fetch_to_alert_to_robot_to_handling_to_lead(demo, login, sites, immediate_queue,
                                                     django_capture_on_commit_callbacks):
    news, forum, robot = sites
    center = demo["demo"]
    analyst = User.objects.get(username="analyst")
    topic, rule, county, board = _setup(center, analyst, news, forum, robot)
    news.add_entry("county", NEGATIVE_TITLE, NEGATIVE_TEXT, author="县新闻网")
    news.add_entry("county", "青山镇举办冬季农产品展销会", "青山镇冬季农产品展销会开幕，茶叶、笋干等特产受到市民欢迎。")

    # 1. A fetch: two items through the pipeline, one matches, is negative, raises an alert
    #    whose delivery (queued after the commit) posts to the robot.
    with django_capture_on_commit_callbacks(execute=True):
        run = fetching.fetch_source(county)
    assert (run.outcome, run.http_status, run.found, run.new) == (FetchRun.Outcome.OK, 200, 2, 2), run.error
    item = Item.objects.get(center=center, title=NEGATIVE_TITLE)
    assert item.tone == Item.Tone.NEGATIVE and item.tone_score <= -0.2
    match = Match.objects.get(item=item, topic=topic)
    assert "青山水库" in match.terms and "青山水库" in match.snippet
    assert not Match.objects.filter(topic=topic).exclude(item=item).exists()
    alert = Alert.objects.get(rule=rule)
    assert list(alert.items.all()) == [item] and alert.status == Alert.Status.NEW
    delivery = AlertDelivery.objects.get(alert=alert)
    assert delivery.status == AlertDelivery.Status.SENT, delivery.error
    assert len(robot.received) == 1 and robot.received[0]["platform"] == "wecom"
    assert "青山水库" in json.dumps(robot.received[0]["body"], ensure_ascii=False)

    # 2. A repost on another site, fetched on schedule: it joins the group and folds.
    forum.add_json_item(REPOST_TITLE, NEGATIVE_TEXT + "（来源：网络）", source="本地论坛网友")
    Source.objects.filter(pk__in=[county.pk]).update(enabled=False)  # only the forum is due
    Source.objects.filter(pk=board.pk).update(next_fetch_at=board.created_at)
    from rongmei.monitor import fetch_tasks

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = fetch_tasks.dispatch_due()
    assert board.pk in enqueued
    board.refresh_from_db()
    assert board.last_success_at is not None and board.consecutive_failures == 0
    repost = Item.objects.get(center=center, source=board, title=REPOST_TITLE)
    item.refresh_from_db()
    assert repost.group_id == item.group_id and repost.is_repost and not item.is_repost
    assert Alert.objects.filter(rule=rule).count() == 1
    alert.refresh_from_db()
    assert alert.times_raised == 2 and set(alert.items.all()) == {item, repost}
    assert len(robot.received) == 1  # a fold at the same severity is not sent again

    # 3. The analyst handles it on the alert page and sends the item to the newsroom.
    client = login("analyst")
    chief = User.objects.get(username="reviewer3")
    act = reverse("monitor:alert_action", args=[alert.pk])
    page = client.get(reverse("monitor:alert", args=[alert.pk]))
    assert page.status_code == 200 and NEGATIVE_TITLE in page.content.decode()
    assert client.post(act, {"action": "acknowledge"}).status_code == 302
    assert client.post(act, {"action": "assign", "assignee": chief.pk, "note": "请安排记者到现场核实"}).status_code == 302
    assert client.post(act, {"action": "note", "text": "已联系县水利局，抢险队伍已到场。"}).status_code == 302
    for _ in range(2):  # pressed twice: one lead
        assert client.post(reverse("monitor:item_lead", args=[item.pk]), {"note": "建议跟进报道"}).status_code == 302
    assert client.post(act, {"action": "close", "resolution": "险情已排除，县水利局发布通报，本中心已跟进报道。"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED and alert.assignee == chief and alert.acknowledged_by == analyst
    assert [n.action for n in alert.notes.order_by("created_at", "id")] == ["acknowledge", "assign", "", "lead", "close"]
    leads = Lead.objects.filter(center=center, source=Lead.Source.MONITOR, source_ref=f"monitor-item:{item.pk}")
    assert leads.count() == 1
    item.refresh_from_db()
    assert item.lead_id == leads.get().pk
    assert "建议跟进报道" in leads.get().content
    # the editor finds it among planning's leads
    assert NEGATIVE_TITLE in login("editor").get(reverse("planning:leads")).content.decode()


def test_the_command_line(demo, sites, tmp_path):
    news, _forum, _robot = sites
    center = demo["demo"]
    analyst = User.objects.get(username="analyst")
    source = source_services.create_source(center=center, user=analyst, data={
        "name": "命令行·县新闻网", "kind": "rss", "url": f"{news.url}/feeds/cli.xml", "level": Source.Level.LOCAL,
        "region": "本县", "interval_minutes": 30, "enabled": True, "config": {}})
    news.add_entry("cli", "滨江街道老年食堂开张", "滨江街道首家社区老年食堂开业，老人每餐只需五元，大家纷纷点赞。")

    out = io.StringIO()
    call_command("monitor", "fetch", source.name, "--center", "demo", stdout=out, stderr=io.StringIO())
    assert "滨江街道老年食堂开张" in out.getvalue() or "新增 1" in out.getvalue(), out.getvalue()
    assert Item.objects.filter(source=source).count() == 1
    out = io.StringIO()
    call_command("monitor", "fetch", str(source.pk), stdout=out, stderr=io.StringIO())
    assert Item.objects.filter(source=source).count() == 1  # nothing twice

    tone_in = tmp_path / "tone.jsonl"
    lines = [{"text": "关于2027年元旦放假安排的通知：1月1日放假一天。", "n": 1},
             {"text": "工地施工到半夜，噪音扰民严重，投诉多次无人处理，居民非常愤怒。", "n": 2},
             {"text": "暖心！渔民冰面救起落水少年，网友纷纷点赞。", "n": 3}]
    tone_in.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("monitor", "tone", str(tone_in), stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert [r["n"] for r in rows] == [1, 2, 3]
    assert [r["tone"] for r in rows] == ["neutral", "negative", "positive"]
    assert all(-1 <= r["score"] <= 1 for r in rows) and rows[1]["score"] < 0 < rows[2]["score"]

    story = ("示例县东湖镇第九届冬捕节开幕，第一网捕获一条重达三十一公斤的大青鱼，经多轮竞价以一万六千八百元成交，"
             "拍卖所得全部捐入东湖镇困难群众救助基金。现场游客如织，气氛热烈。")
    other = "县人社局将于十二月中旬开展电工、焊工、家政服务等技能培训，培训合格者可申领职业技能等级证书，今冬计划培训一千二百人次。"
    dedupe_in = tmp_path / "dedupe.jsonl"
    records = [{"id": "a", "text": story}, {"id": "b", "text": "转自示例县融媒体中心。" + story},
               {"id": "c", "text": other}, {"id": "d", "text": story.replace("气氛热烈", "场面十分热闹") + "本报将持续关注。"}]
    dedupe_in.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in records) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("monitor", "dedupe", str(dedupe_in), stdout=out)
    groups = {r["id"]: r["group"] for r in (json.loads(line) for line in out.getvalue().splitlines() if line.strip())}
    assert set(groups) == {"a", "b", "c", "d"}
    assert groups["a"] == groups["b"] == groups["d"] != groups["c"]


def test_the_demo_went_through_the_pipeline_and_loading_again_adds_nothing(demo):
    """`rongmei demo` (loaded for the session): two weeks of items with repost groups, topic
    matches, tone, hot topics and alerts in every state; one item already a lead; a report
    draft. A second load adds nothing."""
    from rongmei.monitor import demo as monitor_demo
    from rongmei.monitor.models import HotTopic, Report, Topic

    center = demo["demo"]
    items = Item.objects.filter(center=center)
    counts = {"items": items.count(), "matches": Match.objects.filter(center=center).count(),
              "alerts": Alert.objects.filter(center=center).count(), "topics": Topic.objects.filter(center=center).count(),
              "sources": Source.objects.filter(center=center).count(), "hot": HotTopic.objects.filter(center=center).count()}
    assert counts["items"] >= 130 and items.filter(is_repost=True).count() >= 20
    assert {t for t in items.values_list("tone", flat=True)} == {"positive", "neutral", "negative"}
    assert set(Source.objects.filter(center=center).values_list("kind", flat=True)) == set(Source.Kind.values)
    assert set(Topic.objects.filter(center=center).values_list("category", flat=True)) == set(Topic.Category.values)
    assert {Alert.Status.NEW, Alert.Status.ACKNOWLEDGED, Alert.Status.HANDLING, Alert.Status.CLOSED} <= set(
        Alert.objects.filter(center=center).values_list("status", flat=True))
    assert Alert.objects.filter(center=center, kind="burst").exists()
    assert Lead.objects.filter(center=center, source=Lead.Source.MONITOR, source_ref__startswith="monitor-item:").count() == 1
    assert items.filter(lead__isnull=False).count() == 1
    assert Report.objects.filter(center=center, kind=Report.Kind.DAILY, status=Report.Status.DRAFT).exists()
    from django.utils import timezone

    assert items.filter(published_at__gte=timezone.now() - timezone.timedelta(hours=24),
                        matches__topic__name="停水与供水").count() >= 3  # today's burst
    created, _existing = monitor_demo.load(center)
    assert created == 0
    assert counts == {"items": items.count(), "matches": Match.objects.filter(center=center).count(),
                      "alerts": Alert.objects.filter(center=center).count(),
                      "topics": Topic.objects.filter(center=center).count(),
                      "sources": Source.objects.filter(center=center).count(),
                      "hot": HotTopic.objects.filter(center=center).count()}


def test_the_sandbox_news_sources_are_fetched_for_real(demo, settings):
    """The demo's sandbox news site (`demo_feeds`, what `rongmei serve` starts with
    RONGMEI_SANDBOX=1) read by the real readers: every sandbox source answers, the stories the
    demo loaded come back as duplicates and each source brings its FRESH story."""
    from rongmei.monitor import demo_content, demo_feeds

    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]
    settings.RONGMEI_MONITOR_HOST_DELAY = 0
    center = demo["demo"]
    names = {key: name for key, name, *_ in demo_content.SOURCES}
    fresh = {source: title for _key, source, _author, title, _text in demo_content.FRESH}
    with demo_feeds.sandbox() as site:
        for key, name in names.items():
            source = Source.objects.get(center=center, name=name)
            path = source.url.split("/", 3)[3]
            Source.objects.filter(pk=source.pk).update(url=f"{site.url}/{path}")
            source.refresh_from_db()
            run = fetching.fetch_source(source)
            assert run.outcome == FetchRun.Outcome.OK and run.http_status == 200, (name, run.error, run.item_errors)
            assert Item.objects.filter(source=source, title=normalise_title(fresh[key])).count() == 1, name
            if key != "province_web":  # article pages are extracted again, so only their URL is the same
                assert (run.new, run.duplicates) == (1, run.found - 1), (name, run.found, run.new, run.duplicates)


def normalise_title(title: str) -> str:
    from rongmei.monitor.normalise import clean_title

    return clean_title(title)

