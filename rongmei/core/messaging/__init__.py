"""Messages that reach people outside the platform: 企业微信 application messages, 钉钉 work
notifications, group robots (WeCom, DingTalk, Feishu), email and SMS, all through one
outbox (retried, never doubled, visible on the delivery log).

Interface for other parts:
- ``enqueue(center=, kind=, address=, title=, ..., key=)`` → MessageDelivery (idempotent on key)
- ``register_sender(kind, fn, dedupes=False)``; ``fn(delivery) -> SendResult``
- ``SendResult.ok/retry/fail``; ``address_of(delivery)`` gives the clear address to a sender
- ``dispatch.fan_out`` is what ``core.services.notify(event=, urgent=)`` calls
- ``events.EVENTS`` the event catalogue
"""

from rongmei.core.messaging.outbox import (  # noqa: F401
    SENDERS,
    SendResult,
    address_of,
    cancel,
    deliver_due,
    enqueue,
    mask_address,
    register_sender,
    retry_now,
)
