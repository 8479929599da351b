"""Screens of the workflow: submit, the inbox, one review with its actions, workflows,
time statistics and the sign-off chain check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rongmei.core.permissions import ROLE_CHOICES
from rongmei.core.services import record
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm
from rongmei.newsroom.forms import BylineFormSet, StoryForm, bylines_from, byline_initial
from rongmei.newsroom.models import Rendition
from rongmei.newsroom.published import published_channels
from rongmei.newsroom.selectors import story_for_page
from rongmei.newsroom.services.stories import StaleStory
from rongmei.review import engine, inbox, ledger, services
from rongmei.review.findings import field_label, grouped_findings
from rongmei.review.models import ReviewComment, SignOff, Workflow, WorkflowStep


@require_POST
@require_perm("review.submit")
def submit(request, pk: int):
    story = story_for_page(request.center, pk, request.user)  # drafts only for who may read them
    channels = [c for c in request.POST.getlist("channel") if c in Rendition.Channel.values]
    try:
        review = engine.submit(story=story, user=request.user, channels=channels)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("newsroom:story", pk=story.pk)
    messages.success(request, f"已送审，按“{review.workflow_name}”流程办理，第一环节：{review.steps[0]['name']}。")
    _warn_refusals(request, story, channels)
    return redirect("review:review", pk=review.pk)


def _warn_refusals(request, story, channels) -> None:
    """送审前检查: what a chosen channel would refuse at publishing (no cover for WeChat, a
    Weibo post over 140 …) is said now, beside the checkboxes and again here, so it is fixed
    during review, not found after. It does not stop the review: a missing WeChat cover, for
    one, may be settled by a column's or the center's default cover without a new round;
    the publish service refuses whatever is still unsettled then."""
    from rongmei.review import submit_checks

    refused = submit_checks.problems(story, channels)
    if refused:
        labels = dict(Rendition.Channel.choices)
        messages.warning(request, "送审前检查：这些渠道稿发布时会被拒收或截断，请在签发前处理——" + "；".join(
            f"{labels.get(channel, channel)}：{message}" for channel, message in refused))


@require_perm("review.review")
def inbox_view(request):
    return render(request, "review/inbox.html", inbox.inbox(request.center, request.user))


def _review_context(request, review) -> dict:
    check = services.check_story(story=review.story)
    since, changes = inbox.diff_since_last_review(review)
    highlighted = check.highlighted()
    fields = [{**f, "label": field_label(f["name"])} for f in highlighted if not f["name"].startswith("rendition:")]
    last = review.current_step == len(review.steps) - 1
    return {
        "review": review, "story": review.story, "check": check, "fields": fields, "changes": changes, "since": since,
        "findings": grouped_findings(check.findings),
        "published": _published(review, {f["name"]: f for f in highlighted}),
        "may_act": review.status == review.Status.IN_REVIEW and engine.may_act(request.user, review),
        "is_last": last, "seen_hash": engine.content_hash(review.story, review.channels),
        "renditions": review.story.renditions.filter(channel__in=review.channels),
        "step": review.steps[review.current_step],
    }


def _published(review, highlighted: dict) -> list[dict]:
    """Per channel being signed: every published field as it goes out, the channel's long
    text marked with the check findings (folded on the screen: the piece is read once)."""
    channels = published_channels(review.story, review.channels)
    for channel in channels:
        marked = highlighted.get(f"rendition:{channel['channel']}")
        channel["marked"] = marked["html"] if marked else ""
    return channels


@require_perm("newsroom.view_stories")
def review_detail(request, pk: int):
    review = inbox.review_page(request.center, pk)
    story_for_page(request.center, review.story_id, request.user)  # a story in review is unpublished: 404 unless readable
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "approve":
                engine.approve(review=review, user=request.user, seen_hash=request.POST.get("seen_hash", ""),
                               reason=request.POST.get("reason", ""), override_blocking=request.POST.get("override") == "1")
                messages.success(request, "已通过。" if review.current_step < len(review.steps) - 1 else "已签发。")
            elif action == "send_back":
                engine.send_back(review=review, user=request.user, reason=request.POST.get("reason", ""),
                                 seen_hash=request.POST.get("seen_hash"))
                messages.success(request, "已退回，并通知了相关人员。")
            elif action == "reassign":
                engine.reassign(review=review, user=request.user, target=request.POST.get("target", ""),
                                reason=request.POST.get("reason", ""), seen_hash=request.POST.get("seen_hash"))
                messages.success(request, "已改派，并通知了新的办理人。")
            elif action == "comment":
                _comment(request, review)
                messages.success(request, "批注已添加。")
            else:
                raise ValidationError("未知的操作。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("review:review", pk=review.pk)
    return render(request, "review/review.html", {**_review_context(request, review), **_step_people(request, review)})


def _step_people(request, review) -> dict:
    return inbox.step_people(review, request.user)


def _comment(request, review) -> None:
    body = request.POST.get("body", "").strip()
    quote = request.POST.get("quote", "").strip()
    field = request.POST.get("field", "body")[:40]
    if not body:
        raise ValidationError("请填写批注内容。")
    if not engine.may_act(request.user, review) and request.user.pk != review.submitted_by_id:
        raise ValidationError("只有当前环节的办理人和送审人可以批注。")
    text = services.check_story(story=review.story).fields.get(field, "")
    start = text.find(quote) if quote else -1
    if start < 0:
        raise ValidationError("批注的文字在稿件中找不到了，可能刚被修改，请刷新后重选。")
    end = start + len(quote)
    with transaction.atomic():
        comment = ReviewComment.objects.create(review=review, author=request.user, field=field, start=max(start, 0),
                                               end=max(end, start, 0), quote=quote[:300], body=body[:2000],
                                               story_version=review.story.version)
        record("review.comment", actor=request.user, center=review.center, obj=review,
               after={"comment": comment.pk, "quote": quote[:100]})


@require_perm("review.review")
def edit_and_approve(request, pk: int):
    review = inbox.review_page(request.center, pk)
    story = story_for_page(request.center, review.story_id)
    if not engine.may_act(request.user, review):
        raise PermissionDenied("您不是当前环节的办理人。")
    if review.status == review.Status.IN_REVIEW and engine.duty_conflict(request.user, review):
        messages.error(request, engine.duty_conflict(request.user, review) + "请由本环节的其他办理人处理。")
        return redirect("review:review", pk=review.pk)
    if request.method == "POST":
        form = StoryForm(request.POST, center=request.center)
        formset = BylineFormSet(request.POST, prefix="byline", form_kwargs={"center": request.center})
        if form.is_valid() and formset.is_valid():
            try:
                engine.edit_and_approve(review=review, user=request.user, data=form.to_data(bylines_from(formset)),
                                        base_version=form.cleaned_data["version"] or 0)
            except ValidationError as exc:
                apply_errors(form, exc)
            except StaleStory as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "已修改并通过。")
                return redirect("review:review", pk=review.pk)
    else:
        form = StoryForm(initial=StoryForm.initial_for(story), center=request.center)
        formset = BylineFormSet(prefix="byline", form_kwargs={"center": request.center}, initial=byline_initial(story))
    return render(request, "review/edit.html", {"review": review, "story": story, "form": form, "bylines": formset,
                                                "attached": [link.asset for link in story.story_assets.all()]})


# --- Workflows ---------------------------------------------------------------------------------------

@require_perm("review.manage_workflows")
def workflows(request):
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete_rule":
                services.delete_rule(center=request.center, user=request.user, rule_id=int(request.POST.get("rule", 0)))
                messages.success(request, "适用规则已删除。")
            else:
                services.add_rule(center=request.center, user=request.user, workflow_id=int(request.POST.get("workflow", 0)),
                                  column_id=int(request.POST["column"]) if request.POST.get("column") else None,
                                  channel=request.POST.get("channel", ""))
                messages.success(request, "适用规则已添加。")
        except (ValidationError, ValueError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", ["参数有误。"])))
        return redirect("review:workflows")
    from rongmei.newsroom.selectors import columns

    items = scoped(Workflow, request.center).prefetch_related("steps", "rules__column")
    return render(request, "review/workflows.html", {"workflows": items, "columns": columns(request.center),
                                                     "channels": Rendition.Channel.choices})


@require_perm("review.manage_workflows")
def workflow_edit(request, pk: int):
    workflow = get_scoped_or_404(Workflow, request.center, pk=pk)
    if request.method == "POST":
        try:
            services.save_workflow_steps(workflow=workflow, user=request.user, rows=_step_rows(request.POST))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "流程已保存。已在审核中的稿件仍按送审时的流程办理。")
            return redirect("review:workflows")
    steps = list(workflow.steps.all())
    return render(request, "review/workflow_edit.html", {"workflow": workflow, "steps": steps,
                                                         "blank": range(len(steps), max(len(steps) + 2, 8)),
                                                         "roles": ROLE_CHOICES, "kinds": WorkflowStep.Kind.choices})


def _step_rows(post) -> list[dict]:
    rows = []
    for i in range(20):
        name = post.get(f"name_{i}", "").strip()
        if not name:
            continue
        rows.append({"name": name, "kind": post.get(f"kind_{i}", "review"), "role": post.get(f"role_{i}", ""),
                     "can_send_back": post.get(f"can_send_back_{i}") == "1",
                     "send_back_to": post.get(f"send_back_to_{i}", "author").strip() or "author",
                     "time_limit_hours": post.get(f"hours_{i}", "24"), "supervisor_role": post.get(f"supervisor_{i}", "")})
    return rows


@require_perm("review.view_stats")
def stats(request):
    return render(request, "review/stats.html", inbox.step_times(request.center))


@require_perm("core.view_audit")
def ledger_view(request):
    problems = ledger.verify_center(request.center)
    count = scoped(SignOff, request.center).count()
    return render(request, "review/ledger.html", {"problems": problems, "count": count})
