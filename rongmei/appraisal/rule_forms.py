"""The rules editor's rows of inputs ⇄ a rules document.

Why not Django formsets: every number here is checked by `rules.check` (which the API and
the engine share), and its messages name the section and the row ("计件分值 第 3 行：…").
So the page is plain rows of inputs named `<prefix>-<n>-<field>` that we read back into a
document exactly as typed (strings), blank rows left out; when the document is refused,
the page is drawn again from that same document, so "第 3 行" is the third row on screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rongmei.appraisal import rules as rules_kit

MAX_ROWS = 200
BLANK_ROWS = 2


@dataclass(frozen=True)
class Col:
    name: str
    label: str
    kind: str  # num, int, text, genre, outlet, outlet_only, level
    help: str = ""


LISTS: dict[str, tuple[str, list[Col], str]] = {
    "piece_points": ("pp", [Col("genre", "体裁", "genre"), Col("outlet", "平台", "outlet"), Col("points", "每篇分值", "num")],
                     "同一篇稿件在每个平台各计一次；取最具体的一行：体裁+平台 > 体裁+全部平台 > 全部体裁+平台 > 全部。"),
    "length_bands": ("lb", [Col("min_chars", "起始字数（含）", "int"), Col("max_chars", "截止字数（不含）", "int", "最后一档留空"),
                            Col("multiplier", "系数", "num")],
                     "按正文字数乘系数。须从 0 字起、首尾相接、不重叠，最后一档不填截止字数。"),
    "ratings": ("rt", [Col("code", "代码", "text"), Col("label", "名称", "text"), Col("points", "分值", "num")],
                "编辑评定优稿时可选的等级。"),
    "pickups": ("pk", [Col("level", "级别", "level"), Col("points", "分值", "num"), Col("long_points", "长篇分值", "num")],
                "一篇稿件被多个级别采用时只计最高一级；深度、专版等长篇按长篇分值。"),
    "read_thresholds": ("th", [Col("outlet", "平台", "outlet_only"), Col("reads", "当月阅读量达到", "int"),
                               Col("points", "加分", "num")],
                        "每个平台只计达到的最高一档。"),
    "fees": ("fe", [Col("genre", "体裁", "genre"), Col("outlet", "平台", "outlet"), Col("amount", "每篇（元）", "num")],
             "稿费发给通讯员等编外作者，以及本中心设定“计发稿费”的人员；按署名占比分。"),
}


def choices(kind: str) -> list[tuple[str, str]]:
    if kind == "genre":
        return [(rules_kit.ANY, "全部体裁"), *rules_kit.genres().items()]
    if kind == "outlet":
        return [(rules_kit.ANY, "全部平台"), *rules_kit.outlets().items()]
    if kind == "outlet_only":
        return list(rules_kit.outlets().items())
    if kind == "level":
        return list(rules_kit.PICKUP_LEVELS.items())
    return []


def editable_roles() -> dict[str, str]:
    """Roles a quota or a default base can be set for (department liaisons are not staff)."""
    return {code: label for code, label in rules_kit.roles().items() if code != "liaison"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def rows_of(doc: dict) -> dict:
    """The editor's values (strings) from a rules document (as stored, or as posted)."""
    out: dict = {}
    for section, (_, cols, _) in LISTS.items():
        out[section] = [{c.name: _text(row.get(c.name)) for c in cols} for row in doc.get(section) or [] if isinstance(row, dict)]
    out["originality"] = {k: _text(v) for k, v in (doc.get("originality") or {}).items()}
    out["quotas"] = {k: _text(v) for k, v in (doc.get("quotas") or {}).items()}
    deductions = doc.get("deductions") or {}
    out["deductions"] = {k: _text(deductions.get(k)) for k in ("error", "correction")}
    pay = doc.get("pay") or {}
    out["pay"] = {k: _text(pay.get(k)) for k in ("base_share", "pro_rata", "threshold")}
    out["pay"]["shortfall_to_pool"] = bool(pay.get("shortfall_to_pool", True))
    out["default_base"] = {k: _text(v) for k, v in (pay.get("default_base") or {}).items()}
    return out


def _blank(row: dict, cols: list[Col]) -> bool:
    # A row whose only values are the pre-selected choices (体裁/平台 "全部") counts as blank.
    return all(not row[c.name].strip() for c in cols if c.kind in ("num", "int", "text"))


def doc_from_post(post) -> dict:
    """The rules document as typed: strings, blank rows and ticked 删除 rows left out."""
    doc: dict = {}
    for section, (prefix, cols, _) in LISTS.items():
        rows = []
        try:
            count = min(int(post.get(f"{prefix}-count", 0)), MAX_ROWS)
        except (TypeError, ValueError):
            count = 0
        for i in range(count):
            row = {c.name: str(post.get(f"{prefix}-{i}-{c.name}", "")).strip() for c in cols}
            if post.get(f"{prefix}-{i}-delete") or _blank(row, cols):
                continue
            for c in cols:
                if c.name == "max_chars" and row[c.name] == "":
                    row[c.name] = None
            rows.append(row)
        doc[section] = rows
    doc["originality"] = {code: post.get(f"orig-{code}", "").strip() for code in rules_kit.originalities()
                          if post.get(f"orig-{code}", "").strip()}
    doc["quotas"] = {code: post.get(f"quota-{code}", "").strip() for code in editable_roles()
                     if post.get(f"quota-{code}", "").strip()}
    doc["deductions"] = {k: post.get(f"ded-{k}", "").strip() for k in ("error", "correction")}
    doc["pay"] = {
        "base_share": post.get("pay-base_share", "").strip(), "pro_rata": post.get("pay-pro_rata", "").strip(),
        "threshold": post.get("pay-threshold", "").strip(), "shortfall_to_pool": bool(post.get("pay-shortfall_to_pool")),
        "default_base": {code: post.get(f"base-{code}", "").strip() for code in editable_roles()
                         if post.get(f"base-{code}", "").strip()},
    }
    return doc


def tables(values: dict, errors: dict, extra: int = BLANK_ROWS) -> list[dict]:
    """What the template draws for each list section: columns, rows (value + choices per cell), errors."""
    out = []
    for section, (prefix, cols, help_text) in LISTS.items():
        rows = list(values.get(section) or []) + [{c.name: "" for c in cols} for _ in range(extra)]
        drawn = []
        for n, row in enumerate(rows):
            cells = []
            for c in cols:
                value = row.get(c.name, "")
                if c.kind in ("genre", "outlet") and value == "":
                    value = rules_kit.ANY
                cells.append({"name": f"{prefix}-{n}-{c.name}", "value": value, "kind": c.kind, "label": c.label,
                              "choices": choices(c.kind), "numeric": c.kind in ("num", "int")})
            drawn.append({"n": n + 1, "cells": cells, "delete": f"{prefix}-{n}-delete"})
        out.append({"key": section, "title": rules_kit.SECTIONS[section], "prefix": prefix, "cols": cols, "rows": drawn,
                    "count": len(rows), "help": help_text, "errors": errors.get(section, [])})
    return out


def keyed_rows(values: dict) -> dict:
    """Originality multipliers and the per-role quota / default base rows."""
    return {
        "originality": [{"code": code, "label": label, "value": values["originality"].get(code, "")}
                        for code, label in rules_kit.originalities().items()],
        "roles": [{"code": code, "label": label, "quota": values["quotas"].get(code, ""),
                   "base": values["default_base"].get(code, "")} for code, label in editable_roles().items()],
    }


def month_value(month: dt.date) -> str:
    return f"{month:%Y-%m}"
