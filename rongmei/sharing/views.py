"""上下级稿件流转 screens, all under /sharing/: the inbox (上级推送 / 下级供稿 tabs), one
received push and one incoming submission with their actions, what this center sent
(pushes with each target's answer, submissions with the upper center's answer), the push
form (province and city centers) and the 供稿 form (any center with a parent; reachable
from a story page through the newsroom's action hook).

Thin: each POST is one call into sharing.services; its Chinese refusal goes on the page
(400, 403 or 409), success redirects. Objects are looked up within request.center only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.ids import parse_id
from rongmei.core.tenancy import get_scoped_or_404
from rongmei.core.views import require_perm
from rongmei.newsroom.models import Story
from rongmei.planning.models import Plan
from rongmei.sharing import selectors as sel
from rongmei.sharing import services
from rongmei.sharing.models import PushTarget, Rights, Submission


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _status(exc: ValidationError) -> int:
    return getattr(exc, "api_status", 400)


def _page(request, qs, size: int = 30):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _can(request, perm: str) -> bool:
    return request.user.has_perm(perm, request.center)


# --- inbox -----------------------------------------------------------------------------------------

@require_perm("sharing.receive")
def inbox(request):
    tab = "submit" if request.GET.get("tab") == "submit" else "push"
    status = request.GET.get("status", "")
    if tab == "push":
        status = status if status in PushTarget.Status.values else ""
        qs, statuses = sel.received(request.center, status), PushTarget.Status.choices
    else:
        status = status if status in Submission.Status.values else ""
        qs, statuses = sel.incoming(request.center, status), Submission.Status.choices
    return render(request, "sharing/inbox.html", {
        "tab": tab, "status": status, "statuses": statuses, "page": _page(request, qs),
        "counts": sel.inbox_counts(request.center),
    })


def _received_context(request, target, errors=None, values=None):
    return {"t": target, "p": target.push, "errors": errors or [], "values": values or {},
            "can_receive": _can(request, "sharing.receive")}


@require_perm("sharing.receive")
def received(request, pk: int):
    target = sel.received_or_404(request.center, pk)
    return render(request, "sharing/received.html", _received_context(request, target))


@require_POST
@require_perm("sharing.receive")
def received_action(request, pk: int, action: str):
    target = sel.received_or_404(request.center, pk)
    try:
        if action == "lead":
            lead = services.accept_as_lead(target=target, user=request.user)
            messages.success(request, f"已转为线索：{lead.title}。")
        elif action == "story":
            story = services.accept_as_story(target=target, user=request.user)
            messages.success(request, f"已转为本中心草稿：《{story.headline}》。")
            return redirect(f"/stories/{story.pk}/")
        elif action == "decline":
            services.decline(target=target, user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "已谢绝这条推送。")
        else:
            raise Http404("没有这个操作。")
    except ValidationError as exc:
        target = sel.received_or_404(request.center, pk)
        return render(request, "sharing/received.html", _received_context(request, target, _errors(exc), request.POST),
                      status=_status(exc))
    return redirect("sharing:received", pk)


def _incoming_context(request, sub, errors=None, values=None):
    return {"s": sub, "errors": errors or [], "values": values or {}, "today": dt.date.today(),
            "level_label": Submission.Level(services.LEVEL_OF_CENTER.get(request.center.level, "county")).label}


@require_perm("sharing.receive")
def incoming(request, pk: int):
    sub = sel.incoming_or_404(request.center, pk)
    return render(request, "sharing/incoming.html", _incoming_context(request, sub))


def _date(value: str):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"used_on": ["日期格式应为 2026-12-01。"]}) from None


@require_POST
@require_perm("sharing.receive")
def incoming_action(request, pk: int, action: str):
    sub = sel.incoming_or_404(request.center, pk)
    p = request.POST
    try:
        if action == "used":
            services.mark_used(submission=sub, user=request.user, outlet_name=p.get("outlet_name", ""),
                               used_on=_date(p.get("used_on", "")), url=p.get("url", ""))
            messages.success(request, "已标记为采用，下级中心的考核会计入这次采用。")
        elif action == "not_used":
            services.mark_not_used(submission=sub, user=request.user, reason=p.get("reason", ""))
            messages.success(request, "已标记为未采用。")
        elif action == "take_in":
            story = services.take_in(submission=sub, user=request.user)
            messages.success(request, f"已转为本中心草稿：《{story.headline}》。刊发后请回到这里标记采用。")
            return redirect(f"/stories/{story.pk}/")
        else:
            raise Http404("没有这个操作。")
    except ValidationError as exc:
        sub = sel.incoming_or_404(request.center, pk)
        return render(request, "sharing/incoming.html", _incoming_context(request, sub, _errors(exc), p),
                      status=_status(exc))
    return redirect("sharing:incoming", pk)


# --- what this center sent ---------------------------------------------------------------------------

@login_required
def sent(request):
    if request.center is None or not (_can(request, "sharing.push") or _can(request, "sharing.submit")):
        raise PermissionDenied("没有权限：需要“向下级中心推送稿件与策划”或“向上级中心供稿，查看采用情况”。")
    can_push = _can(request, "sharing.push") and sel.may_push(request.center)
    can_submit = _can(request, "sharing.submit") and sel.may_submit(request.center)
    return render(request, "sharing/sent.html", {
        "pushes": sel.pushes(request.center)[:50] if can_push else [],
        "submissions": sel.submissions(request.center)[:100] if can_submit else [],
        "can_push": can_push, "can_submit": can_submit,
    })


@require_perm("sharing.push")
def push_detail(request, pk: int):
    return render(request, "sharing/push.html", {"p": sel.push_or_404(request.center, pk)})


def _push_context(request, values=None, errors=None):
    return {"values": values or {"rights": Rights.ATTRIBUTION, "scope": "all", "kind": "story"},
            "errors": errors or [], "stories": sel.shareable_stories(request.center)[:200],
            "plans": sel.plans(request.center)[:100], "below": sel.targets_below(request.center),
            "rights": Rights.choices, "picked": [str(v) for v in (values.getlist("targets") if values is not None
                                                                 and hasattr(values, "getlist") else [])]}


@require_perm("sharing.push")
def push_new(request):
    if not sel.may_push(request.center):
        raise PermissionDenied("只有省级平台和市级中心可以向下级推送。")
    if request.method != "POST":
        values = {"rights": Rights.ATTRIBUTION, "scope": "all", "kind": "story", "story": request.GET.get("story", "")}
        return render(request, "sharing/push_new.html", _push_context(request, values))
    p = request.POST
    try:
        story = plan = None
        if p.get("kind") == "plan":
            pk = parse_id(p.get("plan"))
            if pk is None:
                raise ValidationError({"plan": ["请选择一个策划。"]})
            plan = get_scoped_or_404(Plan, request.center, pk=pk)
        else:
            pk = parse_id(p.get("story"))
            if pk is None:
                raise ValidationError({"story": ["请选择一篇稿件。"]})
            story = get_scoped_or_404(Story, request.center, pk=pk)
        targets = services.pick_targets(request.center, scope=p.get("scope", "picked"), ids=p.getlist("targets"))
        pushed = services.push(center=request.center, user=request.user, targets=targets, rights=p.get("rights", ""),
                               story=story, plan=plan, note=p.get("note", ""), source_line=p.get("source_line", ""))
    except Http404:
        return render(request, "sharing/push_new.html",
                      _push_context(request, p, ["所选稿件或策划不存在，或不属于本中心。"]), status=400)
    except ValidationError as exc:
        return render(request, "sharing/push_new.html", _push_context(request, p, _errors(exc)), status=_status(exc))
    messages.success(request, f"已推送给 {pushed.targets.count()} 个下级中心。")
    return redirect("sharing:push", pushed.pk)


def _submit_context(request, values=None, errors=None):
    values = values if values is not None else {}
    return {"values": values, "errors": errors or [], "stories": sel.shareable_stories(request.center)[:200],
            "above": sel.centers_above(request.center),
            "picked": [str(v) for v in (values.getlist("to_centers") if hasattr(values, "getlist") else [])]}


@require_perm("sharing.submit")
def submit(request):
    if not sel.may_submit(request.center):
        raise PermissionDenied("本中心没有上级中心，无需供稿。")
    if request.method != "POST":
        above = sel.centers_above(request.center)
        values = {"story": request.GET.get("story", "")}
        ctx = _submit_context(request, values)
        ctx["picked"] = [str(above[0].pk)] if above else []
        return render(request, "sharing/submit.html", ctx)
    p = request.POST
    try:
        pk = parse_id(p.get("story"))
        if pk is None:
            raise ValidationError({"story": ["请选择一篇稿件。"]})
        story = get_scoped_or_404(Story, request.center, pk=pk)
        above = {c.pk: c for c in sel.centers_above(request.center)}
        wanted = [parse_id(v) for v in p.getlist("to_centers")]
        if any(w is None or w not in above for w in wanted):
            raise ValidationError({"to_centers": ["只能报送给本中心的上级中心。"]})
        rows = services.submit(center=request.center, user=request.user, story=story,
                               to_centers=[above[w] for w in wanted], note=p.get("note", ""))
    except Http404:
        return render(request, "sharing/submit.html", _submit_context(request, p, ["所选稿件不存在，或不属于本中心。"]),
                      status=400)
    except ValidationError as exc:
        return render(request, "sharing/submit.html", _submit_context(request, p, _errors(exc)), status=_status(exc))
    messages.success(request, f"已报送{'、'.join(r.to_center.name for r in rows)}。")
    return redirect("sharing:sent")


# --- the story page's box (a newsroom panel) and button (a newsroom action) --------------------------

def story_panel(story: Story, request=None) -> dict | None:
    if request is None or not request.user.is_authenticated:
        return None
    info = sel.story_sharing(story)
    if not (info["submissions"] or info["origin"] or info["taken"]):
        return None
    return {"title": "稿件流转", "template": "sharing/_story_panel.html", **info}


def story_action(story: Story, perms: frozenset) -> dict | None:
    if "sharing.submit" in perms and story.status in services.SHAREABLE and story.center.parent_id:
        return {"label": "向上级供稿", "url": f"/sharing/submit/?story={story.pk}"}
    return None
