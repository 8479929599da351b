"""Formatters: what shape a story takes for each outlet (Superdesk's split; the
transmitter decides how it travels).

Every formatter is a pure function of a `PublishItem`: no database, no network, the same
bytes for the same item, so a retried delivery sends exactly what the first attempt did.
Corrections, takedowns and holds are the same item with another `pubstatus` or a
`correction_note`; each formatter gives them their own shape.

- `to_ninjs`, `validate_ninjs`: IPTC ninjs 3.1 for partners and the app
- `push_payload`, `sign`, `verify_signature`: signed JSON for HTTP push
- `newspaper_package`: Word, XML, original pictures and a manifest for the layout desk
- `Rundown` and `rundown_csv` / `rundown_docx` / `rundown_pdf`: the broadcast 串联单
- `email_message`: the story as an e-mail with inline pictures
"""

from .mail import email_message
from .newspaper import newspaper_package
from .ninjs import NINJS_VERSION, NinjsError, ninjs_errors, to_ninjs, validate_ninjs
from .push import push_payload, sign, verify_signature
from .rundown import (
    KINDS as RUNDOWN_KINDS,
    Rundown,
    RundownEntry,
    rundown_csv,
    rundown_docx,
    rundown_entry,
    rundown_pdf,
)
from rongmei.newsroom.generators.types import BylineInput

from .types import ChannelCopy, PublishImage, PublishItem, PublishMedia

__all__ = [
    "NINJS_VERSION",
    "RUNDOWN_KINDS",
    "BylineInput",
    "ChannelCopy",
    "NinjsError",
    "PublishImage",
    "PublishItem",
    "PublishMedia",
    "Rundown",
    "RundownEntry",
    "email_message",
    "newspaper_package",
    "ninjs_errors",
    "push_payload",
    "rundown_csv",
    "rundown_docx",
    "rundown_entry",
    "rundown_pdf",
    "sign",
    "to_ninjs",
    "validate_ninjs",
    "verify_signature",
]
