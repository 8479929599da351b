"""The scoring rules as data: the schema a RuleSet's `rules` JSON follows, the defaults a
center starts from, and which rules apply to a month.

Points for a piece on an outlet (a story with a publication sent that month):
    base = the most specific `piece_points` row for (genre, outlet): (genre, outlet) over
           (genre, "*") over ("*", outlet) over ("*", "*"); no row → 0
    × the originality multiplier × the length band multiplier (plain-text characters of
      the story's body; the band whose [min_chars, max_chars) holds it)
Then per piece (not per outlet): the 优稿 level's points, the highest pickup level's points
(`long_points` when the pickup is a long piece), the highest read threshold met per outlet;
deductions subtract. Every piece's points are split among its byline by their shares.
Pay: base_amount × base_share % is paid by the quota rule (`pay.pro_rata`); the rest of every
base (and, if `shortfall_to_pool`, what was not paid of the base) is the reward pool,
distributed in proportion to points (people with points ≤ 0 get none), to the cent.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Num = Decimal


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PiecePoints(_Row):
    genre: str = "*"  # newsroom Story.Genre value, or "*"
    outlet: str = "*"  # analytics Outlet value, or "*"
    points: Num = Field(ge=0)


class LengthBand(_Row):
    min_chars: int = Field(ge=0)
    max_chars: int | None = None  # None: no upper bound
    multiplier: Num = Field(ge=0)


class RatingLevel(_Row):
    code: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1, max_length=20)
    points: Num = Field(ge=0)


class PickupLevel(_Row):
    level: Literal["county", "prefecture", "provincial", "central"]
    points: Num = Field(ge=0)
    long_points: Num = Field(ge=0)


class ReadThreshold(_Row):
    outlet: str
    reads: int = Field(gt=0)
    points: Num = Field(ge=0)


class Deductions(_Row):
    error: Num = Field(default=Num(2), ge=0)  # default points deducted for an error found after publishing
    correction: Num = Field(default=Num(1), ge=0)  # … for a published correction


class PayRules(_Row):
    base_share: Num = Field(default=Num(70), ge=0, le=100)  # % of the base paid by the quota rule
    default_base: dict[str, Num] = Field(default_factory=dict)  # role → monthly base (元) when no PayProfile
    pro_rata: Literal["all_or_nothing", "linear", "stepped"] = "linear"
    threshold: Num = Field(default=Num(60), ge=0, le=100)  # stepped: below this % of quota no base is paid
    shortfall_to_pool: bool = True


class FeeRate(_Row):
    genre: str = "*"
    outlet: str = "*"
    amount: Num = Field(ge=0)  # 元 per piece, split by byline shares


class RulesDoc(_Row):
    piece_points: list[PiecePoints]
    originality: dict[str, Num]  # Story.Originality value → multiplier
    length_bands: list[LengthBand]
    ratings: list[RatingLevel]
    pickups: list[PickupLevel]
    read_thresholds: list[ReadThreshold] = Field(default_factory=list)
    deductions: Deductions = Field(default_factory=Deductions)
    quotas: dict[str, Num] = Field(default_factory=dict)  # role → monthly quota of points
    pay: PayRules = Field(default_factory=PayRules)
    fees: list[FeeRate] = Field(default_factory=list)


DEFAULT_RULES: dict = {
    "piece_points": [
        {"genre": "text", "outlet": "*", "points": "2"},
        {"genre": "photo", "outlet": "*", "points": "2"},
        {"genre": "video", "outlet": "*", "points": "4"},
        {"genre": "live", "outlet": "*", "points": "6"},
        {"genre": "h5", "outlet": "*", "points": "5"},
        {"genre": "long_image", "outlet": "*", "points": "4"},
        {"genre": "*", "outlet": "newspaper", "points": "3"},
        {"genre": "*", "outlet": "tv", "points": "4"},
        {"genre": "*", "outlet": "*", "points": "1"},
    ],
    "originality": {"original": "1", "adapted": "0.6", "reprint": "0.2"},
    "length_bands": [
        {"min_chars": 0, "max_chars": 500, "multiplier": "0.8"},
        {"min_chars": 500, "max_chars": 1500, "multiplier": "1"},
        {"min_chars": 1500, "max_chars": None, "multiplier": "1.3"},
    ],
    "ratings": [
        {"code": "A", "label": "一类优稿", "points": "10"},
        {"code": "B", "label": "二类优稿", "points": "6"},
        {"code": "C", "label": "三类优稿", "points": "3"},
    ],
    "pickups": [
        {"level": "county", "points": "1", "long_points": "2"},
        {"level": "prefecture", "points": "3", "long_points": "5"},
        {"level": "provincial", "points": "5", "long_points": "8"},
        {"level": "central", "points": "5", "long_points": "10"},
    ],
    "read_thresholds": [
        {"outlet": "wechat", "reads": 10000, "points": "2"},
        {"outlet": "wechat", "reads": 100000, "points": "5"},
        {"outlet": "web", "reads": 5000, "points": "1"},
    ],
    "deductions": {"error": "2", "correction": "1"},
    "quotas": {"reporter": "40", "editor": "30"},
    "pay": {"base_share": "70", "default_base": {"reporter": "3000", "editor": "3000"}, "pro_rata": "linear",
            "threshold": "60", "shortfall_to_pool": True},
    "fees": [
        {"genre": "text", "outlet": "*", "amount": "50"},
        {"genre": "photo", "outlet": "*", "amount": "30"},
        {"genre": "video", "outlet": "*", "amount": "80"},
        {"genre": "*", "outlet": "*", "amount": "20"},
    ],
}


def parse(data: dict) -> RulesDoc:
    """Validate a rules document (raises pydantic.ValidationError)."""
    return RulesDoc.model_validate(data)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def ruleset_for(center, month: dt.date):
    """The RuleSet in force in `month` (the last version of the latest rule set starting on or
    before it), or None when the center has none yet."""
    from rongmei.appraisal.models import RuleSet

    return (RuleSet.objects.filter(center=center, month__lte=month_start(month))
            .order_by("-month", "-version").first())


def rules_for(center, month: dt.date) -> RulesDoc:
    """The rules in force in `month`: the RuleSet's, or the defaults."""
    found = ruleset_for(center, month)
    return parse(found.rules if found is not None else DEFAULT_RULES)


