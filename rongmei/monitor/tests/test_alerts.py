"""预警与处置: each rule kind, folding, the burst baseline, concurrent raising, the handling
flow with its permissions, another center's alert, item → newsroom lead, screens and API."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rongmei.core.models import AuditEvent, Notification, User
from rongmei.monitor import alerts, services
from rongmei.monitor.models import (
    Alert,
    AlertNote,
    AlertRule,
    Item,
    Match,
    Source,
    Topic,
)
from rongmei.planning.models import Lead

NOW = timezone.now().replace(microsecond=0)
_n = itertools.count(1)


@pytest.fixture
def world(demo):
    """Center A with three sources, a watched and an unwatched topic, and no other enabled rule."""
    center = demo["demo"]
    AlertRule.objects.filter(center=center).update(enabled=False)  # the demo's own rules stay out of the counts
    tag = uuid.uuid4().hex[:6]
    mk = lambda name, kind, level: Source.objects.create(center=center, name=f"测试{name}{tag}", kind=kind, level=level)
    return SimpleNamespace(
        center=center, other_center=demo["linxian"],
        forum=mk("论坛", Source.Kind.RSS, Source.Level.FORUM),
        provincial=mk("省报", Source.Kind.RSS, Source.Level.PROVINCIAL),
        central=mk("央媒", Source.Kind.RSS, Source.Level.CENTRAL),
        inquiry=mk("问政", Source.Kind.INQUIRY, Source.Level.LOCAL),
        watched=Topic.objects.create(center=center, name=f"测试积水{tag}", expression="青山镇 & 积水", watched=True),
        unwatched=Topic.objects.create(center=center, name=f"测试其他{tag}", expression="其他", watched=False),
        analyst=User.objects.get(username="analyst"),
    )


def item(w, *, source=None, title="青山镇积水严重", tone="neutral", score=0.0, topics=None, published=None, region="",
         group=None, center=None) -> Item:
    source = source or w.forum
    n = next(_n)
    obj = Item.objects.create(center=center or w.center, source=source, title=f"{title}（{n}）", text=f"{title} 正文 {n}",
                              content_hash=uuid.uuid4().hex, published_at=published or NOW, level=source.level,
                              region=region, tone=tone, tone_score=score, group=group)
    for topic in (topics if topics is not None else [w.watched]):
        Match.objects.create(center=obj.center, item=obj, topic=topic, terms=["青山镇", "积水"], snippet=title)
    return obj


def rule(w, kind, **fields) -> AlertRule:
    defaults = {"name": f"测试规则{next(_n)}", "kind": kind, "threshold": -0.3, "factor": 3.0, "min_items": 5,
                "window_minutes": 60, "min_level": Source.Level.PROVINCIAL, "fold_hours": 24}
    return AlertRule.objects.create(center=w.center, **{**defaults, **fields})


def bell(user) -> int:
    return Notification.objects.filter(recipient=user, url__startswith="/monitor/alerts/").count()


# --- Rule kinds ---------------------------------------------------------------------------------------

def test_negative_rule_alerts_on_watched_topics_below_the_threshold(world, django_capture_on_commit_callbacks):
    rule(world, AlertRule.Kind.NEGATIVE)
    hit = item(world, tone="negative", score=-0.5)
    mild = item(world, tone="negative", score=-0.1)
    neutral = item(world, tone="neutral", score=-0.5)
    unwatched = item(world, tone="negative", score=-0.9, topics=[world.unwatched])
    before = bell(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        raised = alerts.evaluate(world.center, [hit, mild, neutral, unwatched], now=NOW)
    assert len(raised) == 1
    alert = raised[0]
    assert alert.kind == "negative" and alert.topic_id == world.watched.pk and alert.item_count == 1
    assert list(alert.items.all()) == [hit]
    assert alert.status == "new" and alert.severity == Alert.Severity.NORMAL
    assert bell(world.analyst) == before + 1  # the analysts' bell, after the commit


def test_matches_the_caller_passes_count_as_the_stored_ones_and_only_for_enabled_topics(world):
    """The pipeline passes the topics each item matched (it has just stored them) instead of
    having them read back; a topic disabled since counts no more than it would when read."""
    rule(world, AlertRule.Kind.NEGATIVE)
    hit = item(world, tone="negative", score=-0.5, topics=[])
    raised = alerts.evaluate(world.center, [hit], now=NOW, matched={hit.pk: [world.watched.pk]})
    assert [a.topic_id for a in raised] == [world.watched.pk] and list(raised[0].items.all()) == [hit]
    Topic.objects.filter(pk=world.watched.pk).update(enabled=False)
    other = item(world, tone="negative", score=-0.5, topics=[])
    assert alerts.evaluate(world.center, [other], now=NOW, matched={other.pk: [world.watched.pk]}) == []


def test_a_rule_with_chosen_topics_ignores_the_others(world):
    chosen = rule(world, AlertRule.Kind.NEGATIVE)
    chosen.topics.set([world.unwatched])
    assert alerts.evaluate(world.center, [item(world, tone="negative", score=-0.8)], now=NOW) == []
    raised = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.8, topics=[world.unwatched])], now=NOW)
    assert [a.topic_id for a in raised] == [world.unwatched.pk]


def test_heavy_source_rule_alerts_on_provincial_and_central_sources_only(world):
    rule(world, AlertRule.Kind.HEAVY_SOURCE, min_level=Source.Level.PROVINCIAL)
    assert alerts.evaluate(world.center, [item(world, source=world.forum)], now=NOW) == []
    provincial = alerts.evaluate(world.center, [item(world, source=world.provincial)], now=NOW)
    central = alerts.evaluate(world.center, [item(world, source=world.central, tone="negative", score=-0.7)], now=NOW)
    assert len(provincial) == 1 and provincial[0].severity == Alert.Severity.NORMAL
    assert provincial[0].title.startswith("省级媒体报道")
    assert central[0].severity == Alert.Severity.URGENT  # central media and negative


def test_burst_compares_the_window_with_the_mean_of_the_past_seven_days(world):
    day = dt.timedelta(days=1)
    burst = rule(world, AlertRule.Kind.BURST, window_minutes=1440, factor=3.0, min_items=5)
    # History: 3 items a day on each of the 7 days before the current day-long window.
    for d in range(1, 8):
        for h in (2, 9, 17):
            item(world, published=NOW - d * day - dt.timedelta(hours=h))
    measured = alerts.measure_burst(Item.objects.filter(center=world.center, matches__topic=world.watched),
                                    window=dt.timedelta(minutes=1440), now=NOW)
    assert measured.baseline == pytest.approx(3.0) and measured.count == 0
    today = [item(world, published=NOW - dt.timedelta(minutes=10 * i)) for i in range(9)]
    assert alerts.evaluate(world.center, today, now=NOW) == []  # 9 is not more than 3 × 3
    tenth = item(world, published=NOW)
    raised = alerts.evaluate(world.center, [tenth], now=NOW)
    assert len(raised) == 1
    alert = raised[0]
    assert alert.kind == "burst" and alert.fold_key == f"burst:topic:{world.watched.pk}" and alert.rule == burst
    assert alert.item_count == 10 and "平均 3.0 条" in alert.summary


def test_burst_needs_min_items_even_without_history(world):
    rule(world, AlertRule.Kind.BURST, window_minutes=60, min_items=5)
    four = [item(world, published=NOW - dt.timedelta(minutes=i)) for i in range(4)]
    assert alerts.evaluate(world.center, four, now=NOW) == []
    assert len(alerts.evaluate(world.center, [item(world, published=NOW)], now=NOW)) == 1


def test_complaints_about_one_place_burst_per_region(world):
    rule(world, AlertRule.Kind.BURST, window_minutes=60, min_items=4)
    cases = [item(world, source=world.inquiry, title="西岭村停水", topics=[], region="西岭村",
                  published=NOW - dt.timedelta(minutes=i)) for i in range(4)]
    elsewhere = item(world, source=world.inquiry, title="青山镇停水", topics=[], region="青山镇")
    raised = alerts.evaluate(world.center, [*cases, elsewhere], now=NOW)
    assert [a.fold_key for a in raised] == ["burst:region:西岭村"]
    assert raised[0].title == "诉求集中：西岭村" and raised[0].item_count == 4


# --- Folding ------------------------------------------------------------------------------------------

def test_repeats_of_one_event_fold_into_one_alert(world, django_capture_on_commit_callbacks):
    from rongmei.monitor.models import ItemGroup

    rule(world, AlertRule.Kind.NEGATIVE)
    group = ItemGroup.objects.create(center=world.center, title="青山镇积水")
    before = bell(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        first = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        again = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.5, group=group)],
                                now=NOW + dt.timedelta(hours=2))
    assert [a.pk for a in again] == [first[0].pk]
    alert = Alert.objects.get(pk=first[0].pk)
    assert alert.times_raised == 2 and alert.item_count == 2 and alert.fold_key == f"neg:group:{group.pk}"
    assert alert.last_raised_at == NOW + dt.timedelta(hours=2)
    assert Alert.objects.filter(center=world.center, fold_key=alert.fold_key).count() == 1
    assert bell(world.analyst) == before + 1  # a fold tells nobody again …
    # … the same items evaluated again change nothing
    assert alerts.evaluate(world.center, list(alert.items.all()), now=NOW + dt.timedelta(hours=3)) == []
    assert Alert.objects.get(pk=alert.pk).times_raised == 2
    # … unless the severity rises: a provincial paper's very negative repost makes it 紧急.
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate(world.center, [item(world, source=world.provincial, tone="negative", score=-0.9, group=group)],
                        now=NOW + dt.timedelta(hours=4))
    alert.refresh_from_db()
    assert alert.severity == Alert.Severity.URGENT and alert.times_raised == 3
    assert bell(world.analyst) == before + 2


def test_after_the_fold_time_or_once_closed_a_repeat_raises_a_new_alert(world):
    from rongmei.monitor.models import ItemGroup

    rule(world, AlertRule.Kind.NEGATIVE, fold_hours=6)
    group = ItemGroup.objects.create(center=world.center, title="青山镇积水")
    first = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)], now=NOW)[0]
    later = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)],
                            now=NOW + dt.timedelta(hours=7))[0]
    assert later.pk != first.pk
    first.refresh_from_db()
    assert first.open_key is None and first.status == "new"  # the old one stays open, untouched
    services.close(alert=later, user=world.analyst, resolution="已核实并回应")
    third = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)],
                            now=NOW + dt.timedelta(hours=8))[0]
    assert third.pk not in (first.pk, later.pk)


def test_two_ingests_raising_one_event_at_once_end_in_one_alert(world, monkeypatch):
    """The race, made deterministic: the second ingest read "no open alert" before the first
    committed its insert; its own insert then meets the unique open key and folds instead."""
    from rongmei.monitor.models import ItemGroup

    negative = rule(world, AlertRule.Kind.NEGATIVE)
    group = ItemGroup.objects.create(center=world.center, title="青山镇积水")
    first = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)], now=NOW)[0]
    real_filter = Alert.objects.select_for_update

    class Blind:
        """select_for_update().filter(open_key=…).first() sees nothing, once (the other's row is not committed yet)."""

        def __init__(self):
            self.used = False

        def __call__(self, *args, **kwargs):
            qs = real_filter(*args, **kwargs)
            if self.used:
                return qs
            self.used = True
            return qs.none()

    monkeypatch.setattr(Alert.objects, "select_for_update", Blind())
    second = alerts.evaluate(world.center, [item(world, tone="negative", score=-0.4, group=group)], now=NOW)
    assert [a.pk for a in second] == [first.pk]
    assert Alert.objects.filter(center=world.center, rule=negative).count() == 1
    assert Alert.objects.get(pk=first.pk).times_raised == 2


# --- Handling -----------------------------------------------------------------------------------------

@pytest.fixture
def open_alert(world):
    rule(world, AlertRule.Kind.NEGATIVE)
    return alerts.evaluate(world.center, [item(world, tone="negative", score=-0.6)], now=NOW)[0]


def test_the_handling_flow_is_recorded_and_audited(world, open_alert, django_capture_on_commit_callbacks):
    chief = User.objects.filter(memberships__center=world.center, memberships__role="chief_editor").first()
    a = services.acknowledge(alert=open_alert, user=world.analyst)
    assert a.status == "acknowledged" and a.acknowledged_by == world.analyst
    with pytest.raises(ValidationError) as exc:
        services.acknowledge(alert=open_alert, user=world.analyst)
    assert exc.value.api_status == 409
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(alert=open_alert, user=world.analyst, assignee=chief, note="请核实")
    assert Notification.objects.filter(recipient=chief, url=f"/monitor/alerts/{open_alert.pk}/").exists()
    services.add_note(alert=open_alert, user=chief, text="已联系县住建局，正在排水")
    with pytest.raises(ValidationError):
        services.close(alert=open_alert, user=chief, resolution="  ")
    closed = services.close(alert=open_alert, user=chief, resolution="积水已排除，已发布情况说明")
    assert closed.status == "closed" and closed.closed_by == chief and closed.open_key is None
    reopened = services.reopen(alert=open_alert, user=world.analyst, reason="又有新的投诉")
    assert reopened.status == "handling" and reopened.closed_at is None and reopened.open_key
    actions = list(AlertNote.objects.filter(alert=open_alert).values_list("action", flat=True))
    assert actions == ["acknowledge", "assign", "", "close", "reopen"]
    audited = set(AuditEvent.objects.filter(object_type="monitor.alert", object_id=str(open_alert.pk))
                  .values_list("action", flat=True))
    assert audited == {"monitor.alert_acknowledge", "monitor.alert_assign", "monitor.alert_note", "monitor.alert_close",
                       "monitor.alert_reopen"}
    from rongmei.core import audit_labels

    assert all(audit_labels.label(a) != a for a in audited)  # every action has its Chinese label


def test_only_handlers_of_the_center_may_be_assigned_or_handle(world, open_alert):
    reporter = User.objects.get(username="reporter")
    with pytest.raises(ValidationError):
        services.assign(alert=open_alert, user=world.analyst, assignee=reporter)
    with pytest.raises(PermissionDenied):
        services.acknowledge(alert=open_alert, user=reporter)
    lx = User.objects.get(username="lx_reporter")
    with pytest.raises(ValidationError):
        services.assign(alert=open_alert, user=world.analyst, assignee=lx)


# --- Item → lead ----------------------------------------------------------------------------------------

def test_an_item_becomes_exactly_one_lead(world, open_alert):
    one = open_alert.items.get()
    lead = services.send_to_newsroom(item=one, user=world.analyst, note="建议跟进采访")
    again = services.send_to_newsroom(item=one, user=world.analyst)
    assert lead.pk == again.pk
    assert Lead.objects.filter(center=world.center, source="monitor", source_ref=f"monitor-item:{one.pk}").count() == 1
    assert lead.source == Lead.Source.MONITOR and lead.title == one.title[:100] and one.source.name in lead.content
    one.refresh_from_db()
    assert one.lead_id == lead.pk
    assert AlertNote.objects.filter(alert=open_alert, action="lead").count() == 1
    assert services.send_alert_to_newsroom(alert=open_alert, user=world.analyst).pk == lead.pk


# --- Screens ------------------------------------------------------------------------------------------

def test_screens_list_filter_and_handle(world, open_alert, login):
    client = login("analyst")
    page = client.get(reverse("monitor:alerts"))
    assert page.status_code == 200 and open_alert.title in page.content.decode()
    assert open_alert.title not in client.get(reverse("monitor:alerts") + "?status=closed").content.decode()
    assert open_alert.title not in client.get(reverse("monitor:alerts") + "?kind=burst").content.decode()
    assert client.get(reverse("monitor:alerts") + "?severity=9&status=nonsense&kind=x").status_code == 200
    detail = client.get(reverse("monitor:alert", args=[open_alert.pk])).content.decode()
    for button in ("确认", "指派", "记录", "办结", "转为线索"):
        assert button in detail
    url = reverse("monitor:alert_action", args=[open_alert.pk])
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    response = client.post(url, {"action": "close", "resolution": ""}, follow=True)
    assert "请填写处置结果" in response.content.decode()
    assert Alert.objects.get(pk=open_alert.pk).status == "acknowledged"  # bad input changed nothing
    client.post(url, {"action": "lead"})
    assert Item.objects.get(pk=open_alert.items.get().pk).lead_id is not None
    lead_url = reverse("monitor:item_lead", args=[open_alert.items.get().pk])
    assert client.post(lead_url, {"next": "/monitor/alerts/"}).url == "/monitor/alerts/"
    assert Lead.objects.filter(source_ref=f"monitor-item:{open_alert.items.get().pk}").count() == 1


def test_who_may_see_and_handle(world, open_alert, login):
    detail = reverse("monitor:alert", args=[open_alert.pk])
    action = reverse("monitor:alert_action", args=[open_alert.pk])
    assert login("reporter").get(detail).status_code == 403
    assert login("reviewer3").get(detail).status_code == 200  # the chief editor: view + handle
    assert login("reviewer3").get(reverse("monitor:rules")).status_code == 403  # … but not manage
    assert login("reporter").post(action, {"action": "acknowledge"}).status_code == 403
    # another center's alert is a 404, on pages and in the API
    assert login("lx_reporter").get(detail).status_code in (403, 404)
    other = Alert.objects.create(center=world.other_center, kind="negative", fold_key="x", title="邻县预警")
    assert login("analyst").get(reverse("monitor:alert", args=[other.pk])).status_code == 404
    assert login("analyst").post(reverse("monitor:alert_action", args=[other.pk]), {"action": "acknowledge"}).status_code == 404
    assert login("analyst").get(f"/api/v1/monitor/alerts/{other.pk}").status_code == 404


def test_rules_are_validated_in_chinese(world, login):
    client = login("analyst")
    response = client.post(reverse("monitor:rule_new"), {
        "name": "省级媒体关注", "kind": "heavy_source", "threshold": "-0.3", "factor": "3", "min_items": "5",
        "window_minutes": "60", "min_level": "70", "fold_hours": "24", "emails": "duty@example.cn\n不是邮箱",
        "notify_in_app": "on", "enabled": "on", "topics": [world.watched.pk]})
    assert response.status_code == 200 and "邮箱格式不对：不是邮箱" in response.content.decode()
    assert not AlertRule.objects.filter(center=world.center, name="省级媒体关注").exists()
    response = client.post(reverse("monitor:rule_new"), {
        "name": "省级媒体关注", "kind": "heavy_source", "threshold": "-0.3", "factor": "3", "min_items": "5",
        "window_minutes": "60", "min_level": "70", "fold_hours": "24", "emails": "duty@example.cn",
        "notify_in_app": "on", "enabled": "on", "topics": [world.watched.pk]})
    assert response.status_code == 302
    saved = AlertRule.objects.get(center=world.center, name="省级媒体关注")
    assert list(saved.topics.all()) == [world.watched] and saved.emails == "duty@example.cn"
    assert "省级媒体关注" in client.get(reverse("monitor:rules")).content.decode()


# --- API ----------------------------------------------------------------------------------------------

def test_api_lists_and_handles_alerts(world, open_alert, login):
    client = login("analyst")
    page = client.get("/api/v1/monitor/alerts?status=open&kind=negative").json()
    assert open_alert.pk in [a["id"] for a in page["items"]]
    assert client.get("/api/v1/monitor/alerts?status=bogus").status_code == 422
    done = client.post(f"/api/v1/monitor/alerts/{open_alert.pk}/acknowledge", content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    assert client.post(f"/api/v1/monitor/alerts/{open_alert.pk}/acknowledge",
                       content_type="application/json").status_code == 409
    reporter = User.objects.get(username="reporter")
    refused = client.post(f"/api/v1/monitor/alerts/{open_alert.pk}/assign", {"assignee_id": reporter.pk},
                          content_type="application/json")
    assert refused.status_code == 422 and "assignee_id" in refused.json()["errors"]
    note = client.post(f"/api/v1/monitor/alerts/{open_alert.pk}/notes", {"text": "已核实"}, content_type="application/json")
    assert note.status_code == 201
    closed = client.post(f"/api/v1/monitor/alerts/{open_alert.pk}/close", {"resolution": "已回应"},
                         content_type="application/json").json()
    assert closed["status"] == "closed" and [n["action"] for n in closed["notes"]] == ["acknowledge", "", "close"]
    item_id = closed["items"][0]["id"]
    first = client.post(f"/api/v1/monitor/items/{item_id}/lead", {}, content_type="application/json").json()
    second = client.post(f"/api/v1/monitor/items/{item_id}/lead", {}, content_type="application/json").json()
    assert first["lead_id"] == second["lead_id"]
    assert login("reporter").get("/api/v1/monitor/alerts").status_code == 403


def test_api_rules_crud(world, login):
    client = login("analyst")
    created = client.post("/api/v1/monitor/rules", {"name": "突增", "kind": "burst", "topic_ids": [world.watched.pk],
                                                    "emails": ["duty@example.cn"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    bad = client.put(f"/api/v1/monitor/rules/{rule_id}", {"name": "突增", "kind": "burst", "emails": ["nope"]},
                     content_type="application/json")
    assert bad.status_code == 422 and "emails" in bad.json()["errors"]
    other_topic = Topic.objects.create(center=world.other_center, name="邻县方案", expression="x")
    foreign = client.put(f"/api/v1/monitor/rules/{rule_id}", {"name": "突增", "kind": "burst", "topic_ids": [other_topic.pk]},
                         content_type="application/json")
    assert foreign.status_code == 422
    assert client.get(f"/api/v1/monitor/rules/{rule_id}").json()["topic_ids"] == [world.watched.pk]
    assert client.delete(f"/api/v1/monitor/rules/{rule_id}").status_code == 204
    assert login("reviewer3").get("/api/v1/monitor/rules").status_code == 403


def test_todo_lists_new_alerts_and_my_assignments(world, open_alert):
    titles = [t.title for t in alerts.todo_for(world.analyst, world.center)]
    assert open_alert.title in titles
    assert alerts.todo_for(User.objects.get(username="reporter"), world.center) == []
