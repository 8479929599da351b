"""Distribution demo data: the own site, a sandbox WeChat and Weibo account, and 30 village
accounts in a group, all publishing to the local fake platforms (RONGMEI_SANDBOX=1 starts
them with `rongmei serve`), so pressing 一键发布 makes real HTTP deliveries; a TV programme
for the rundown and a village account without an API whose clerk posts by hand."""

from __future__ import annotations

from django.conf import settings

from rongmei.core.models import Area, Center, User
from rongmei.distribution import services
from rongmei.distribution.models import AccountGroup, ChannelAccount


def _account(center, kind, name, **fields) -> tuple[ChannelAccount, bool]:
    existing = ChannelAccount.objects.filter(center=center, kind=kind, name=name).first()
    if existing:
        return existing, False
    return services.create_account(center=center, user=None, kind=kind, name=name, **fields), True


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
    villages = list(Area.objects.filter(center=center).exclude(parent=None).order_by("id"))
    for i in range(30):
        area = villages[i % len(villages)] if villages else None
        name = f"{area.name if area else '村社'}公众号" + (f"{i // len(villages) + 1}" if villages and i >= len(villages) else "")
        account, created = _account(center, "wechat", name, base_url=wechat, options={"appid": f"wx-village-{i + 1:02d}"},
                                    secret=f"secret-wx-village-{i + 1:02d}", owner="village", area=area,
                                    responsible=operator, leader=leader)
        made.append((account, created))
        group.accounts.add(account)
    # A programme for the broadcast rundown and a village account without an API (hand work).
    made.append(_account(center, "broadcast", "县电视台·示例新闻联播", responsible=operator,
                         options={"program": "示例新闻联播", "slot_start": "18:30", "slot_seconds": 600}))
    clerk = User.objects.filter(username="reporter").first()
    made.append(_account(center, "assisted", "西岭村微信群公众号（人工代发）", owner="village",
                         area=villages[-1] if villages else None, responsible=clerk or operator, leader=leader))
    created = sum(1 for _, c in made if c)
    return created, len(made) - created