# --- Checking a rules document (the editor, the API and the engine share this) -----------------
#
# pydantic checks the shape (numbers, required fields); `check` adds what makes a document
# usable: codes that exist (genre, outlet, role, originality), no duplicate rows, length
# bands from 0 without overlaps or gaps, shares within 0–100. Every message is Chinese and
# names its section and row as the editor shows them ("计件分值 第 3 行：…"), so a refusal
# can be acted on without reading JSON.

SECTIONS: dict[str, str] = {
    "piece_points": "计件分值", "originality": "原创系数", "length_bands": "篇幅系数", "ratings": "优稿等级",
    "pickups": "外宣采用", "read_thresholds": "阅读量奖励", "deductions": "扣分标准", "quotas": "月度定额",
    "pay": "绩效工资", "fees": "稿费标准",
}
FIELD_LABELS: dict[str, str] = {
    "genre": "体裁", "outlet": "平台", "points": "分值", "min_chars": "起始字数", "max_chars": "截止字数",
    "multiplier": "系数", "code": "代码", "label": "名称", "level": "级别", "long_points": "长篇分值",
    "reads": "阅读量", "error": "差错扣分", "correction": "更正扣分", "base_share": "基础绩效占比",
    "default_base": "默认基数", "pro_rata": "未完成定额时", "threshold": "门槛", "shortfall_to_pool": "差额并入奖励",
    "amount": "金额",
}
PICKUP_LEVELS: dict[str, str] = {"county": "县市级", "prefecture": "地市级", "provincial": "省级", "central": "中央级"}
PRO_RATA: dict[str, str] = {
    "all_or_nothing": "完成定额才发，否则不发", "linear": "按定额完成比例发放",
    "stepped": "达到门槛按比例发放，低于门槛不发",
}
ANY = "*"


def genres() -> dict[str, str]:
    from rongmei.newsroom.models import Story

    return dict(Story.Genre.choices)


def originalities() -> dict[str, str]:
    from rongmei.newsroom.models import Story

    return dict(Story.Originality.choices)


def outlets() -> dict[str, str]:
    from rongmei.analytics.models import Outlet

    return dict(Outlet.choices)


def roles() -> dict[str, str]:
    from rongmei.core.permissions import ROLE_CHOICES

    return dict(ROLE_CHOICES)


def genre_label(code: str) -> str:
    return "全部体裁" if code == ANY else genres().get(code, code)


def outlet_label(code: str) -> str:
    return "全部平台" if code == ANY else outlets().get(code, code)


