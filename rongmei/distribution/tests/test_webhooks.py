"""Webhooks (issue 14) against a real receiver on loopback that checks every signature:
written with the change they report, signed, retried with backoff, never lost or doubled."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from rongmei.core import events
from rongmei.core.models import User
from rongmei.distribution import outbox, webhooks
from rongmei.distribution.models import OutboxMessage, WebhookEndpoint
from rongmei.review.models import Review


class Receiver:
    """A webhook receiver as a center's program would write it: it checks the signature over
    "timestamp.body" and drops a delivery id it has already handled."""

    def __init__(self):
        self.secret = ""
        self.received = []  # (headers, body) of every request
        self.other = []
        self.handled = {}  # delivery id -> document: what a deduplicating receiver keeps
        self.answers = []  # (status, headers) to give, in order; then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = dict(self.headers)
                if self.path.endswith("/ninjs"):  # an http_push account's subscriber, on the same server
                    receiver.other.append(body)
                    self.send_response(200)
                    self.end_headers()
                    return
                receiver.received.append((headers, body))
                status, extra = receiver.answers.pop(0) if receiver.answers else (200, {})
                if status == 200:
                    if not receiver.verify(headers, body):
                        status = 401
                    else:
                        receiver.handled.setdefault(headers["X-Rongmei-Delivery"], json.loads(body))
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no thanks")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def verify(self, headers: dict, body: bytes) -> bool:
        expected = hmac.new(self.secret.encode(), headers["X-Rongmei-Timestamp"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        return hmac.compare_digest("sha256=" + expected, headers.get("X-Rongmei-Signature", ""))

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def receiver(settings):
    settings.RONGMEI_LINKCHECK_ALLOW = ["127.0.0.1"]  # the test receiver is on this machine
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


def make_endpoint(demo, admin, receiver, kinds, center="demo", name="测试接收方"):
    endpoint, secret = webhooks.create_endpoint(center=demo[center], user=admin, name=name, url=receiver.url, kinds=kinds)
    receiver.secret = secret
    return endpoint


def run_outbox(now=None):
    """One pass of the outbox worker (the same claim and process as `rongmei serve`)."""
    done = 0
    for message in outbox.claim("test-worker", limit=50, now=now):
        outbox.process(message, "test-worker")
        done += 1
    return done


def later(seconds=7200):
    return timezone.now() + dt.timedelta(seconds=seconds)


def test_signing_off_a_story_sends_exactly_one_signed_delivery(demo, admin, receiver):
    from rongmei.distribution.tests.conftest import approve_all

    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    review = Review.objects.filter(center=demo["demo"], status=Review.Status.IN_REVIEW).order_by("id").first()
    story = approve_all(review)
    assert Review.objects.get(pk=review.pk).status == Review.Status.SIGNED_OFF
    messages = OutboxMessage.objects.filter(webhook=endpoint)
    assert messages.count() == 1  # written by the sign-off's own transaction
    assert run_outbox() == 1
    assert run_outbox(later()) == 0  # done: never sent again
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert receiver.verify(headers, body)
    assert headers["X-Rongmei-Event"] == "story.signed_off"
    document = json.loads(body)
    assert document["event"] == "story.signed_off" and document["center"] == "demo"
    assert document["data"]["story"]["id"] == story.pk
    assert document["id"] == headers["X-Rongmei-Delivery"] == messages.get().idempotency_key
    assert messages.get().status == OutboxMessage.Status.DONE


def test_500_twice_then_200_is_three_attempts_one_success_same_delivery_id(demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    receiver.answers = [(500, {}), (503, {})]
    message = webhooks.ping(endpoint=endpoint, user=admin)
    assert run_outbox() == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.available_at > timezone.now()
    assert run_outbox() == 0  # backing off: not due yet
    assert run_outbox(later()) == 1
    assert run_outbox(later(2 * 7200)) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DONE and message.attempts == 3
    ids = {h["X-Rongmei-Delivery"] for h, _ in receiver.received}
    assert len(receiver.received) == 3 and ids == {message.idempotency_key}
    assert list(receiver.handled) == [message.idempotency_key]
    tries = list(message.attempts_log.order_by("id"))
    assert [t.status_code for t in tries] == [500, 503, 200]
    assert [t.outcome for t in tries] == ["retry", "retry", "ok"]
    assert all(t.next_attempt_at and t.next_attempt_at > t.finished_at for t in tries[:2])  # the backoff chosen
    assert tries[2].next_attempt_at is None


def test_a_worker_killed_mid_delivery_is_finished_by_the_next_with_the_same_id(demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    message = webhooks.ping(endpoint=endpoint, user=admin)
    # The first worker claims it, marks it in flight, posts it ... and dies before recording.
    [claimed] = outbox.claim("doomed-worker")
    OutboxMessage.objects.filter(pk=claimed.pk).update(in_flight=True)
    assert webhooks.deliver(claimed).kind == "ok"
    assert run_outbox() == 0  # its lease still runs
    assert run_outbox(later(outbox.LEASE_SECONDS + 5)) == 1  # lease expired: reclaimed
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DONE and message.attempts == 2
    assert [h["X-Rongmei-Delivery"] for h, _ in receiver.received] == [message.idempotency_key] * 2
    assert len(receiver.handled) == 1  # the receiver dropped the duplicate
    # the doomed worker cannot record anything any more
    assert not outbox.record(claimed, "doomed-worker", outbox.Outcome.ok(), timezone.now(), {})


@pytest.mark.parametrize("status", [400, 404, 410, 302])
def test_a_refusal_or_a_redirect_fails_at_once(demo, admin, receiver, status):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    receiver.answers = [(status, {"Location": "http://169.254.169.254/"} if status == 302 else {})]
    message = webhooks.ping(endpoint=endpoint, user=admin)
    run_outbox()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD and message.attempts == 1
    assert str(status) in message.last_error
    assert len(receiver.received) == 1  # nothing followed, nothing retried
    assert run_outbox(later()) == 0


def test_429_honours_retry_after_and_a_dead_delivery_can_be_resent(demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    receiver.answers = [(429, {"Retry-After": "120"})]
    message = webhooks.ping(endpoint=endpoint, user=admin)
    before = timezone.now()
    run_outbox()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert before + dt.timedelta(seconds=115) < message.available_at < timezone.now() + dt.timedelta(seconds=125)
    # now it keeps failing until it is dead; the admin resends it
    OutboxMessage.objects.filter(pk=message.pk).update(max_attempts=2)
    receiver.answers = [(500, {})]
    run_outbox(later())
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD and "重试 2 次仍失败" in message.last_error
    webhooks.resend(message=message, user=admin)
    run_outbox()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DONE
    assert {h["X-Rongmei-Delivery"] for h, _ in receiver.received} == {message.idempotency_key}


def test_a_rolled_back_change_sends_nothing(demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["publication.sent"])
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            events.emit(demo["demo"], "publication.sent", {"publication": {"id": 1}})
            assert OutboxMessage.objects.filter(webhook=endpoint).count() == 1
            raise RuntimeError("the change failed after the event was written")
    assert not OutboxMessage.objects.filter(webhook=endpoint).exists()
    assert run_outbox() == 0 and receiver.received == []


def test_only_subscribed_kinds_of_the_own_center_reach_an_endpoint(demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["publication.sent"])
    off = make_endpoint(demo, admin, receiver, ["publication.sent"], name="停用的接收方")
    webhooks.set_active(endpoint=off, user=admin, active=False)
    events.emit(demo["linxian"], "publication.sent", {"publication": {"id": 1}})  # the other center's event
    events.emit(demo["demo"], "publication.failed", {"publication": {"id": 1}})  # not subscribed
    assert not OutboxMessage.objects.filter(webhook__in=[endpoint, off]).exists()
    events.emit(demo["demo"], "publication.sent", {"publication": {"id": 1}})
    assert list(OutboxMessage.objects.filter(webhook__in=[endpoint, off]).values_list("webhook_id", flat=True)) == [endpoint.pk]


def test_inquiry_overdue_emits_without_citizen_contact_data(demo, admin, receiver):
    from rongmei.inquiry import chasing
    from rongmei.inquiry.models import Assignment, Case

    endpoint = make_endpoint(demo, admin, receiver, ["inquiry.overdue"])
    open_work = Assignment.objects.filter(case__center=demo["demo"], status=Assignment.Status.OPEN, chased_at__isnull=True,
                                          case__status=Case.Status.PROCESSING, case__due_at__isnull=False)
    cases = set(open_work.values_list("case_id", flat=True))
    assert cases, "the demo has open cases"
    Case.objects.filter(pk__in=cases).update(phone="13912345678", email="citizen@example.com")
    chasing.chase(now=timezone.now() + dt.timedelta(days=30))
    messages = list(OutboxMessage.objects.filter(webhook=endpoint))
    assert {m.payload["data"]["case"]["id"] for m in messages} == cases
    assert all(m.event == "inquiry.overdue" for m in messages)
    text = json.dumps([m.payload for m in messages], ensure_ascii=False)
    assert "13912345678" not in text and "citizen@example.com" not in text
    passes = 0
    while run_outbox():  # one at a time: deliveries keep their order per endpoint
        passes += 1
    assert passes == len(messages) and len(receiver.handled) == len(messages)
    received = [json.loads(body)["id"] for _, body in receiver.received]
    assert received == [m.idempotency_key for m in sorted(messages, key=lambda m: m.pk)]


def test_publication_sent_is_reported_by_the_outbox(demo, admin, receiver, operator, signed_story):
    from rongmei.distribution import services

    endpoint = make_endpoint(demo, admin, receiver, ["publication.sent", "publication.failed"])
    own = demo["demo"]
    account = services.create_account(center=own, user=None, kind="http_push", name="订阅方甲",
                                      base_url=receiver.url + "/ninjs",
                                      secret="s3cret")
    [publication] = services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    run_outbox()  # the publication goes out; its "sent" event is written with the outcome
    events_written = list(OutboxMessage.objects.filter(webhook=endpoint).values_list("event", flat=True))
    assert events_written == ["publication.sent"]
    run_outbox()
    document = json.loads(receiver.received[-1][1])
    assert document["data"]["publication"]["id"] == publication.pk
    assert document["data"]["story"]["id"] == signed_story.pk


def test_a_private_address_is_refused_at_delivery(demo, admin, receiver, settings):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    settings.RONGMEI_LINKCHECK_ALLOW = []
    message = webhooks.ping(endpoint=endpoint, user=admin)
    run_outbox()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD and "内网" in message.last_error
    assert receiver.received == []


# --- API -------------------------------------------------------------------------------------------

def test_api_create_returns_the_secret_once_and_validates(login, demo, receiver):
    client = login("admin")
    answer = client.post("/api/v1/webhooks", {"name": "接口建的", "url": receiver.url, "kinds": ["inquiry.answered"]},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    created = answer.json()
    assert created["secret"].startswith("whsec_") and created["has_secret"]
    shown = client.get(f"/api/v1/webhooks/{created['id']}")
    assert shown.status_code == 200 and "secret" not in shown.json()
    assert created["secret"] not in client.get("/api/v1/webhooks?limit=200").content.decode()
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert created["secret"] not in endpoint.secret  # encrypted at rest
    for bad, field in [({"url": "javascript:alert(1)"}, "url"), ({"url": "http://10.1.2.3/hook"}, "url"),
                       ({"kinds": ["story.deleted"]}, "kinds"), ({"kinds": []}, "kinds"), ({"name": "接口建的"}, "name")]:
        data = {"name": "另一个", "url": receiver.url, "kinds": ["inquiry.answered"], **bad}
        refused = client.post("/api/v1/webhooks", data, content_type="application/json")
        assert refused.status_code == 422, (bad, refused.content)
        assert field in refused.json()["errors"]
    assert WebhookEndpoint.objects.filter(center=demo["demo"], name="另一个").count() == 0


def test_api_update_conflict_pagination_ping_and_deliveries(login, demo, admin, receiver):
    client = login("admin")
    make_endpoint(demo, admin, receiver, ["story.signed_off"], name="乙")
    first = make_endpoint(demo, admin, receiver, ["story.signed_off"], name="甲")  # the receiver knows 甲's secret
    page = client.get("/api/v1/webhooks?limit=1").json()
    assert len(page["items"]) == 1 and page["next"]
    rest = client.get(f"/api/v1/webhooks?limit=200&cursor={page['next']}").json()
    assert page["items"][0]["id"] not in [i["id"] for i in rest["items"]] and rest["next"] is None
    assert client.get("/api/v1/webhooks?cursor=broken").status_code == 400
    body = {"name": "甲改", "url": receiver.url, "kinds": ["publication.sent"], "is_active": True, "version": 1}
    assert client.put(f"/api/v1/webhooks/{first.pk}", body, content_type="application/json").json()["version"] == 2
    stale = client.put(f"/api/v1/webhooks/{first.pk}", {**body, "name": "甲再改"}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["detail"]
    assert WebhookEndpoint.objects.get(pk=first.pk).name == "甲改"
    pinged = client.post(f"/api/v1/webhooks/{first.pk}/ping")
    assert pinged.status_code == 202 and pinged.json()["event"] == "ping"
    run_outbox()
    deliveries = client.get(f"/api/v1/webhooks/{first.pk}/deliveries").json()["items"]
    assert deliveries[0]["status"] == "done" and deliveries[0]["tries"][0]["status_code"] == 200
    assert client.delete(f"/api/v1/webhooks/{first.pk}").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=first.pk).exists()


def test_api_permission_and_tenancy(login, demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    assert login("operator").get("/api/v1/webhooks").status_code == 403
    assert login("operator").post(f"/api/v1/webhooks/{endpoint.pk}/ping").status_code == 403
    assert login("lx_reporter").get(f"/api/v1/webhooks/{endpoint.pk}").status_code in (403, 404)
    # an admin of the other center gets a 404 for this one
    lx = webhooks.create_endpoint(center=demo["linxian"], user=admin, name="邻县的", url=receiver.url,
                                  kinds=["story.signed_off"])[0]
    assert login("admin").get(f"/api/v1/webhooks/{lx.pk}").status_code == 404
    assert login("admin").post(f"/api/v1/webhooks/{lx.pk}/ping").status_code == 404
    assert not OutboxMessage.objects.filter(webhook=lx).exists()


# --- Screen ----------------------------------------------------------------------------------------

def test_screen_shows_the_secret_once_and_lists_deliveries(login, demo, receiver):
    client = login("admin")
    page = client.get("/distribution/webhooks/")
    assert page.status_code == 200 and "示例接收方" in page.content.decode()
    made = client.post("/distribution/webhooks/new/", {"name": "屏幕建的", "url": receiver.url,
                                                       "kinds": ["story.signed_off", "inquiry.overdue"], "is_active": "on"})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(center=demo["demo"], name="屏幕建的")
    secret = made.context["secret"]
    assert secret in made.content.decode()
    detail = client.get(f"/distribution/webhooks/{endpoint.pk}/")
    assert detail.status_code == 200 and secret not in detail.content.decode()
    receiver.secret = secret
    client.post(f"/distribution/webhooks/{endpoint.pk}/action/", {"action": "ping"})
    run_outbox()
    assert len(receiver.handled) == 1
    assert "HTTP 200" in client.get(f"/distribution/webhooks/{endpoint.pk}/").content.decode()
    bad = client.post("/distribution/webhooks/new/", {"name": "坏的", "url": "javascript:alert(1)", "kinds": ["story.signed_off"]})
    assert bad.status_code == 200 and "http://" in bad.content.decode()
    assert not WebhookEndpoint.objects.filter(name="坏的").exists()
    assert login("operator").get("/distribution/webhooks/").status_code == 403


def test_screen_edit_keeps_a_concurrent_change(login, demo, admin, receiver):
    endpoint = make_endpoint(demo, admin, receiver, ["story.signed_off"])
    client = login("admin")
    form = {"name": "我改的", "url": receiver.url, "kinds": ["story.signed_off"], "is_active": "on", "version": "1"}
    webhooks.update_endpoint(endpoint=endpoint, user=admin, name="别人先改的", url=receiver.url,
                             kinds=["story.signed_off"], is_active=True, version=1)
    stale = client.post(f"/distribution/webhooks/{endpoint.pk}/", form)
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).name == "别人先改的"
    saved = client.post(f"/distribution/webhooks/{endpoint.pk}/", {**form, "version": "2"})
    assert saved.status_code == 302 and WebhookEndpoint.objects.get(pk=endpoint.pk).name == "我改的"


def test_the_outbox_asks_whether_anyone_listens_before_building_an_event(demo, admin, receiver):
    """`events.listening`: only an active endpoint of the center that subscribes to the kind
    makes the delivery worker build and write a publication event."""
    own, other = demo["demo"], demo["linxian"]
    assert not events.listening(own.pk, "publication.sent")
    endpoint = make_endpoint(demo, admin, receiver, ["publication.failed"])
    assert not events.listening(own.pk, "publication.sent") and events.listening(own.pk, "publication.failed")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(kinds=["publication.sent"])
    assert events.listening(own.pk, "publication.sent")
    assert not events.listening(other.pk, "publication.sent")  # another center's endpoint does not count
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert not events.listening(own.pk, "publication.sent")
