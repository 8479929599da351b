"""Demo data for notifications: the demo center's 企业微信 and 钉钉 applications and a desk's
飞书 robot, all pointing at the sandbox fakes `rongmei serve` starts (RONGMEI_SANDBOX=1),
and the reporter's and editor's userids, so an assignment made in the demo shows up on the
fake WeCom (GET http://127.0.0.1:8907/__fake__/wecom/messages). Idempotent."""

from __future__ import annotations

from django.conf import settings

from rongmei.core.messaging import secrets
from rongmei.core.models import Center, MessageChannel, OrgUnit, PersonChannel, User

# Offsets of the messaging fakes from the sandbox's first port (rongmei.distribution.fakes.server
# SANDBOX_OFFSETS, which core may not import): wecom +6, dingtalk +7, feishu +8.
OFFSETS = {"wecom": 6, "dingtalk": 7, "feishu": 8}
# The sandbox fakes start with these (see each fake's ``start``).
SANDBOX_WECOM = ("ww-sandbox", "1000002", "secret-ww-sandbox")
SANDBOX_DINGTALK = ("ding-sandbox", "3001002", "secret-ding-sandbox")
PEOPLE = {"reporter": ("wanglei", "ding-wanglei"), "editor": ("lina", "ding-lina"), "reviewer1": ("zhangwei", "ding-zhangwei")}


def sandbox_url(kind: str) -> str:
    return f"http://127.0.0.1:{settings.CONFIG.sandbox_port + OFFSETS[kind]}"


def load(center: Center) -> tuple[int, int]:
    if center.slug != "demo":
        return 0, 0
    created = existing = 0

    def channel(name: str, kind: str, **fields) -> None:
        nonlocal created, existing
        _row, made = MessageChannel.objects.get_or_create(center=center, name=name, defaults={"kind": kind, **fields})
        created, existing = created + made, existing + (not made)

    channel("企业微信·融媒工作台（沙箱）", "wecom_app", app_id=SANDBOX_WECOM[0], agent_id=SANDBOX_WECOM[1],
            secret=secrets.encrypt(SANDBOX_WECOM[2]), base_url=sandbox_url("wecom"))
    channel("钉钉·融媒工作通知（沙箱）", "dingtalk_app", app_id=SANDBOX_DINGTALK[0], agent_id=SANDBOX_DINGTALK[1],
            secret=secrets.encrypt(SANDBOX_DINGTALK[2]), base_url=sandbox_url("dingtalk"), is_active=False)
    desk = OrgUnit.objects.filter(center=center, name="融媒编发部").first()
    channel("编发部飞书群（沙箱）", "feishu_robot", org_unit=desk, events=["review_pending", "publish_failed", "handoff"],
            webhook_url=f"{sandbox_url('feishu')}/open-apis/bot/v2/hook/sandbox")
    for username, (wecom, ding) in PEOPLE.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        _row, made = PersonChannel.objects.get_or_create(center=center, user=user,
                                                         defaults={"wecom_userid": wecom, "dingtalk_userid": ding})
        created, existing = created + made, existing + (not made)
    return created, existing
