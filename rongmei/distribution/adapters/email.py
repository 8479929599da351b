"""Email (SMTP) for outlets that take copy by mail: the story as plain text and HTML with
its pictures. The account's base URL names the server (smtp://host:port, or smtps:// for
TLS on connect; ?starttls=1 to upgrade); its secret, when set, is "user:password"; its
options hold "to" (a list) and "from".

SMTP cannot be asked afterwards whether a message arrived, so every message carries a
Message-ID made from the delivery's idempotency key: a retry after a lost answer repeats
the same Message-ID, which mail systems use to drop the duplicate. 4xx answers and network
errors retry; 5xx answers (refused recipient, refused content) fail at once.
"""

from __future__ import annotations

import smtplib
import socket
from urllib.parse import parse_qs, urlparse

from rongmei.distribution import items, secrets
from rongmei.distribution.formatters import email_message
from rongmei.distribution.outbox import Delivery, Outcome

TIMEOUT = 20


def deliver(delivery: Delivery) -> Outcome:
    message = delivery.message
    account = message.account
    server = urlparse(account.base_url or "")
    if server.scheme not in ("smtp", "smtps") or not server.hostname:
        return Outcome.fail("邮件账号的服务器地址无效，应为 smtp://主机:端口 或 smtps://主机:端口。")
    try:
        item = items.build(message.publication, message.action, note=delivery.progress.get("reason", ""))
        mail = email_message(item, to=account.options.get("to", []), sender=account.options.get("from", ""))
        credentials = secrets.decrypt(account.secret)
    except ValueError as exc:
        return Outcome.fail(str(exc))
    mail["Message-ID"] = f"<{message.idempotency_key}@rongmei.{account.center.slug}>"
    try:
        _send(server, credentials, mail)
    except smtplib.SMTPResponseException as exc:
        text = f"邮件服务器答复 {exc.smtp_code}：{exc.smtp_error.decode('utf-8', 'replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
        return Outcome.retry(text) if 400 <= exc.smtp_code < 500 else Outcome.fail(text)
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome.fail(f"收件人被拒绝：{', '.join(exc.recipients)}")
    except (smtplib.SMTPException, socket.timeout, OSError) as exc:
        return Outcome.retry(f"连接邮件服务器失败：{exc}")
    return Outcome.ok(remote_id=mail["Message-ID"], detail=f"已发送给 {mail['To']}")


def _send(server, credentials: str, mail) -> None:
    port = server.port or (465 if server.scheme == "smtps" else 25)
    client_class = smtplib.SMTP_SSL if server.scheme == "smtps" else smtplib.SMTP
    with client_class(server.hostname, port, timeout=TIMEOUT) as client:
        if server.scheme == "smtp" and parse_qs(server.query).get("starttls", ["0"])[0] == "1":
            client.starttls()
        if credentials:
            user, _, password = credentials.partition(":")
            client.login(user, password)
        client.send_message(mail)
