"""Addresses people type in (a live stream's replay, a service link, an account's endpoint)
end up in an href or src that staff and readers click. Only http(s) — and, where a field
says so, a path on this site — may ever be stored or rendered: `javascript:`, `data:`,
`vbscript:`, `file:` and protocol-relative `//host` are refused, however they are disguised
(upper case, spaces or control characters in front or inside the scheme, backslashes).

One rule for models, services, forms and templates, so they can never disagree."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

MESSAGE = "链接只能以 http:// 或 https:// 开头。"
MESSAGE_RELATIVE = "链接只能以 http:// 或 https:// 开头，或是以 / 开头的本站地址。"

# Whitespace, C0/C1 control characters, and the invisible characters browsers strip or
# ignore inside a URL ("java\tscript:", a leading zero-width space ...).
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_HOST = re.compile(r"^([^@/?#]*@)?(\[[0-9a-fA-F:.]+\]|[\w.-]+)(:\d{1,5})?$")


def is_safe_url(value, *, allow_relative: bool = False, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """Whether `value` is an http(s) URL with a host (or, with `allow_relative`, a path on this
    site starting with a single "/"). Anything with whitespace, control characters,
    backslashes or angle brackets is refused outright rather than "cleaned"."""
    if not isinstance(value, str) or not value or _INVISIBLE.search(value):
        return False
    if "\\" in value or "<" in value or ">" in value or '"' in value or "`" in value:
        return False
    if allow_relative and value.startswith("/"):
        return not value.startswith("//")
    scheme, sep, rest = value.partition(":")
    if not sep or scheme.lower() not in schemes or not rest.startswith("//"):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.netloc) and bool(_HOST.match(parts.netloc))


def validate_public_url(value, allow_relative: bool = False) -> None:
    """Raise a ValidationError with a kind Chinese message unless `value` is safe to link to.
    Empty values pass (whether a field is required is the field's business)."""
    if value in (None, ""):
        return
    if not is_safe_url(value, allow_relative=allow_relative):
        raise ValidationError(MESSAGE_RELATIVE if allow_relative else MESSAGE, code="unsafe_url")


@deconstructible
class PublicURLValidator:
    """Field validator form of `validate_public_url` (serialisable into migrations)."""

    def __init__(self, allow_relative: bool = False):
        self.allow_relative = allow_relative

    def __call__(self, value) -> None:
        validate_public_url(value, allow_relative=self.allow_relative)

    def __eq__(self, other) -> bool:
        return isinstance(other, PublicURLValidator) and other.allow_relative == self.allow_relative


def validate_url_with_schemes(value, schemes: tuple[str, ...]) -> None:
    """For endpoints that are not web links (smtp://, sftp://): same disguise checks, other schemes."""
    if value in (None, ""):
        return
    if not is_safe_url(value, schemes=schemes):
        shown = " 或 ".join(f"{s}://" for s in schemes)
        raise ValidationError(f"地址只能以 {shown} 开头。", code="unsafe_url")


def safe_url_or_empty(value, *, allow_relative: bool = True) -> str:
    """The value if it may be put in an href/src, else "" (for rows stored before the rule)."""
    return value if is_safe_url(value, allow_relative=allow_relative) else ""
