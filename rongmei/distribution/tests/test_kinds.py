"""Every account kind is in the matrix: an adapter, the form's help, the board's words, the
outlet 传播效果 counts it under, and a staleness rule (久未更新) of its own."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from rongmei.analytics.models import Outlet
from rongmei.analytics.outlets import outlet_for_account
from rongmei.core.models import Notification, User
from rongmei.distribution import health, selectors, services
from rongmei.distribution.adapters import adapter_for
from rongmei.distribution.forms import KIND_HELP
from rongmei.distribution.models import ChannelAccount
from rongmei.distribution.services import CHANNEL_FOR_KIND

KINDS = ChannelAccount.Kind.values
NEW = ("douyin", "kuaishou", "channels", "toutiao", "xuexi", "province")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_an_adapter_help_and_words(kind):
    assert callable(adapter_for(kind).deliver)
    assert kind in KIND_HELP and KIND_HELP[kind][0]
    assert kind in CHANNEL_FOR_KIND
    assert kind in selectors._SHORT_KIND and kind in selectors._TAKEDOWN_WHAT
    assert kind in selectors.STALE_DAYS


@pytest.mark.parametrize("kind", NEW)
def test_new_kinds_have_link_words_and_outlets(kind):
    assert kind in selectors._LINK_LABELS
    expected = {"douyin": Outlet.DOUYIN, "kuaishou": Outlet.KUAISHOU, "channels": Outlet.CHANNELS,
                "toutiao": Outlet.TOUTIAO, "xuexi": Outlet.XUEXI, "province": Outlet.OTHER}[kind]
    assert outlet_for_account(kind, {}) == expected


def test_account_form_rules_for_the_video_platforms(demo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.create_account(center=demo["demo"], user=None, kind="douyin", name="抖音无设置", strict=True,
                                options={"client_key": "aw1"})
    assert "open_id" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.create_account(center=demo["demo"], user=None, kind="kuaishou", name="快手令牌放错", strict=True,
                                options={"app_id": "ks1", "open_id": "o", "access_token": "x"})
    assert "密钥" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.create_account(center=demo["demo"], user=None, kind="province", name="省平台无地址", strict=True)
    assert "接收地址" in str(refused.value)


def test_preflight_of_douyin_and_kuaishou_credentials(demo, signed_story):
    from rongmei.distribution import preflight

    bad = services.create_account(center=demo["demo"], user=None, kind="douyin", name="抖音坏密钥",
                                  options={"client_key": "aw1", "open_id": "o1"}, secret="not json")
    half = services.create_account(center=demo["demo"], user=None, kind="kuaishou", name="快手缺令牌",
                                   options={"app_id": "ks1"}, secret=json.dumps({"app_secret": "s"}))
    assert preflight._account_douyin(bad) == [('抖音账号的密钥应为 JSON：{"client_secret": "…", "access_token": "…", '
                                               '"refresh_token": "…"}，请在账号设置中重新填写。')]
    problems = preflight._account_kuaishou(half)
    assert "open_id" in problems[0] and "access_token、refresh_token" in problems[1]


def test_short_video_caption_over_the_limit_blocks(demo, signed_story, settings):
    from rongmei.distribution import preflight
    from rongmei.newsroom.models import Rendition
    from rongmei.newsroom.services import renditions as rendition_svc

    operator = User.objects.get(username="operator")
    if not signed_story.renditions.filter(channel="short_video").exists():
        rendition_svc.generate(story=signed_story, user=operator, channels=["short_video"])
    Rendition.objects.filter(story=signed_story, channel="short_video").update(body="字" * 600)
    account = services.create_account(center=demo["demo"], user=None, kind="kuaishou", name="快手长文案",
                                      options={"app_id": "ks1", "open_id": "o"})
    limit = preflight.caption_limit("kuaishou")
    messages = preflight._story_caption(signed_story, account)
    if limit >= 600:
        assert messages == []
    else:
        assert messages == [f"短视频文案（含话题）600 字，快手最多 {limit} 字：请在短视频渠道稿中删短。"]


def test_no_vertical_video_is_said_for_short_video(demo, signed_story):
    from rongmei.distribution import preflight

    from .test_province import without_video

    story = without_video(signed_story, User.objects.get(username="operator"))
    (problem,) = preflight.for_submit(story, ["short_video"])
    assert problem.message == preflight.NO_VERTICAL_VIDEO and problem.blocking


# --- 久未更新 per kind ------------------------------------------------------------------------------

def quiet(demo, kind, name, days, **fields):
    account = services.create_account(center=demo["demo"], user=None, kind=kind, name=name, **fields)
    ChannelAccount.objects.filter(pk=account.pk).update(last_published_at=timezone.now() - dt.timedelta(days=days))
    return account


def test_staleness_follows_the_kind(demo):
    quiet(demo, "douyin", "抖音四天", 4, options={"client_key": "a", "open_id": "b"})
    quiet(demo, "wechat", "公众号四天", 4, options={"appid": "wx1"})
    quiet(demo, "wechat", "公众号八天", 8, options={"appid": "wx2"})
    quiet(demo, "newspaper", "报纸百天", 100, base_url="sftp://desk.example.cn/in")
    quiet(demo, "channels", "视频号自定十天", 5, options={"stale_days": 10})
    stale = {a.name for a in selectors.stale_by_rule(demo["demo"])}
    assert {"抖音四天", "公众号八天"} <= stale
    assert not {"公众号四天", "报纸百天", "视频号自定十天"} & stale


def test_staleness_rules_are_settings(demo, settings):
    settings.RONGMEI_MATRIX_STALE_DAYS = {"wechat": 3, "douyin": None}
    quiet(demo, "wechat", "公众号四天", 4, options={"appid": "wx1"})
    quiet(demo, "douyin", "抖音十天", 10, options={"client_key": "a", "open_id": "b"})
    stale = {a.name for a in selectors.stale_by_rule(demo["demo"])}
    assert "公众号四天" in stale and "抖音十天" not in stale
    assert selectors.stale_rule("assisted") == 10 and selectors.stale_rule("broadcast") is None


def test_a_quiet_douyin_account_is_chased_at_day_3_and_its_leader_at_day_5(demo, operator):
    leader = User.objects.get(username="reviewer3")
    account = services.create_account(center=demo["demo"], user=None, kind="douyin", name="抖音督办测试",
                                      options={"client_key": "a", "open_id": "b"}, responsible=operator, leader=leader)
    ChannelAccount.objects.exclude(pk=account.pk).update(last_published_at=timezone.now() + dt.timedelta(days=60))
    ChannelAccount.objects.filter(pk=account.pk).update(last_published_at=timezone.now())
    start = timezone.now()
    assert health.chase_stale_accounts(now=start + dt.timedelta(days=2)) == {"warned": 0, "escalated": 0}
    assert health.chase_stale_accounts(now=start + dt.timedelta(days=3, hours=1)) == {"warned": 1, "escalated": 0}
    assert Notification.objects.filter(recipient=operator, title="账号久未更新：抖音督办测试",
                                       body="已超过 3 天没有发布。").exists()
    assert health.chase_stale_accounts(now=start + dt.timedelta(days=5, hours=1)) == {"warned": 0, "escalated": 1}
    assert Notification.objects.filter(recipient=leader, title__contains="抖音督办测试 已 5 天未更新").exists()


def test_matrix_lists_stale_accounts_by_their_rule(demo, login):
    quiet(demo, "kuaishou", "快手四天没发", 4, options={"app_id": "a", "open_id": "b"})
    page = login("operator").get("/distribution/").content.decode()
    assert "快手四天没发" in page and "久未更新提醒：" in page and "抖音、快手" in page


def test_demo_has_the_new_accounts(demo):
    from django.conf import settings

    from rongmei.distribution.fakes.server import SANDBOX_OFFSETS

    accounts = {a.kind: a for a in ChannelAccount.objects.filter(center=demo["demo"], kind__in=NEW)}
    assert set(NEW) - {"toutiao"} <= set(accounts)
    base = settings.CONFIG.sandbox_port
    assert accounts["douyin"].base_url == f"http://127.0.0.1:{base + SANDBOX_OFFSETS['douyin']}"
    assert accounts["kuaishou"].base_url == f"http://127.0.0.1:{base + SANDBOX_OFFSETS['kuaishou']}"
    assert accounts["province"].base_url.startswith(f"http://127.0.0.1:{base + SANDBOX_OFFSETS['province']}/")
    assert accounts["province"].callback_key
    assert accounts["channels"].responsible_id and accounts["xuexi"].responsible_id
    from rongmei.distribution import demo as distribution_demo

    created, _existing = distribution_demo.load(demo["demo"])
    assert created == 0  # idempotent
