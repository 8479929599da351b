from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.ids import parse_id
from rongmei.core.views import apply_errors, require_perm
from rongmei.distribution import selectors, services
from rongmei.distribution.callbacks import parse_wechat_event, wechat_signature_ok
from rongmei.distribution.forms import KIND_HELP, AccountForm
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
                                    account_ids=[x for x in map(parse_id, request.POST.getlist("account")) if x is not None],
                                    group_ids=[x for x in map(parse_id, request.POST.getlist("group")) if x is not None],
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
               "groups": selectors.groups(request.center),
               "takedown": next((p for p in publications if p.takedown_note), None),
               "default_notice": selectors.DEFAULT_TAKEDOWN_NOTICE}
    if request.htmx:
        return render(request, "distribution/_board.html", context)
    if context["signed_off"]:
        context.update(_preflight(story, context["accounts"]))
    return render(request, "distribution/story.html", context)


def _preflight(story, accounts) -> dict:
    """发布前检查 on the publish screen: what each account would refuse (the same check the
    publish service makes), shown beside the account and summed up above the button."""
    from rongmei.distribution import preflight

    accounts = list(accounts)
    problems = preflight.for_publish(story, accounts)
    refusals = [p for p in problems if p.blocking]
    by_account: dict[str, list[str]] = {}
    for problem in refusals:
        by_account.setdefault(problem.account, []).append(problem.message)
    for account in accounts:
        account.preflight = by_account.get(account.name, [])
    return {"accounts": accounts, "preflight_lines": preflight.summarize(refusals),
            "preflight_notes": preflight.summarize([p for p in problems if not p.blocking])}


def _when(raw: str):
    if not raw:
        return None
    try:
        value = dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationError("定时发布时间格式应为 2026-12-01 09:30。")
    return timezone.make_aware(value)


def _story_action(request, pk: int, action, field: str, done: str):
    """撤稿 and 更正: one reason from the form, every outlet the story reached."""
    story = story_for_page(request.center, pk)
    try:
        count = action(story=story, user=request.user, **{field: request.POST.get(field, "")})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done.format(count=count))
    return redirect("distribution:story", pk=story.pk)


@require_perm("distribution.publish")
def takedown(request, pk: int):
    """全部撤稿, asked first: the page names every account it will touch and what happens
    there, and takes the internal note and the optional public notice. Only a POST that
    says `confirm` acts (no script needed); anything else shows the page again, keeping
    what was typed."""
    story = story_for_page(request.center, pk)
    data = request.POST if request.method == "POST" else request.GET
    note, notice = data.get("note", "").strip(), data.get("notice", "").strip()
    error = ""
    if request.method == "POST" and data.get("confirm") == "1":
        try:
            count = services.take_down(story=story, user=request.user, reason=note, notice=notice)
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, f"撤稿已提交，{count} 个渠道正在撤下。")
            return redirect("distribution:story", pk=story.pk)
    return render(request, "distribution/takedown_confirm.html", {
        "story": story, "plan": selectors.takedown_plan(story), "note": note, "notice": notice, "error": error,
        "default_notice": selectors.DEFAULT_TAKEDOWN_NOTICE})


@require_POST
@require_perm("distribution.publish")
def correct(request, pk: int):
    return _story_action(request, pk, services.correct, "note", "更正已提交，{count} 个渠道正在更正。")


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
        "stale": selectors.stale_by_rule(request.center), "stale_rules": selectors.stale_rules_text(), "kinds": ChannelAccount.Kind.choices,
        "ranking": selectors.monthly_ranking(request.center, today.year, today.month),
    })


# --- Accounts without an API: the package and the confirmation -------------------------------------

@login_required
def handoffs(request):
    """手工代发: the hand work waiting for me (or, for operators, for anybody)."""
    if request.center is None:
        raise PermissionDenied("您还没有在任何融媒体中心担任角色。")
    everyone = request.user.has_perm("distribution.publish", request.center)
    waiting = selectors.awaiting_handoff(request.center, None if everyone else request.user).order_by("updated_at")
    return render(request, "distribution/handoffs.html", {"waiting": waiting, "everyone": everyone})


