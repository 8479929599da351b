"""Distribution demo data: the own site, a sandbox WeChat and Weibo account, six village
accounts in a group (each run by its village's clerk) and a department's account run by its
liaison, all publishing to the local fake platforms (RONGMEI_SANDBOX=1 starts
them with `rongmei serve`), so pressing 一键发布 makes real HTTP deliveries; a TV programme
for the rundown and a village account without an API whose clerk posts by hand."""

from __future__ import annotations

from django.conf import settings

from rongmei.core.models import Area, Center, Department, Membership, User
from rongmei.distribution import services
from rongmei.distribution.models import AccountGroup, ChannelAccount


def _account(center, kind, name, **fields) -> tuple[ChannelAccount, bool]:
    existing = ChannelAccount.objects.filter(center=center, kind=kind, name=name).first()
    if existing:
        return existing, False
    return services.create_account(center=center, user=None, kind=kind, name=name, **fields), True


# The villages (and communities) that run an account, each by its own clerk (村社通讯员,
# a login of their own: they post by hand where there is no API and answer for a quiet
# account). Invented names; every other village simply has no account yet.
VILLAGE_CLERKS = [
    ("青山村", "cun_qingshan", "梁春生"), ("石桥村", "cun_shiqiao", "宋玉兰"), ("竹林村", "cun_zhulin", "唐志强"),
    ("上坪村", "cun_shangping", "邓卫东"), ("云雾村", "cun_yunwu", "袁小芬"), ("茶园村", "cun_chayuan", "蔡正权"),
    ("西岭村", "cun_xiling", "潘长青"),
]
HAND_VILLAGE = "西岭村"  # its account has no API: the clerk posts by hand


def _clerk(center: Center, username: str, name: str) -> User | None:
    """The village's clerk: a demo login (role 记者, as county centers register their 通讯员)."""
    from rongmei.core import services as core_services
    from rongmei.core.demo import DEMO_PASSWORD

    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    return core_services.create_person(center=center, username=username, display_name=name, password=DEMO_PASSWORD,
                                       roles=["reporter"], actor=None, is_demo=True)


def load(center: Center) -> tuple[int, int]:
    operator = User.objects.filter(username="operator").first()
    leader = User.objects.filter(username="reviewer3").first()
    wechat, weibo = settings.RONGMEI_SANDBOX_WECHAT_URL, settings.RONGMEI_SANDBOX_WEIBO_URL
    made = [
        _account(center, "own_site", "示例县融媒网站与客户端", responsible=operator),
        _account(center, "wechat", "示例县融媒（公众号·沙箱）", base_url=wechat, options={"appid": "wx-demo-center"},
                 secret="secret-wx-demo-center", responsible=operator, leader=leader),
        _account(center, "weibo", "@示例县发布（微博·沙箱）", base_url=weibo, secret="token-demo-center",
                 responsible=operator, leader=leader),
    ]
    group, _ = AccountGroup.objects.get_or_create(center=center, name="全部村社号")
    areas = {a.name: a for a in Area.objects.filter(center=center).exclude(parent=None)}
    for number, (village, username, name) in enumerate(VILLAGE_CLERKS, 1):
        area, clerk = areas.get(village), _clerk(center, username, name)
        if area is None or clerk is None or village == HAND_VILLAGE:
            continue
        account, created = _account(center, "wechat", f"{village}公众号", base_url=wechat,
                                    options={"appid": f"wx-village-{number:02d}"}, secret=f"secret-wx-village-{number:02d}",
                                    owner="village", area=area, responsible=clerk, leader=leader)
        made.append((account, created))
        group.accounts.add(account)
    # A department's own account, run by that department's liaison.
    department = Department.objects.filter(center=center, name="示例县住房和城乡建设局").first()
    liaison = Membership.objects.filter(center=center, role="liaison", department=department).select_related("user").first()
    if department is not None and liaison is not None:
        made.append(_account(center, "wechat", f"{department.short_name or department.name}公众号", base_url=wechat,
                             options={"appid": "wx-dept-zhujian"}, secret="secret-wx-dept-zhujian", owner="department",
                             department=department, responsible=liaison.user, leader=leader))
    # A programme for the broadcast rundown and a village account without an API (hand work):
    # its clerk posts by hand and confirms.
    made.append(_account(center, "broadcast", "县电视台·示例新闻联播", responsible=operator,
                         options={"program": "示例新闻联播", "slot_start": "18:30", "slot_seconds": 600}))
    hand = next((row for row in VILLAGE_CLERKS if row[0] == HAND_VILLAGE), None)
    clerk = _clerk(center, hand[1], hand[2]) if hand else None
    made.append(_account(center, "assisted", "西岭村微信群公众号（人工代发）", owner="village",
                         area=areas.get(HAND_VILLAGE), responsible=clerk or operator, leader=leader))
    made.append(_signed_notice(center))
    made.append(_webhook(center))
    made.extend(_video_and_province_accounts(center, operator, leader))  # -- 17:PV --
    created = sum(1 for _, c in made if c)
    return created, len(made) - created


