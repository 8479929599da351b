"""《广告法》第九条（三）: an advertisement may not use 国家级、最高级、最佳 and the like. Our
own lexicon of those absolute terms, with the ordinary phrases that contain them and are not
claims about the product (最近, 最后一天, 第一次 …), so a reviewer is not flooded with false
alarms.

Pure functions, no database: `find(text, field)` returns the findings with their place
(field and character offsets) in the same shape as the review app's findings. Every term is
"block": a content with one cannot be approved (the safer reading of the law, see
docs/ads.md); the salesperson changes the wording and submits it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECK = "adlaw"
LABEL = "广告法禁用语"

# The banned absolute terms. Longer ones first so 最高级 is reported as itself, not as 最.
TERMS: tuple[str, ...] = (
    "全网最低", "全国最低", "独一无二", "史无前例", "最高级", "最先进", "最便宜", "最低价", "最优秀", "最佳",
    "国家级", "世界级", "全球级", "宇宙级", "顶级", "极品", "极致", "绝对", "万能", "唯一", "首个", "首选",
    "第一品牌", "第一", "NO.1", "No.1", "TOP1", "Top1", "100%", "百分之百", "独家", "王牌", "销量冠军", "领导品牌",
    "填补国内空白", "永久", "最",
)

# Ordinary phrases containing a term: a match inside one of these is not reported.
EXCEPTIONS: tuple[str, ...] = (
    # 最 as time or order, not a claim of rank
    "最近", "最后", "最初", "最终", "最早", "最晚", "最迟", "最新消息",
    # 第一 as a count or a name
    "第一次", "第一天", "第一期", "第一届", "第一批", "第一站", "第一季度", "第一时间", "第一书记",
    "第一中学", "第一小学", "第一人民医院", "第一责任人", "第一名额",
    # 绝对 in ordinary safety wording
    "绝对禁止",
    # 唯一 in a code, not a claim
    "唯一编号", "唯一标识",
)


@dataclass(frozen=True)
class Hit:
    field: str
    start: int
    end: int
    text: str
    message: str
    check: str = CHECK
    severity: str = "block"

    def as_dict(self, text: str = "") -> dict:
        context = text[max(0, self.start - 8): self.end + 8] if text else ""
        return {"check": self.check, "label": LABEL, "severity": self.severity, "field": self.field,
                "start": self.start, "end": self.end, "text": self.text, "message": self.message, "context": context}


_TERMS = re.compile("|".join(re.escape(t) for t in sorted(TERMS, key=len, reverse=True)))
_EXCEPTIONS = re.compile("|".join(re.escape(t) for t in sorted(EXCEPTIONS, key=len, reverse=True)))


def find(text: str, field: str) -> list[Hit]:
    """The banned absolute terms in `text`, outside the listed ordinary phrases."""
    if not text:
        return []
    excused = [(m.start(), m.end()) for m in _EXCEPTIONS.finditer(text)]
    hits = []
    for m in _TERMS.finditer(text):
        if any(a <= m.start() and m.end() <= b for a, b in excused):
            continue
        hits.append(Hit(field, m.start(), m.end(), m.group(0),
                        f"《广告法》第九条禁止使用“{m.group(0)}”等绝对化用语，请改为可证实的具体描述。"))
    return hits
