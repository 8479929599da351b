"""活动运营 demo: the year's events of a county center — the children's spring gala, four
民生大问政 TV shows, an investment fair, the summer music festival, the farmers' harvest
festival, a fun run, a New Year goods fair, and a village basketball invitational called off
for the weather — with budgets (expense and income lines), what was actually paid and
received, tasks for 许娟, 何军 and 邓超 (done for past events, open with due dates for the
coming ones), a budget raise with its reason, and the coming 民生大问政 tied to a coverage plan
in the newsroom with a topic under it.

Dates are in the current year; an event's status follows from today (ended, running,
planned). Rows go in with bulk_create (a few hundred at most), the plan through planning's
service. Idempotent: once the spring gala exists the loader does nothing. Only the demo center."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import User
from rongmei.events.models import BudgetChange, BudgetLine, Entry, Event, Task

FIRST = "少儿春节联欢晚会"

CLIENTS = {
    "edu": ("示例县教育局", "government"),
    "culture": ("示例县文化和旅游局", "government"),
    "agri": ("示例县农业农村局", "government"),
    "sport": ("示例县体育事业发展中心", "government"),
    "bank": ("示例县农村商业银行", "company"),
    "commerce": ("示例县商务局", "government"),
}

# (name, kind, (month, day), days, venue, client, manager, description,
#  expense lines [(name, planned)], income lines [(name, planned)])
EVENTS = [
    (FIRST, "gala", (1, 24), 1, "县文化中心大剧院", "edu", "events",
     "全县中小学、幼儿园选送节目，电视、客户端同步直播，春节期间重播。",
     [("舞台搭建与灯光音响", 68000), ("节目排练与服装道具", 32000), ("直播与转播", 18000), ("宣传物料", 6000)],
     [("县教育局专项经费", 90000), ("冠名赞助", 40000)]),
    ("民生大问政（第一期）", "forum", (3, 26), 1, "县融媒体中心一号演播厅", "culture", "director",
     "住建、交通部门负责人现场接受群众代表和网民提问，电视直播、客户端同步互动。",
     [("演播厅布置", 12000), ("嘉宾与群众代表交通餐费", 4000), ("直播技术保障", 8000)],
     [("县委办专项经费", 25000)]),
    ("春季招商引资推介会", "expo", (5, 18), 2, "县会展中心", "commerce", "business",
     "面向长三角客商的推介会，设展位 40 个，现场签约仪式。",
     [("展位搭建", 85000), ("会务接待", 30000), ("宣传片制作", 20000), ("媒体邀请", 10000)],
     [("县商务局委托经费", 150000)]),
    ("民生大问政（第二期）", "forum", (6, 25), 1, "县融媒体中心一号演播厅", "culture", "director",
     "教育、卫健部门负责人现场回应群众关切。",
     [("演播厅布置", 12000), ("嘉宾与群众代表交通餐费", 4000), ("直播技术保障", 8000)],
     [("县委办专项经费", 25000)]),
    ("滨河夏季音乐节", "festival", (8, 8), 3, "滨河公园音乐广场", "bank", "events",
     "三晚演出，本地乐队与省内歌手同台，夜市同步开放，网络直播。",
     [("舞台与音响租赁", 120000), ("演出劳务", 95000), ("安保与医疗", 26000), ("宣传推广", 18000),
      ("夜市场地布置", 15000)],
     [("冠名赞助", 150000), ("门票收入", 80000), ("摊位费", 30000)]),
    ("民生大问政（第三期）", "forum", (9, 17), 1, "县融媒体中心一号演播厅", "culture", "director",
     "农业农村、水利部门负责人现场接受提问。",
     [("演播厅布置", 12000), ("嘉宾与群众代表交通餐费", 4000), ("直播技术保障", 8000)],
     [("县委办专项经费", 25000)]),
    ("中国农民丰收节示例县庆祝活动", "festival", (9, 23), 1, "城关镇新河村文化广场", "agri", "events",
     "农产品展销、农耕体验和文艺演出，直播带货两场。",
     [("场地布置", 36000), ("文艺演出", 28000), ("直播带货", 12000)],
     [("县农业农村局专项经费", 70000), ("展销摊位费", 8000)]),
    ("全民健身环城跑", "contest", (10, 18), 1, "县体育场至滨河公园", "sport", "business",
     "5 公里和 10 公里两个组别，约 1500 人参赛，全程直播。",
     [("赛道与计时服务", 45000), ("参赛包与奖牌", 38000), ("安保与医疗", 20000), ("直播", 15000)],
     [("县体育事业发展中心经费", 60000), ("报名费", 45000), ("赞助", 20000)]),
    ("乡村篮球邀请赛", "contest", (11, 8), 2, "南岭乡中心小学篮球场", "sport", "business",
     "因连日降雨场地无法使用，经主办方商定取消，改在明年春季举办。",
     [("场地与裁判", 15000)], []),
    ("民生大问政（第四期）", "forum", (12, 17), 1, "县融媒体中心一号演播厅", "culture", "director",
     "年终特别节目：人社、市场监管、城管部门负责人现场回应群众关切，网民通过客户端提问。",
     [("演播厅布置", 12000), ("嘉宾与群众代表交通餐费", 4000), ("直播技术保障", 8000)],
     [("县委办专项经费", 25000)]),
    ("新春年货节", "expo", (12, 26), 4, "县城步行街", "commerce", "events",
     "本地特产展销和直播带货，迎接春节。",
     [("展棚搭建", 48000), ("直播带货", 16000), ("宣传推广", 9000)],
     [("摊位费", 36000), ("县商务局补贴", 30000)]),
]

# tasks per kind: (title, days before the start, owner key)
TASKS = {
    "gala": [("确定节目单并报审", 30, "events"), ("舞台灯光音响招标", 25, "business"), ("彩排两次", 3, "events"),
             ("直播信号测试", 1, "director")],
    "forum": [("确定到场部门和负责人", 14, "events"), ("征集网民问题", 10, "events"), ("演播厅布置与灯光", 2, "director"),
              ("直播信号测试", 1, "director"), ("节目后问题交办跟踪", -3, "events")],
    "expo": [("展位招商", 30, "business"), ("展棚搭建验收", 2, "events"), ("开幕仪式流程", 5, "events")],
    "festival": [("演出阵容确定", 40, "events"), ("安保方案报公安审批", 20, "business"), ("冠名赞助合同", 30, "business"),
                 ("现场直播方案", 7, "director")],
    "contest": [("赛事报名系统上线", 30, "business"), ("赛道踏勘", 14, "events"), ("参赛包采购", 10, "business"),
                ("直播机位安排", 3, "director")],
}

PAYEES = ["示例县星光舞台工程有限公司", "示例县广告传媒有限公司", "示例县天成印务", "示例县安保服务公司",
          "示例县人民医院", "省音响器材租赁中心", "示例县餐饮服务中心", "示例县出租车公司"]


def _status(start: dt.date, end: dt.date, today: dt.date) -> str:
    if end < today:
        return Event.Status.DONE
    if start <= today:
        return Event.Status.RUNNING
    return Event.Status.PLANNING


def _clients(center) -> dict:
    from rongmei.ads.services import ensure_client

    return {key: ensure_client(center=center, name=name, kind=kind, note="活动运营示例数据")
            for key, (name, kind) in CLIENTS.items()}


def load(center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    if Event.objects.filter(center=center, name=FIRST).exists():
        return 0, 1
    people = {u.username: u for u in User.objects.filter(username__in=["events", "business", "director", "editor"])}
    if not {"events", "business", "director"} <= set(people):
        return 0, 0
    with transaction.atomic():
        return _load(center, people), 0


def _load(center, people: dict) -> int:
    rng = random.Random(18)
    today = timezone.localdate()
    year = today.year
    clients = _clients(center)
    creator = people["events"]
    events = []
    for name, kind, (month, day), days, venue, client, manager, description, _e, _i in EVENTS:
        start = dt.date(year, month, day)
        end = start + dt.timedelta(days=days - 1)
        status = Event.Status.CANCELLED if "取消" in description else _status(start, end, today)
        events.append(Event(center=center, name=name, kind=kind, starts_on=start, ends_on=end, venue=venue,
                            client=clients[client], manager=people[manager], status=status, description=description,
                            created_by=creator))
    Event.objects.bulk_create(events)

    lines, entries, tasks, changes = [], [], [], []
    planned_entries: list[tuple[int, list]] = []
    # the first event still to come has one line nearly spent (the 工作台 box shows lines over 90 %)
    upcoming = next((e for e in events if e.status in (Event.Status.PLANNING, Event.Status.RUNNING)), None)
    for event, spec in zip(events, EVENTS):
        expense_lines, income_lines = spec[8], spec[9]
        progress = _progress(event, today)
        for direction, specs in ((BudgetLine.Direction.EXPENSE, expense_lines), (BudgetLine.Direction.INCOME, income_lines)):
            for line_name, planned in specs:
                planned = Decimal(planned)
                items = _entries(rng, event, direction, planned, progress, today)
                if event is upcoming and direction == BudgetLine.Direction.EXPENSE and line_name == expense_lines[0][0]:
                    items = [(today - dt.timedelta(days=3), PAYEES[0], (planned * Decimal("0.95")).quantize(Decimal(1)))]
                actual = sum((amount for _d, _p, amount in items), Decimal(0))
                line = BudgetLine(center=center, event=event, direction=direction, name=line_name, planned=planned,
                                  actual=actual)
                lines.append(line)
                planned_entries.append((len(lines) - 1, items))
        for title, before, owner in TASKS.get(event.kind, []):
            due = event.starts_on - dt.timedelta(days=before)
            if event.status == Event.Status.CANCELLED:
                continue
            state = Task.Status.DONE if due < today - dt.timedelta(days=2) else (
                Task.Status.DOING if due <= today + dt.timedelta(days=7) else Task.Status.TODO)
            tasks.append(Task(center=center, event=event, title=title, owner=people[owner], due_on=due, status=state,
                              done_at=timezone.now() if state == Task.Status.DONE else None, created_by=creator))
    # the music festival's stage went over its first budget: raised, with the reason, before the last payment
    BudgetLine.objects.bulk_create(lines)
    for index, items in planned_entries:
        line = lines[index]
        for date, party, amount in items:
            entries.append(Entry(center=center, line=line, date=date, party=party, amount=amount,
                                 note="", created_by=people["events"]))
    Entry.objects.bulk_create(entries, batch_size=500)
    Task.objects.bulk_create(tasks)
    festival = next(e for e in events if e.kind == "festival")
    stage = next(x for x in lines if x.event_id == festival.pk and x.name == "舞台与音响租赁")
    if stage.actual > 0:
        raised = stage.planned + Decimal(12000)
        changes.append(BudgetChange(center=center, line=stage, old_amount=stage.planned, new_amount=raised,
                                    reason="增加一组返送音箱和备用发电机（演出方技术要求）", changed_by=people["events"]))
        BudgetLine.objects.filter(pk=stage.pk).update(planned=raised, version=2)
    BudgetChange.objects.bulk_create(changes)
    made = len(events) + len(lines) + len(entries) + len(tasks) + len(changes)
    made += _plan(center, people, events, today)
    return made


def _progress(event: Event, today: dt.date) -> float:
    """How much of an event's money has moved: all of it once ended, a part before."""
    if event.status == Event.Status.CANCELLED:
        return 0.0
    if event.status == Event.Status.DONE:
        return 1.0
    days = (event.starts_on - today).days
    return 0.0 if days > 60 else (0.5 if days > 14 else 0.8)


