"""舆情监测 demo: the county dictionary, 监测方案 in every category, alert rules, the sandbox
news sources (RONGMEI_SANDBOX=1 serves them with `rongmei serve`), the comment sources on
the sandbox WeChat and Weibo accounts and the 问政 source; then two weeks of items put
through the real pipeline (`pipeline.ingest`, in the order they were published, so repost
groups, hot topics and alerts form as they would have), a few alerts walked through their
handling, one item sent to the newsroom, and a daily report draft.

Idempotent: configuration rows are created when missing; items are only loaded when the
center has none (a second run adds nothing and never removes anything)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.monitor import demo_content
from rongmei.monitor.models import Alert, AlertRule, Item, Report, Source, Topic
from rongmei.monitor.types import RawItem

WECHAT_ACCOUNT = "示例县融媒（公众号·沙箱）"
WEIBO_ACCOUNT = "@示例县发布（微博·沙箱）"
COMMENT_SOURCES = {"wechat": "本中心公众号留言（沙箱）", "weibo": "本中心微博评论（沙箱）"}
INQUIRY_SOURCE = "本中心网络问政"

# name, kind, topic names (none: every watched topic), threshold, factor, min items, window, min level
RULES = [
    ("重点方案负面信息", "negative", [], -0.3, 3.0, 5, 60, 70),
    ("民生问题信息量突增", "burst", ["停水与供水", "城区积水内涝", "拖欠工资", "噪音扰民"], 0.0, 3.0, 4, 360, 70),
    ("省级以上媒体报道", "heavy_source", [], 0.0, 3.0, 5, 60, 70),
]


def load(center: Center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    analyst = User.objects.filter(username="analyst").first()
    created = existing = 0
    with transaction.atomic():
        for made in (_settings(center, analyst), *_topics(center, analyst), *_sources(center, analyst),
                     *_rules(center, analyst)):
            created += made
            existing += not made
    if Item.objects.filter(center=center).exists():
        return created, existing + 1
    created += _items(center)
    _handling(center, analyst)
    _report(center, analyst)
    return created, existing


def _settings(center: Center, analyst: User | None) -> bool:
    """The county dictionary and the report recipients, set once (a center's own later
    changes are kept)."""
    from rongmei.monitor import settings_store

    row = settings_store.get_settings(center)
    if row.county_words.strip():
        return False
    settings_store.update_settings(center=center, user=analyst, county_words="\n".join(demo_content.COUNTY_WORDS),
                                   report_recipients="leaders@demo.rongmei.invalid")
    return True


def _topics(center: Center, analyst: User | None) -> list[bool]:
    from rongmei.monitor import topic_services

    out = []
    for name, category, expression, watched in demo_content.TOPICS:
        if Topic.objects.filter(center=center, name=name).exists():
            out.append(False)
            continue
        topic_services.create_topic(center=center, user=analyst, name=name, expression=expression, category=category,
                                    watched=watched)
        out.append(True)
    return out


def news_url() -> str:
    return getattr(settings, "RONGMEI_SANDBOX_NEWS_URL", "http://127.0.0.1:8903")


def _sources(center: Center, analyst: User | None) -> list[bool]:
    from rongmei.distribution.models import ChannelAccount
    from rongmei.monitor import source_services

    wanted = []
    base = news_url()
    for _key, name, kind, level, region, path, config in demo_content.SOURCES:
        wanted.append({"name": name, "kind": kind, "url": base + path, "level": level, "region": region,
                       "interval_minutes": 30, "enabled": True, "config": config})
    accounts = {"wechat": ChannelAccount.objects.filter(center=center, kind="wechat", name=WECHAT_ACCOUNT).first(),
                "weibo": ChannelAccount.objects.filter(center=center, kind="weibo", name=WEIBO_ACCOUNT).first()}
    for channel, name in COMMENT_SOURCES.items():
        if accounts[channel] is not None:
            wanted.append({"name": name, "kind": f"{channel}_comments", "url": "", "level": Source.Level.LOCAL,
                           "region": "本县", "interval_minutes": 15, "enabled": True,
                           "config": {"account": accounts[channel].pk}})
    wanted.append({"name": INQUIRY_SOURCE, "kind": Source.Kind.INQUIRY, "url": "", "level": Source.Level.LOCAL,
                   "region": "本县", "interval_minutes": 15, "enabled": True, "config": {}})
    out = []
    for data in wanted:
        if Source.objects.filter(center=center, name=data["name"]).exists():
            out.append(False)
            continue
        source_services.create_source(center=center, user=analyst, data=data)
        out.append(True)
    return out


def _rules(center: Center, analyst: User | None) -> list[bool]:
    from rongmei.monitor import services

    out = []
    for name, kind, topic_names, threshold, factor, min_items, window, min_level in RULES:
        if AlertRule.objects.filter(center=center, name=name).exists() or analyst is None:
            out.append(False)
            continue
        topic_ids = list(Topic.objects.filter(center=center, name__in=topic_names).values_list("pk", flat=True))
        services.save_rule(center=center, user=analyst, topic_ids=topic_ids, name=name, kind=kind, threshold=threshold,
                           factor=factor, min_items=min_items, window_minutes=window, min_level=min_level,
                           notify_in_app=True)
        out.append(True)
    return out


def _items(center: Center) -> int:
    """Two weeks of items through `pipeline.ingest`, one batch per source and run (`_slot`),
    oldest first, each with the time it would have been fetched as `now`."""
    from rongmei.monitor import demo_feeds, pipeline

    now = timezone.now()
    sources = {s.name: s for s in Source.objects.filter(center=center)}
    by_key = {key: sources.get(name) for key, name, *_ in demo_content.SOURCES}
    batches: dict[tuple, list[RawItem]] = {}
    for e in demo_feeds.story_entries(news_url(), now):
        source = by_key.get(e["source"])
        if source is None:
            continue
        raw = RawItem(title=e["title"], text=e["text"], url=e["url"], published_at=e["published"], author=e["author"],
                      external_id=f"demo-{e['id']}", region=source.region)
        batches.setdefault(_slot(source, e["published"], now), []).append(raw)
    for n, (channel, days, hour, author, text) in enumerate(demo_content.COMMENTS):
        source = sources.get(COMMENT_SOURCES[channel])
        if source is None:
            continue
        published = demo_feeds.published_at(now, days, hour, spread=n)
        raw = RawItem(title=text[:40], text=text, published_at=published, author=author,
                      external_id=f"demo-comment-{n}", region="本县")
        batches.setdefault(_slot(source, published, now), []).append(raw)
    made = 0
    for (_when, source_id), raws in sorted(batches.items(), key=lambda kv: kv[0]):
        source = next(s for s in sources.values() if s.pk == source_id)
        fetched = min(max(r.published_at for r in raws) + dt.timedelta(minutes=10), now)
        result = pipeline.ingest(source, raws, now=fetched)
        made += result.new
    made += _inquiry_items(center, sources.get(INQUIRY_SOURCE))
    from rongmei.monitor import search

    search.index_pending(center)  # searchable at once, not when the worker's indexing task comes round
    return made


def _slot(source: Source, when: dt.datetime, now: dt.datetime) -> tuple:
    """Which run of its source fetched an item: two runs a day over the last three days, one
    every two days before (fewer pipeline runs keep the demo quick to load; a run only ever
    finds what was published before it)."""
    local = timezone.localtime(when)
    if now - when <= dt.timedelta(days=3):
        start = local.replace(hour=local.hour - local.hour % 12, minute=0, second=0, microsecond=0)
    else:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=local.toordinal() % 2)
    return (start, source.pk)


def _inquiry_items(center: Center, source: Source | None) -> int:
    """The 问政 source reads the center's own cases (the inquiry demo made them): one real run."""
    from rongmei.monitor.fetching import fetch_source

    return fetch_source(source).new if source is not None else 0


