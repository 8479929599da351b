"""The center's monitoring settings (舆情设置): one row per center, made on first use, and the
one service that changes it.

Everyone reads through `get_settings(center)`: the keywords part for the county dictionary,
clustering for its window and threshold, the reports part for recipients and schedule."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from rongmei.monitor.models import Settings

MAX_COUNTY_WORDS = 3000
COUNTY_WORD_LENGTH = (2, 20)
MAX_RECIPIENTS = 50
# A dictionary word: Chinese characters, letters, digits and the few marks names use
# (阿依古丽·买买提, G60, 3·15). No spaces: jieba's user dictionary is one word per line.
_WORD = re.compile(r"^[\w·\-]+$")

LIMITS = {
    "daily_report_hour": (0, 23, "日报生成时间应为 0 到 23 之间的整数（时）。"),
    "weekly_report_weekday": (1, 7, "周报生成日应为 1（周一）到 7（周日）。"),
    "cluster_window_hours": (1, 720, "热点聚类窗口应为 1 到 720 小时（30 天）。"),
}
THRESHOLD = (0.05, 0.95)


def get_settings(center) -> Settings:
    """The center's settings, created with the defaults the first time they are asked for."""
    found = Settings.objects.filter(center=center).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Settings.objects.create(center=center)
    except IntegrityError:  # made by a concurrent request in between
        return Settings.objects.get(center=center)


def parse_county_words(text: str) -> list[str]:
    """本地词典, one word per line: blank lines and repeats dropped; a word that is too short,
    too long or holds spaces or symbols is refused with its line number."""
    words: dict[str, None] = {}
    errors = []
    low, high = COUNTY_WORD_LENGTH
    for number, line in enumerate((text or "").splitlines(), start=1):
        word = line.strip()
        if not word:
            continue
        if not low <= len(word) <= high:
            errors.append(f"第 {number} 行“{word[:30]}”：每个词应为 {low} 到 {high} 个字。")
        elif not _WORD.match(word):
            errors.append(f"第 {number} 行“{word[:30]}”：词中不能有空格或标点（一行一个词）。")
        else:
            words.setdefault(word, None)
        if len(errors) >= 5:
            break
    if errors:
        raise ValidationError({"county_words": errors})
    if len(words) > MAX_COUNTY_WORDS:
        raise ValidationError({"county_words": [f"本地词典最多 {MAX_COUNTY_WORDS} 个词。"]})
    return list(words)


def parse_recipients(text: str) -> list[str]:
    """Email addresses, one per line (commas and semicolons forgiven), duplicates dropped."""
    found: dict[str, None] = {}
    for part in re.split(r"[\s,;，；]+", text or ""):
        if not part:
            continue
        try:
            validate_email(part)
        except ValidationError:
            raise ValidationError({"report_recipients": [f"“{part[:60]}”不是有效的邮箱地址。"]}) from None
        found.setdefault(part.lower(), None)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError({"report_recipients": [f"报告接收人最多 {MAX_RECIPIENTS} 个。"]})
    return list(found)


def county_words(center) -> list[str]:
    """The center's dictionary words as stored (already checked on save)."""
    return [w.strip() for w in get_settings(center).county_words.splitlines() if w.strip()]


FIELDS = ("county_words", "report_recipients", "daily_report_hour", "weekly_report_weekday", "send_reports",
          "cluster_window_hours", "cluster_threshold")


def _state(s: Settings) -> dict:
    state = {name: getattr(s, name) for name in FIELDS}
    state["county_words"] = len(state["county_words"].splitlines())  # the count; the words are in the row
    return state


@transaction.atomic
def update_settings(*, center, user, **changes) -> Settings:
    """Change some of the settings; every value is checked first, and a refusal changes
    nothing. Audited as monitor.settings."""
    from rongmei.core.services import record

    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError({name: ["未知的设置项。"] for name in sorted(unknown)})
    current = Settings.objects.select_for_update().get(pk=get_settings(center).pk)
    before = _state(current)
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name, value in changes.items():
        try:
            values[name] = _clean(name, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    record("monitor.settings", actor=user, center=center, obj=current, before=before, after=_state(current))
    return current


def _clean(name: str, value):
    if name == "county_words":
        return "\n".join(parse_county_words(str(value or "")))
    if name == "report_recipients":
        return "\n".join(parse_recipients(str(value or "")))
    if name == "send_reports":
        if not isinstance(value, bool):
            raise ValidationError({name: ["应为是或否。"]})
        return value
    if name == "cluster_threshold":
        low, high = THRESHOLD
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ValidationError({name: [f"热点聚类相似度应为 {low} 到 {high} 之间的小数（越大越严格）。"]})
        return round(number, 3)
    low, high, message = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        text = str(value).strip() if value is not None else ""
        if not (text.isascii() and text.isdigit()):
            raise ValidationError({name: [message]})
        value = int(text)
    if not low <= value <= high:
        raise ValidationError({name: [message]})
    return value
