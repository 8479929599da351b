"""Contact data never leaves the staff screens: phones are shown masked (138****1234)."""

from __future__ import annotations


from rongmei.core.privacy import mask_contact, mask_email, mask_phone  # noqa: F401  (one masking for every room)


def public_name(case) -> str:
    """The name the citizen chose to show, else 网友."""
    return case.name if case.show_name and case.name else "网友"
