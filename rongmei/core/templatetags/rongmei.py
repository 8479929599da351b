from django import template

from rongmei.core import audit_labels

register = template.Library()


@register.filter
def audit_label(action: str) -> str:
    return audit_labels.label(action)
