"""有线网络 demo, sized like a county network scaled down about 1:30 from the report
(158,565 subscribers; 168,186 counter transactions, 47,686 hotline calls and 19,476 repair
orders a year): 5,000 subscribers across the demo's townships and villages, their set-top
boxes and some in stock, and a year of counter transactions, calls and work orders in the
report's proportions. A few orders are open for the technician (吕强), one of them past
its deadline (the scheduler escalates it), some consultations wait for a call back, and
the clerk has done a few transactions today.

Written with plain multi-row INSERTs (the demo loads at every test session: the ORM's
per-row work would take seconds for 20,000 rows) and
deterministic (a seeded random); idempotent: once the center has packages it does nothing.
Only the demo center gets it. History is written as rows, not through the services (a
year of audit events and notifications would be noise); today's state is consistent with
it (every stopped or closed account has its 停机/销户 record, each box has one user)."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from rongmei.cable.models import (
    Call,
    Definition,
    DeskSettings,
    Device,
    Package,
    Subscriber,
    Transaction,
    WorkOrder,
)
from rongmei.cable.services import add_months
from rongmei.core.models import Area, User

SUBSCRIBERS = 5000
# A year scaled from the report (10 months: 2,242 new accounts, 5,223 swaps, 168,186
# transactions, 47,686 calls, 19,476 orders) to 5,000 of its 158,565 subscribers.
SCALE = SUBSCRIBERS / 158565 * 12 / 10
NEW_ACCOUNTS = round(2242 * SCALE)      # ≈ 85
SWAPS = round(5223 * SCALE)             # ≈ 198
TRANSACTIONS = round(168186 * SCALE)    # ≈ 6,364
CALLS = round(47686 * SCALE)            # ≈ 1,805
ORDERS = round(19476 * SCALE)           # ≈ 737
BATCH = 1000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明丽英芳秀兰军平红玉桂珍志强伟敏静霞海涛勇燕杰春梅林云峰德福荣凤琴秋菊金花文斌宝山长发永庆新民小红"
STREETS = ["幸福路", "人民路", "解放街", "新华路", "建设路", "滨江路", "文化街", "胜利路", "和平巷", "工农路"]
FAULTS = ["无信号，电视显示“信号中断”", "部分频道马赛克、卡顿", "机顶盒无法开机", "遥控器失灵，机顶盒面板无反应",
          "高清频道黑屏，标清正常", "入户线被施工挖断", "图像有雪花，伴音正常", "机顶盒提示“智能卡未插入”",
          "雷雨后整栋楼无信号", "机顶盒反复重启"]
CONSULTS = ["咨询缴费标准和网上缴费方式", "咨询高清套餐价格和换机顶盒手续", "咨询停机保号怎么办理", "咨询新房开户需要带什么材料",
            "咨询本月节目单和教育频道", "咨询电视回看功能怎么用", "咨询过户手续", "咨询宽带与电视融合套餐"]
RESULTS = ["更换入户分支器，信号恢复", "重新设置机顶盒，频道搜索后正常", "更换机顶盒电源适配器", "接续入户线，信号恢复",
           "更换故障机顶盒（同型号）", "清洁智能卡触点后恢复"]
KIND_SHARE = [(Transaction.Kind.PAYMENT, 0.88), (Transaction.Kind.PACKAGE, 0.04), (Transaction.Kind.STOP, 0.015),
              (Transaction.Kind.RESUME, 0.012)]


def _user(username: str):
    return User.objects.filter(username=username).first()


def load(center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    existing = Package.objects.filter(center=center).count()
    if existing:
        return 0, existing
    clerk, agent, technician, manager = (_user(u) for u in ("cableclerk", "cableagent", "technician", "cablemanager"))
    if clerk is None or agent is None or technician is None:
        return 0, 0
    with transaction.atomic():
        return _load(center, clerk, agent, technician, manager or clerk), 0


class _Sub:
    __slots__ = ("account", "i", "opened_on", "package", "paid_until", "phone", "pk", "status", "township_id")

    def __init__(self, **kw):
        for k, v in kw.items():
            setattr(self, k, v)


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT the rows as they are (values already in database form: ints for foreign keys)."""
    if not rows:
        return
    meta, qn = model._meta, connection.ops.quote_name
    cols = ", ".join(qn(meta.get_field(c).column) for c in columns)
    sql = f"INSERT INTO {qn(meta.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[i:i + 2000])