@login_required
def handoff(request, pk: int):
    publication = get_scoped_or_404(Publication, request.center, pk=pk) if request.center else None
    if publication is None or not services.may_confirm(request.user, publication):
        raise PermissionDenied("只有该账号的负责人或运营人员可以查看代发内容。")
    if request.method == "POST":
        try:
            services.confirm_handoff(publication=publication, user=request.user, url=request.POST.get("url", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已确认：{publication.account.name}")
            return redirect("distribution:handoffs")
        return redirect("distribution:handoff", pk=publication.pk)
    return render(request, "distribution/handoff.html",
                  {"p": publication, "package": selectors.handoff_package(publication)})


# --- Accounts and groups -----------------------------------------------------------------------------

def _account_fields(data: dict) -> dict:
    return {k: data[k] for k in ("name", "owner", "area", "department", "responsible", "leader", "base_url",
                                 "options", "is_active")}


@require_perm("distribution.manage_accounts")
def account_new(request):
    form = AccountForm(request.POST or None, center=request.center, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.create_account(center=request.center, user=request.user, kind=data["kind"],
                                              secret=data["secret"], groups=data["groups"], **_account_fields(data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已新建账号：{account.name}")
            if account.kind == ChannelAccount.Kind.PROVINCE:  # -- 17:PV -- show the callback address now
                messages.info(request, "请把本页显示的回执地址交给省平台。")
                return redirect("distribution:account_edit", pk=account.pk)
            return redirect("distribution:matrix")
    return render(request, "distribution/account_form.html", {"form": form, "kind_help": KIND_HELP})


@require_perm("distribution.manage_accounts")
def account_edit(request, pk: int):
    account = get_scoped_or_404(ChannelAccount, request.center, pk=pk)
    form = AccountForm(request.POST or None, center=request.center, account=account,
                       initial=AccountForm.initial_for(account))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_account(account=account, user=request.user, secret=data["secret"],
                                    clear_secret=data.get("clear_secret", False), groups=data["groups"],
                                    **_account_fields(data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已保存：{data['name']}")
            return redirect("distribution:matrix")
    province_callback = ""
    if account.kind == ChannelAccount.Kind.PROVINCE:  # -- 17:PV --
        from rongmei.distribution.province import callback_url

        province_callback = callback_url(account)
    return render(request, "distribution/account_form.html", {"form": form, "account": account, "kind_help": KIND_HELP,
                                                              "province_callback": province_callback})


@require_POST
@require_perm("distribution.manage_accounts")
def group_new(request):
    try:
        group = services.create_group(center=request.center, user=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已新建分组：{group.name}，在账号设置里把账号加入该分组。")
    return redirect("distribution:matrix")


# --- Broadcast rundowns --------------------------------------------------------------------------------

EXPORTS = {"csv": ("text/csv; charset=utf-8", "csv"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
           "pdf": ("application/pdf", "pdf")}


@require_perm("distribution.publish")
def rundown(request, pk: int):
    """串联单 of one programme and day: order, timing against the slot, DOCX/PDF/CSV."""
    from rongmei.distribution.formatters import rundown as export

    account = get_scoped_or_404(ChannelAccount, request.center, pk=pk, kind=ChannelAccount.Kind.BROADCAST)
    try:
        day = dt.date.fromisoformat(request.GET.get("date") or timezone.localdate().isoformat())
    except ValueError:
        messages.error(request, "日期格式应为 2026-12-01。")
        return redirect("distribution:rundown", pk=account.pk)
    if request.method == "POST":
        publication = get_scoped_or_404(Publication, request.center, pk=request.POST.get("publication") or 0, account=account)
        try:
            services.move_in_rundown(publication=publication, user=request.user, direction=request.POST.get("direction", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect(f"{request.path}?date={day.isoformat()}")
    sheet, rows = selectors.rundown(account, day)
    fmt = request.GET.get("format")
    if fmt in EXPORTS:
        maker = {"csv": export.rundown_csv, "docx": export.rundown_docx, "pdf": export.rundown_pdf}[fmt]
        content_type, ext = EXPORTS[fmt]
        response = HttpResponse(maker(sheet), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="rundown-{account.pk}-{day.isoformat()}.{ext}"'
        return response
    return render(request, "distribution/rundown.html", {
        "account": account, "day": day, "sheet": sheet, "lines": list(zip(sheet.rows, rows)),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "clock": export.clock})


# --- WeChat's event push (服务器配置): the publish-finished callback ------------------------------------

@csrf_exempt
def wechat_callback(request, pk: int):
    """URL verification (GET with echostr) and PUBLISHJOBFINISH events (POST, plaintext mode),
    both signed as the WeChat docs describe: sha1 of the sorted token, timestamp and nonce."""
    account = ChannelAccount.objects.filter(pk=pk, kind=ChannelAccount.Kind.WECHAT, is_active=True).first()
    token = (account.options or {}).get("callback_token", "") if account else ""
    if not token or not wechat_signature_ok(token, request.GET):
        return HttpResponse("signature mismatch", status=403, content_type="text/plain")
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    if request.method != "POST":
        return HttpResponse(status=405)
    event = parse_wechat_event(request.body)
    if event.get("Event") == "PUBLISHJOBFINISH" and event.get("publish_id"):
        services.wechat_publish_finished(account=account, publish_id=event["publish_id"])
    return HttpResponse("success", content_type="text/plain")