_PYDANTIC: dict[str, str] = {
    "missing": "请填写。", "greater_than_equal": "不能为负数。", "greater_than": "须大于 0。",
    "less_than_equal": "不能超过 {le}。", "decimal_parsing": "请填写数字。", "decimal_type": "请填写数字。",
    "int_parsing": "请填写整数。", "int_type": "请填写整数。", "int_from_float": "请填写整数。",
    "literal_error": "不是可选的值。", "string_too_short": "请填写。", "string_too_long": "太长了。",
    "extra_forbidden": "不认识的项目。", "bool_parsing": "应为是或否。", "dict_type": "格式不对。",
    "list_type": "格式不对。", "model_type": "格式不对。", "string_type": "请填写文字。",
    "finite_number": "请填写数字。", "decimal_max_digits": "数字太大。", "decimal_max_places": "小数位太多。",
}


def _where(loc: tuple) -> tuple[str, str]:
    """(section key, "第 n 行“字段”" / "“字段”") for a pydantic error location."""
    section = str(loc[0]) if loc else ""
    rest = list(loc[1:])
    parts = []
    if rest and isinstance(rest[0], int):
        parts.append(f"第 {rest.pop(0) + 1} 行")
    for item in rest:
        if isinstance(item, str):
            name = FIELD_LABELS.get(item) or roles().get(item) or originalities().get(item) or item
            parts.append(f"“{name}”")
    return section, "".join(parts)


