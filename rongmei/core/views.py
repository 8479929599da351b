from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rongmei.core import homeboxes, selectors, services, throttle, todo
from rongmei.core.auth import centers_for, suspended_centers_for, suspended_message
from rongmei.core.forms import (
    AuditFilterForm,
    DepartmentForm,
    LoginForm,
    PasswordChangeForm,
    PersonCreateForm,
    RolesForm,
    TokenForm,
)
from rongmei.core.health import health_report
from rongmei.core.ids import parse_id
from rongmei.core.middleware import SESSION_CENTER_KEY
from rongmei.core.models import ApiToken, Department
from rongmei.core.permissions import PERMISSIONS, ROLES
from rongmei.core.tenancy import get_scoped_or_404


def require_perm(perm: str):
    """Login required, and `perm` in the active center; else the friendly 403 page."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.center is None:
                suspended = suspended_centers_for(request.user)
                if suspended:
                    raise PermissionDenied(suspended_message(suspended))
                raise PermissionDenied("您还没有在任何融媒体中心担任角色，请联系中心管理员。")
            if not request.user.has_perm(perm, request.center):
                raise PermissionDenied(f"您在{request.center.name}没有“{PERMISSIONS.get(perm, perm)}”的权限。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def safe_next(request) -> str | None:
    """The `next` address posted with a form, if it points inside this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


class RongmeiLoginView(LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, "您已安全退出。")
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def home(request):
    """工作台: the person's own to-dos from every room, most urgent first (rongmei.core.todo)."""
    center = request.center
    if center is None:
        return render(request, "core/no_center.html", {"suspended": suspended_centers_for(request.user)}, status=403)
    my_roles = [ROLES[r] for r in selectors.roles_of(request.user, center) if r in ROLES]
    return render(request, "core/home.html", {"roles": my_roles, "todos": todo.todos_for(request.user, center),
                                              "boxes": homeboxes.boxes_for(request.user, center)})


@require_POST
@login_required
def switch_center(request):
    try:
        wanted = parse_id(request.POST.get("center", ""))
    except ValueError:
        wanted = None
    center = centers_for(request.user).filter(pk=wanted).first() if wanted is not None else None
    if center is None:
        messages.error(request, "无法切换到该中心：您在那里没有角色。")
    else:
        request.session[SESSION_CENTER_KEY] = center.pk
        messages.success(request, f"已切换到{center.name}。")
    return redirect("core:home")


# --- Organisation --------------------------------------------------------------------------

