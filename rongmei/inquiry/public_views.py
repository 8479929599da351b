"""网络问政 on the public site, for citizens: the column, the form to ask, the progress page
behind the tracking code (supplement, rating), and the published cases.

These pages are dynamic (never written to static files) and run on /site/ paths, where no
session or user exists (`core.middleware.is_public`): nothing here touches request.user or
the messages framework. The forms that POST keep Django's CSRF protection (csrftoken
cookie). The tracking code is the only key to a case: it is shown to the browser that
submitted, travels in that browser's address bar, and never appears on a public page.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage, is_ratelimited

from rongmei.core.middleware import client_ip
from rongmei.core.models import Center
from rongmei.inquiry import media_access, services
from rongmei.inquiry import sms as citizen_sms
from rongmei.inquiry.forms import AskForm, OptOutForm, RateForm, SupplementForm, TrackForm
from rongmei.inquiry.models import Case, Kind, Reply
from rongmei.inquiry.privacy import mask_phone, public_name
from rongmei.portal import pages

PAGE_SIZE = 20

# Rate limits (django-ratelimit, in the "ratelimit" cache every web process shares; the
# address is core.clientip's: forwarded headers only from TRUSTED_PROXIES).
ASK_IP_GROUP, ASK_IP_RATE = "inquiry-ask-ip", "5/10m"          # stored submissions per network address
ASK_TRIES_GROUP, ASK_TRIES_RATE = "inquiry-ask-tries", "30/10m"  # any POST of the form per address
ASK_PHONE_GROUP, ASK_PHONE_RATE = "inquiry-ask-phone", "3/h"     # stored submissions per phone number
TRACK_GROUP, TRACK_RATE = "inquiry-track-ip", "30/m"             # code look-ups (and their POSTs) per address

GENERIC_ERROR = "提交没有成功，请稍后再试。"
EMERGENCY_HINT = "如遇危及人身安全的紧急情况，请直接拨打 110、119 或 120。"
LIMIT_IP = "提交太频繁了：同一网络 10 分钟内最多提交 5 件。请稍后再试。" + EMERGENCY_HINT
LIMIT_TRIES = "操作太频繁了，请 10 分钟后再试。" + EMERGENCY_HINT
LIMIT_PHONE = "同一个联系电话 1 小时内最多提交 3 件，请稍后再试；已提交的可用查询码查看进度。" + EMERGENCY_HINT
LIMIT_TRACK = "查询太频繁了，请 1 分钟后再试。"
NOT_FOUND = "没有找到这个查询码对应的问政。请核对查询码（WZ 开头，共 10 位），注意区分字母和数字。"

STEPS = ("受理", "转办", "办理", "答复", "评价")
# status → (steps done, index of the current step or None)
PROGRESS = {
    Case.Status.SUBMITTED: (0, 0),
    Case.Status.PROCESSING: (2, 2),
    Case.Status.WAITING: (2, 2),
    Case.Status.REPLIED: (4, 4),
    Case.Status.CLOSED: (5, None),
}

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# --- helpers -------------------------------------------------------------------------------------

def _center(slug: str) -> Center:
    center = Center.objects.filter(slug=slug, is_active=True).first()
    if center is None:
        raise Http404("没有这个网站。")
    return center


def _ip(request) -> str:
    return client_ip(request) or "unknown"


def ip_key(group, request) -> str:
    return _ip(request)


def phone_key(group, request) -> str:
    return "".join(ch for ch in request.POST.get("phone", "") if ch.isdigit())


def _limited(request, group: str, key, rate: str, *, increment: bool) -> bool:
    """With increment: count this request and say whether it went over. Without: say
    whether the next one would (the limit is reached), counting nothing."""
    if increment:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def client_hash(request) -> str:
    """Who sent it, without keeping the address: sha256(ip + user agent)."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha256(f"{_ip(request)}{agent}".encode()).hexdigest()


