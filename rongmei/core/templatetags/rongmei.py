from django import template

from rongmei.core import audit_labels

register = template.Library()


@register.filter
def audit_label(action: str) -> str:
    return audit_labels.label(action)


@register.filter
def audit_object(event) -> str:
    return audit_labels.object_label(event)


@register.filter
def audit_actor(event) -> str:
    return audit_labels.actor_label(event)
