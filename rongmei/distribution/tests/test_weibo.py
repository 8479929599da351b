"""The Weibo adapter against the fake Weibo: its documented answers and error codes."""

import pytest

from rongmei.distribution import outbox, services
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import Publication


@pytest.fixture
def weibo():
    with start_fake("weibo") as fake:
        yield fake


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


def account(demo, fake, name="shifan"):
    return services.create_account(center=demo["demo"], user=None, kind="weibo", name=name, base_url=fake.url,
                                   secret=f"token-{name}")


def test_post_then_take_down(demo, operator, signed_story, weibo):
    acc = account(demo, weibo)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.SENT and publication.remote_id
    text = next(iter(weibo.state()["accounts"]["shifan"]["statuses"].values()))["text"]
    assert "#" not in text and f"/news/{signed_story.pk}/?rm=" in text
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    deliver_all()
    assert Publication.objects.get(account=acc).status == Publication.Status.TAKEN_DOWN
    assert weibo.state()["accounts"]["shifan"]["statuses_live"] == 0


def test_expired_token_fails_with_a_clear_message(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "expired")
    weibo.expire_token("expired")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.FAILED and "重新授权" in publication.last_error


def test_rate_limit_is_retried_later(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "busy")
    weibo.rate_limit("busy", calls=1)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    deliver_all()
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.RETRYING and "频率限制" in publication.last_error


def test_unknown_outcome_is_asked_not_repeated(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "flaky")
    weibo.add_fault("drop", count=1, path="/2/statuses/share.json", after_processing=True)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    (message,) = outbox.claim("w", limit=1)
    outbox.process(message, "w")  # the post was made, the answer was lost: retried
    publication = Publication.objects.get(account=acc)
    assert publication.status == Publication.Status.RETRYING
    import datetime as dt

    from django.utils import timezone

    for message in outbox.claim("w", limit=1, now=timezone.now() + dt.timedelta(hours=1)):
        outbox.process(message, "w")
    assert Publication.objects.get(account=acc).status == Publication.Status.SENT
    assert weibo.state()["accounts"]["flaky"]["statuses_created"] == 1
