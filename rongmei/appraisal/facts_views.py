"""Screens for the facts only appraisal records: 优稿 (editors rate published pieces; the
month's rated and not-yet-rated pieces; a box on the story page), the 外宣 register (list,
add, change, delete, spreadsheet import), deductions, and each person's pay base.

The forms here only turn posted strings into values; what may be written (open month,
known level, story of this center, no duplicate) is decided in facts_services, whose
Chinese messages are put back on the fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from rongmei.analytics.models import ImportBatch
from rongmei.appraisal import facts_services as facts
from rongmei.appraisal import pickup_import as pickup_import_mod
from rongmei.appraisal import rules as rules_kit
from rongmei.appraisal.models import Deduction, PayProfile, Pickup, Rating
from rongmei.core.ids import parse_id
from rongmei.core.models import Membership, User
from rongmei.core.selectors import staff
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import apply_errors, require_perm, safe_next
from rongmei.newsroom.models import Story
from rongmei.newsroom.selectors import readable_stories

LIST_LIMIT = 300


def _month(request, key: str = "month", default: dt.date | None = None) -> dt.date:
    found = facts.month_of(request.GET.get(key, ""))
    return found or default or facts.this_month(request.center)


def _months_around(month: dt.date) -> tuple[str, str]:
    before = (month - dt.timedelta(days=1)).replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    return f"{before:%Y-%m}", f"{after:%Y-%m}"


# --- 优稿 -------------------------------------------------------------------------------------------------

@require_perm("appraisal.rate")
def ratings(request):
    month = _month(request)
    unrated = facts.unrated_pieces(request.center, month)
    previous, following = _months_around(month)
    return render(request, "appraisal/facts/ratings.html", {
        "month": month, "month_value": f"{month:%Y-%m}", "previous": previous, "following": following,
        "rated": list(facts.rated_pieces(request.center, month)[:LIST_LIMIT]),
        "unrated": list(unrated[:LIST_LIMIT]), "unrated_count": unrated.count(), "limit": LIST_LIMIT,
        "levels": {code: label for code, label, _ in facts.level_choices(request.center, month)},
        "closed": facts.is_closed(request.center, month),
    })


def _rate_context(request, story: Story, *, level: str = "", reason: str = "", errors: dict | None = None) -> dict:
    month = facts.published_month(story)
    rating = Rating.objects.filter(center=request.center, story=story).select_related("awarded_by").first()
    month = rating.month if rating else month
    return {
        "story": story, "month": month, "rating": rating, "token": facts.rating_token(rating),
        "levels": facts.level_choices(request.center, month) if month else [],
        "closed": bool(month) and facts.is_closed(request.center, month),
        "level": level or (rating.level if rating else ""), "reason": reason or (rating.reason if rating else ""),
        "errors": errors or {}, "general_errors": (errors or {}).get("__all__", []), "next": safe_next(request) or "",
    }


@require_perm("appraisal.rate")
def rate_story(request, story_id: int):
    # Drafts stay with the people who may read them: a story the editor cannot open is 404 here too.
    story = get_scoped_or_404(readable_stories(request.center, request.user), request.center, pk=story_id)
    if request.method != "POST":
        return render(request, "appraisal/facts/rate_story.html", _rate_context(request, story))
    action = request.POST.get("action", "rate")
    level, reason = request.POST.get("level", "").strip(), request.POST.get("reason", "")
    expected = request.POST.get("token") or None
    try:
        if action == "withdraw":
            rating = Rating.objects.filter(center=request.center, story=story).first()
            if rating is None:
                raise facts.Stale("这篇稿件的优稿评定已被他人撤销。")
            facts.withdraw(rating, request.user, reason=reason, expected=expected)
            messages.success(request, "已撤销优稿评定，作者会收到通知。")
        else:
            rating = facts.rate(story, level, reason, request.user, expected=expected)
            label = {c: lab for c, lab, _ in facts.level_choices(request.center, rating.month)}.get(level, level)
            messages.success(request, f"已评为{label}，作者会收到通知。")
    except facts.Stale as exc:
        messages.error(request, str(exc))
        return render(request, "appraisal/facts/rate_story.html", _rate_context(request, story), status=409)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return render(request, "appraisal/facts/rate_story.html",
                      _rate_context(request, story, level=level, reason=reason, errors=errors), status=400)
    return redirect(safe_next(request) or reverse("appraisal:rate_story", args=[story.pk]))


def story_panel(story: Story, request=None) -> dict | None:
    """The story page's 优稿 box: the rating, and for editors a way to rate the published piece."""
    if request is None or not request.user.is_authenticated:
        return None
    can_rate = request.user.has_perm("appraisal.rate", story.center)
    rating = Rating.objects.filter(center=story.center, story=story).first()
    if rating is None and not can_rate:
        return None
    month = rating.month if rating else facts.published_month(story)
    if month is None and rating is None:
        return None
    levels = {code: (label, points) for code, label, points in facts.level_choices(story.center, month)}
    return {"title": "优稿评定", "template": "appraisal/facts/_story_panel.html", "rating": rating,
            "rating_label": levels.get(rating.level, (rating.level, None))[0] if rating else "",
            "month": month, "can_rate": can_rate, "closed": facts.is_closed(story.center, month)}


