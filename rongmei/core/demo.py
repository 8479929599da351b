"""Demo data: a fictional county center with its people, and a small neighbour to show
isolation. Loading twice changes nothing: rows are only created when missing.

Other rooms add their demo content with `register(loader)`; a loader receives the demo
center and returns (created, existing) counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from rongmei.core import services
from rongmei.core.models import Area, Center, Department, Membership, OrgUnit, User
from rongmei.core.permissions import PLATFORM_ADMIN_LABEL, ROLES

DEMO_PASSWORD = "rongmei-demo"
DEMO_SLUG = "demo"
NEIGHBOUR_SLUG = "linxian"
PROVINCE_SLUG = "sheng"
CITY_SLUG = "shi"

# The province platform above the two counties (一省一平台, three tiers like 赣鄱云): the
# province's own center, the city's, then 示例县 and 邻县. Their chief editors log in too.
UPPER_PEOPLE = [
    (PROVINCE_SLUG, "sheng", "唐宁", "省级平台 · 总编辑"),
    (CITY_SLUG, "shi", "白洁", "市级中心 · 总编辑"),
]

ORG_UNITS = [
    ("总编室", "统筹指挥调度、签发与考核"),
    ("融媒编发部", "稿件编辑、多元生成与分发"),
    ("媒体采集部", "新闻采访、拍摄与素材采集"),
    ("品牌运维部", "客户端、微信、微博与账号矩阵运营"),
    ("用户运维部", "网络问政、爆料受理与便民服务"),
    ("技术保障部", "播出、网络与系统保障"),
    ("经营发展部", "广告经营、活动运营与直播承接"),
    ("有线网络分公司", "有线电视营业厅、客服热线与维修"),
]

DEPARTMENTS = [
    ("示例县人民政府办公室", "县政府办", "钱志远", "0000-6201001"),
    ("示例县发展和改革局", "县发改局", "孙建国", "0000-6201002"),
    ("示例县教育局", "县教育局", "周文华", "0000-6201003"),
    ("示例县公安局", "县公安局", "吴振东", "0000-6201004"),
    ("示例县民政局", "县民政局", "郑秀梅", "0000-6201005"),
    ("示例县人力资源和社会保障局", "县人社局", "冯立新", "0000-6201006"),
    ("示例县自然资源局", "县自然资源局", "陈国平", "0000-6201007"),
    ("示例县住房和城乡建设局", "县住建局", "褚明", "0000-6201008"),
    ("示例县交通运输局", "县交通局", "卫红", "0000-6201009"),
    ("示例县农业农村局", "县农业农村局", "蒋德胜", "0000-6201010"),
    ("示例县卫生健康局", "县卫健局", "沈丽娟", "0000-6201011"),
    ("示例县市场监督管理局", "县市场监管局", "韩涛", "0000-6201012"),
    ("示例县城市管理局", "县城管局", "杨光", "0000-6201013"),
    ("示例县水利局", "县水利局", "朱海波", "0000-6201014"),
]

AREAS = [
    ("城关镇", "township", ["东门社区", "西街社区", "南湖社区", "北关村"]),
    ("青山镇", "township", ["青山村", "石桥村", "竹林村", "上坪村"]),
    ("白沙乡", "township", ["白沙村", "河口村", "杏花村"]),
    ("东湖镇", "township", ["东湖村", "渔港村", "新塘村", "莲花社区"]),
    ("西岭乡", "township", ["西岭村", "云雾村", "茶园村"]),
    ("滨江街道", "subdistrict", ["滨江社区", "江南社区", "望江社区"]),
]

# username, name, roles in demo, org unit, department (liaison), roles in neighbour, platform admin
PEOPLE = [
    ("admin", "系统管理员", ["center_admin"], "技术保障部", None, ["center_admin"], True),
    ("reporter", "王磊", ["reporter"], "媒体采集部", None, [], False),
    ("editor", "李娜", ["editor"], "融媒编发部", None, ["editor"], False),
    ("reviewer1", "张伟", ["reviewer1"], "融媒编发部", None, [], False),
    ("reviewer2", "刘洋", ["reviewer2"], "融媒编发部", None, [], False),
    ("reviewer3", "陈静", ["reviewer3", "chief_editor"], "总编室", None, [], False),
    ("deputy", "郑凯", ["deputy_chief"], "总编室", None, [], False),
    ("proofreader", "杨帆", ["proofreader"], "融媒编发部", None, [], False),
    ("operator", "赵敏", ["operator"], "品牌运维部", None, [], False),
    ("analyst", "黄勇", ["analyst"], "品牌运维部", None, [], False),
    ("coordinator", "周婷", ["coordinator"], "用户运维部", None, [], False),
    ("liaison", "吴刚", ["liaison"], None, "示例县住房和城乡建设局", [], False),
    ("appraiser", "孙丽", ["appraiser"], "总编室", None, [], False),
    ("hr", "钱芳", ["hr"], "总编室", None, [], False),
    ("adsales", "冯晓", ["ad_sales"], "经营发展部", None, [], False),
    ("business", "何军", ["business_manager"], "经营发展部", None, [], False),
    ("events", "许娟", ["event_manager"], "经营发展部", None, [], False),
    ("director", "邓超", ["live_director"], "经营发展部", None, [], False),
    ("cableclerk", "孔燕", ["cable_clerk"], "有线网络分公司", None, [], False),
    ("cableagent", "彭丽", ["cable_agent"], "有线网络分公司", None, [], False),
    ("technician", "吕强", ["cable_technician"], "有线网络分公司", None, [], False),
    ("cablemanager", "苏建华", ["cable_manager"], "有线网络分公司", None, [], False),
]

_loaders: list[Callable[[Center], tuple[int, int]]] = []


def register(loader: Callable[[Center], tuple[int, int]]) -> None:
    if loader not in _loaders:
        _loaders.append(loader)


class _Tally:
    def __init__(self):
        self.created = 0
        self.existing = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.existing += 1


def _center(tally: _Tally, slug: str, name: str, region: str, *, level: str = Center.Level.COUNTY,
            parent: Center | None = None) -> Center:
    center = Center.objects.filter(slug=slug).first()
    tally.count(center is None)
    center = center or services.create_center(name=name, slug=slug, region=region)
    if (center.level, center.parent_id) != (level, parent.pk if parent else None):
        center.level, center.parent = level, parent
        center.save(update_fields=["level", "parent"])
    return center


def _organisation(tally: _Tally, center: Center, units, departments, areas) -> None:
    for order, (name, description) in enumerate(units):
        _, created = OrgUnit.objects.get_or_create(center=center, name=name, defaults={"description": description, "order": order})
        tally.count(created)
    for order, (name, short, leader, phone) in enumerate(departments):
        _, created = Department.objects.get_or_create(
            center=center, name=name, defaults={"short_name": short, "responsible_leader": leader, "phone": phone, "order": order}
        )
        tally.count(created)
    for name, kind, children in areas:
        parent, created = Area.objects.get_or_create(center=center, parent=None, name=name, defaults={"kind": kind})
        tally.count(created)
        for child in children:
            child_kind = Area.Kind.COMMUNITY if child.endswith("社区") else Area.Kind.VILLAGE
            _, created = Area.objects.get_or_create(center=center, parent=parent, name=child, defaults={"kind": child_kind})
            tally.count(created)


def _person(tally: _Tally, center: Center, username: str, name: str, roles: list[str], unit: str | None, department: str | None) -> User:
    org_unit = OrgUnit.objects.filter(center=center, name=unit).first() if unit else None
    dept = Department.objects.filter(center=center, name=department).first() if department else None
    user = User.objects.filter(username=username).first()
    if user is None:
        tally.count(True)
        return services.create_person(center=center, username=username, display_name=name, password=DEMO_PASSWORD,
                                      roles=roles, actor=None, org_unit=org_unit, department=dept, is_demo=True)
    tally.count(False)
    for role in roles:
        _, created = Membership.objects.get_or_create(
            user=user, center=center, role=role,
            defaults={"org_unit": org_unit, "department": dept if ROLES[role].needs_department else None},
        )
        if created:
            tally.created += 1
    return user


@transaction.atomic
def _drop_history_messages(since) -> None:
    """The loaders replay weeks of newsroom history (reviews, assignments, alerts) through the
    real services, whose notifications would then go out to the sandbox's WeCom and Feishu
    fakes by the hundred the moment `rongmei serve` starts. Those are not live events: the
    bell keeps them, the outbox forgets the ones not sent yet."""
    from rongmei.core.models import MessageDelivery

    MessageDelivery.objects.filter(created_at__gte=since, status__in=[MessageDelivery.Status.PENDING,
                                                                        MessageDelivery.Status.HELD]).delete()


def load_demo() -> dict:
    tally = _Tally()
    demo = _center(tally, DEMO_SLUG, "示例县融媒体中心", "示例省示例市示例县")
    _organisation(tally, demo, ORG_UNITS, DEPARTMENTS, AREAS)
    neighbour = _center(tally, NEIGHBOUR_SLUG, "邻县融媒体中心", "示例省示例市邻县")
    # Made after the counties, so the demo county stays the first center (a platform admin's
    # first workplace), then the tree is tied.
    province = _center(tally, PROVINCE_SLUG, "示例省融媒云平台", "示例省", level=Center.Level.PROVINCE)
    city = _center(tally, CITY_SLUG, "示例市融媒体中心", "示例省示例市", level=Center.Level.CITY, parent=province)
    demo = _center(tally, DEMO_SLUG, demo.name, demo.region, parent=city)
    neighbour = _center(tally, NEIGHBOUR_SLUG, neighbour.name, neighbour.region, parent=city)
    _organisation(
        tally, neighbour,
        [("融媒编发部", "编辑与分发"), ("媒体采集部", "采访与拍摄")],
        [("邻县人民政府办公室", "邻县政府办", "许文", "0000-7201001"), ("邻县交通运输局", "邻县交通局", "何平", "0000-7201002"),
         ("邻县教育局", "邻县教育局", "吕静", "0000-7201003")],
        [("临江镇", "township", ["临江村", "下湾村"])],
    )

    logins = []
    for username, name, roles, unit, department, neighbour_roles, platform_admin in PEOPLE:
        user = _person(tally, demo, username, name, roles, unit, department)
        if neighbour_roles:
            _person(tally, neighbour, username, name, neighbour_roles, None, None)
        if platform_admin and not user.is_superuser:
            user.is_superuser = True
            user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        labels = [ROLES[r].label for r in roles] + ([PLATFORM_ADMIN_LABEL] if platform_admin else [])
        if neighbour_roles:
            labels.append("（兼邻县）")
        logins.append((username, f"{name} · {'、'.join(labels)}"))
    _person(tally, neighbour, "lx_reporter", "马超", ["reporter"], "媒体采集部", None)
    logins.append(("lx_reporter", "马超 · 记者（邻县融媒体中心）"))
    for slug, username, name, label in UPPER_PEOPLE:
        upper = province if slug == PROVINCE_SLUG else city
        _organisation(tally, upper, [("总编室", "统筹指挥调度与签发")], [], [])
        _person(tally, upper, username, name, ["chief_editor"], "总编室", None)
        logins.append((username, f"{name} · {label}"))

    loading_since = timezone.now()
    for loader in _loaders:
        created, existing = loader(demo)
        tally.created += created
        tally.existing += existing
    _drop_history_messages(loading_since)
    return {"created": tally.created, "existing": tally.existing, "logins": logins}
