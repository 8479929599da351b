"""传播力设置 (/analytics/settings/): the weight of each outlet in the center's transmission
index (传播力指数). Checked by `indices.update_weights` (non-negative integers adding up to
100); a refusal changes nothing and says why; a save over someone else's newer save answers
409 with their weights shown, so nobody overwrites a change they have not seen."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from rongmei.analytics import indices
from rongmei.analytics.forms import WeightsForm
from rongmei.analytics.models import Outlet
from rongmei.analytics.outlets import label as outlet_label
from rongmei.core.views import require_perm

PREVIEW_DAYS = 30


def _context(request, form, current, **extra) -> dict:
    """The form, the saved weights, and the index they give over the last 30 days (each
    outlet's sub-index, outlets without data named) so the effect of a weight is visible."""
    weights = current.index_weights or {}
    today = timezone.localdate()
    preview = indices.transmission_index(request.center, today - dt.timedelta(days=PREVIEW_DAYS - 1), today)
    return {"form": form, "current": current, "preview": preview,
            "current_weights": [(outlet_label(o), w) for o, w in sorted(weights.items(), key=lambda i: (-int(i[1]), i[0]))
                                if o in Outlet.values],
            **extra}


@require_perm("analytics.manage")
def settings_page(request):
    current = indices.settings_of(request.center)
    if request.method != "POST":
        form = WeightsForm(weights=current.index_weights, version=current.version)
        return render(request, "analytics/settings/settings_page.html", _context(request, form, current))
    form = WeightsForm(request.POST, weights=current.index_weights)
    if form.is_valid():
        try:
            indices.update_weights(center=request.center, user=request.user, weights=form.weights(),
                                   version=form.cleaned_data["version"])
        except indices.StaleWeights as exc:
            current.refresh_from_db()
            return render(request, "analytics/settings/settings_page.html",
                          _context(request, form, current, conflict=exc.message, latest_version=current.version), status=409)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                name = f"w_{field}"
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "传播力指数权重已保存。")
            return redirect("analytics:settings")
    return render(request, "analytics/settings/settings_page.html", _context(request, form, current), status=422)