def _entries(rng: random.Random, event: Event, direction: str, planned: Decimal, progress: float,
             today: dt.date) -> list[tuple[dt.date, str, Decimal]]:
    if progress == 0 or planned == 0:
        return []
    share = Decimal(str(progress)) * Decimal(rng.choice(["0.86", "0.92", "0.95", "0.98", "1.00"]))
    if direction == BudgetLine.Direction.INCOME:
        share = Decimal(str(progress)) * Decimal(rng.choice(["0.9", "1.0", "1.0", "1.05"]))
    total = (planned * share).quantize(Decimal(1))
    parts = rng.choice([1, 2, 2, 3])
    out = []
    left = total
    for i in range(parts):
        amount = left if i == parts - 1 else (total / parts).quantize(Decimal(1))
        left -= amount
        date = min(today, event.starts_on - dt.timedelta(days=rng.randint(0, 20)) + dt.timedelta(days=i * 5))
        party = rng.choice(PAYEES) if direction == BudgetLine.Direction.EXPENSE else (event.client.name if event.client
                                                                                    else "赞助单位")
        if amount > 0:
            out.append((date, party, amount))
    return out


def _plan(center, people: dict, events: list, today: dt.date) -> int:
    """The next 民生大问政 still to come gets a coverage plan, through planning's services."""
    from rongmei.planning import services as planning_services

    coming = [e for e in events if e.kind == "forum" and e.ends_on >= today]
    event = coming[0] if coming else [e for e in events if e.kind == "forum"][-1]
    editor = people.get("editor") or people["events"]
    plan = planning_services.create_plan(
        center=center, user=editor, title=f"{event.name}宣传报道",
        description="节目前预热、直播当天图文快讯、节后问题交办跟踪报道。",
        starts_on=event.starts_on - dt.timedelta(days=10), ends_on=event.ends_on + dt.timedelta(days=14))
    planning_services.propose_topic(center=center, user=editor, title=f"{event.name}：网民问题征集", plan=plan,
                                    description="客户端开设问题征集入口，整理群众最关心的问题。",
                                    planned_for=event.starts_on - dt.timedelta(days=7))
    planning_services.propose_topic(center=center, user=editor, title=f"{event.name}：节后交办件跟踪", plan=plan,
                                    description="对节目中交办的问题逐件回访，刊发整改情况。",
                                    planned_for=event.ends_on + dt.timedelta(days=10))
    Event.objects.filter(pk=event.pk).update(plan=plan)
    return 3
