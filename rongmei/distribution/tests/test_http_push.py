"""HTTP push against a real subscriber on loopback: signed ninjs, 5xx retried, 4xx refused."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rongmei.distribution import outbox, services
from rongmei.distribution.formatters import validate_ninjs, verify_signature
from rongmei.distribution.models import OutboxMessage, Publication


class Subscriber:
    def __init__(self):
        self.received = []
        self.answers = []  # status codes to give, in order; then 200
        subscriber = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                subscriber.received.append((dict(self.headers), body))
                status = subscriber.answers.pop(0) if subscriber.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"no thanks" if status == 400 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def subscriber():
    s = Subscriber()
    yield s
    s.stop()


def deliver_all(now=None):
    for message in outbox.claim("w", limit=50, now=now):
        outbox.process(message, "w")


def test_signed_ninjs_reaches_the_subscriber(demo, operator, signed_story, subscriber):
    account = services.create_account(center=demo["demo"], user=None, kind="http_push", name="市级平台", base_url=subscriber.url,
                                      secret="s3cret")
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    headers, body = subscriber.received[0]
    assert verify_signature(body, headers["X-Rongmei-Signature"], "s3cret")
    document = json.loads(body)
    validate_ninjs(document)
    assert document["headlines"][0]["value"] == signed_story.headline
    assert headers["X-Rongmei-Delivery"] == OutboxMessage.objects.get(account=account).idempotency_key
    assert Publication.objects.get(account=account).status == Publication.Status.SENT


def test_5xx_is_retried_and_4xx_fails_at_once(demo, operator, signed_story, subscriber):
    import datetime as dt

    from django.utils import timezone

    flaky = services.create_account(center=demo["demo"], user=None, kind="http_push", name="不稳定的订阅方", base_url=subscriber.url,
                                    secret="k")
    subscriber.answers = [503]
    services.publish(story=signed_story, user=operator, account_ids=[flaky.pk])
    deliver_all()
    publication = Publication.objects.get(account=flaky)
    assert publication.status == Publication.Status.RETRYING and "503" in publication.last_error
    deliver_all(now=timezone.now() + dt.timedelta(minutes=5))
    assert Publication.objects.get(account=flaky).status == Publication.Status.SENT
    assert len(subscriber.received) == 2 and subscriber.received[0][1] == subscriber.received[1][1]  # same bytes again

    strict = services.create_account(center=demo["demo"], user=None, kind="http_push", name="挑剔的订阅方", base_url=subscriber.url,
                                     secret="k")
    subscriber.answers = [400]
    services.publish(story=signed_story, user=operator, account_ids=[strict.pk])
    deliver_all()
    refused = Publication.objects.get(account=strict)
    assert refused.status == Publication.Status.FAILED and "no thanks" in refused.last_error


def test_unreachable_subscriber_is_retried(demo, operator, signed_story):
    account = services.create_account(center=demo["demo"], user=None, kind="http_push", name="关机的订阅方",
                                      base_url="http://127.0.0.1:1/hook", secret="k")
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    assert Publication.objects.get(account=account).status == Publication.Status.RETRYING


def test_account_without_secret_fails_with_a_clear_message(demo, operator, signed_story, subscriber):
    from django.core.exceptions import ValidationError

    account = services.create_account(center=demo["demo"], user=None, kind="http_push", name="没配密钥", base_url=subscriber.url)
    with pytest.raises(ValidationError) as refused:  # the pre-flight says it before anything is sent
        services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    assert "没配密钥" in "；".join(refused.value.messages) and "签名密钥" in "；".join(refused.value.messages)
    assert not Publication.objects.filter(account=account).exists()
    # a secret cleared after publishing: the delivery itself still fails with a clear message
    services.update_account(account=account, user=operator, secret="k")
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    services.update_account(account=account, user=operator, clear_secret=True)
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.FAILED and "推送密钥" in publication.last_error
    assert subscriber.received == []
