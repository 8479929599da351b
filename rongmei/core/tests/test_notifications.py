"""The notification centre, and notifications mailed through a real SMTP server on loopback."""

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from rongmei.core import services
from rongmei.core.models import Notification, User
from rongmei.core.tasks import email_notifications
from rongmei.testing.live import free_port


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "融媒工作平台 <noreply@demo.local>"
    yield inbox
    controller.stop()
    mail.outbox = []


def test_notifications_are_mailed_once(demo, smtp_server):
    reporter = User.objects.get(username="reporter")
    reporter.email = "wanglei@demo.local"
    reporter.save()
    notes = services.notify(center=demo["demo"], recipients=[reporter], title="新采访任务：东湖冬捕", body="东湖镇 · 交稿时限 12-01 18:00",
                            url="/planning/assignments/1/")
    assert email_notifications.call([n.pk for n in notes]) == 1
    assert email_notifications.call([n.pk for n in notes]) == 0  # a retried task sends nothing twice
    assert len(smtp_server.messages) == 1
    recipients, content = smtp_server.messages[0]
    assert recipients == ["wanglei@demo.local"]
    assert "/planning/assignments/1/" in content
    assert Notification.objects.get(pk=notes[0].pk).emailed_at is not None


def test_bell_shows_unread_and_opening_marks_read(login, demo):
    reporter = User.objects.get(username="reporter")
    note = services.notify(center=demo["demo"], recipients=[reporter], title="选题已通过", url="/planning/topics/")[0]
    client = login("reporter")
    assert 'data-testid="unread">1<' in client.get("/notifications/badge/").content.decode()
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/planning/topics/"
    assert "unread" not in client.get("/notifications/badge/").content.decode()
    assert login("editor").get(f"/notifications/{note.pk}/").status_code == 404