# --- 外宣 -------------------------------------------------------------------------------------------------

class PickupForm(forms.Form):
    story_id = forms.IntegerField(label="稿件编号", required=False, min_value=1, max_value=2**63 - 1,
                                  help_text="稿件页地址 /stories/编号/ 中的数字；不知道编号时填下面的发布链接",
                                  error_messages={"invalid": "稿件编号应为正整数。", "min_value": "稿件编号应为正整数。",
                                                  "max_value": "稿件编号太大。"})
    our_link = forms.CharField(label="本中心发布链接", required=False, max_length=500,
                               help_text="本站文章地址，或稿件在微信、微博等渠道发布后的链接")
    outlet_name = forms.CharField(label="采用媒体", max_length=100, error_messages={"required": "请填写采用媒体。"})
    level = forms.ChoiceField(label="级别", choices=Pickup.Level.choices, error_messages={"invalid_choice": "请选择级别。",
                                                                                      "required": "请选择级别。"})
    used_on = forms.DateField(label="采用日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"required": "请填写采用日期。", "invalid": "日期格式应为 2026-12-01。"})
    url = forms.CharField(label="采用链接", required=False, max_length=500, help_text="对方刊发页面的网址（选填）")
    is_long = forms.BooleanField(label="长篇（深度报道、专版等，按长篇分值计分）", required=False)

    def to_data(self) -> facts.PickupData:
        d = self.cleaned_data
        return facts.PickupData(outlet_name=d["outlet_name"], level=d["level"], used_on=d["used_on"],
                                story_id=d["story_id"], our_link=d["our_link"], url=d["url"], is_long=d["is_long"])

    @staticmethod
    def initial_of(pickup: Pickup) -> dict:
        return {"story_id": pickup.story_id, "outlet_name": pickup.outlet_name, "level": pickup.level,
                "used_on": pickup.used_on, "url": pickup.url, "is_long": pickup.is_long}


@require_perm("appraisal.manage")
def pickups(request):
    month = facts.month_of(request.GET.get("month", ""))
    level = request.GET.get("level", "")
    level = level if level in Pickup.Level.values else ""
    q = request.GET.get("q", "").strip()[:50]
    qs = scoped(Pickup, request.center).select_related("story", "entered_by")
    if month:
        qs = qs.filter(month=month)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(outlet_name__icontains=q) | Q(story__headline__icontains=q))
    return render(request, "appraisal/facts/pickups.html", {
        "pickups": list(qs[:LIST_LIMIT]), "count": qs.count(), "limit": LIST_LIMIT,
        "filters": {"month": f"{month:%Y-%m}" if month else "", "level": level, "q": q}, "levels": Pickup.Level.choices,
    })


def _pickup_form_page(request, pickup: Pickup | None):
    form = PickupForm(request.POST or None, initial=PickupForm.initial_of(pickup) if pickup else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = facts.save_pickup(center=request.center, user=request.user, data=form.to_data(), pickup=pickup)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记：《{saved.story.headline}》被{saved.outlet_name}采用"
                                          f"（{saved.get_level_display()}，{saved.used_on:%Y-%m-%d}）。")
                return redirect(f"{reverse('appraisal:pickups')}?month={saved.month:%Y-%m}")
        status = 400
    return render(request, "appraisal/facts/pickup_form.html", {"form": form, "pickup": pickup}, status=status)


@require_perm("appraisal.manage")
def pickup_new(request):
    return _pickup_form_page(request, None)


@require_perm("appraisal.manage")
def pickup_edit(request, pk: int):
    return _pickup_form_page(request, get_scoped_or_404(Pickup.objects.select_related("story"), request.center, pk=pk))


