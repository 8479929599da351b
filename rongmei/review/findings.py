"""The content checks' findings as the review screens show them and the API returns them:
field names in Chinese, and one row per finding naming every version it comes from."""

from __future__ import annotations

from rongmei.newsroom.models import Rendition

PUBLISHED_LABELS = {"title": "标题", "author": "作者", "digest": "摘要", "text": "发出的微博", "caption": "文案",
                    "tags": "话题标签"}
FIELD_LABELS = {"kicker": "引题", "headline": "主标题", "subheadline": "副标题", "summary": "摘要", "body": "正文"}


def field_label(name: str, channels: dict | None = None) -> str:
    """The Chinese name of a checked field ("body", "caption:12", "rendition:weibo")."""
    if name.startswith("caption:"):
        return "图片说明"
    if name.startswith("rendition:"):
        _, channel, part = (name.split(":", 2) + [""])[:3]  # "rendition:weibo" or "rendition:weibo:text"
        label = f"渠道稿·{(channels or dict(Rendition.Channel.choices)).get(channel, channel)}"
        return f"{label}·{PUBLISHED_LABELS.get(part, part)}" if part else label
    return FIELD_LABELS.get(name, name)


def grouped_findings(findings) -> list[dict]:
    """One row per finding, naming every version it comes from (the same word in the master,
    the web version and the WeChat version is one thing to fix, not three rows)."""
    groups: dict[tuple, dict] = {}
    for f in findings:
        key = (f.severity, f.check, f.text, f.message, f.suggestion or "")
        group = groups.setdefault(key, {"severity": f.severity, "check": f.check, "text": f.text, "message": f.message,
                                        "suggestion": f.suggestion or "", "fields": []})
        if f.field not in group["fields"]:
            group["fields"].append(f.field)
    rank = {"block": 0, "warn": 1}
    for group in groups.values():
        group["where"] = _where(group["fields"])
    return sorted(groups.values(), key=lambda g: rank.get(g["severity"], 2))


def _where(fields: list[str]) -> str:
    """"母稿：正文、主标题；渠道稿：微信公众号（摘要）、微博（发出的微博）" from field names."""
    channels = dict(Rendition.Channel.choices)
    master: list[str] = []
    versions: dict[str, list[str]] = {}
    for name in fields:
        if name.startswith("rendition:"):
            _, channel, part = (name.split(":", 2) + [""])[:3]
            parts = versions.setdefault(channels.get(channel, channel), [])
            if part:
                parts.append(PUBLISHED_LABELS.get(part, part))
        elif field_label(name) not in master:
            master.append(field_label(name))
    said = [f"母稿：{'、'.join(master)}"] if master else []
    if versions:
        said.append("渠道稿：" + "、".join(f"{c}（{'、'.join(p)}）" if p else c for c, p in versions.items()))
    return "；".join(said)
