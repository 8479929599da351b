"""更正: the corrected, re-signed story reaches every outlet the first version reached, each
in its own way (updated in place, a 【更正】 post replacing the original, a notice)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.distribution import outbox, services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount, OutboxMessage, Publication

from .conftest import resign


@pytest.fixture
def fakes():
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as wechat, start_fake("weibo") as weibo:
        yield wechat, weibo


def settle(rounds=6):
    now = timezone.now()
    for i in range(rounds):
        for message in outbox.claim("w", limit=50, now=now + dt.timedelta(minutes=5 * i)):
            outbox.process(message, "w")


def accounts(demo, fakes):
    wechat, weibo = fakes
    center = demo["demo"]
    return {
        "site": ChannelAccount.objects.get(center=center, kind="own_site"),
        "wechat": services.create_account(center=center, user=None, kind="wechat", name="更正测试公众号", base_url=wechat.url,
                                          options={"appid": "wx-fix"}, secret="secret-wx-fix"),
        "weibo": services.create_account(center=center, user=None, kind="weibo", name="fixer", base_url=weibo.url,
                                         secret="token-fixer"),
    }


def test_correction_needs_a_note_and_a_new_sign_off(demo, operator, signed_story, fakes):
    acc = accounts(demo, fakes)
    services.publish(story=signed_story, user=operator, account_ids=[acc["site"].pk])
    settle()
    with pytest.raises(ValidationError, match="写明"):
        services.correct(story=signed_story, user=operator, note=" ")
    with pytest.raises(ValidationError, match="最新内容"):
        services.correct(story=signed_story, user=operator, note="改正人数")  # nothing changed since sign-off
    assert not OutboxMessage.objects.filter(action="correct").exists()


def test_correction_reaches_every_outlet(demo, operator, signed_story, fakes):
    wechat, weibo = fakes
    acc = accounts(demo, fakes)
    services.publish(story=signed_story, user=operator, account_ids=[a.pk for a in acc.values()])
    settle()
    first = {k: Publication.objects.get(account=a, story=signed_story) for k, a in acc.items()}
    assert all(p.status == Publication.Status.SENT for p in first.values()), [p.last_error for p in first.values()]

    story = resign(signed_story, body=signed_story.body + "<p>（本文已更正）</p>")
    assert services.correct(story=story, user=operator, note="第二段数字有误，已改正") == 3
    settle()
    after = {k: Publication.objects.get(account=a, story=signed_story) for k, a in acc.items()}
    for key, publication in after.items():
        assert publication.status == Publication.Status.CORRECTED, (key, publication.last_error)
        assert publication.corrected_at and publication.story_version == story.version
        assert publication.correction_note == "第二段数字有误，已改正"

    # Weibo: a 【更正】 post is up and the original is gone
    feed = weibo.state()["accounts"]["fixer"]
    assert feed["statuses_live"] == 1
    live = [s for s in feed["statuses"].values() if not s.get("deleted")]
    assert live[0]["text"].startswith("【更正】")
    assert after["weibo"].remote_id != first["weibo"].remote_id

    # WeChat: a new article titled 【更正】…, the original deleted
    state = wechat.state()["apps"]["wx-fix"]
    assert state["successful_publishes"] == 2 and state["deletes"] >= 1
    assert any(t.startswith("【更正】") for job in state["publishes"].values() for t in job["titles"])
    assert after["wechat"].remote_id != first["wechat"].remote_id

    # nothing is sent twice when the operator presses 更正 again
    with pytest.raises(ValidationError):
        services.correct(story=story, user=operator, note="第二段数字有误，已改正")


def test_correction_after_takedown_is_refused(demo, operator, signed_story, fakes):
    acc = accounts(demo, fakes)
    services.publish(story=signed_story, user=operator, account_ids=[acc["site"].pk])
    settle()
    services.take_down(story=signed_story, user=operator, reason="撤下")
    settle()
    story = resign(signed_story, body=signed_story.body + "<p>补充</p>")
    with pytest.raises(ValidationError, match="还没有已发布"):
        services.correct(story=story, user=operator, note="补充说明")
