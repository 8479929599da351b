"""Province demo: 邻县 (linxian), the demo county's neighbour under the same city, gets a
modest 问政 record and a small account matrix through the real services, so the city's and
the province's 下级中心统计 compares two counties that both did something. Idempotent; fast
(a handful of cases, two accounts)."""

from __future__ import annotations

from rongmei.core.models import Center, Department, Membership, User

LIAISON = ("lx_liaison", "许文", "邻县人民政府办公室")
CASES = [
    ("complain", "临江镇下湾村路口路灯不亮", "下湾村村口路灯坏了一个多月，晚上出行不安全，请尽快修复。", "临江镇下湾村", True),
    ("consult", "邻县城区学校秋季转学手续", "孩子从外地转回邻县读书，需要准备哪些材料？在哪里办理？", "邻县城区", True),
    ("suggest", "建议增开临江镇到县城的早班车", "临江镇到县城第一班车七点才发，上班上学的人赶不上，建议增开六点半班次。", "临江镇", False),
]
REPLY = "您好，您反映的问题已收悉并交由相关股室办理，我们将于三个工作日内处理完毕并回复。感谢您对邻县工作的关心。"


def _liaison(center: Center) -> tuple[User | None, Department | None, int]:
    from rongmei.core import services as core_services
    from rongmei.core.demo import DEMO_PASSWORD

    username, name, department_name = LIAISON
    department = Department.objects.filter(center=center, name=department_name).first()
    if department is None:
        return None, None, 0
    m = Membership.objects.filter(center=center, role="liaison", department=department).select_related("user").first()
    if m is not None:
        return m.user, department, 0
    if User.objects.filter(username=username).exists():
        return None, department, 0
    user = core_services.create_person(center=center, username=username, display_name=name, password=DEMO_PASSWORD,
                                       roles=["liaison"], actor=None, department=department, is_demo=True)
    return user, department, 1


def _cases(center: Center, coordinator: User) -> tuple[int, int]:
    from rongmei.inquiry import services
    from rongmei.inquiry.models import Case
    from rongmei.inquiry.services import Submission

    liaison, department, made = _liaison(center)
    if department is None:
        return made, 0
    created = existing = 0
    for index, (kind, title, text, address, answered) in enumerate(CASES):
        if Case.objects.filter(center=center, title=title).exists():
            existing += 1
            continue
        case = services.submit(center=center, sub=Submission(
            kind=kind, title=title, text=text, address=address, phone=f"1380000{index:04d}", name="", show_name=False,
            source="web"))
        case = services.accept(case=case, user=coordinator, departments=[department])
        if answered and liaison is not None:
            answer = services.reply(case=case, user=liaison, text=REPLY, confirm_flags=True)
            services.approve_reply(reply_obj=answer, user=coordinator)
        created += 1
    return created + made, existing


def _accounts(center: Center) -> tuple[int, int]:
    from rongmei.distribution import services
    from rongmei.distribution.models import ChannelAccount

    created = existing = 0
    for kind, name in (("own_site", "邻县融媒网站"), ("wechat", "邻县发布")):
        if ChannelAccount.objects.filter(center=center, name=name).exists():
            existing += 1
            continue
        services.create_account(center=center, user=None, kind=kind, name=name)
        created += 1
    return created, existing


def load(center: Center) -> tuple[int, int]:
    from rongmei.core.demo import NEIGHBOUR_SLUG

    neighbour = Center.objects.filter(slug=NEIGHBOUR_SLUG).first()
    coordinator = User.objects.filter(username="admin", is_superuser=True).first()
    if neighbour is None or coordinator is None:
        return 0, 0
    made_cases, had_cases = _cases(neighbour, coordinator)
    made_accounts, had_accounts = _accounts(neighbour)
    return made_cases + made_accounts, had_cases + had_accounts
