"""The WeChat adapter against the fake WeChat: the documented chain, token refresh, quota,
an unknown outcome at submit settled through batchget, takedown."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.distribution import outbox, services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import Publication


@pytest.fixture
def fake():
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as server:
        yield server


def account(demo, fake, appid="wx-demo"):
    return services.create_account(center=demo["demo"], user=None, kind="wechat", name=f"公众号{appid}",
                                   base_url=fake.url, options={"appid": appid}, secret=f"secret-{appid}")


def deliver_until_settled(rounds=5):
    now = timezone.now()
    for i in range(rounds):
        for message in outbox.claim("w", limit=50, now=now + dt.timedelta(minutes=5 * i)):
            outbox.process(message, "w")


def test_publish_chain_and_takedown(demo, operator, signed_story, fake):
    acc = account(demo, fake)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_until_settled()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT, publication.last_error
    assert publication.remote_id and publication.remote_url
    title = signed_story.renditions.get(channel="wechat").title
    assert fake.successful_publishes("wx-demo", title) == 1
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    deliver_until_settled()
    assert Publication.objects.get(account=acc).status == Publication.Status.TAKEN_DOWN


def test_expired_token_is_refreshed(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-expiry")
    wechat_adapter._Client(fake.url, "wx-expiry", "secret-wx-expiry").token()
    fake.expire_tokens("wx-expiry")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_until_settled()
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT


def test_quota_is_retried_later(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-quota")
    fake.rate_limit("wx-quota", calls=1, errcode=45011, path="/cgi-bin/draft/add")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    for message in outbox.claim("w", limit=5):
        outbox.process(message, "w")
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.RETRYING and "45011" in publication.last_error
    deliver_until_settled()
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT


def test_lost_answer_at_submit_is_settled_not_repeated(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-drop")
    fake.add_fault("drop", count=1, path="/cgi-bin/freepublish/submit", after_processing=True)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_until_settled()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT, publication.last_error
    assert fake.state()["duplicate_publishes"] == []
    assert fake.successful_publishes("wx-drop", signed_story.renditions.get(channel="wechat").title) == 1


def test_story_without_a_picture_fails_clearly(demo, operator, signed_story, fake):
    from rongmei.distribution.models import OutboxMessage
    from rongmei.newsroom.models import StoryAsset

    from rongmei.newsroom.models import CenterDefaults, Column

    acc = account(demo, fake, "wx-nocover")
    StoryAsset.objects.filter(story=signed_story).delete()
    Column.objects.filter(center=demo["demo"]).update(default_cover=None)  # no default cover either
    CenterDefaults.objects.filter(center=demo["demo"]).update(default_cover=None)
    publication = Publication.objects.create(center=demo["demo"], story=signed_story, account=acc, channel="wechat",
                                             story_version=signed_story.version, content_hash="x", created_by=operator)
    OutboxMessage.objects.create(publication=publication, account=acc, action="publish", idempotency_key="nocover",
                                 available_at=timezone.now())
    deliver_until_settled()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.FAILED and "封面图" in publication.last_error