def _private(response: HttpResponse) -> HttpResponse:
    """Pages with a CSRF token or a case behind a code: never cached, never indexed, and the
    code in the address is not sent to other sites as a Referer. ("no-referrer" would be
    stricter but makes browsers post `Origin: null`, which CSRF protection rightly refuses.)"""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "public, max-age=60"
    return response


def _base(center: Center) -> str:
    return f"{center.site_base}/wenzheng"


def _track_url(center: Center, code: str, **extra) -> str:
    return f"{_base(center)}/track/?" + urlencode({"code": code, **extra})


def scrub(case: Case, text: str) -> str:
    """Text shown on public pages: the citizen may have typed a phone number or an e-mail
    address, a reply may quote the tracking code. All are hidden."""
    text = text or ""
    if case.code:
        text = text.replace(case.code, "（查询码已隐藏）")
    if case.phone:
        text = text.replace(case.phone, mask_phone(case.phone))
    text = MOBILE.sub(lambda m: mask_phone(m.group()), text)
    return EMAIL.sub("***", text)


def _department(case: Case) -> str:
    dept = case.lead_department
    return (dept.short_name or dept.name) if dept else ""


def _public_card(case: Case) -> dict:
    return {"id": case.pk, "kind": case.get_kind_display(), "kind_code": case.kind, "title": scrub(case, case.title),
            "department": _department(case), "status": case.get_status_display(), "status_code": case.status,
            "name": public_name(case), "created": case.created_at, "replied": case.replied_at,
            "published": case.published_at}


def _chrome(center: Center, title: str, description: str = "") -> dict:
    return pages.chrome(center, title=title, description=description) | {"wz": _base(center)}


# --- the column ----------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
def index(request, center: str):
    site = _center(center)
    cases = (Case.objects.filter(center=site, is_public=True).select_related("lead_department")
             .order_by("-published_at", "-id"))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _chrome(site, "网络问政", f"{site.name}网络问政：群众咨询、建议、投诉、求助，部门限时答复。") | {
        "page": page, "cases": [_public_card(c) for c in page], "track_form": TrackForm(),
        "kinds": Kind.choices,
    }
    return _public(render(request, "inquiry/public/index.html", context))


@require_http_methods(["GET", "HEAD"])
def case_detail(request, center: str, pk: int):
    site = _center(center)
    case = Case.objects.filter(center=site, pk=pk, is_public=True).select_related("lead_department").first()
    if case is None:
        context = _chrome(site, "页面不存在") | {"what": "公开的问政"}
        return render(request, "portal/404.html", context, status=404)
    replies = [{"department": r.department.name, "text": scrub(case, r.text), "date": r.approved_at or r.created_at}
               for r in case.replies.filter(status=Reply.Status.APPROVED).select_related("department")]
    context = _chrome(site, scrub(case, case.title)) | {
        "case": _public_card(case), "text": scrub(case, case.text), "replies": replies,
        "rating": case.get_rating_display() if case.rating else "", "rated_at": case.rated_at,
        "reopened": case.reopened,
    }
    return _public(render(request, "inquiry/public/case.html", context))


# --- asking --------------------------------------------------------------------------------------

def _ask_page(request, site: Center, form: AskForm, status: int = 200, *, limited: str = "") -> HttpResponse:
    form.describe()
    context = _chrome(site, "我要问政") | {
        "form": form, "limited": limited, "emergency_hint": EMERGENCY_HINT,
        "max_images": services.MAX_IMAGES, "max_videos": services.MAX_VIDEOS,
        "had_files": bool(request.FILES.getlist("files")) if request.method == "POST" else False,
    }
    return _private(render(request, "inquiry/public/ask.html", context, status=status))