def _num(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None and str(value).strip() != "" else None
    except ArithmeticError:
        return None


def _rows(data: dict, section: str) -> list[tuple[int, dict]]:
    rows = data.get(section)
    return [(i + 1, r) for i, r in enumerate(rows) if isinstance(r, dict)] if isinstance(rows, list) else []


def _semantic(data: dict, add) -> None:
    genre_codes, outlet_codes, role_codes = set(genres()), set(outlets()), set(roles())
    for section, amount in (("piece_points", "points"), ("fees", "amount")):
        seen: dict[tuple, int] = {}
        for n, row in _rows(data, section):
            genre, outlet = row.get("genre", ANY), row.get("outlet", ANY)
            if genre != ANY and genre not in genre_codes:
                add(section, f"第 {n} 行：没有“{genre}”这种体裁。")
            if outlet != ANY and outlet not in outlet_codes:
                add(section, f"第 {n} 行：没有“{outlet}”这个平台。")
            key = (genre, outlet)
            if key in seen:
                add(section, f"第 {n} 行：与第 {seen[key]} 行重复（{genre_label(genre)} · {outlet_label(outlet)}），"
                             "同一体裁和平台只能有一行。")
            seen.setdefault(key, n)
    originality = data.get("originality")
    if isinstance(originality, dict):
        known = originalities()
        for code in originality:
            if code not in known:
                add("originality", f"没有“{code}”这种原创属性。")
        for code, label in known.items():
            if code not in originality:
                add("originality", f"请填写“{label}”的系数。")
    _check_bands(data, add)
    codes: dict[str, int] = {}
    labels: dict[str, int] = {}
    for n, row in _rows(data, "ratings"):
        code, label = str(row.get("code", "")).strip(), str(row.get("label", "")).strip()
        if code and code in codes:
            add("ratings", f"第 {n} 行：代码“{code}”与第 {codes[code]} 行重复。")
        if label and label in labels:
            add("ratings", f"第 {n} 行：名称“{label}”与第 {labels[label]} 行重复。")
        codes.setdefault(code, n)
        labels.setdefault(label, n)
    levels: dict[str, int] = {}
    for n, row in _rows(data, "pickups"):
        level = row.get("level")
        if level in levels:
            add("pickups", f"第 {n} 行：{PICKUP_LEVELS.get(level, level)}与第 {levels[level]} 行重复。")
        levels.setdefault(level, n)
    thresholds: dict[tuple, int] = {}
    for n, row in _rows(data, "read_thresholds"):
        outlet = row.get("outlet")
        if outlet == ANY or outlet not in outlet_codes:
            add("read_thresholds", f"第 {n} 行：请选择一个平台（阅读量按平台分别计算）。")
        key = (outlet, str(row.get("reads")))
        if key in thresholds:
            add("read_thresholds", f"第 {n} 行：与第 {thresholds[key]} 行重复（同一平台、同一阅读量）。")
        thresholds.setdefault(key, n)
    for code in (data.get("quotas") or {}) if isinstance(data.get("quotas"), dict) else ():
        if code not in role_codes:
            add("quotas", f"没有“{code}”这个角色。")
    pay = data.get("pay")
    if isinstance(pay, dict) and isinstance(pay.get("default_base"), dict):
        for code in pay["default_base"]:
            if code not in role_codes:
                add("pay", f"默认基数：没有“{code}”这个角色。")
    # The schema's per-key maps carry no bounds of their own: no negative multiplier, quota or base.
    names = {**originalities(), **roles()}
    for section, where, mapping in (("originality", "", data.get("originality")), ("quotas", "", data.get("quotas")),
                                    ("pay", "“默认基数”", (pay or {}).get("default_base") if isinstance(pay, dict) else None)):
        for code, value in (mapping.items() if isinstance(mapping, dict) else ()):
            number = _num(value)
            if number is not None and number < 0:
                add(section, f"{where}“{names.get(code, code)}”：不能为负数。")


def _check_bands(data: dict, add) -> None:
    """Bands cover every length from 0 once: sorted by their start, the first starts at 0,
    each starts where the previous ended, and only the last is open-ended."""
    bands = []
    for n, row in _rows(data, "length_bands"):
        low, high = _num(row.get("min_chars")), _num(row.get("max_chars"))
        if low is None:
            continue
        if high is not None and high <= low:
            add("length_bands", f"第 {n} 行：截止字数须大于起始字数（{low} → {high}）。")
            continue
        bands.append((low, high, n))
    if not bands:
        if isinstance(data.get("length_bands"), list):
            add("length_bands", "至少要有一档篇幅（从 0 字起）。")
        return
    bands.sort(key=lambda b: (b[0], b[2]))
    if bands[0][0] != 0:
        add("length_bands", f"第 {bands[0][2]} 行：第一档须从 0 字起（现在从 {bands[0][0]} 字起）。")
    for (low, high, n), (next_low, _, next_n) in itertools.pairwise(bands):
        if high is None:
            add("length_bands", f"第 {n} 行没有截止字数，却还有从 {next_low} 字起的第 {next_n} 行：两档重叠。")
        elif next_low < high:
            add("length_bands", f"第 {next_n} 行（从 {next_low} 字起）与第 {n} 行（{low}–{high} 字）重叠。")
        elif next_low > high:
            add("length_bands", f"第 {n} 行止于 {high} 字，第 {next_n} 行从 {next_low} 字起：中间的篇幅没有系数。")
    if bands[-1][1] is not None:
        add("length_bands", f"第 {bands[-1][2]} 行：最后一档请留空截止字数（{bands[-1][1]} 字以上的稿件也要有系数）。")


def check(data) -> RulesDoc:
    """The rules document `data`, validated; else django's ValidationError whose
    `message_dict` maps each section (piece_points, pay, …) to Chinese messages naming the row."""
    from django.core.exceptions import ValidationError
    from pydantic import ValidationError as SchemaError

    errors: dict[str, list[str]] = {}

    def add(section: str, message: str) -> None:
        errors.setdefault(section if section in SECTIONS else "__all__", []).append(message)

    if not isinstance(data, dict):
        raise ValidationError({"__all__": ["规则应为一个 JSON 对象。"]})
    doc = None
    try:
        doc = parse(data)
    except SchemaError as exc:
        for err in exc.errors():
            section, where = _where(tuple(err.get("loc", ())))
            text = _PYDANTIC.get(err.get("type", ""), "填写不正确。").format(**(err.get("ctx") or {}))
            add(section, f"{where}：{text}" if where else text)
    try:  # cross-row checks, reported with the schema's own errors so one save names every mistake
        _semantic(data, add)
    except (TypeError, AttributeError, ValueError):  # a shape the schema has already refused (a list where a code belongs)
        if doc is not None:
            raise
    if errors:
        raise ValidationError(errors)
    return doc


def stored(doc: RulesDoc) -> dict:
    """What a RuleSet keeps: the document as JSON (decimals as strings, so nothing is rounded)."""
    return doc.model_dump(mode="json")


def _fmt(value) -> str:
    if value is None:
        return "不限"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def changes(old: dict | None, new: dict) -> list[str]:
    """What changed from `old` to `new` (two rules documents), one Chinese line per change,
    for the audit log and the version history."""
    a = parse(old if old is not None else DEFAULT_RULES)
    b = parse(new)
    lines: list[str] = []

    def keyed(section: str, doc: RulesDoc) -> dict:
        rows = getattr(doc, section)
        if section in ("piece_points", "fees"):
            return {f"{genre_label(r.genre)}·{outlet_label(r.outlet)}": _fmt(r.points if section == "piece_points" else r.amount)
                    for r in rows}
        if section == "length_bands":
            return {f"{r.min_chars}–{_fmt(r.max_chars)} 字": _fmt(r.multiplier) for r in rows}
        if section == "ratings":
            return {r.code: f"{r.label} {_fmt(r.points)} 分" for r in rows}
        if section == "pickups":
            return {PICKUP_LEVELS[r.level]: f"{_fmt(r.points)} 分（长篇 {_fmt(r.long_points)} 分）" for r in rows}
        if section == "read_thresholds":
            return {f"{outlet_label(r.outlet)} ≥{r.reads}": f"{_fmt(r.points)} 分" for r in rows}
        if section == "originality":
            return {originalities().get(k, k): _fmt(v) for k, v in rows.items()}
        if section == "quotas":
            return {roles().get(k, k): _fmt(v) for k, v in rows.items()}
        if section == "deductions":
            return {FIELD_LABELS[k]: _fmt(v) for k, v in rows.model_dump().items()}
        pay = rows.model_dump()
        out = {FIELD_LABELS[k]: (PRO_RATA.get(v, v) if k == "pro_rata" else _fmt(v))
               for k, v in pay.items() if k != "default_base"}
        out.update({f"默认基数·{roles().get(k, k)}": _fmt(v) for k, v in pay["default_base"].items()})
        return out

    for section, label in SECTIONS.items():
        before, after = keyed(section, a), keyed(section, b)
        for key in list(before) + [k for k in after if k not in before]:
            if key not in after:
                lines.append(f"{label}：删除 {key}（{before[key]}）")
            elif key not in before:
                lines.append(f"{label}：新增 {key}（{after[key]}）")
            elif before[key] != after[key]:
                lines.append(f"{label}：{key} {before[key]} → {after[key]}")
    return lines


# --- Saving a new version ------------------------------------------------------------------------

class StaleRules(Exception):
    """Someone saved rules after this editor opened them; the save was refused."""

    message = "考核规则已被他人修改（在您编辑期间保存了新版本），请重新打开后再改。"


def latest_id(center) -> int:
    """The id of the center's newest RuleSet (0 without one): what an editor saw when it opened."""
    from rongmei.appraisal.models import RuleSet

    return RuleSet.objects.filter(center=center).order_by("-pk").values_list("pk", flat=True).first() or 0


def governed_closed_months(center, month: dt.date) -> list[dt.date]:
    """The closed months a rule set starting at `month` would govern: from `month` up to the
    next rule set's start (all later months when there is none)."""
    from rongmei.appraisal.models import Period, RuleSet

    month = month_start(month)
    later = (RuleSet.objects.filter(center=center, month__gt=month).order_by("month")
             .values_list("month", flat=True).first())
    closed = Period.objects.filter(center=center, status=Period.Status.CLOSED, month__gte=month)
    if later is not None:
        closed = closed.filter(month__lt=later)
    return list(closed.order_by("month").values_list("month", flat=True))


def save(*, center, user, month: dt.date, data: dict, note: str = "", seen_latest: int | None = None):
    """A new RuleSet version starting at `month` from the document `data` (checked first).
    Refused (ValidationError) for a month already closed, or one whose rules would reach into
    a closed month; StaleRules when another save happened after `seen_latest` (the newest
    RuleSet id the editor saw). Audited with a line per change."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from rongmei.appraisal.models import RuleSet
    from rongmei.core.services import record

    doc = check(data)
    month = month_start(month)
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": ["修改说明最多 200 个字。"]})
    try:
        with transaction.atomic():
            if seen_latest is not None and latest_id(center) != seen_latest:
                raise StaleRules(StaleRules.message)
            closed = governed_closed_months(center, month)
            if closed:
                names = "、".join(f"{m:%Y年%m月}" for m in closed)
                raise ValidationError({"month": [f"{names}已结算，不能为已结算的月份设定新规则；请选择之后的月份起用。"]})
            previous = ruleset_for(center, month)
            version = (RuleSet.objects.filter(center=center, month=month).order_by("-version")
                       .values_list("version", flat=True).first() or 0) + 1
            saved = RuleSet.objects.create(center=center, month=month, version=version, rules=stored(doc), note=note,
                                           created_by=user)
            lines = changes(previous.rules if previous else None, saved.rules)
            record("appraisal.rules_save", actor=user, center=center, obj=saved,
                   before={"ruleset": previous.pk if previous else None},
                   after={"month": month.isoformat(), "version": version, "changes": lines[:100], "note": note})
    except IntegrityError as exc:  # two saves for the same month at once: the later one lost
        raise StaleRules(StaleRules.message) from exc
    return saved
