"""Citizens' contact data on staff screens: masked everywhere (138****1234, z***@example.cn)
unless a person whose work needs it asks to see it, which is audited (see the rooms'
`reveal_*_contact` services). Pure functions, used by every room that shows such data."""

from __future__ import annotations

import re

# An 11-digit mobile number, or a landline of 7–8 digits with or without its area code
# (0000-6201008, 075512345678), not inside a longer run of digits.
_PHONE = re.compile(r"(?<![\d])(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8}|\d{7,8})(?![\d])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits (enough to tell two numbers apart)."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****" if digits else ""


def mask_email(email: str) -> str:
    """z***@example.cn: the first letter and the domain."""
    local, at, domain = (email or "").partition("@")
    if not at:
        return "***" if email else ""
    return f"{local[:1]}***@{domain}"


def mask_contact(text: str) -> str:
    """Every phone number and e-mail address in free text masked; the rest (a name, 微信) kept."""
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text or "")
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


def mask_mobiles(text: str) -> str:
    """Mobile numbers inside running text (a tip's story) masked; other numbers (sums,
    dates, counts) are news and stay."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text or "")


def has_contact(text: str) -> bool:
    """Whether masking would hide anything."""
    return mask_contact(text) != (text or "")
