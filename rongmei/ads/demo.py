"""Demo data of 广告经营, sized like a county center's year: 40 slots of every kind, 60
clients, 120 contracts over the year with their bookings (never overlapping on a slot),
proofs of publication for the last weeks, payments, and a lamp-post campaign of 冯晓's
awaiting 何军's review. Deterministic (seeded), idempotent (a second load creates nothing),
fast (bulk_create)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from rongmei.ads import adlaw, services
from rongmei.ads.models import Booking, Client, Contract, Payment, Proof, Slot
from rongmei.core.models import User

TOWNS = ["城关镇", "河口镇", "石桥镇", "青山乡", "白沙镇", "柳林乡"]
STREETS = ["人民路", "解放路", "滨河路", "文化路", "建设路", "长安街", "新华路", "迎宾大道"]

SLOTS = (
    [("outdoor_screen", f"户外大屏·{name}", "day", "1800", place) for name, place in (
        ("中心广场", "城关镇中心广场东侧"), ("汽车站", "城关镇汽车站出站口"), ("人民医院", "城关镇人民路县人民医院对面"),
        ("步行街", "城关镇步行街北口"), ("河口商贸城", "河口镇商贸城正门"))]
    + [("lamp_post", f"灯杆道旗·{street}", "week", "3200", f"城关镇{street}（60 根）") for street in STREETS]
    + [("flagpole", f"旗杆·{name}", "week", "1500", place) for name, place in (
        ("县政府广场", "城关镇县政府广场"), ("体育中心", "城关镇体育中心"), ("高铁站", "石桥镇高铁站前广场"))]
    + [("billboard", f"广告牌·{name}", "day", "260", place) for name, place in (
        ("高速出口", "G56 示例县出口"), ("国道三岔口", "G318 石桥镇三岔口"), ("青山景区", "青山乡景区入口"),
        ("白沙大桥", "白沙镇大桥南头"), ("工业园", "城关镇工业园大门"), ("河口码头", "河口镇码头广场"))]
)
PAPER = [("第 1 版", "corner", "4800"), ("第 2 版", "half", "6000"), ("第 3 版", "full", "12000"),
         ("第 4 版", "quarter", "3200"), ("第 4 版", "strip", "2000"), ("第 8 版", "full", "9000")]
BROADCAST = [("tv", "县电视台综合频道", "19:00 新闻前", 15, "18"), ("tv", "县电视台综合频道", "19:30 新闻后", 15, "15"),
             ("tv", "县电视台综合频道", "21:00 电视剧插播", 30, "8"), ("tv", "县电视台公共频道", "12:00 午间", 15, "6"),
             ("radio", "县广播电台 FM96.8", "07:30 早间", 15, "3"), ("radio", "县广播电台 FM96.8", "12:00 午间", 15, "2"),
             ("radio", "县广播电台 FM96.8", "17:30 晚高峰", 30, "3"), ("radio", "县广播电台 FM96.8", "整点报时", 5, "4")]
APP = [("app_splash", "客户端开屏", "day", "1200"), ("app_banner", "客户端首页横幅", "week", "2500"),
       ("app_banner", "客户端本地频道横幅", "week", "1500"), ("app_banner", "客户端视频频道横幅", "week", "1200")]

CLIENT_STEMS = ["华兴", "鑫源", "恒通", "青山", "绿源", "金穗", "宏达", "佳和", "瑞丰", "永盛", "德胜", "万家", "福临",
                "康泰", "顺达", "天成", "和美", "嘉禾", "昌盛", "兴旺"]
CLIENT_TRADES = ["超市", "汽车销售服务有限公司", "房地产开发有限公司", "农业科技有限公司", "酒业有限公司"]
GOV = ["示例县文化和旅游局", "示例县卫生健康局", "示例县市场监督管理局", "示例县农业农村局", "示例县交通运输局",
       "示例县人民医院", "示例县中医院", "示例县职业中学", "示例县消防救援大队", "示例县税务局"]
AD_TITLES = ["新春促销", "周年庆", "开业大酬宾", "惠民活动", "健康义诊", "安全宣传", "文明城市创建", "农产品展销",
             "楼盘开盘", "新品上市", "消费季", "招生简章", "防诈骗宣传", "乡村旅游节", "年货节"]
LAMP_CAMPAIGN = "城关镇迎新春灯杆道旗宣传"
JOURNEY_FREE_SLOT = "灯杆道旗·迎宾大道"   # left empty: the browser journey books it


def _demo_png() -> str:
    """One small picture every demo proof points at (stored once)."""
    name = "ads/demo/proof.png"
    if not default_storage.exists(name):
        # a 1×1 grey PNG
        data = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                             "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082")
        default_storage.save(name, ContentFile(data))
    return name


def _slots(center) -> list[Slot]:
    rows = []
    for kind, name, unit, price, address in SLOTS:
        town = address[:3] if address[:3] in TOWNS else ""
        rows.append(Slot(center=center, kind=kind, name=name, unit=unit, list_price=Decimal(price), address=address,
                         township=town))
    for page, size, price in PAPER:
        label = dict(Slot.Size.choices)[size]
        rows.append(Slot(center=center, kind="newspaper", name=f"示例县报·{page}{label}", unit="insertion",
                         list_price=Decimal(price), page=page, size=size))
    for kind, channel, time_slot, seconds, price in BROADCAST:
        short = "电视" if kind == "tv" else "广播"
        rows.append(Slot(center=center, kind=kind, name=f"{short}·{channel[-4:]}·{time_slot}", unit="second",
                         list_price=Decimal(price), channel=channel, time_slot=time_slot, seconds=seconds))
    for kind, name, unit, price in APP:
        rows.append(Slot(center=center, kind=kind, name=name, unit=unit, list_price=Decimal(price)))
    return Slot.objects.bulk_create(rows)


def _clients(center, rnd, sellers) -> list[Client]:
    names = [f"示例县{stem}{trade}" for stem in CLIENT_STEMS for trade in CLIENT_TRADES]
    rnd.shuffle(names)
    rows = [Client(center=center, name=name, kind="government" if "局" in name or "院" in name else "company",
                   contact=rnd.choice("王李张刘陈杨赵黄周吴") + rnd.choice(["经理", "主任", "女士", "先生"]),
                   phone=f"138{rnd.randrange(10**7, 10**8)}", address=f"{rnd.choice(TOWNS)}{rnd.choice(STREETS)}{rnd.randrange(1, 300)}号",
                   salesperson=rnd.choice(sellers))
            for name in names[:50]]
    rows += [Client(center=center, name=name, kind="government", contact="办公室", phone=f"0771-{rnd.randrange(1000000, 9999999)}",
                    salesperson=sellers[0]) for name in GOV]
    return Client.objects.bulk_create(rows)


def load(center) -> tuple[int, int]:
    existing = Slot.objects.filter(center=center).count()
    if existing:
        return 0, existing
    users = {u.username: u for u in User.objects.filter(username__in=["adsales", "business"])}
    sales, boss = users.get("adsales"), users.get("business")
    if sales is None or boss is None:
        return 0, 0
    rnd = random.Random(18)
    today = timezone.localdate()
    year = today.year
    slots = _slots(center)
    clients = _clients(center, rnd, [sales, sales, boss])
    busy: dict[int, set[int]] = {s.pk: set() for s in slots}
    free_slot = next(s for s in slots if s.name == JOURNEY_FREE_SLOT)
    contracts, planned = [], []
    for n in range(120):
        client = clients[n % len(clients)] if n < 60 else rnd.choice(clients)
        start = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randrange(0, 330))
        end = min(dt.date(year, 12, 31), start + dt.timedelta(days=rnd.choice([30, 45, 60, 90])))
        discount = rnd.choice([Decimal(1), Decimal("0.9"), Decimal("0.85"), Decimal("0.8")])
        person = client.salesperson or sales
        status = Contract.Status.SIGNED if start <= today + dt.timedelta(days=20) else rnd.choice(
            [Contract.Status.DRAFT, Contract.Status.SIGNED])
        if end < today - dt.timedelta(days=20) and rnd.random() < 0.7:
            status = Contract.Status.FINISHED
        contract = Contract(center=center, client=client, number=f"GG{year}-{n + 1:03d}",
                            title=f"{client.name[3:11]}{rnd.choice(AD_TITLES)}广告", amount=Decimal(0), discount=discount,
                            start=start, end=end, salesperson=person, status=status,
                            signed_on=start - dt.timedelta(days=rnd.randrange(1, 10)) if status != "draft" else None,
                            created_by=person)
        contracts.append(contract)
        for _ in range(rnd.choice([1, 1, 2, 2, 3])):
            slot = rnd.choice(slots)
            if slot.pk == free_slot.pk:
                continue
            length = {"day": rnd.choice([3, 5, 7, 10]), "week": rnd.choice([7, 14, 21])}.get(slot.unit, rnd.choice([5, 10, 20]))
            b_start = start + dt.timedelta(days=rnd.randrange(0, max(1, (end - start).days - length)))
            b_end = min(end, b_start + dt.timedelta(days=length - 1))
            days = {d for d in range(b_start.toordinal(), b_end.toordinal() + 1)}
            if days & busy[slot.pk]:
                continue
            busy[slot.pk] |= days
            quantity = 1 if slot.unit in ("day", "week") else rnd.choice([3, 5, 10, 20])
            planned.append((len(contracts) - 1, slot, b_start, b_end, quantity))
    Contract.objects.bulk_create(contracts)
    bookings, totals = [], {}
    reviewed_at = timezone.now() - dt.timedelta(days=1)
    for index, slot, b_start, b_end, quantity in planned:
        contract = contracts[index]
        units, amount = services.price(slot, b_start, b_end, quantity, contract.discount)
        title = f"{contract.client.name[3:]}{rnd.choice(AD_TITLES)}"
        approved = contract.status != Contract.Status.DRAFT and (b_start <= today + dt.timedelta(days=3) or rnd.random() < 0.6)
        bookings.append(Booking(
            center=center, contract=contract, slot=slot, start=b_start, end=b_end, quantity=quantity, units=units,
            list_price=slot.list_price, discount=contract.discount, amount=amount, title=title[:100],
            text=f"{title}，欢迎广大市民垂询。地址：{contract.client.address or '示例县城关镇'}。",
            status=Booking.Status.APPROVED if approved else Booking.Status.PENDING, created_by=sales,
            reviewed_by=boss if approved else None, reviewed_at=reviewed_at if approved else None))
        totals[index] = totals.get(index, Decimal(0)) + amount
    # the lamp-post campaign awaiting review (冯晓 booked it; 何军 reviews it)
    campaign_client = next(c for c in clients if c.name == "示例县文化和旅游局")
    camp_start = today + dt.timedelta(days=10)
    campaign = Contract(center=center, client=campaign_client, number=f"GG{year}-DL01", title=LAMP_CAMPAIGN,
                        amount=Decimal("60000.00"), discount=Decimal("0.9"), start=today - dt.timedelta(days=5),
                        end=today + dt.timedelta(days=120), salesperson=sales, status=Contract.Status.SIGNED,
                        signed_on=today - dt.timedelta(days=5), created_by=sales)
    campaign.save()
    lamp_slots = [s for s in slots if s.kind == "lamp_post" and s.pk != free_slot.pk][:3]
    for slot in lamp_slots:
        taken = {d for d in range(camp_start.toordinal(), camp_start.toordinal() + 14)} & busy[slot.pk]
        if taken:
            bookings = [b for b in bookings if not (b.slot.pk == slot.pk and b.start <= camp_start + dt.timedelta(days=13)
                                                    and b.end >= camp_start)]
        units, amount = services.price(slot, camp_start, camp_start + dt.timedelta(days=13), 1, campaign.discount)
        bookings.append(Booking(center=center, contract=campaign, slot=slot, start=camp_start,
                                end=camp_start + dt.timedelta(days=13), quantity=1, units=units, list_price=slot.list_price,
                                discount=campaign.discount, amount=amount, title="欢乐过大年 文明迎新春",
                                text="示例县文化和旅游局提醒您：文明过节，安全出行，欢迎游客来示例县过大年。",
                                status=Booking.Status.PENDING, created_by=sales))
    # amounts: what was booked, rounded up to the thousand, with some room left on a few
    for index, contract in enumerate(contracts):
        booked = sum((b.amount for b in bookings if b.contract is contract), Decimal(0))
        room = Decimal(rnd.choice([0, 0, 0, 2000, 5000]))
        contract.amount = ((booked + room) / 1000).to_integral_value(rounding="ROUND_CEILING") * 1000 or Decimal(1000)
    Contract.objects.bulk_update(contracts, ["amount"], batch_size=200)
    for b in bookings:
        b.contract_id = b.contract.pk
        b.findings = [h.as_dict(b.text) for h in adlaw.find(b.text, "text")]
    bookings = Booking.objects.bulk_create(bookings, batch_size=500)
    # proofs for the last four weeks of approved bookings (today's left for the box to show)
    picture = _demo_png()
    proofs = []
    for b in bookings:
        if b.status != Booking.Status.APPROVED:
            continue
        for offset in range(1, 29):
            day = today - dt.timedelta(days=offset)
            if b.start <= day <= b.end and rnd.random() < 0.92:
                proofs.append(Proof(booking=b, run_on=day, file=picture, note="现场照片", uploaded_by=sales))
    Proof.objects.bulk_create(proofs, batch_size=1000)
    # payments: paid up for most finished contracts, part of the running ones
    payments = []
    for n, contract in enumerate(contracts):
        if contract.status == Contract.Status.DRAFT or contract.start > today:
            continue
        share = Decimal(1) if contract.status == Contract.Status.FINISHED and rnd.random() < 0.85 else \
            Decimal(rnd.choice(["0", "0.3", "0.5", "0.5"]))
        amount = (contract.amount * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if amount > 0:
            paid_on = min(today, contract.start + dt.timedelta(days=rnd.randrange(5, 40)))
            payments.append(Payment(center=center, contract=contract, amount=amount, paid_on=paid_on,
                                    method=rnd.choice(Payment.Method.values), receipt_no=f"SK{year}{n + 1:04d}",
                                    recorded_by=sales))
    Payment.objects.bulk_create(payments)
    created = len(slots) + len(clients) + len(contracts) + 1 + len(bookings) + len(proofs) + len(payments)
    return created, 0