def _load(center, clerk, agent, technician, manager) -> int:
    rng = random.Random(18)
    tz = zoneinfo.ZoneInfo(center.timezone)
    now = timezone.now()
    today = now.astimezone(tz).date()
    at = connection.ops.adapt_datetimefield_value
    day_value = connection.ops.adapt_datefield_value
    made = 0

    towns = list(Area.objects.filter(center=center, parent__isnull=True).order_by("pk"))
    villages: dict[int, list[Area]] = {}
    for a in Area.objects.filter(center=center, parent__isnull=False).order_by("pk"):
        villages.setdefault(a.parent_id, []).append(a)
    if not towns:
        return 0
    desk, _ = DeskSettings.objects.get_or_create(center=center)
    urban = [t for t in towns if t.name.startswith("城关")] or towns[:1]
    desk.urban_townships.set(urban)
    urban_ids = {t.pk for t in urban}

    packages = Package.objects.bulk_create([
        Package(center=center, name="标清基本套餐", monthly_fee=Decimal("22.00"), definition=Definition.SD,
                channels="中央、省、市、县台共 56 套标清频道"),
        Package(center=center, name="高清基本套餐", monthly_fee=Decimal("28.00"), definition=Definition.HD,
                channels="标清基本频道 + 32 套高清频道、回看 7 天"),
        Package(center=center, name="高清全家福", monthly_fee=Decimal("45.00"), definition=Definition.HD,
                channels="高清基本 + 少儿、影视、体育付费频道"),
        Package(center=center, name="农村低保优惠套餐", monthly_fee=Decimal("12.00"), definition=Definition.SD,
                channels="标清基本频道（低保户、五保户）"),
    ])
    made += len(packages)
    sd_basic, hd_basic, hd_family, sd_low = packages

    def moment(day: dt.date) -> dt.datetime:
        minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
        return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, rng.randint(0, 59), tzinfo=tz)

    def past_day(max_days: int, min_days: int = 0) -> dt.date:
        return today - dt.timedelta(days=rng.randint(min_days, max_days))

    # --- subscribers -------------------------------------------------------------------------
    cum, total = [], 0.0
    for t in towns:
        total += 3.0 if t.pk in urban_ids else 1.0
        cum.append(total)
    subs: list[_Sub] = []
    rows = []
    recent = set(rng.sample(range(SUBSCRIBERS), NEW_ACCOUNTS))
    stamp = at(now)
    for i in range(SUBSCRIBERS):
        town = rng.choices(towns, cum_weights=cum)[0]
        vil = rng.choice(villages[town.pk]) if villages.get(town.pk) else None
        hd = rng.random() < (0.7 if town.pk in urban_ids else 0.45)
        package = (hd_family if rng.random() < 0.25 else hd_basic) if hd else (sd_low if rng.random() < 0.12 else sd_basic)
        opened = past_day(364, 1) if i in recent else past_day(15 * 365, 366)
        paid = add_months(today, rng.randint(1, 12)) if rng.random() < 0.93 else today - dt.timedelta(days=rng.randint(5, 90))
        status = Subscriber.Status.ACTIVE
        roll = rng.random()
        if i not in recent and roll < 0.012:
            status = Subscriber.Status.CLOSED
        elif roll < 0.045:
            status = Subscriber.Status.STOPPED
        s = _Sub(i=i, pk=None, account=f"YX{i + 1:07d}", township_id=town.pk, package=package, status=status, opened_on=opened,
                 paid_until=paid, phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}")
        subs.append(s)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        address = (f"{rng.choice(STREETS)}{rng.randint(1, 199)}号" if town.pk in urban_ids
                   else f"{rng.randint(1, 12)}组{rng.randint(1, 80)}号")
        id_tail = f"{rng.randint(0, 999):03d}{rng.choice('0123456789X')}" if rng.random() < 0.6 else ""
        rows.append((center.pk, s.account, name, s.phone, id_tail, town.pk, vil.pk if vil else None, address, package.pk,
                     status, day_value(paid), day_value(opened), 1, stamp, stamp))
    _insert(Subscriber, ["center", "account", "name", "phone", "id_tail", "township", "village", "address", "package",
                         "status", "paid_until", "opened_on", "version", "created_at", "updated_at"], rows)
    ids = dict(Subscriber.objects.filter(center=center).values_list("account", "pk"))
    for s in subs:
        s.pk = ids[s.account]
    made += len(subs)

    # --- set-top boxes -------------------------------------------------------------------------
    rows = []
    box_serial: dict[int, str] = {}

    def box(definition, status=Device.Status.STOCK, sub=None, when=None):
        prefix = "HD" if definition == Definition.HD else "SD"
        model = rng.choice(["创维 HC2910", "九联 UNT400", "华为 Q21"]) if definition == Definition.HD else rng.choice(
            ["同洲 N8606", "九洲 DVC-2018"])
        serial = f"{prefix}{2020000001 + len(rows)}"
        rows.append((center.pk, serial, model, definition, status, sub.pk if sub else None, at(when) if when else None))
        if sub is not None:
            box_serial.setdefault(sub.pk, serial)

    for s in subs:
        if s.status == Subscriber.Status.CLOSED:
            continue
        when = dt.datetime.combine(s.opened_on, dt.time(10), tzinfo=tz)
        box(s.package.definition, Device.Status.IN_USE, s, when)
        if rng.random() < 0.08:
            box(s.package.definition, Device.Status.IN_USE, s, when)
    for definition, count in ((Definition.HD, 160), (Definition.SD, 60)):
        for _ in range(count):
            box(definition)
    for _ in range(15):
        box(Definition.SD, Device.Status.FAULTY)
    for _ in range(8):
        box(Definition.SD, Device.Status.SCRAPPED)
    _insert(Device, ["center", "serial", "model", "definition", "status", "subscriber", "assigned_at"], rows)
    made += len(rows)
    device_ids = dict(Device.objects.filter(center=center).values_list("serial", "pk"))
    box_of = {sub_pk: device_ids[serial] for sub_pk, serial in box_serial.items()}
    stock_sd = [device_ids[r[1]] for r in rows if r[4] == Device.Status.STOCK and r[3] == Definition.SD]

    # --- a year of counter transactions ----------------------------------------------------------------
    rows = []
    counter = [clerk.pk, clerk.pk, clerk.pk, manager.pk]
    tx_columns = ["center", "subscriber", "kind", "amount", "months", "old_package", "new_package", "old_device", "new_device",
                  "paid_until", "note", "done_by", "done_at"]

    def tx(sub, kind, day, *, amount=Decimal(0), months=0, old_package=None, new_package=None, old_device=None,
           new_device=None, paid_until=None, note="", by=None, when=None):
        rows.append((center.pk, sub.pk, kind, amount, months, old_package, new_package, old_device, new_device,
                     day_value(paid_until) if paid_until else None, note, by or rng.choice(counter), at(when or moment(day))))

    active = [s for s in subs if s.status == Subscriber.Status.ACTIVE]
    payments: dict[int, list] = {}
    year_ago = today - dt.timedelta(days=365)
    for s in subs:
        if s.opened_on >= year_ago:
            tx(s, Transaction.Kind.OPEN, s.opened_on, amount=s.package.monthly_fee * 12, months=12, new_package=s.package.pk,
               new_device=box_of.get(s.pk), paid_until=add_months(s.opened_on, 12))
        if s.status == Subscriber.Status.STOPPED:
            tx(s, Transaction.Kind.STOP, max(past_day(300), s.opened_on),
               note=rng.choice(["外出务工，申请停机", "欠费停机", "房屋出租，暂停收看"]))
        elif s.status == Subscriber.Status.CLOSED:
            tx(s, Transaction.Kind.CLOSE, max(past_day(360), s.opened_on), note=rng.choice(["搬迁", "改用其他方式收看", "房屋拆迁"]))
    swapped = rng.sample([s for s in active if s.package.definition == Definition.HD and s.pk in box_of], SWAPS)
    for s in swapped:  # SD → HD over the year: the SD box they had went back to stock (then on to others)
        tx(s, Transaction.Kind.SWAP, past_day(364, 1), old_device=rng.choice(stock_sd) if stock_sd else None,
           new_device=box_of[s.pk], note="标清换高清")
    for _ in range(TRANSACTIONS - len(rows)):
        roll, acc = rng.random(), 0.0
        kind = Transaction.Kind.PAYMENT
        for k, share in KIND_SHARE:
            acc += share
            if roll < acc:
                kind = k
                break
        s = rng.choice(active)
        day = past_day(364, 1)
        if kind == Transaction.Kind.PACKAGE:
            other = hd_family if s.package == hd_basic else hd_basic if s.package.definition == Definition.HD else (
                sd_basic if s.package == sd_low else sd_low)
            tx(s, kind, day, old_package=other.pk, new_package=s.package.pk)
        elif kind == Transaction.Kind.STOP:  # stopped and later resumed: in service today
            tx(s, Transaction.Kind.STOP, day, note="外出务工，申请停机")
            back = min(day + dt.timedelta(days=rng.randint(10, 120)), today - dt.timedelta(days=1))
            tx(s, Transaction.Kind.RESUME, max(back, day), note="返乡复机")
        else:
            payments.setdefault(s.pk, []).append((day, rng.choice((1, 3, 6, 12, 12, 12)), None, None))
    for s in rng.sample(active, 6):  # today's counter work, for the clerk's box
        payments.setdefault(s.pk, []).append((today, 12, clerk.pk, now - dt.timedelta(minutes=rng.randint(5, 180))))
    # Each subscriber's payments in order: paid-until runs on from the one before (or from the
    # day of payment if it had lapsed), and the account's paid-until is where the last left it.
    by_pk = {s.pk: s for s in subs}
    moved = []
    for pk, items in payments.items():
        s = by_pk[pk]
        items.sort(key=lambda item: item[0])
        paid = add_months(items[0][0], -rng.randint(0, 2))
        for day, months, by, when in items:
            paid = add_months(max(paid, day), months)
            tx(s, Transaction.Kind.PAYMENT, day, amount=s.package.monthly_fee * months, months=months, paid_until=paid,
               by=by, when=when)
        s.paid_until = paid
        moved.append((day_value(paid), pk))
    _insert(Transaction, tx_columns, rows)
    with connection.cursor() as cursor:
        qn = connection.ops.quote_name
        cursor.executemany(f"UPDATE {qn(Subscriber._meta.db_table)} SET {qn('paid_until')} = %s WHERE {qn('id')} = %s", moved)
    made += len(rows)

    # --- hotline calls and work orders ------------------------------------------------------------------
    in_service = [s for s in subs if s.status != Subscriber.Status.CLOSED]
    rows = []
    plan = []  # (subscriber, taken_at, fault?) in insertion order
    faults = set(rng.sample(range(CALLS), ORDERS))
    call_columns = ["center", "kind", "subscriber", "caller_phone", "notes", "is_open", "answer", "taken_by", "taken_at",
                    "closed_at"]
    for i in range(CALLS):
        s = rng.choice(in_service)
        when = moment(past_day(364, 4))
        if i in faults:
            notes = rng.choice(FAULTS)
            rows.append((center.pk, Call.Kind.FAULT, s.pk, s.phone, notes, False, "", agent.pk, at(when), None))
            plan.append((s, when, notes))
        else:
            rows.append((center.pk, Call.Kind.CONSULT, s.pk, s.phone, rng.choice(CONSULTS), False, "已当场答复", agent.pk,
                         at(when), at(when + dt.timedelta(minutes=rng.randint(2, 9)))))
    for _ in range(4):  # consultations waiting for a call back
        s = rng.choice(in_service)
        rows.append((center.pk, Call.Kind.CONSULT, s.pk, s.phone, "咨询高清互动点播业务，需营业厅核实后回电", True, "", agent.pk,
                     at(now - dt.timedelta(hours=rng.randint(1, 30))), None))
    for hours_ago in (70, 20, 9, 5, 3, 1):  # fault calls still being worked on
        s = rng.choice(in_service)
        notes = rng.choice(FAULTS)
        when = now - dt.timedelta(hours=hours_ago, minutes=rng.randint(0, 40))
        rows.append((center.pk, Call.Kind.FAULT, s.pk, s.phone, notes, False, "", agent.pk, at(when), None))
        plan.append((s, when, notes))
    _insert(Call, call_columns, rows)
    made += len(rows)
    fault_ids = list(Call.objects.filter(center=center, kind=Call.Kind.FAULT).order_by("pk").values_list("pk", flat=True))

    rows = []
    for call_id, (s, taken, notes) in zip(fault_ids, plan, strict=True):
        hours = desk.urban_hours if s.township_id in urban_ids else desk.rural_hours
        dispatched = taken + dt.timedelta(minutes=rng.randint(2, 15))
        due = dispatched + dt.timedelta(hours=hours)
        status, on_site, finished, result, escalated = WorkOrder.Status.DISPATCHED, None, None, "", None
        satisfaction, note, confirmed, confirmed_by = "", "", None, None
        if taken < now - dt.timedelta(days=3):  # the year's history: finished
            roll = rng.random()
            on_site = dispatched + dt.timedelta(hours=rng.uniform(0.5, hours * 0.6))
            if roll < 0.9:
                status = WorkOrder.Status.FIXED
                finished = min(on_site + dt.timedelta(hours=rng.uniform(0.3, 3)), due - dt.timedelta(minutes=5))
            elif roll < 0.97:
                status, finished = WorkOrder.Status.FIXED, due + dt.timedelta(hours=rng.uniform(1, 30))
                escalated = due + dt.timedelta(minutes=10)
            else:
                status, finished = WorkOrder.Status.NOT_FIXED, on_site + dt.timedelta(hours=1)
            result = rng.choice(RESULTS) if status == WorkOrder.Status.FIXED else "主干线路故障，已报网络部抢修"
            on_site = min(on_site, finished)
            if finished < now - dt.timedelta(days=7) or rng.random() < 0.5:  # called back within days
                satisfaction = WorkOrder.Satisfaction.SATISFIED if rng.random() < 0.94 else WorkOrder.Satisfaction.UNSATISFIED
                note = "" if satisfaction == WorkOrder.Satisfaction.SATISFIED else "上门太慢"
                confirmed, confirmed_by = finished + dt.timedelta(hours=2), agent.pk
        elif taken < now - dt.timedelta(hours=60):  # the overdue one: past its deadline, not escalated yet
            due = min(due, now - dt.timedelta(hours=2))
        elif taken < now - dt.timedelta(hours=6):
            status, on_site = WorkOrder.Status.ON_SITE, dispatched + dt.timedelta(hours=1)
        rows.append((center.pk, s.pk, call_id, notes, technician.pk, status, agent.pk, at(dispatched), hours, at(due),
                     at(on_site) if on_site else None, at(finished) if finished else None, result,
                     at(escalated) if escalated else None, satisfaction, note, at(confirmed) if confirmed else None,
                     confirmed_by, 1))
    _insert(WorkOrder, ["center", "subscriber", "call", "fault", "technician", "status", "dispatched_by", "dispatched_at",
                        "deadline_hours", "due_at", "on_site_at", "finished_at", "result", "escalated_at", "satisfaction",
                        "confirmation_note", "confirmed_at", "confirmed_by", "version"], rows)
    made += len(rows)
    return made
