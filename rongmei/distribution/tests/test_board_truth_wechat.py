"""Issue 12, WeChat: the board never says 失败 while the article may still go live, waiting
for a publish job spends no delivery attempts, takedown waits for the job, resend submits
again, orphans are cleaned up, and stable_token is forced only when normal mode fails.

All against the fake WeChat server; its clock is moved forward instead of sleeping."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from rongmei.distribution import outbox, services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import OutboxMessage, Publication

DRAFT_ADD = "/cgi-bin/draft/add"
SUBMIT = "/cgi-bin/freepublish/submit"
GET = "/cgi-bin/freepublish/get"


@pytest.fixture
def fake():
    wechat_adapter._tokens.clear()
    wechat_adapter._forced.clear()
    with start_fake("wechat", publish_delay=0.0) as server:
        yield server


class Clock:
    """The fake's clock, moved by hand: a publish job lasts as long as the test says."""

    def __init__(self, server):
        self.offset = 0.0
        server.engine.clock = lambda: time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def account(demo, fake, appid):
    return services.create_account(center=demo["demo"], user=None, kind="wechat", name=f"公众号{appid}",
                                   base_url=fake.url, options={"appid": appid}, secret=f"secret-{appid}")


_round = [0]


def run(rounds=1, worker="w"):
    """Let the worker run `rounds` times, each far enough in the future that every retry
    and every poll is due."""
    for _ in range(rounds):
        _round[0] += 1
        for message in outbox.claim(worker, limit=50, now=timezone.now() + dt.timedelta(hours=_round[0] / 100)):
            outbox.process(message, worker)


def title(story):
    return story.renditions.get(channel="wechat").title


def publication(acc):
    return Publication.objects.get(account=acc)


def message(acc, action="publish"):
    return OutboxMessage.objects.get(account=acc, action=action)


