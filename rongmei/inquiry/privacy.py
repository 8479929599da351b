"""Contact data never leaves the staff screens: phones are shown masked (138****1234)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****" if digits else ""


def public_name(case) -> str:
    """The name the citizen chose to show, else 网友."""
    return case.name if case.show_name and case.name else "网友"
