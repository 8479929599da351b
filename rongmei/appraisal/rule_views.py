"""考核规则: the appraisal admin sees the rules in force for a month and every earlier
version (what changed, who, when), and edits them as tables — points per piece by genre ×
outlet, originality and length multipliers, 优稿 and pickup levels, read thresholds,
deductions, quotas and pay split per role, 稿费 rates. Saving makes a new version starting
at the chosen month (rules.save: checked, refused for closed months, audited); nothing is
ever edited in place, so a closed month keeps the rules it was computed with."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rongmei.appraisal import facts_services, rule_forms
from rongmei.appraisal import rules as rules_kit
from rongmei.appraisal.models import Period, RuleSet
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm

HISTORY_LIMIT = 60


def _month(request, key: str = "month") -> dt.date:
    source = request.POST if request.method == "POST" and key in request.POST else request.GET
    return facts_services.month_of(source.get(key, "")) or facts_services.this_month(request.center)


def readable(doc: dict) -> list[dict]:
    """The rules as read-only tables (labels, not codes)."""
    parsed = rules_kit.parse(doc)
    fmt = rules_kit._fmt
    role = rules_kit.roles()
    sections = [
        ("piece_points", ["体裁", "平台", "每篇分值"],
         [[rules_kit.genre_label(r.genre), rules_kit.outlet_label(r.outlet), fmt(r.points)] for r in parsed.piece_points]),
        ("originality", ["原创属性", "系数"],
         [[rules_kit.originalities().get(k, k), fmt(v)] for k, v in parsed.originality.items()]),
        ("length_bands", ["正文字数", "系数"],
         [[f"{r.min_chars} – {fmt(r.max_chars)}", fmt(r.multiplier)] for r in parsed.length_bands]),
        ("ratings", ["代码", "名称", "分值"], [[r.code, r.label, fmt(r.points)] for r in parsed.ratings]),
        ("pickups", ["级别", "分值", "长篇分值"],
         [[rules_kit.PICKUP_LEVELS[r.level], fmt(r.points), fmt(r.long_points)] for r in parsed.pickups]),
        ("read_thresholds", ["平台", "当月阅读量达到", "加分"],
         [[rules_kit.outlet_label(r.outlet), str(r.reads), fmt(r.points)] for r in parsed.read_thresholds]),
        ("deductions", ["类型", "扣分"], [["差错（发布后发现）", fmt(parsed.deductions.error)],
                                       ["更正（按已更正的发布自动计）", fmt(parsed.deductions.correction)]]),
        ("quotas", ["角色", "月度定额（分）"], [[role.get(k, k), fmt(v)] for k, v in parsed.quotas.items()]),
        ("pay", ["项目", "设定"], [
            ["基础绩效占比", f"{fmt(parsed.pay.base_share)}%"],
            ["未完成定额时", rules_kit.PRO_RATA[parsed.pay.pro_rata]],
            ["门槛（按门槛发放时）", f"{fmt(parsed.pay.threshold)}%"],
            ["未发的基础绩效并入奖励", "是" if parsed.pay.shortfall_to_pool else "否"],
            *[[f"默认基数 · {role.get(k, k)}", f"{fmt(v)} 元"] for k, v in parsed.pay.default_base.items()],
        ]),
        ("fees", ["体裁", "平台", "每篇（元）"],
         [[rules_kit.genre_label(r.genre), rules_kit.outlet_label(r.outlet), fmt(r.amount)] for r in parsed.fees]),
    ]
    return [{"key": key, "title": rules_kit.SECTIONS[key], "head": head, "rows": rows} for key, head, rows in sections]


def _previous(ruleset: RuleSet) -> RuleSet | None:
    """The version this one replaced: the same month's previous version, else the rules in
    force the month before."""
    same = (RuleSet.objects.filter(center=ruleset.center, month=ruleset.month, version__lt=ruleset.version)
            .order_by("-version").first())
    if same is not None:
        return same
    return rules_kit.ruleset_for(ruleset.center, ruleset.month - dt.timedelta(days=1))


def _history(center) -> list[RuleSet]:
    versions = list(scoped(RuleSet, center).select_related("created_by").order_by("-created_at", "-pk")[:HISTORY_LIMIT])
    for item in versions:
        before = _previous(item)
        item.change_lines = rules_kit.changes(before.rules if before else None, item.rules)
    return versions


@require_perm("appraisal.manage")
def rules_page(request):
    month = _month(request)
    current = rules_kit.ruleset_for(request.center, month)
    doc = current.rules if current else rules_kit.DEFAULT_RULES
    return render(request, "appraisal/rules/rules_page.html", {
        "month": month, "month_value": rule_forms.month_value(month), "current": current, "sections": readable(doc),
        "closed": facts_services.is_closed(request.center, month), "history": _history(request.center),
    })


@require_perm("appraisal.manage")
def rules_edit(request):
    month = _month(request)
    errors: dict = {}
    note = ""
    extra = rule_forms.BLANK_ROWS
    if request.method == "POST":
        doc = rule_forms.doc_from_post(request.POST)
        note = request.POST.get("note", "")
        seen = request.POST.get("seen_latest", "")
        if request.POST.get("action") == "more":
            extra = rule_forms.BLANK_ROWS + 5
        elif request.POST.get("action") == "load_json":
            # Rules copied from another center (its "导出 JSON"): fill the tables, save nothing yet.
            loaded, problem = _from_json(request.POST.get("json", ""))
            if problem:
                errors["__all__"] = [problem]
                current = rules_kit.ruleset_for(request.center, month)
                doc = current.rules if current else rules_kit.DEFAULT_RULES
            else:
                doc = loaded
                messages.info(request, "已把 JSON 中的规则填入下面的表格，检查后点“保存为新版本”才生效。")
        else:
            if facts_services.month_of(request.POST.get("month", "")) is None:
                errors["month"] = ["请选择起用月份（如 2026-12）。"]
            else:
                try:
                    saved = rules_kit.save(center=request.center, user=request.user, month=month, data=doc, note=note,
                                           seen_latest=int(seen) if seen.isdigit() else None)
                except rules_kit.StaleRules as exc:
                    messages.error(request, f"{exc} 您填写的内容保留在下面：可先在“考核规则”页对照最新版本；"
                                            "再次点“保存为新版本”将以您填写的为准。")
                    response = render(request, "appraisal/rules/rules_edit.html",
                                      _edit_context(request, month, doc, {}, note, extra, stale=True), status=409)
                    return response
                except ValidationError as exc:
                    errors = exc.message_dict
                else:
                    messages.success(request, f"已保存考核规则：{saved}。")
                    return redirect(f"{reverse('appraisal:rules')}?month={rule_forms.month_value(saved.month)}")
        status = 400 if errors else 200
        return render(request, "appraisal/rules/rules_edit.html",
                      _edit_context(request, month, doc, errors, note, extra), status=status)
    current = rules_kit.ruleset_for(request.center, month)
    doc = current.rules if current else rules_kit.DEFAULT_RULES
    return render(request, "appraisal/rules/rules_edit.html", _edit_context(request, month, doc, errors, note, extra))


def _from_json(text: str) -> tuple[dict, str]:
    """A rules document from pasted JSON: the export's {"rules": {...}} or the document itself."""
    text = (text or "").strip()
    if not text:
        return {}, "请粘贴导出的规则 JSON。"
    if len(text) > 200_000:
        return {}, "JSON 太长了。"
    try:
        data = json.loads(text)
    except ValueError:
        return {}, "不是有效的 JSON：请粘贴“导出 JSON”下载的文件内容。"
    if isinstance(data, dict) and isinstance(data.get("rules"), dict):
        data = data["rules"]
    if not isinstance(data, dict) or not any(key in data for key in rules_kit.SECTIONS):
        return {}, "JSON 里没有考核规则（应含 piece_points、ratings、pay 等项）。"
    return data, ""