@require_perm("core.view_org")
def org(request):
    form = None
    if request.user.has_perm("core.manage_org", request.center):
        form = DepartmentForm(request.POST or None, center=request.center)
        if request.method == "POST" and form.is_valid():
            try:
                department = services.create_department(
                    center=request.center, actor=request.user, name=form.cleaned_data["name"],
                    short_name=form.cleaned_data["short_name"],
                    responsible_leader=form.cleaned_data["responsible_leader"],
                    phone=form.cleaned_data["phone"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已添加政府部门“{department.name}”。")
                return redirect("core:org")
    elif request.method == "POST":
        raise PermissionDenied("您没有维护组织机构的权限。")
    return render(request, "core/org.html", {"org": selectors.org_overview(request.center), "form": form})


@require_perm("core.view_org")
def department_detail(request, pk: int):
    department = get_scoped_or_404(Department, request.center, pk=pk)
    return render(request, "core/department.html", {"department": department, "liaisons": selectors.liaisons_of(department)})


# --- People and roles ------------------------------------------------------------------------

@require_perm("core.manage_people")
def people(request):
    return render(request, "core/people.html", {"people": selectors.members(request.center)})


@require_perm("core.manage_people")
def person_create(request):
    form = PersonCreateForm(request.POST or None, center=request.center)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.create_person(
                center=request.center, actor=request.user, username=data["username"],
                display_name=data["display_name"], phone=data["phone"], password=data["password"],
                roles=data["roles"], org_unit=data["org_unit"], department=data["department"],
                must_change_password=True,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"已创建账号“{person.username}”。请把初始密码当面告知本人；本人首次登录后须先修改密码。")
            return redirect("core:person", pk=person.pk)
    return render(request, "core/person_form.html", {"form": form})


@require_perm("core.manage_people")
def person_detail(request, pk: int):
    person = selectors.member_or_none(request.center, pk)
    if person is None:
        raise Http404("本中心没有这个人。")
    roles_refusal = services.membership_change_refusal(actor=request.user, person=person, center=request.center)
    if request.method == "POST" and roles_refusal:
        raise PermissionDenied(roles_refusal)
    org_unit, department = selectors.units_of(person, request.center)
    initial = {"roles": selectors.roles_of(person, request.center), "org_unit": org_unit, "department": department}
    form = RolesForm(request.POST or None, center=request.center, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_roles(center=request.center, user=person, roles=data["roles"], actor=request.user,
                               org_unit=data["org_unit"], department=data["department"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if data["roles"]:
                messages.success(request, f"已更新 {person} 的角色。")
                return redirect("core:person", pk=person.pk)
            messages.success(request, f"{person} 已不再担任本中心的任何角色。")
            return redirect("core:people")
    change = services.open_account_change(person)
    waiting = services.waiting_centers(change) if change else []
    return render(request, "core/person_detail.html", {
        "person": person, "form": form, "roles_refusal": roles_refusal,
        "can_change_account": roles_refusal is None and person.pk != request.user.pk,
        "joint_centers": [] if request.user.is_platform_admin else services.other_centers(person, request.center),
        "change": change, "waiting": waiting,
        "can_decide": change is not None and roles_refusal is None and request.center in waiting,
    })


@require_POST
@require_perm("core.manage_people")
def person_set_active(request, pk: int):
    person = selectors.member_or_none(request.center, pk)
    if person is None:
        raise Http404("本中心没有这个人。")
    active = request.POST.get("active") == "1"
    refusal = services.membership_change_refusal(actor=request.user, person=person, center=request.center)
    if refusal:
        raise PermissionDenied(refusal)
    if not request.user.is_platform_admin and services.other_centers(person, request.center):
        # The account is shared with other centers: ask them instead of deciding alone.
        try:
            change = services.request_account_change(center=request.center, person=person, active=active,
                                                     actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            names = "、".join(c.name for c in services.waiting_centers(change))
            messages.success(request, f"已提出{change.get_action_display()}申请：须{names}的中心管理员同意后才生效。")
        return redirect("core:person", pk=person.pk)
    try:
        services.set_active(center=request.center, user=person, active=active, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{'启用' if active else '停用'} {person} 的账号。")
    return redirect("core:person", pk=person.pk)


@require_POST
@require_perm("core.manage_people")
def person_change_decide(request, pk: int, change_id: int, decision: str):
    """This center agrees to, or refuses, another center's request about a shared account."""
    from rongmei.core.models import AccountChangeRequest

    person = selectors.member_or_none(request.center, pk)
    if person is None:
        raise Http404("本中心没有这个人。")
    change = get_object_or_404(AccountChangeRequest, pk=change_id, person=person)
    try:
        if decision == "approve":
            done = services.approve_account_change(change=change, center=request.center, actor=request.user)
            messages.success(request, f"已{change.get_action_display()}，各中心均已同意。" if done
                             else "本中心已同意，正在等待其他中心。")
        else:
            services.refuse_account_change(change=change, center=request.center, actor=request.user)
            messages.success(request, "本中心不同意，这项申请已结束，账号保持原状。")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("core:person", pk=person.pk)


# --- Audit ---------------------------------------------------------------------------------

@require_perm("core.view_audit")
def audit(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_events(request.center, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit.html", {"form": form, "page": page, "query": query.urlencode()})


@require_perm("core.view_audit")
def audit_detail(request, pk: int):
    from rongmei.core.models import AuditEvent

    event = get_scoped_or_404(AuditEvent, request.center, pk=pk)
    return render(request, "core/audit_detail.html", {"event": event})


# --- Personal settings ----------------------------------------------------------------------

NEW_TOKEN_SESSION_KEY = "rongmei_new_token"


@never_cache
@require_perm("core.use_api_tokens")
def tokens(request):
    """Create and list tokens. A new token's plaintext goes through the session to the page
    after the redirect and is dropped there, so a reload neither repeats the creation nor
    shows the secret again."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = services.create_api_token(user=request.user, center=request.center, name=form.cleaned_data["name"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "plaintext": plaintext}
            return redirect("core:tokens")
    created = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(request, "core/tokens.html", {"form": form, "created": created, "tokens": selectors.tokens_of(request.user)})


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token=token, actor=request.user)
    messages.success(request, f"令牌“{token.name}”已吊销，使用它的集成将立即失效。")
    return redirect("core:tokens")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(user=request.user, new_password=form.cleaned_data["new_password"],
                                     actor=request.user, center=request.center)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            throttle.password_change_succeeded(request.user)
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect(safe_next(request) or "core:home")
    return render(request, "core/password.html", {"form": form, "next": safe_next(request) or ""},
                  status=429 if form.throttled else 200)


# --- Notifications --------------------------------------------------------------------------

@login_required
def notifications(request):
    if request.method == "POST":
        wanted = request.POST.getlist("id")
        ids = [i for i in map(parse_id, wanted) if i is not None]
        if ids or not wanted:  # none given: all read; only odd values given: nothing changes
            services.mark_read(user=request.user, ids=ids or None)
        return redirect(safe_next(request) or "core:notifications")
    page = Paginator(selectors.notifications_of(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
def notification_badge(request):
    """htmx: the unread count in the top bar, polled every minute."""
    return render(request, "core/_notification_badge.html", {"unread": selectors.unread_count(request.user)})


@login_required
def notification_open(request, pk: int):
    note = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.mark_read(user=request.user, ids=[note.pk])
    # Only a path on this site (no //host, no /\host): a notification never leads elsewhere.
    from rongmei.core.validators import is_safe_url

    target = note.url if note.url.startswith("/") and is_safe_url(note.url, allow_relative=True) else "/"
    return redirect(target)


# --- Health and errors ------------------------------------------------------------------------

_FAVICON = Path(__file__).resolve().parent / "static" / "core" / "favicon.ico"


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links; it is the same icon as the
    pages' own link (core/favicon.ico in static), cached for a day."""
    response = HttpResponse(_FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503, json_dumps_params={"ensure_ascii": False})


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else "您没有访问这个页面的权限。"
    return render(request, "403.html", {"message": message}, status=403)