@require_http_methods(["GET", "HEAD", "POST"])
def ask(request, center: str):
    site = _center(center)
    if request.method != "POST":
        return _ask_page(request, site, AskForm())
    form = AskForm(request.POST, request.FILES)
    if form.is_trapped:
        # A robot: store nothing, say nothing useful, count it against the address.
        _limited(request, ASK_IP_GROUP, ip_key, ASK_IP_RATE, increment=True)
        form.is_valid()
        form.add_error(None, GENERIC_ERROR)
        return _ask_page(request, site, form, 400)
    if _limited(request, ASK_TRIES_GROUP, ip_key, ASK_TRIES_RATE, increment=True):
        form.is_valid()
        form.add_error(None, LIMIT_TRIES)
        return _ask_page(request, site, form, 429, limited=LIMIT_TRIES)
    if _limited(request, ASK_IP_GROUP, ip_key, ASK_IP_RATE, increment=False):
        form.is_valid()
        form.add_error(None, LIMIT_IP)
        return _ask_page(request, site, form, 429, limited=LIMIT_IP)
    if not form.is_valid():
        _add_service_errors(form)
        return _ask_page(request, site, form)
    if phone_key(None, request) and _limited(request, ASK_PHONE_GROUP, phone_key, ASK_PHONE_RATE, increment=False):
        form.add_error(None, LIMIT_PHONE)
        return _ask_page(request, site, form, 429, limited=LIMIT_PHONE)
    started = timezone.now()
    try:
        case = services.submit(center=site, sub=form.submission(client=client_hash(request)))
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _ask_page(request, site, form)
    _limited(request, ASK_IP_GROUP, ip_key, ASK_IP_RATE, increment=True)
    _limited(request, ASK_PHONE_GROUP, phone_key, ASK_PHONE_RATE, increment=True)
    extra = {"new": "1"}
    if case.created_at < started:   # the same text from the same phone within a day: the earlier case
        extra["again"] = "1"
    return _private(HttpResponseRedirect(_track_url(site, case.code, **extra)))


def _add_service_errors(form: AskForm) -> None:
    """The form refused something (a bad map point, too many files): check the rest too, so
    the citizen sees every problem at once, not one round after another."""
    sub = form.submission(client="")
    errors = services._check(sub)
    errors.update(services._inspect_files(sub.files)[1])
    for name, messages in errors.items():
        if name not in form.errors:
            form.add_error(name if name in form.fields else None, messages)


# --- tracking ------------------------------------------------------------------------------------

def _steps(case: Case) -> list[dict]:
    if case.kind == Kind.TIP or case.status not in PROGRESS:
        return []
    done, current = PROGRESS[case.status]
    return [{"label": label, "done": i < done, "current": i == current} for i, label in enumerate(STEPS)]


def _track_page(request, site: Center, *, case: Case | None = None, track_form: TrackForm | None = None,
                supplement_form: SupplementForm | None = None, rate_form: RateForm | None = None,
                opt_out_form=None,
                action_errors: list[str] = (), message: str = "", status: int = 200) -> HttpResponse:
    context = _chrome(site, "查询办理进度") | {"message": message, "action_errors": list(action_errors)}
    if case is None:
        track_form = track_form or TrackForm()
        if track_form.is_bound:
            track_form.describe()
        context["track_form"] = track_form
        return _private(render(request, "inquiry/public/track.html", context, status=status))
    events = list(case.events.filter(public=True).order_by("created_at", "id"))
    question = next((e.text for e in reversed(events) if e.kind == "paused"), "")
    media = list(case.media.order_by("id"))
    for item in media:  # the citizen has no login: a signed link opens their own uploads
        item.public_url = media_access.url(item)
    if case.status == Case.Status.WAITING:
        supplement_form = supplement_form or SupplementForm()
        supplement_form.describe()
    if case.status == Case.Status.REPLIED:
        rate_form = rate_form or RateForm()
        rate_form.describe()
    replies = [{"department": r.department.name, "text": r.text, "date": r.approved_at or r.created_at}
               for r in case.replies.filter(status=Reply.Status.APPROVED).select_related("department")]
    context |= {
        "case": case, "code": case.code, "steps": _steps(case), "events": events, "question": question,
        "replies": replies, "images": [m for m in media if m.kind == "image"],
        "videos": [m for m in media if m.kind == "video"], "masked_phone": mask_phone(case.phone),
        "public_name": public_name(case), "department": _department(case),
        "supplement_form": supplement_form, "rate_form": rate_form,
        "opt_out_form": _described(opt_out_form or OptOutForm()),
        "is_new": request.GET.get("new") == "1", "again": request.GET.get("again") == "1",
        "done": request.GET.get("done", ""), "sent_back": case.rating == "unsatisfied" and case.reopened
        and case.status in (Case.Status.PROCESSING, Case.Status.WAITING),
        "merged_into": case.merged_into if case.status == Case.Status.MERGED else None,
    }
    return _private(render(request, "inquiry/public/track.html", context, status=status))