NOTICE = {
    "key": "water_outage_notice", "kicker": "", "subheadline": "", "summary": "",
    "headline": "关于城区部分路段临时停水的通告",
    "body_html": ("<p>因城区供水管网改造施工，12月10日8时至18时，人民路（中山路至解放路段）、"
                  "建设街及沿线小区将临时停水。请沿线居民和单位提前做好储水准备，施工期间注意用水安全。"
                  "恢复供水初期水质可能浑浊，放水片刻即可正常使用。咨询电话：0000-1234567。</p>"
                  "<p>特此通告。</p>"),
    "column": "bianmin", "tags": ["停水通告"], "location": "示例县城关镇", "source": "示例县融媒体中心",
    "author": "editor", "bylines": [("editor", "李娜", "editor", 100)], "images": [], "days_ago": 0,
}


def _signed_notice(center: Center) -> tuple[object, bool]:
    """A text-only 通告, signed off for the site, WeChat and Weibo and not yet published: it
    goes to WeChat with the 便民服务 column's default cover (一键分发 shows the pre-flight)."""
    from rongmei.newsroom import demo as newsroom_demo
    from rongmei.newsroom.models import Story
    from rongmei.review import engine
    from rongmei.review.models import Review

    existing = Story.objects.filter(center=center, headline=NOTICE["headline"]).first()
    columns = newsroom_demo.demo_columns(center)
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    if existing is not None or "bianmin" not in columns or "editor" not in users:
        return existing, False
    story, _ = newsroom_demo.create_demo_story(center, NOTICE, users, columns, "ready")
    review = engine.submit(story=story, user=users["editor"], channels=["web", "wechat", "weibo"])
    for _ in range(len(review.steps)):
        step = review.steps[review.current_step]
        signer = next((u for u in User.objects.filter(memberships__center=center, memberships__role=step["role"],
                                                     is_active=True).exclude(pk=users["editor"].pk).distinct()), None)
        if signer is None:
            break
        review = engine.approve(review=review, user=signer, seen_hash=review.content_hash, reason="",
                                override_blocking=True)
        if review.status == Review.Status.SIGNED_OFF:
            break
    return story, True


def _webhook(center: Center) -> tuple[object, bool]:
    """A disabled endpoint on this machine (nothing is sent anywhere) with one failed test
    delivery, so the Webhook screen shows what an endpoint and its log look like."""
    import datetime as dt
    import uuid

    from django.utils import timezone

    from rongmei.core import events
    from rongmei.distribution import secrets, webhooks
    from rongmei.distribution.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint

    name = "示例接收方（本机，已停用）"
    existing = WebhookEndpoint.objects.filter(center=center, name=name).first()
    if existing:
        return existing, False
    endpoint = WebhookEndpoint.objects.create(
        center=center, name=name, url="http://127.0.0.1:9/rongmei-webhook", kinds=list(events.KINDS),
        secret=secrets.encrypt(webhooks.new_secret()), is_active=False,
        created_by=User.objects.filter(username="admin").first())
    now = timezone.now()
    key = f"wh_{uuid.uuid4().hex}"
    message = OutboxMessage.objects.create(
        webhook=endpoint, action=OutboxMessage.Action.WEBHOOK, event=events.PING, idempotency_key=key,
        status=OutboxMessage.Status.DEAD, attempts=1, max_attempts=webhooks.MAX_ATTEMPTS, available_at=now,
        done_at=now, last_error="接收地址已停用，未发送。",
        payload=webhooks.envelope(center, events.PING, {"message": "这是一条测试事件。"}, key, uuid.uuid4().hex, now))
    DeliveryAttempt.objects.create(message=message, worker="demo", started_at=now - dt.timedelta(seconds=1),
                                   finished_at=now, outcome="fail", detail="接收地址已停用，未发送。")
    return endpoint, True


# -- 17:PV -- 抖音 and 快手 sandbox accounts (the fakes `rongmei serve` starts beside WeChat's),
# 视频号 and 学习强国 accounts posted by hand, and the province's platform (its fake receiver).
def _sandbox_url(kind: str) -> str:
    from rongmei.distribution.fakes.server import SANDBOX_OFFSETS

    return f"http://127.0.0.1:{settings.CONFIG.sandbox_port + SANDBOX_OFFSETS[kind]}"


def _video_and_province_accounts(center: Center, operator, leader) -> list[tuple[ChannelAccount, bool]]:
    import json

    made = [
        _account(center, "douyin", "示例县融媒（抖音·沙箱）", base_url=_sandbox_url("douyin"),
                 options={"client_key": "aw-demo-center", "open_id": "demo-douyin"},
                 secret=json.dumps({"client_secret": "secret-aw-demo-center", "access_token": "act.demo-douyin",
                                    "refresh_token": "rft.demo-douyin"}),
                 responsible=operator, leader=leader),
        _account(center, "kuaishou", "示例县融媒（快手·沙箱）", base_url=_sandbox_url("kuaishou"),
                 options={"app_id": "ks-demo-center", "open_id": "demo-kuaishou"},
                 secret=json.dumps({"app_secret": "secret-ks-demo-center", "access_token": "at-demo-kuaishou",
                                    "refresh_token": "rt-demo-kuaishou"}),
                 responsible=operator, leader=leader),
    ]
    if operator is not None:
        made.append(_account(center, "channels", "示例县融媒视频号（人工代发）", responsible=operator, leader=leader))
        made.append(_account(center, "xuexi", "示例县融媒强国号（人工代发）", responsible=operator, leader=leader))
    made.append(_account(center, "province", "省级技术平台（沙箱）", base_url=f"{_sandbox_url('province')}/ninjs",
                         secret="demo-province-shared-key", responsible=operator, leader=leader))
    return made
