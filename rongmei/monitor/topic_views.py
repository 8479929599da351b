"""监测方案 screens under /monitor/topics/: the list by category, add and edit (an expression,
or the 全部 / 任一 / 均不 / 相距 fields that build one), 试一试 before saving, enable,
disable, delete, and re-matching the last 7 days' items."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm
from rongmei.monitor import rules, topic_services
from rongmei.monitor.models import Topic
from rongmei.monitor.topic_forms import TopicForm, TryForm


def _topics_with_counts(center):
    since = timezone.now() - dt.timedelta(days=topic_services.RECENT_DAYS)
    return (scoped(Topic, center)
            .annotate(recent=Count("matches", filter=Q(matches__item__published_at__gte=since)))
            .order_by("category", "name", "pk"))


@require_perm("monitor.view")
def topic_list(request):
    topics = list(_topics_with_counts(request.center))
    labels = dict(Topic.Category.choices)
    groups = []
    for code, label in Topic.Category.choices:
        members = [t for t in topics if t.category == code]
        if members:
            groups.append({"code": code, "label": labels[code], "topics": members})
    return render(request, "monitor/topic_list.html", {
        "groups": groups, "total": len(topics), "enabled": sum(1 for t in topics if t.enabled),
        "can_manage": request.user.has_perm("monitor.manage", request.center), "days": topic_services.RECENT_DAYS})


def _marked(expression: str, position: int | None) -> dict | None:
    """The expression split around the character an error points at, for <mark>."""
    if position is None or not expression:
        return None
    index = min(max(position - 1, 0), len(expression))
    return {"before": expression[:index], "at": expression[index:index + 1] or " ", "after": expression[index + 1:]}


def _form_page(request, topic: Topic | None):
    center = request.center
    context: dict = {"topic": topic}
    if request.method == "POST":
        form = TopicForm(request.POST)
        action = request.POST.get("action", "save")
        if form.is_valid():
            data = form.cleaned_data
            expression = (data["expression"] or "").strip()
            if action == "build" or (not expression and form.has_builder()):
                built = form.built_expression()
                if built and not form.errors:
                    expression = built
                    form.data = form.data.copy()
                    form.data["expression"] = built
                    if action == "build":
                        error = topic_services.expression_error(built)
                        if error is not None:
                            _expression_error(form, context, built, error)
                        else:
                            messages.info(request, "已按各项条件生成表达式，请检查后保存。")
                elif action == "build" and not form.errors:
                    form.add_error("all_of", "请先填写全部包含、任一包含、均不包含或相距条件。")
            if action == "try" and not form.errors:
                try:
                    context["tried"] = topic_services.try_expression(center=center, expression=expression,
                                                                     text=data.get("sample", ""))
                except ValidationError as exc:
                    _expression_error(form, context, expression, exc)
            elif action == "save" and not form.errors and expression and form.has_builder() \
                    and not _agrees(expression, form.built_expression()) and not form.errors:
                form.add_error("expression", "上面的表达式与下面按条件生成的不一致：请点“生成表达式”采用这些条件，"
                                             "或清空条件后再保存。")
            elif action == "save" and not form.errors:
                try:
                    if topic is None:
                        saved = topic_services.create_topic(
                            center=center, user=request.user, name=data["name"], category=data["category"],
                            expression=expression, watched=data["watched"], enabled=data["enabled"])
                    else:
                        saved = topic_services.update_topic(
                            topic=topic, user=request.user, name=data["name"], category=data["category"],
                            expression=expression, watched=data["watched"], enabled=data["enabled"])
                except ValidationError as exc:
                    _expression_error(form, context, expression, exc)
                else:
                    messages.success(request, f"监测方案“{saved.name}”已保存。新抓取的信息将按它匹配；"
                                              f"已有信息可在列表页“对近 {topic_services.RECENT_DAYS} 天信息重新匹配”。")
                    return redirect("monitor:topics")
    else:
        initial = {"category": Topic.Category.OTHER, "watched": True, "enabled": True}
        if topic is not None:
            initial = {"name": topic.name, "category": topic.category, "expression": topic.expression,
                       "watched": topic.watched, "enabled": topic.enabled}
            fields = rules.decompose(topic.expression)
            if fields is not None:  # shown in the fields too, so an analyst can edit it there
                initial.update(all_of="、".join(fields["all_of"]), any_of="、".join(fields["any_of"]),
                               none_of="、".join(fields["none_of"]))
                if fields["near"]:
                    initial.update(near_first=fields["near"][0], near_second=fields["near"][1],
                                   near_distance=fields["near"][2])
        form = TopicForm(initial=initial)
    context["form"] = form
    if topic is not None:
        context["match_count"] = topic_services.match_count(topic)
    return render(request, "monitor/topic_form.html", context, status=422 if form.errors else 200)


def _agrees(expression: str, built: str) -> bool:
    """Whether the typed expression is the one the fields build (or either does not compile:
    the service then says what is wrong with the typed one)."""
    if not built:
        return True
    try:
        return rules.compile_expression(expression).standard == rules.compile_expression(built).standard
    except rules.RuleSyntaxError:
        return True


def _expression_error(form: TopicForm, context: dict, expression: str, exc: ValidationError) -> None:
    apply_errors(form, exc)
    position = topic_services.position_of(exc)
    if position is not None:
        context["error_position"] = position
        context["marked"] = _marked(expression, position)


@require_perm("monitor.manage")
def topic_new(request):
    return _form_page(request, None)


@require_perm("monitor.manage")
def topic_edit(request, pk: int):
    return _form_page(request, get_scoped_or_404(Topic, request.center, pk=pk))


@require_perm("monitor.view")
def topic_try(request):
    """试一试 without saving anything: an expression on pasted text and on recent items."""
    context: dict = {}
    if request.method == "POST":
        form = TryForm(request.POST)
        if form.is_valid():
            expression = form.cleaned_data["expression"]
            try:
                context["tried"] = topic_services.try_expression(center=request.center, expression=expression,
                                                                 text=form.cleaned_data["sample"])
            except ValidationError as exc:
                apply_errors(form, exc)
                position = topic_services.position_of(exc)
                context["marked"] = _marked(expression.strip(), position)
                context["error_position"] = position
    else:
        form = TryForm(initial={"expression": request.GET.get("expression", "")[:2000]})
    context["form"] = form
    return render(request, "monitor/topic_try.html", context, status=422 if form.errors else 200)


@require_POST
@require_perm("monitor.manage")
def topic_action(request, pk: int):
    topic = get_scoped_or_404(Topic, request.center, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "enable":
            topic_services.set_enabled(topic=topic, user=request.user, enabled=True)
            messages.success(request, f"已启用“{topic.name}”。")
        elif action == "disable":
            topic_services.set_enabled(topic=topic, user=request.user, enabled=False)
            messages.success(request, f"已停用“{topic.name}”，命中记录保留。")
        elif action == "delete":
            gone = topic_services.delete_topic(topic=topic, user=request.user,
                                               with_matches=request.POST.get("with_matches") == "1")
            messages.success(request, f"已删除“{topic.name}”" + (f"及其 {gone} 条命中记录。" if gone else "。"))
        else:
            messages.error(request, "未知的操作。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("monitor:topics")


@require_POST
@require_perm("monitor.manage")
def topic_rematch(request):
    topic_services.request_rematch(center=request.center, user=request.user)
    messages.success(request, f"已安排对近 {topic_services.RECENT_DAYS} 天的信息重新匹配，稍后刷新即可看到命中数的变化。")
    return redirect("monitor:topics")