def test_system_busy_is_retried_with_backoff(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-busy")
    fake.system_error("wx-busy", calls=1, path=DRAFT_ADD)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    p = publication(acc)
    assert p.status == Publication.Status.RETRYING and "-1" in p.last_error
    run(3)
    assert publication(acc).status == Publication.Status.SENT
    assert fake.successful_publishes("wx-busy", title(signed_story)) == 1


def test_errors_while_polling_never_fail_a_submitted_article(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-get")
    fake.add_fault("error", count=6, path=GET, status=502)
    fake.system_error("wx-get", calls=6, path=GET)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    for _ in range(11):  # more failed polls than delivery attempts (the first round looks twice)
        run()
        assert publication(acc).status == Publication.Status.PUBLISHING
    run()
    assert publication(acc).status == Publication.Status.SENT
    assert message(acc).attempts == 1
    assert fake.state()["calls"][GET] == 13


def test_a_slow_publish_job_is_waited_for_without_spending_attempts(demo, operator, signed_story, fake, login):
    clock = Clock(fake)
    fake.set_publish_delay(3600)
    acc = account(demo, fake, "wx-slow")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    for _ in range(12):  # more polls than delivery attempts
        run()
    p = publication(acc)
    assert p.status == Publication.Status.PUBLISHING and p.get_status_display() == "发布中"
    # a worker killed while waiting: its lease runs out and another takes over, for free
    (claimed,) = outbox.claim("killed", limit=5, now=timezone.now() + dt.timedelta(days=1))
    outbox.claim("next", limit=5, now=timezone.now() + dt.timedelta(days=1, seconds=outbox.LEASE_SECONDS + 1))
    assert message(acc).attempts == 1
    OutboxMessage.objects.filter(pk=claimed.pk).update(status="pending", lease_owner="", lease_until=None)
    board = login("operator").get(f"/distribution/stories/{signed_story.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "发布中" in board and "every 2s" in board
    clock.advance(3601)
    run()
    assert publication(acc).status == Publication.Status.SENT
    assert fake.successful_publishes("wx-slow", title(signed_story)) == 1


def test_waiting_stops_only_after_the_configured_hours(demo, operator, signed_story, fake, settings):
    settings.RONGMEI_PUBLISH_WAIT_HOURS = 2
    Clock(fake)
    fake.set_publish_delay(10 ** 6)
    acc = account(demo, fake, "wx-never")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    (claimed,) = outbox.claim("w", limit=5, now=timezone.now() + dt.timedelta(hours=1))
    outbox.process(claimed, "w")
    assert publication(acc).status == Publication.Status.PUBLISHING
    progress = message(acc).progress
    progress["waiting_since"] = (timezone.now() - dt.timedelta(hours=3)).isoformat()
    OutboxMessage.objects.filter(account=acc).update(progress=progress)
    run()
    p = publication(acc)
    assert p.status == Publication.Status.FAILED and "2 小时" in p.last_error and "公众号后台" in p.last_error


def test_publish_finished_callback_makes_the_poll_due_at_once(demo, operator, signed_story, fake):
    clock = Clock(fake)
    fake.set_publish_delay(60)
    acc = account(demo, fake, "wx-push")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    m = message(acc)
    assert m.available_at > timezone.now()
    clock.advance(61)
    assert services.wechat_publish_finished(account=acc, publish_id=m.progress["publish_id"]) == 1
    for claimed in outbox.claim("w", limit=5):
        outbox.process(claimed, "w")
    assert publication(acc).status == Publication.Status.SENT


def test_a_lost_submit_answer_is_settled_not_failed_while_the_job_runs(demo, operator, signed_story, fake):
    clock = Clock(fake)
    fake.set_publish_delay(600)
    acc = account(demo, fake, "wx-lost")
    fake.add_fault("drop", count=1, path=SUBMIT, after_processing=True)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    for _ in range(12):
        run()
        assert publication(acc).status != Publication.Status.FAILED
    assert publication(acc).status == Publication.Status.PUBLISHING
    clock.advance(601)
    run(2)
    p = publication(acc)
    assert p.status == Publication.Status.SENT and p.remote_id, p.last_error
    assert fake.successful_publishes("wx-lost", title(signed_story)) == 1


def test_a_lost_submit_answer_of_a_submit_that_did_not_happen_submits(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-lost-before")
    fake.add_fault("drop", count=1, path=SUBMIT, after_processing=False)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(4)
    assert publication(acc).status == Publication.Status.SENT
    assert fake.successful_publishes("wx-lost-before", title(signed_story)) == 1


def test_takedown_while_publishing_waits_for_the_job_then_deletes(demo, operator, signed_story, fake):
    clock = Clock(fake)
    fake.set_publish_delay(300)
    acc = account(demo, fake, "wx-early")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    assert services.take_down(story=signed_story, user=operator, reason="数据有误") == 1
    assert publication(acc).status != Publication.Status.CANCELLED
    assert message(acc).status != OutboxMessage.Status.CANCELLED
    run(3)
    assert publication(acc).status != Publication.Status.TAKEN_DOWN  # still publishing: nothing to delete yet
    clock.advance(301)
    run(3)
    assert publication(acc).status == Publication.Status.TAKEN_DOWN
    jobs = fake.state()["apps"]["wx-early"]["publishes"].values()
    assert [job["status"] for job in jobs] == [5]  # published, then deleted


def test_takedown_reaches_an_article_marked_failed_and_can_be_pressed_again(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-failed-live")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(2)
    assert publication(acc).status == Publication.Status.SENT
    # the board said failed although the article is live (as before this issue was fixed)
    Publication.objects.filter(account=acc).update(status=Publication.Status.FAILED, remote_id="")
    fake.system_error("wx-failed-live", calls=20, path="/cgi-bin/freepublish/delete", errcode=45009)
    OutboxMessage.objects.filter(account=acc).update(max_attempts=1)
    assert services.take_down(story=signed_story, user=operator, reason="数据有误") == 1
    OutboxMessage.objects.filter(account=acc, action="takedown").update(max_attempts=1)
    run()
    assert publication(acc).status == Publication.Status.FAILED  # the delete was refused
    fake.clear_system_errors()
    assert services.take_down(story=signed_story, user=operator, reason="数据有误") == 1
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN
    jobs = fake.state()["apps"]["wx-failed-live"]["publishes"].values()
    assert [job["status"] for job in jobs] == [5]


def test_takedown_deletes_every_copy_carrying_our_key(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-copies")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(2)
    m = message(acc)
    client = wechat_adapter._Client(fake.url, "wx-copies", "secret-wx-copies")
    copy = client.call(DRAFT_ADD, {"articles": [{
        "title": "副本", "content": "<p>副本</p>", "thumb_media_id": m.progress["thumb_media_id"],
        "content_source_url": f"https://example.cn/news/{signed_story.pk}/?rm={m.idempotency_key}"}]})
    client.call(SUBMIT, {"media_id": copy["media_id"]})
    fake.state()  # let the copy's job finish
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    run()
    assert publication(acc).status == Publication.Status.TAKEN_DOWN
    jobs = fake.state()["apps"]["wx-copies"]["publishes"].values()
    assert sorted(job["status"] for job in jobs) == [5, 5]


def test_resend_after_a_failed_publish_job_submits_again(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-resend")
    fake.set_publish_outcome("wx-resend", 3, count=1)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(3)
    p = publication(acc)
    assert p.status == Publication.Status.FAILED and "状态 3" in p.last_error
    services.resend(publication=p, user=operator)
    run(3)
    assert publication(acc).status == Publication.Status.SENT
    assert fake.successful_publishes("wx-resend", title(signed_story)) == 1
    assert fake.state()["apps"]["wx-resend"]["drafts_in_box"] == 0


def test_orphan_drafts_and_materials_are_cleaned_up(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-orphans")
    fake.add_fault("drop", count=1, path="/cgi-bin/material/add_material", after_processing=True)
    fake.add_fault("drop", count=1, path=DRAFT_ADD, after_processing=True)
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(4)
    assert publication(acc).status == Publication.Status.SENT
    app = fake.state()["apps"]["wx-orphans"]
    assert app["drafts_created"] == 2 and app["drafts_in_box"] == 0
    assert app["materials"] == 1  # the cover the article uses


def test_stable_token_uses_normal_mode_before_forcing(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-token")
    wechat_adapter._Client(fake.url, "wx-token", "secret-wx-token").token()
    fake.expire_tokens("wx-token")
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(2)
    assert publication(acc).status == Publication.Status.SENT
    assert fake.state()["apps"]["wx-token"]["forced_refreshes"] == 0


def test_stable_token_is_forced_when_the_normal_one_is_refused_again(demo, operator, signed_story, fake):
    acc = account(demo, fake, "wx-leak")
    wechat_adapter._Client(fake.url, "wx-leak", "secret-wx-leak").token()
    fake.refuse_stable_token("wx-leak")  # the platform keeps handing out a token it refuses
    services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run(2)
    assert publication(acc).status == Publication.Status.SENT
    assert fake.state()["apps"]["wx-leak"]["forced_refreshes"] == 1
    # a second refusal within 30 s does not force again (documented: 30 s apart, 20 a day)
    fake.refuse_stable_token("wx-leak")
    client = wechat_adapter._Client(fake.url, "wx-leak", "secret-wx-leak")
    answer = client.call("/cgi-bin/freepublish/batchget", {"offset": 0, "count": 1, "no_content": 1})
    assert answer.get("errcode") == 40001
    assert fake.state()["apps"]["wx-leak"]["forced_refreshes"] == 1
