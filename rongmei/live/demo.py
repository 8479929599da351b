"""直播制作 demo: the streaming server configured, 18 pieces of equipment, and 68 broadcasts
over the last twelve months — the source report's count for a year — booked by clients and
government departments, each with crew, equipment, a run sheet and its checklist; the past
ones ended (most with a replay published), a few upcoming this week and next with their
checklists partly done.

Sized and shaped like the real thing but written with bulk_create (the demo loads many
times in the test suite), deterministic (seeded random; times relative to today), and no
person or camera is booked twice at overlapping times (one broadcast every few days).
Idempotent: a center that already has productions gets nothing. Only the demo center."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Department, User

PUSH_BASE = "rtmp://live.shili.example/live"
PULL_BASE = "https://live.shili.example/hls"
VOD_BASE = "https://live.shili.example/vod"

EQUIPMENT = [
    ("camera", "索尼 PXW-Z280 摄像机", "SXJ-2021-01"), ("camera", "索尼 PXW-Z280 摄像机", "SXJ-2021-02"),
    ("camera", "松下 AG-CX350 摄像机", "SXJ-2022-03"), ("camera", "松下 AG-CX350 摄像机", "SXJ-2022-04"),
    ("camera", "佳能 XF605 摄像机", "SXJ-2024-05"), ("camera", "大疆 Osmo 稳定器机位", "SXJ-2024-06"),
    ("switcher", "洋铭 HS-1600 导播切换台", "QHT-2021-01"), ("switcher", "Blackmagic ATEM Mini Extreme", "QHT-2023-02"),
    ("encoder", "Magewell Ultra Encode 编码器", "BMQ-2022-01"), ("encoder", "Kiloview E3 编码器", "BMQ-2023-02"),
    ("backpack", "TVU One 5G 背包", "5GBB-2023-01"), ("backpack", "LiveU LU300S 5G 背包", "5GBB-2024-02"),
    ("audio", "雅马哈 MG12XU 调音台", "YP-2021-01"), ("audio", "森海塞尔 EW 100 无线话筒（2 套）", "YP-2022-02"),
    ("audio", "罗德 NTG 枪式话筒", "YP-2022-03"), ("light", "爱图仕 LS 300d 灯光套装", "DG-2022-01"),
    ("light", "南光 Forza 60 便携灯", "DG-2024-02"), ("other", "大疆 Mavic 3 航拍无人机", "QT-2023-01"),
]

# kind, title pattern, place, hours, client or department (by short name), fee
SHOWS = [
    ("meeting", "县人民代表大会开幕会", "县会议中心大礼堂", 3, "dept:县政府办", None),
    ("wenzheng", "民生大问政·第{n}期", "县融媒体中心演播厅", 2, "dept:县政府办", None),
    ("tourism", "青山镇油菜花节文旅推介", "青山镇花海景区", 3, "client:示例县文化旅游发展有限公司", Decimal(8000)),
    ("commerce", "西岭村茶叶直播带货", "西岭村茶园", 3, "client:西岭茶叶专业合作社", Decimal(3000)),
    ("sports", "全县中小学生运动会", "县体育场", 4, "dept:县教育局", Decimal(5000)),
    ("event", "少儿春晚", "县文化中心剧场", 3, "client:示例县文化旅游发展有限公司", Decimal(12000)),
    ("meeting", "全县经济工作会议", "县会议中心", 2, "dept:县发改局", None),
    ("event", "农民丰收节开幕式", "县文化广场", 3, "dept:县农业农村局", Decimal(6000)),
    ("commerce", "县域好物直播节", "县电商产业园", 4, "client:示例县电子商务协会", Decimal(5000)),
    ("sports", "县篮球联赛决赛", "县全民健身中心", 3, "client:示例县体育发展中心", Decimal(3500)),
    ("tourism", "古镇非遗文化周推介", "东关古镇", 2, "client:示例县文化旅游发展有限公司", Decimal(6000)),
    ("other", "防汛应急演练", "县水利局防汛指挥中心", 2, "dept:县水利局", None),
    ("meeting", "招商引资项目签约仪式", "县会议中心", 2, "dept:县发改局", None),
    ("event", "音乐节", "滨河公园", 4, "client:示例县文化旅游发展有限公司", Decimal(15000)),
    ("other", "医保政策直播讲解", "县融媒体中心演播厅", 1, "dept:县卫健局", Decimal(2000)),
]
CLIENTS = [
    ("示例县文化旅游发展有限公司", "company", "刘晓燕", "0000-6208801"),
    ("西岭茶叶专业合作社", "organisation", "潘长青", "0000-6208802"),
    ("示例县电子商务协会", "organisation", "赵立军", "0000-6208803"),
    ("示例县体育发展中心", "company", "孙浩", "0000-6208804"),
]
SEGMENTS = [
    (0, 5, "片头与开场：主持人介绍本场直播", "主持"),
    (5, 20, "主体环节", "现场"),
    (25, 10, "现场连线与互动", "主持"),
    (35, 5, "结束语与片尾", "主持"),
]
CREW_USERS = ["director", "reporter", "editor", "operator", "proofreader", "deputy"]
CREW_ROLES = ["director", "camera", "host", "tech", "stream"]
COUNT_PAST, COUNT_UPCOMING = 63, 5
PUBLIC_PAST = 8  # past broadcasts still listed on the public live page


def load(center) -> tuple[int, int]:
    from rongmei.live.models import Production

    if center.slug != "demo":
        return 0, 0
    existing = Production.objects.filter(center=center).count()
    if existing:
        return 0, existing
    director = User.objects.filter(username="director").first()
    if director is None:
        return 0, 0
    with transaction.atomic():
        made = _load(center, director)
    from rongmei.portal import publishing

    try:
        publishing.live_changed(center)
    except OSError:  # the pages follow on the portal's five-minute refresh
        pass
    return made, 0


def _clients(center) -> dict[str, object]:
    from rongmei.ads.services import ensure_client

    return {name: ensure_client(center=center, name=name, kind=kind, contact=contact, phone=phone, note="直播客户（示例）")
            for name, kind, contact, phone in CLIENTS}


def _load(center, director) -> int:
    from rongmei.live.models import (
        CheckItem,
        CrewAssignment,
        Equipment,
        EquipmentAssignment,
        Production,
        Segment,
        StreamSettings,
        new_stream_key,
    )
    from rongmei.live.services import DEFAULT_CHECKS
    from rongmei.portal.models import LiveStream

    rng = random.Random(20261207)
    made = 0
    StreamSettings.objects.get_or_create(center=center, defaults={"push_base": PUSH_BASE, "pull_base": PULL_BASE,
                                                                  "updated_by": director})
    gear = Equipment.objects.bulk_create([Equipment(center=center, kind=k, name=n, asset_number=a)
                                          for k, n, a in EQUIPMENT if not Equipment.objects.filter(
                                              center=center, asset_number=a).exists()])
    gear = list(Equipment.objects.filter(center=center, is_active=True))
    made += len(gear) + 1
    by_kind: dict[str, list] = {}
    for g in gear:
        by_kind.setdefault(g.kind, []).append(g)
    people = [u for u in User.objects.filter(username__in=CREW_USERS, memberships__center=center).distinct()]
    people.sort(key=lambda u: CREW_USERS.index(u.username))
    clients = _clients(center)
    departments = {d.short_name: d for d in Department.objects.filter(center=center)}

    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    slots = []
    span = 360 / COUNT_PAST
    for i in range(COUNT_PAST):
        day = today - dt.timedelta(days=int(360 - i * span) + 1)
        slots.append((day.replace(hour=rng.choice([9, 10, 14, 15, 19])), False))
    soon = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3)
    slots.append((soon, True))  # later today (or tonight): its checklist half done
    for days, hour in ((1, 9), (3, 14), (6, 19), (10, 9)):
        slots.append(((today + dt.timedelta(days=days + (1 if soon.date() > today.date() else 0))).replace(hour=hour),
                      True))

    streams, productions, seen = [], [], {}
    for i, (start, upcoming) in enumerate(slots):
        kind, title, place, hours, who, fee = SHOWS[i % len(SHOWS)]
        if upcoming and start == soon:
            hours = min(hours, 3)
        seen[title] = seen.get(title, 0) + 1
        name = title.format(n=seen[title]) if "{n}" in title else title
        if "{n}" not in title and seen[title] > 1:
            name = f"{name}（第{seen[title]}场）"
        end = start + dt.timedelta(hours=hours)
        client = clients.get(who[7:]) if who.startswith("client:") else None
        department = departments.get(who[5:]) if who.startswith("dept:") else None
        stream_name = f"{rng.getrandbits(32):08x}"
        if upcoming:
            status = Production.Status.SCHEDULED
        else:
            status = Production.Status.REPLAY if i % 9 else Production.Status.ENDED
        started = start + dt.timedelta(minutes=rng.randint(0, 8)) if not upcoming else None
        ended = end - dt.timedelta(minutes=rng.randint(0, 15)) if not upcoming else None
        streams.append(LiveStream(
            center=center, title=name, summary=f"{place}，融媒体中心全程直播。", starts_at=started or start,
            ends_at=ended or end, player="video", player_url=f"{PULL_BASE}/{stream_name}.m3u8",
            replay_url=f"{VOD_BASE}/{stream_name}.mp4" if status == Production.Status.REPLAY else "",
            # the site's 往期 list keeps the recent replays; older broadcasts are taken off it (上线 unticked)
            is_active=upcoming or i >= COUNT_PAST - PUBLIC_PAST))
        productions.append(Production(
            center=center, kind=kind, client=client, department=department if client is None else None, place=place,
            contact=(client.contact if client else (department.responsible_leader if department else "")),
            contact_phone=(client.phone if client else (department.phone if department else "")), fee=fee,
            planned_start=start - dt.timedelta(minutes=30), planned_end=end, status=status, stream_name=stream_name,
            stream_key=new_stream_key(), booked_by=director, started_at=started, started_by=director if started else None,
            ended_at=ended, ended_by=director if ended else None,
            replay_at=ended + dt.timedelta(hours=2) if status == Production.Status.REPLAY else None,
            replay_by=director if status == Production.Status.REPLAY else None))
    streams = LiveStream.objects.bulk_create(streams)
    for stream, production in zip(streams, productions):
        production.stream = stream
    productions = Production.objects.bulk_create(productions)
    made += len(productions) * 2

    checks, crew, kit, segments = [], [], [], []
    for i, p in enumerate(productions):
        upcoming = p.status == Production.Status.SCHEDULED
        done_until = len(DEFAULT_CHECKS) if not upcoming else (i % 4) + 1
        for order, (label, required) in enumerate(DEFAULT_CHECKS):
            ticked = order < done_until
            checks.append(CheckItem(center=center, production=p, order=order, label=label, required=required,
                                    ticked_at=(p.planned_start - dt.timedelta(minutes=20)) if ticked and not upcoming
                                    else (now if ticked else None), ticked_by=director if ticked else None))
        team = people[:] if people else []
        rng.shuffle(team)
        for person, role in zip([director] + [u for u in team if u.pk != director.pk][:2], CREW_ROLES):
            crew.append(CrewAssignment(center=center, production=p, person=person, role=role, assigned_by=director))
        cameras = by_kind.get("camera", [])
        picks = rng.sample(cameras, k=min(2, len(cameras)))
        picks += by_kind.get("switcher", [])[:1] + rng.sample(by_kind.get("backpack", []) or [None], k=1)
        for g in [x for x in picks if x is not None]:
            kit.append(EquipmentAssignment(center=center, production=p, equipment=g, assigned_by=director))
        minutes = int((p.planned_end - p.planned_start).total_seconds() // 60)
        for offset, length, content, who in SEGMENTS:
            if offset + length <= minutes:
                segments.append(Segment(center=center, production=p, offset_minutes=offset, length_minutes=length,
                                        content=content, who=who))
    CheckItem.objects.bulk_create(checks, batch_size=500)
    CrewAssignment.objects.bulk_create(crew, batch_size=500)
    EquipmentAssignment.objects.bulk_create(kit, batch_size=500)
    Segment.objects.bulk_create(segments, batch_size=500)
    return made + len(checks) + len(crew) + len(kit) + len(segments)