def _edit_context(request, month, doc, errors, note, extra, stale=False) -> dict:
    values = rule_forms.rows_of(doc)
    seen = request.POST.get("seen_latest") if request.method == "POST" and not stale else None
    return {
        "month": month, "month_value": rule_forms.month_value(month), "tables": rule_forms.tables(values, errors, extra),
        "keyed": rule_forms.keyed_rows(values), "values": values, "errors": errors, "note": note,
        "general_errors": errors.get("__all__", []) + errors.get("month", []) + errors.get("note", []),
        "error_count": sum(len(v) for v in errors.values()),
        "error_lines": [f"{rules_kit.SECTIONS.get(key, '')} {message}".strip()
                        for key, found in errors.items() for message in found],
        "seen_latest": seen if seen is not None else rules_kit.latest_id(request.center),
        "pro_rata": rules_kit.PRO_RATA.items(), "sections": rules_kit.SECTIONS,
        "closed_months": list(scoped(Period, request.center).filter(status=Period.Status.CLOSED)
                              .order_by("-month").values_list("month", flat=True)[:12]),
    }


@require_perm("appraisal.manage")
def rule_version(request, pk: int):
    ruleset = get_scoped_or_404(RuleSet.objects.select_related("created_by"), request.center, pk=pk)
    before = _previous(ruleset)
    return render(request, "appraisal/rules/rule_version.html", {
        "ruleset": ruleset, "previous": before, "sections": readable(ruleset.rules),
        "change_lines": rules_kit.changes(before.rules if before else None, ruleset.rules),
        "month_value": rule_forms.month_value(ruleset.month),
    })


@require_perm("appraisal.manage")
def rule_json(request, pk: int):
    """One version as JSON, to copy to another center (paste it through the API or keep it)."""
    ruleset = get_scoped_or_404(RuleSet, request.center, pk=pk)
    body = json.dumps({"month": ruleset.month.isoformat(), "version": ruleset.version, "rules": ruleset.rules},
                      ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rules-{ruleset.month:%Y-%m}-v{ruleset.version}.json"'
    return response
