"""舆情设置 (/monitor/settings/): the county dictionary, hot-topic clustering, and the report
schedule and recipients. Values are checked by `settings_store.update_settings`; a refusal
changes nothing and shows the Chinese message on its field."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from rongmei.core.views import apply_errors, require_perm
from rongmei.monitor import settings_store
from rongmei.monitor.topic_forms import SettingsForm


@require_perm("monitor.manage")
def settings_page(request):
    current = settings_store.get_settings(request.center)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                settings_store.update_settings(center=request.center, user=request.user,
                                               **{name: form.cleaned_data[name] for name in SettingsForm.FIELDS})
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "舆情设置已保存。")
                return redirect("monitor:settings")
        return render(request, "monitor/settings_page.html", {"form": form, "settings": current}, status=422)
    return render(request, "monitor/settings_page.html", {"form": SettingsForm.of(current), "settings": current})
