"""Issue 12, Weibo: an unknown outcome is settled by asking the platform first (even with
Weibo's own duplicate check off), 20019 means "find it", system-busy codes and network
errors retry (posting and deleting), and 撤稿 reaches every copy, failed ones included."""

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.distribution import outbox, services
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import OutboxMessage, Publication

SHARE = "/2/statuses/share.json"
DESTROY = "/2/statuses/destroy.json"
TIMELINE = "/2/statuses/user_timeline.json"


@pytest.fixture
def weibo():
    with start_fake("weibo") as fake:
        yield fake


_round = [0]


def run(rounds=1):
    for _ in range(rounds):
        _round[0] += 1
        for message in outbox.claim("w", limit=50, now=timezone.now() + dt.timedelta(hours=_round[0] / 100)):
            outbox.process(message, "w")


def account(demo, fake, name):
    return services.create_account(center=demo["demo"], user=None, kind="weibo", name=name, base_url=fake.url,
                                   secret=f"token-{name}")


def publication(acc):
    return Publication.objects.get(account=acc)


def live(weibo, name):
    return weibo.state()["accounts"][name]["statuses_live"]


def test_lost_answer_is_asked_first_on_every_later_attempt(demo, operator, signed_story, weibo):
    weibo.set_duplicate_check(False)
    acc = account(demo, weibo, "nodup")
    weibo.add_fault("drop", count=1, path=SHARE, after_processing=True)
    weibo.add_fault("error", count=2, path=TIMELINE, status=503)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(5)
    assert publication(acc).status == Publication.Status.SENT
    assert weibo.state()["accounts"]["nodup"]["statuses_created"] == 1


def test_timeouts_and_5xx_never_post_twice_without_the_duplicate_check(demo, operator, signed_story, weibo):
    weibo.set_duplicate_check(False)
    accounts = [account(demo, weibo, f"nd{i}") for i in range(3)]
    weibo.add_fault("error", count=3, path=SHARE, status=502, after_processing=True)
    services.publish(story=signed_story, user=operator, account_ids=[a.pk for a in accounts])
    run(4)
    for i, acc in enumerate(accounts):
        assert publication(acc).status == Publication.Status.SENT
        assert weibo.state()["accounts"][f"nd{i}"]["statuses_created"] == 1


def test_repeat_content_with_a_failed_lookup_is_retried_and_found(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "repeat")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    posted = publication(acc)
    assert posted.status == Publication.Status.SENT
    # the same text again (say a correction sent back to the original wording): 20019
    message = OutboxMessage.objects.get(account=acc)
    OutboxMessage.objects.filter(pk=message.pk).update(status="pending", progress={}, in_flight=False)
    Publication.objects.filter(pk=posted.pk).update(status=Publication.Status.QUEUED, remote_id="")
    weibo.add_fault("error", count=1, path=TIMELINE, status=500)
    run()
    p = publication(acc)
    assert p.status == Publication.Status.RETRYING, p.last_error
    run()
    p = publication(acc)
    assert p.status == Publication.Status.SENT and p.remote_id == posted.remote_id
    assert live(weibo, "repeat") == 1


@pytest.mark.parametrize("code,http", [(10009, 400), (10001, 200), (10002, 503), (10003, 403)])
def test_system_busy_codes_retry_whatever_the_http_status(demo, operator, signed_story, weibo, code, http):
    acc = account(demo, weibo, f"busy{code}")
    weibo.system_error(f"busy{code}", calls=1, error_code=code, http_status=http, path=SHARE)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    assert publication(acc).status == Publication.Status.RETRYING
    run()
    assert publication(acc).status == Publication.Status.SENT and live(weibo, f"busy{code}") == 1


def test_a_network_error_on_destroy_is_retried(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "gone")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    weibo.add_fault("drop", count=1, path=DESTROY, after_processing=False)
    weibo.system_error("gone", calls=1, error_code=10009, http_status=400, path=DESTROY)
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    run()
    assert publication(acc).status == Publication.Status.TAKING_DOWN
    run()
    assert publication(acc).status == Publication.Status.TAKING_DOWN
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN and live(weibo, "gone") == 0


def test_takedown_reaches_a_post_marked_failed(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "lost")
    weibo.add_fault("drop", count=1, path=SHARE, after_processing=True)
    weibo.add_fault("error", count=5, path=TIMELINE, status=500)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    OutboxMessage.objects.filter(account=acc).update(max_attempts=2)
    run(3)
    assert publication(acc).status == Publication.Status.FAILED and live(weibo, "lost") == 1
    weibo.clear_faults()
    assert services.take_down(story=signed_story, user=operator, reason="数据有误") == 1
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN and live(weibo, "lost") == 0


def test_a_failed_takedown_can_be_pressed_again(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "again")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    weibo.system_error("again", calls=1, error_code=10009, http_status=400, path=DESTROY)
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    OutboxMessage.objects.filter(account=acc, action="takedown").update(max_attempts=1)
    run()
    assert publication(acc).status == Publication.Status.FAILED and live(weibo, "again") == 1
    assert services.take_down(story=signed_story, user=operator, reason="数据有误") == 1
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN and live(weibo, "again") == 0


def test_takedown_deletes_extra_copies_found_by_our_key(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "copies")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    key = OutboxMessage.objects.get(account=acc).idempotency_key
    text = next(iter(weibo.state()["accounts"]["copies"]["statuses"].values()))["text"]
    weibo.post("copies", "重发 " + text)  # a second copy the platform made of ours
    assert live(weibo, "copies") == 2 and key in text
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN and live(weibo, "copies") == 0


def test_takedown_says_so_when_a_copy_cannot_be_checked(demo, operator, signed_story, weibo):
    acc = account(demo, weibo, "unsure")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    weibo.add_fault("error", count=1, path=TIMELINE, status=500)
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    run()
    p = publication(acc)
    assert p.status == Publication.Status.TAKING_DOWN and "副本" in p.last_error
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN
