"""Publishing writes publications and outbox messages together; workers lease, retry with
backoff, keep order per account, and record outcomes only while they hold the lease."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.distribution import outbox, secrets, services
from rongmei.distribution.models import AccountGroup, ChannelAccount, OutboxMessage, Publication
from rongmei.distribution.outbox import Outcome


@pytest.fixture
def site(demo):
    return services.create_account(center=demo["demo"], user=None, kind="own_site", name="示例县融媒网站")


def run_once(worker="w1", now=None):
    done = []
    for message in outbox.claim(worker, limit=50, now=now):
        done.append(outbox.process(message, worker))
    return done


def test_only_signed_off_content_is_published(demo, operator, unsigned_story, site):
    with pytest.raises(ValidationError, match="已签发"):
        services.publish(story=unsigned_story, user=operator, account_ids=[site.pk])
    assert not Publication.objects.filter(story=unsigned_story).exists()


def test_publish_to_the_own_site_once(demo, operator, signed_story, site):
    made = services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    assert len(made) == 1 and made[0].status == Publication.Status.QUEUED
    assert services.publish(story=signed_story, user=operator, account_ids=[site.pk]) == []  # nothing twice
    run_once()
    publication = Publication.objects.get(pk=made[0].pk)
    assert publication.status == Publication.Status.SENT and publication.remote_url == signed_story.center.site_url(f"/news/{signed_story.pk}/")
    assert OutboxMessage.objects.get(publication=publication).status == OutboxMessage.Status.DONE


def test_groups_fan_out_and_order_per_account_is_kept(demo, operator, signed_story, site):
    group = AccountGroup.objects.create(center=demo["demo"], name="测试村社号")
    villages = [services.create_account(center=demo["demo"], user=None, kind="own_site", name=f"村社号{i}") for i in range(5)]
    group.accounts.set(villages)
    made = services.publish(story=signed_story, user=operator, account_ids=[site.pk], group_ids=[group.pk])
    assert len(made) == 6
    first = OutboxMessage.objects.filter(account=site).first()
    later = OutboxMessage.objects.create(publication=first.publication, account=site, action="takedown",
                                         idempotency_key="later", available_at=timezone.now())
    claimed = outbox.claim("w1", limit=50)
    assert first.pk in [m.pk for m in claimed] and later.pk not in [m.pk for m in claimed]


def test_two_workers_never_claim_the_same_message(demo, operator, signed_story, site):
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    a = outbox.claim("worker-a", limit=10)
    b = outbox.claim("worker-b", limit=10)
    assert len(a) == 1 and b == []


def test_the_claim_marks_in_flight_before_any_call_and_a_takeover_asks_first(demo, operator, signed_story, site):
    (made,) = services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    (message,) = outbox.claim("dead-worker", limit=10)
    row = OutboxMessage.objects.get(pk=message.pk)
    # committed with the lease, before the worker calls anyone: a kill -9 after it cannot be mistaken
    # for "never sent"; the board says 发送中 from the same moment
    assert row.in_flight and row.status == OutboxMessage.Status.LEASED
    assert Publication.objects.get(pk=made.pk).status == Publication.Status.SENDING
    assert message.recovering is False  # nothing was in flight before: this worker need not ask
    later = timezone.now() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
    (again,) = outbox.claim("new-worker", limit=10, now=later)
    assert again.recovering is True  # the dead worker may have called: the next one asks first
    assert outbox.process(again, "new-worker").kind == "ok"
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.DONE and not row.in_flight and row.lease_owner == ""
    assert Publication.objects.get(pk=made.pk).status == Publication.Status.SENT
    assert list(row.attempts_log.values_list("worker", "outcome")) == [("new-worker", "ok")]


def test_expired_lease_is_reclaimed_and_the_old_worker_cannot_record(demo, operator, signed_story, site):
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    (message,) = outbox.claim("dead-worker", limit=10)
    later = timezone.now() + dt.timedelta(seconds=outbox.LEASE_SECONDS + 1)
    (again,) = outbox.claim("new-worker", limit=10, now=later)
    assert again.pk == message.pk and again.attempts == 2
    assert outbox.record(message, "dead-worker", Outcome.ok(), timezone.now(), {}) is False
    assert outbox.record(again, "new-worker", Outcome.ok(remote_id="x"), timezone.now(), {}) is True


def test_backoff_grows_with_jitter_and_gives_up_into_dead_letter(demo, operator, signed_story, site):
    rng = random.Random(1)
    steps = [outbox.backoff(n, rng) for n in range(1, 8)]
    assert all(0.5 * min(3600, 5 * 2 ** (n - 1)) <= s <= min(3600, 5 * 2 ** (n - 1)) for n, s in zip(range(1, 8), steps))
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    message = OutboxMessage.objects.get(account=site)
    OutboxMessage.objects.filter(pk=message.pk).update(max_attempts=2)
    (claimed,) = outbox.claim("w", limit=1)
    outbox.record(claimed, "w", Outcome.retry("HTTP 503"), timezone.now(), {})
    message.refresh_from_db()
    assert message.status == "pending" and message.available_at > timezone.now()
    assert Publication.objects.get(pk=message.publication_id).status == Publication.Status.RETRYING
    (claimed,) = outbox.claim("w", limit=1, now=message.available_at + dt.timedelta(seconds=1))
    outbox.record(claimed, "w", Outcome.retry("HTTP 503"), timezone.now(), {})
    message.refresh_from_db()
    publication = Publication.objects.get(pk=message.publication_id)
    assert message.status == "dead" and publication.status == Publication.Status.FAILED
    assert "重试 2 次仍失败" in publication.last_error
    services.resend(publication=publication, user=operator)
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 0


def test_rejections_fail_at_once(demo, operator, signed_story, site):
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    (claimed,) = outbox.claim("w", limit=1)
    outbox.record(claimed, "w", Outcome.fail("平台拒绝：内容含有违规信息（errcode 45166）"), timezone.now(), {})
    publication = Publication.objects.get(pk=claimed.publication_id)
    assert publication.status == Publication.Status.FAILED and "45166" in publication.last_error


def test_embargo_and_schedule_hold_the_delivery(demo, operator, signed_story, site):
    later = timezone.now() + dt.timedelta(hours=2)
    (publication,) = services.publish(story=signed_story, user=operator, account_ids=[site.pk], scheduled_at=later)
    assert publication.status == Publication.Status.SCHEDULED
    assert outbox.claim("w", limit=5) == []
    assert len(outbox.claim("w", limit=5, now=later + dt.timedelta(seconds=1))) == 1


def test_a_cancelled_schedule_can_be_published_again(demo, operator, signed_story, site):
    """Cancelling a scheduled post and publishing it now must send it (it used to find the
    cancelled row and send nothing, saying it had been published already)."""
    later = timezone.now() + dt.timedelta(hours=2)
    (publication,) = services.publish(story=signed_story, user=operator, account_ids=[site.pk], scheduled_at=later)
    services.cancel(publication=publication, user=operator)
    (again,) = services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    assert again.pk == publication.pk and again.status == Publication.Status.QUEUED and again.scheduled_at is None
    assert services.publish(story=signed_story, user=operator, account_ids=[site.pk]) == []  # still nothing twice
    run_once()
    assert Publication.objects.get(pk=publication.pk).status == Publication.Status.SENT
    statuses = sorted(OutboxMessage.objects.filter(publication=publication).values_list("status", flat=True))
    assert statuses == [OutboxMessage.Status.CANCELLED, OutboxMessage.Status.DONE]


def test_takedown_cancels_queued_and_withdraws_sent(demo, operator, signed_story, site):
    other = services.create_account(center=demo["demo"], user=None, kind="own_site", name="客户端")
    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    run_once()
    services.publish(story=signed_story, user=operator, account_ids=[other.pk], scheduled_at=timezone.now() + dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="内部说明"):
        services.take_down(story=signed_story, user=operator, reason="")
    assert services.take_down(story=signed_story, user=operator, reason="数据有误，撤回核实") == 1
    run_once()
    statuses = dict(Publication.objects.filter(story=signed_story).values_list("account__name", "status"))
    assert statuses == {"示例县融媒网站": "taken_down", "客户端": "cancelled"}


def test_secrets_are_encrypted_at_rest(demo):
    account = services.create_account(center=demo["demo"], user=None, kind="weibo", name="@示例县发布", secret="token-abc")
    stored = ChannelAccount.objects.get(pk=account.pk).secret
    assert "token-abc" not in stored and secrets.decrypt(stored) == "token-abc"


def test_board_page_publishes_and_updates_live(login, demo, signed_story, site):
    client = login("operator")
    page = client.get(f"/distribution/stories/{signed_story.pk}/").content.decode()
    assert 'data-testid="publish-form"' in page and "示例县融媒网站" in page
    response = client.post(f"/distribution/stories/{signed_story.pk}/", {"account": [site.pk]}, follow=True)
    assert "已提交 1 个账号的发布" in response.content.decode()
    partial = client.get(f"/distribution/stories/{signed_story.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in partial and "排队中" in partial
    run_once()
    partial = client.get(f"/distribution/stories/{signed_story.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "已发布" in partial and "every 2s" not in partial
    assert login("reporter").get(f"/distribution/stories/{signed_story.pk}/").status_code == 403


def test_matrix_page_and_staleness(login, demo, operator):
    from rongmei.distribution import selectors

    old = services.create_account(center=demo["demo"], user=None, kind="assisted", name="上坪村公众号")
    ChannelAccount.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=20))
    fresh = services.create_account(center=demo["demo"], user=None, kind="assisted", name="青山村公众号")
    ChannelAccount.objects.filter(pk=fresh.pk).update(last_published_at=timezone.now() - dt.timedelta(days=3))
    stale = {a.name for a in selectors.stale_accounts(demo["demo"], 10)}
    assert "上坪村公众号" in stale and "青山村公众号" not in stale
    assert "上坪村公众号" in login("operator").get("/distribution/").content.decode()


def test_stale_accounts_are_chased_at_day_10_and_12_once(demo, operator):
    from rongmei.core.models import Notification, User
    from rongmei.distribution.health import chase_stale_accounts

    leader = User.objects.get(username="reviewer3")
    account = services.create_account(center=demo["demo"], user=None, kind="assisted", name="云雾村公众号",
                                      responsible=User.objects.get(username="coordinator"), leader=leader)
    # everyone else (the demo's sandbox accounts) posts often enough
    ChannelAccount.objects.exclude(pk=account.pk).update(last_published_at=timezone.now() + dt.timedelta(days=60))
    ChannelAccount.objects.filter(pk=account.pk).update(last_published_at=timezone.now())
    start = timezone.now()
    assert chase_stale_accounts(now=start + dt.timedelta(days=9)) == {"warned": 0, "escalated": 0}
    assert chase_stale_accounts(now=start + dt.timedelta(days=10, hours=1)) == {"warned": 1, "escalated": 0}
    assert Notification.objects.filter(recipient=operator, title__contains="云雾村公众号").exists()
    assert chase_stale_accounts(now=start + dt.timedelta(days=11)) == {"warned": 0, "escalated": 0}
    assert chase_stale_accounts(now=start + dt.timedelta(days=12, hours=1)) == {"warned": 0, "escalated": 1}
    assert Notification.objects.filter(recipient=leader, title__contains="请督促").exists()