@require_POST
@require_perm("appraisal.manage")
def pickup_delete(request, pk: int):
    pickup = get_scoped_or_404(Pickup.objects.select_related("story"), request.center, pk=pk)
    try:
        facts.delete_pickup(pickup=pickup, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("appraisal:pickup", pk=pk)
    messages.success(request, "已删除这条外宣登记。")
    return redirect("appraisal:pickups")


@require_perm("appraisal.manage")
def pickup_import(request):
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要上传的 CSV 或 Excel（.xlsx）文件。"
        else:
            batch = pickup_import_mod.upload(center=request.center, user=request.user, file=upload)
            return redirect("appraisal:pickup_batch", pk=batch.pk)
    batches = scoped(ImportBatch, request.center).filter(kind=ImportBatch.Kind.PICKUPS).select_related("uploaded_by")[:30]
    return render(request, "appraisal/facts/pickup_import.html", {
        "batches": batches, "error": error, "columns": pickup_import_mod.COLUMNS,
        "describe": {c.key: pickup_import_mod.tabular.describe(c) for c in pickup_import_mod.COLUMNS},
    }, status=400 if error else 200)



@require_perm("appraisal.manage")
def pickup_batch(request, pk: int):
    batch = get_scoped_or_404(ImportBatch.objects.select_related("uploaded_by"), request.center, pk=pk,
                              kind=ImportBatch.Kind.PICKUPS)
    status = 200
    if request.method == "POST":
        try:
            saved = pickup_import_mod.run(batch=batch, user=request.user, valid_only=bool(request.POST.get("valid_only")))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            status = 400
        else:
            messages.success(request, f"已导入 {saved} 行外宣采用登记。")
            return redirect("appraisal:pickup_batch", pk=batch.pk)
    bad_rows = len({e.get("row") for e in batch.errors if e.get("row")})
    return render(request, "appraisal/facts/pickup_batch.html", {"batch": batch, "bad_rows": bad_rows}, status=status)


@require_perm("appraisal.manage")
def pickup_template(request, fmt: str):
    if fmt == "xlsx":
        response = HttpResponse(pickup_import_mod.template_xlsx(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(pickup_import_mod.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pickups-template.{fmt}"'
    return response


# --- Deductions ---------------------------------------------------------------------------------------------

class DeductionForm(forms.Form):
    month = forms.CharField(label="计入月份", widget=forms.TextInput(attrs={"type": "month"}),
                            error_messages={"required": "请选择计入月份。"})
    kind = forms.ChoiceField(label="类型", choices=list(facts.MANUAL_KINDS.items()),
                             error_messages={"invalid_choice": "类型应为差错或其他（更正由系统自动扣分）。"})
    story_id = forms.IntegerField(label="稿件编号", required=False, min_value=1, max_value=2**63 - 1,
                                  help_text="扣在一篇稿件上（按署名占比分摊），或选择下面的人员",
                                  error_messages={"invalid": "稿件编号应为正整数。", "min_value": "稿件编号应为正整数。",
                                                  "max_value": "稿件编号太大。"})
    user = forms.ModelChoiceField(label="人员", queryset=User.objects.none(), required=False, empty_label="（扣在稿件上）",
                                  error_messages={"invalid_choice": "请选择本中心的人员。"})
    points = forms.DecimalField(label="扣分", required=False, min_value=Decimal("0.01"), max_value=facts.MAX_POINTS,
                                decimal_places=2, help_text="差错留空则按考核规则的默认分值",
                                error_messages={"invalid": "扣分应为数字。", "min_value": "扣分须大于 0。",
                                                "max_value": f"扣分不超过 {facts.MAX_POINTS}。",
                                                "max_decimal_places": "扣分最多两位小数。"})
    reason = forms.CharField(label="原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写扣分原因。", "max_length": "原因最多 300 个字。"})

    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["user"].queryset = staff(center)

    def clean_month(self):
        month = facts.month_of(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("月份格式应为 2026-12。")
        return month


@require_perm("appraisal.manage")
def deductions(request):
    month = _month(request)
    form = DeductionForm(request.POST or None, center=request.center, initial={"month": f"{month:%Y-%m}"})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            story = None
            if d["story_id"]:
                story = scoped(Story, request.center).filter(pk=d["story_id"]).first()
                if story is None:
                    form.add_error("story_id", f"本中心没有编号为 {d['story_id']} 的稿件。")
            if not form.errors:
                try:
                    made = facts.add_deduction(center=request.center, user=request.user, month=d["month"], kind=d["kind"],
                                               reason=d["reason"], story=story, person=d["user"], points=d["points"])
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, f"已登记扣分 {made.points} 分（{made.month:%Y年%m月}）。")
                    return redirect(f"{reverse('appraisal:deductions')}?month={made.month:%Y-%m}")
        status = 400
    previous, following = _months_around(month)
    rules = rules_kit.rules_for(request.center, month)
    rows = scoped(Deduction, request.center).filter(month=month).select_related("story", "user", "created_by")
    return render(request, "appraisal/facts/deductions.html", {
        "form": form, "deductions": rows, "month": month, "month_value": f"{month:%Y-%m}", "previous": previous,
        "following": following, "closed": facts.is_closed(request.center, month),
        "default_error": rules.deductions.error, "default_correction": rules.deductions.correction,
    }, status=status)


@require_POST
@require_perm("appraisal.manage")
def deduction_delete(request, pk: int):
    deduction = get_scoped_or_404(Deduction, request.center, pk=pk)
    month = deduction.month
    try:
        facts.delete_deduction(deduction=deduction, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已删除这条扣分。")
    return redirect(f"{reverse('appraisal:deductions')}?month={month:%Y-%m}")


# --- Pay bases -----------------------------------------------------------------------------------------------

def _pay_rows(center, posted=None, errors: dict | None = None) -> list[dict]:
    people = list(staff(center))
    profiles = {p.user_id: p for p in scoped(PayProfile, center).filter(user__in=people)}
    roles: dict[int, list[str]] = {}
    for user_id, role in scoped(Membership, center).filter(user__in=people).values_list("user_id", "role"):
        roles.setdefault(user_id, []).append(role)
    rules = rules_kit.rules_for(center, facts.this_month(center))
    labels = rules_kit.roles()
    rows = []
    for person in people:
        profile = profiles.get(person.pk)
        defaults = [f"{labels.get(r, r)} {rules.pay.default_base[r]} 元" for r in roles.get(person.pk, [])
                    if r in rules.pay.default_base]
        row = {"person": person, "roles": "、".join(labels.get(r, r) for r in roles.get(person.pk, [])),
               "default": "；".join(defaults) or "无", "token": facts.profile_token(profile),
               "base": f"{profile.base_amount}" if profile else "", "pays_fees": bool(profile and profile.pays_fees),
               "note": profile.note if profile else "", "error": (errors or {}).get(person.pk, "")}
        if posted is not None:
            row.update({"base": posted.get(f"base-{person.pk}", ""), "pays_fees": bool(posted.get(f"fees-{person.pk}")),
                        "note": posted.get(f"note-{person.pk}", ""), "token": posted.get(f"token-{person.pk}", row["token"])})
        rows.append(row)
    return rows


class _Refused(Exception):
    pass


@require_perm("appraisal.manage")
def pay_bases(request):
    if request.method != "POST":
        return render(request, "appraisal/facts/pay_bases.html", {"rows": _pay_rows(request.center)})
    errors: dict[int, str] = {}
    stale = False
    changed = 0
    people = {p.pk: p for p in staff(request.center)}
    try:
        with transaction.atomic():
            for key in request.POST:
                if not key.startswith("token-"):
                    continue
                person = people.get(parse_id(key.removeprefix("token-")) or 0)
                if person is None:
                    continue
                post = request.POST
                try:
                    amount = facts.parse_amount(post.get(f"base-{person.pk}", ""))
                    before = PayProfile.objects.filter(center=request.center, user=person).first()
                    saved = facts.set_pay_profile(center=request.center, user=request.user, person=person,
                                                  base_amount=amount, pays_fees=bool(post.get(f"fees-{person.pk}")),
                                                  note=post.get(f"note-{person.pk}", ""), expected=post[key])
                    changed += facts.profile_token(saved) != facts.profile_token(before)
                except facts.Stale as exc:
                    errors[person.pk], stale = str(exc), True
                except ValidationError as exc:
                    errors[person.pk] = "；".join(exc.messages)
            if errors:
                raise _Refused
    except _Refused:
        messages.error(request, f"有 {len(errors)} 人的设置有问题，全部未保存：请按提示改正后再保存。")
        return render(request, "appraisal/facts/pay_bases.html",
                      {"rows": _pay_rows(request.center, request.POST, errors)}, status=409 if stale else 400)
    messages.success(request, f"已保存（{changed} 人有变动）。")
    return redirect("appraisal:pay")