def _handling(center: Center, analyst: User | None) -> None:
    """Walk a few of the raised alerts through 舆情处置 with the real services: one closed with
    its outcome, one assigned to the chief editor with notes, one acknowledged with its lead
    item sent to the newsroom; the rest stay new. The steps are then dated as a day's work
    after each alert was raised (the services stamp them now)."""
    from rongmei.monitor import services

    if analyst is None:
        return
    chief = User.objects.filter(username="reviewer3").first() or analyst
    alerts = list(Alert.objects.filter(center=center).order_by("created_at", "id"))

    def first(word: str) -> Alert | None:
        """The first negative alert about `word` (in its title or one of its items')."""
        for alert in alerts:
            if alert.kind == AlertRule.Kind.NEGATIVE and (
                    word in alert.title or alert.items.filter(title__contains=word).exists()):
                return alert
        return None

    wage, noise, flood = first("拖欠工资"), first("噪音"), first("积水")
    if wage is not None:
        services.acknowledge(alert=wage, user=analyst)
        services.assign(alert=wage, user=analyst, assignee=analyst, note="已联系县人社局核实，等待企业整改进度。")
        services.add_note(alert=wage, user=analyst, text="县人社局已约谈恒昌电子负责人，限12月10日前足额支付。")
        services.close(alert=wage, user=analyst, resolution="县人社局督办，企业承诺限期支付；本中心已刊发回应稿件，持续跟踪。")
    if noise is not None:
        services.acknowledge(alert=noise, user=analyst)
        services.assign(alert=noise, user=analyst, assignee=chief, note="请总编辑研判是否安排记者跟进。")
        services.add_note(alert=noise, user=analyst, text="已将居民投诉转县城管局，工地承诺夜间22时后停止施工。")
    if flood is not None:
        services.acknowledge(alert=flood, user=analyst)
        item = flood.items.order_by("published_at", "id").first()
        if item is not None and item.lead_id is None:
            services.send_to_newsroom(item=item, user=analyst, note="城区积水反复出现，建议做排水改造进度追踪报道。")
    for alert in (wage, noise, flood):
        if alert is not None:
            _date_handling(alert)


def _date_handling(alert: Alert) -> None:
    from rongmei.monitor.models import AlertNote

    now = timezone.now()
    step = alert.created_at + dt.timedelta(minutes=25)
    when = None
    for note in AlertNote.objects.filter(alert=alert).order_by("created_at", "id"):
        when = min(step, now - dt.timedelta(minutes=5))
        AlertNote.objects.filter(pk=note.pk).update(created_at=when)
        step += dt.timedelta(hours=3)
    alert.refresh_from_db()
    fields = {}
    if alert.acknowledged_at:
        fields["acknowledged_at"] = min(alert.created_at + dt.timedelta(minutes=25), now - dt.timedelta(minutes=5))
    if alert.closed_at and when is not None:
        fields["closed_at"] = when
    Alert.objects.filter(pk=alert.pk).update(**fields)


def _report(center: Center, analyst: User | None) -> None:
    """Yesterday's 舆情日报 as a draft the analyst can edit and send."""
    from rongmei.monitor import report

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if Report.objects.filter(center=center, kind=Report.Kind.DAILY, period_start=yesterday).exists():
        return
    report.generate(center=center, kind=Report.Kind.DAILY, day=yesterday, user=analyst)
