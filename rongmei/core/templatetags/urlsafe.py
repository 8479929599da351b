"""`{{ value|safe_href }}`: belt and braces for addresses rendered into href/src/action.

Fields validate addresses when they are saved (rongmei.core.validators); this filter also
drops any value that is not http(s) or a path on this site, so a row stored before that rule
(or written by a migration or a remote platform's answer) can never become a javascript: link.
Registered as a template builtin in settings, so no {% load %} is needed."""

from __future__ import annotations

from django import template

from rongmei.core.validators import safe_url_or_empty

register = template.Library()


@register.filter
def safe_href(value) -> str:
    return safe_url_or_empty(value, allow_relative=True)
