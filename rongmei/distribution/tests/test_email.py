"""Email copy through a real SMTP server on loopback (aiosmtpd)."""

import pytest
from aiosmtpd.controller import Controller

from rongmei.distribution import outbox, services
from rongmei.distribution.models import Publication
from rongmei.testing.live import free_port


class Inbox:
    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    controller.stop()


def deliver_all():
    for message in outbox.claim("w", limit=10):
        outbox.process(message, "w")


def test_copy_is_mailed_with_a_stable_message_id(demo, operator, signed_story, smtp):
    account = services.create_account(center=demo["demo"], user=None, kind="email", name="市报编辑部", base_url=smtp.url,
                                      options={"to": ["desk@city-paper.example"], "from": "rongmei@demo.example"})
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.SENT
    assert len(smtp.messages) == 1 and publication.remote_id in smtp.messages[0]
    assert "X-Rongmei-Guid" in smtp.messages[0]


def test_refused_recipient_fails_at_once(demo, operator, signed_story, smtp):
    smtp.refuse = True
    account = services.create_account(center=demo["demo"], user=None, kind="email", name="拒收的邮箱", base_url=smtp.url,
                                      options={"to": ["nobody@example"], "from": "rongmei@demo.example"})
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.FAILED and "nobody@example" in publication.last_error


def test_unreachable_server_is_retried(demo, operator, signed_story):
    account = services.create_account(center=demo["demo"], user=None, kind="email", name="关机的邮件服务器",
                                      base_url="smtp://127.0.0.1:1", options={"to": ["a@b.example"], "from": "c@d.example"})
    services.publish(story=signed_story, user=operator, account_ids=[account.pk])
    deliver_all()
    assert Publication.objects.get(account=account).status == Publication.Status.RETRYING
