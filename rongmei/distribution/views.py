from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import require_perm
from rongmei.distribution import selectors, services
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.selectors import story_for_page
from rongmei.review.selectors import is_signed_off


@require_perm("distribution.publish")
def story_board(request, pk: int):
    """一键分发 and the live status board of one story."""
    story = story_for_page(request.center, pk)
    if request.method == "POST":
        try:
            when = _when(request.POST.get("scheduled_at", ""))
            made = services.publish(story=story, user=request.user,
                                    account_ids=[int(x) for x in request.POST.getlist("account") if x.isdigit()],
                                    group_ids=[int(x) for x in request.POST.getlist("group") if x.isdigit()],
                                    scheduled_at=when)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已提交 {len(made)} 个账号的发布。" if made else "所选账号都已发布过这一版本，没有重复发送。")
        return redirect("distribution:story", pk=story.pk)
    publications = selectors.board(story)
    summary = selectors.board_summary(publications)
    context = {"story": story, "publications": publications, "summary": summary,
               "summary_labels": selectors.summary_labels(summary),
               "signed_off": is_signed_off(story), "accounts": selectors.accounts(request.center).filter(is_active=True),
               "groups": selectors.groups(request.center)}
    if request.htmx:
        return render(request, "distribution/_board.html", context)
    return render(request, "distribution/story.html", context)


def _when(raw: str):
    if not raw:
        return None
    try:
        value = dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationError("定时发布时间格式应为 2026-12-01 09:30。")
    return timezone.make_aware(value)


@require_POST
@require_perm("distribution.publish")
def takedown(request, pk: int):
    story = story_for_page(request.center, pk)
    try:
        count = services.take_down(story=story, user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"撤稿已提交，{count} 个渠道正在撤下。")
    return redirect("distribution:story", pk=story.pk)


@require_POST
@require_perm("distribution.publish")
def publication_action(request, pk: int):
    publication = get_scoped_or_404(Publication, request.center, pk=pk)
    try:
        if request.POST.get("action") == "resend":
            services.resend(publication=publication, user=request.user)
            messages.success(request, f"已重新提交：{publication.account.name}")
        else:
            services.cancel(publication=publication, user=request.user)
            messages.success(request, f"已取消：{publication.account.name}")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("distribution:story", pk=publication.story_id)


@require_perm("distribution.manage_accounts")
def matrix(request):
    today = timezone.localdate()
    return render(request, "distribution/matrix.html", {
        "accounts": selectors.accounts(request.center), "groups": selectors.groups(request.center),
        "stale": selectors.stale_accounts(request.center, 10), "kinds": ChannelAccount.Kind.choices,
        "ranking": selectors.monthly_ranking(request.center, today.year, today.month),
    })
