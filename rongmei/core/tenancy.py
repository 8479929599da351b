"""The one helper that scopes a tenant's rows. A row of another center is simply not found."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from rongmei.core.models import Center


def scoped(source: type[Model] | QuerySet, center: Center | None) -> QuerySet:
    """Rows of `source` (a model or queryset) that belong to `center`; none without one."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    if center is None:
        return queryset.none()
    return queryset.filter(center=center)


def get_scoped_or_404(source: type[Model] | QuerySet, center: Center | None, **lookup) -> Model:
    """Like get_object_or_404, but another center's object is a 404 too, and so is a lookup
    value that cannot be an id at all ("abc", "²": Django raises ValueError for them)."""
    try:
        return get_object_or_404(scoped(source, center), **lookup)
    except (ValueError, TypeError) as exc:
        raise Http404("没有找到：编号应为正整数。") from exc