def _find(site: Center, code: str) -> Case | None:
    return (Case.objects.filter(center=site, code=code).select_related("lead_department", "merged_into").first()
            if code else None)


@require_http_methods(["GET", "HEAD", "POST"])
def track(request, center: str):
    site = _center(center)
    if request.method == "POST":
        return _track_post(request, site)
    if "code" not in request.GET:
        return _track_page(request, site)
    if _limited(request, TRACK_GROUP, ip_key, TRACK_RATE, increment=True):
        return _track_page(request, site, message=LIMIT_TRACK, status=429)
    form = TrackForm(request.GET)
    if not form.is_valid():
        return _track_page(request, site, track_form=form, status=404)
    case = _find(site, form.cleaned_data["code"])
    if case is None:
        form.add_error("code", NOT_FOUND)
        return _track_page(request, site, track_form=form, status=404)
    return _track_page(request, site, case=case)


def _track_post(request, site: Center) -> HttpResponse:
    if _limited(request, TRACK_GROUP, ip_key, TRACK_RATE, increment=True):
        return _track_page(request, site, message=LIMIT_TRACK, status=429)
    lookup = TrackForm(request.POST)
    case = _find(site, lookup.cleaned_data["code"]) if lookup.is_valid() else None
    if case is None:
        if lookup.is_valid():
            lookup.add_error("code", NOT_FOUND)
        return _track_page(request, site, track_form=lookup, status=404)
    action = request.POST.get("action")
    if action == "supplement":
        form = SupplementForm(request.POST)
        form.is_valid()
        try:
            services.supplement(case=case, text=form.cleaned_data.get("text", ""),
                                phone_tail=form.cleaned_data.get("phone_tail", ""))
        except ValidationError as exc:
            return _action_failed(request, site, case, form, exc, "supplement_form")
        return _private(HttpResponseRedirect(_track_url(site, case.code, done="supplement")))
    if action == "rate":
        form = RateForm(request.POST)
        if not form.is_valid():
            return _track_page(request, site, case=case, rate_form=form)
        try:
            services.rate(case=case, rating=form.cleaned_data["rating"], comment=form.cleaned_data.get("comment", ""),
                          phone_tail=form.cleaned_data.get("phone_tail", ""))
        except ValidationError as exc:
            return _action_failed(request, site, case, form, exc, "rate_form")
        return _private(HttpResponseRedirect(_track_url(site, case.code, done="rated")))
    if action == "sms_opt_out":
        form = OptOutForm(request.POST)
        form.is_valid()
        try:
            citizen_sms.opt_out(case=case, phone_tail=form.cleaned_data.get("phone_tail", ""))
        except ValidationError as exc:
            return _action_failed(request, site, case, form, exc, "opt_out_form")
        return _private(HttpResponseRedirect(_track_url(site, case.code, done="sms_opt_out")))
    return _track_page(request, site, case=case, action_errors=[GENERIC_ERROR], status=400)


def _described(form):
    form.describe()
    return form


def _action_failed(request, site, case, form, exc: ValidationError, name: str) -> HttpResponse:
    """A field error goes back on the form; "not now" (the case moved on) goes on top."""
    if hasattr(exc, "error_dict"):
        form.add_service_errors(exc)
        return _track_page(request, site, case=case, **{name: form})
    return _track_page(request, site, case=case, action_errors=exc.messages, status=409)
