"""Background work of the core: mailing notifications; delivering the messaging outbox."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from rongmei.core.models import Notification


@task
def email_notifications(notification_ids: list[int]) -> int:
    """Mail each notification once (emailed_at marks it), so a retried task sends nothing twice."""
    sent = 0
    for note in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("recipient", "center"):
        if not note.recipient.email:
            continue
        link = f"{settings.RONGMEI_BASE_URL}{note.url}" if note.url else ""
        send_mail(
            subject=f"[{note.center.name}] {note.title}",
            message="\n\n".join(filter(None, [note.body, link, "—— 融媒工作平台"])),
            from_email=None, recipient_list=[note.recipient.email],
        )
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
        sent += 1
    return sent


# -- 17:NC --

@task
def deliver_messages() -> dict:
    """Deliver the messaging outbox's due rows (enqueued after a notify commits)."""
    from rongmei.core.messaging.outbox import deliver_due

    return deliver_due()


@db_periodic_task(crontab(minute="*"))
def sweep_messages() -> dict:
    """Every minute: anything due that no task picked up (a lost task, a crashed worker whose
    lease ran out, a message held for quiet hours that may now go)."""
    from rongmei.core.messaging.outbox import deliver_due

    return deliver_due()
