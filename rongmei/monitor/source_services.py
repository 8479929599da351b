"""Writes on 监测源 (the screens and the API call these): add, change, delete or disable,
fetch now. One transaction and one audit event each. Config is checked per kind on save, with
Chinese messages naming the field (and, for a CSS selector, the position of the error).

Field errors use the keys of the API's body: name, kind, url, level, region,
interval_minutes, enabled, and "config.<key>" for config entries (config.link_selector,
config.max_links, config.items, config.title, …, config.account)."""

from __future__ import annotations

import urllib.parse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.monitor.models import Source

MAX_INTERVAL = 7 * 24 * 60
WEB_KINDS = (Source.Kind.RSS, Source.Kind.WEB, Source.Kind.JSON)
COMMENT_KINDS = (Source.Kind.WECHAT_COMMENTS, Source.Kind.WEIBO_COMMENTS)
FIELDS = ("name", "kind", "url", "config", "level", "region", "interval_minutes", "enabled")


def _check_url(url: str, errors: dict) -> str:
    url = (url or "").strip()
    if not url:
        errors["url"] = ["请填写网址。"]
        return url
    if len(url) > 500:
        errors["url"] = ["网址最多 500 个字符。"]
        return url
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        errors["url"] = ["网址格式不对。"]
        return url
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        errors["url"] = ["网址须以 http:// 或 https:// 开头，并带有域名。"]
    elif any(c.isspace() for c in url):
        errors["url"] = ["网址中不能有空格。"]
    return url


def clean_config(center: Center, kind: str, url: str, config) -> tuple[str, dict]:
    """(url, config) as stored for `kind`; ValidationError({field: [中文]}) otherwise."""
    from rongmei.monitor.sources import json_api, web

    errors: dict[str, list[str]] = {}
    config = config if isinstance(config, dict) else {}
    cleaned: dict = {}
    if kind not in Source.Kind.values:
        raise ValidationError({"kind": ["请选择监测源类型。"]})
    if kind in WEB_KINDS:
        url = _check_url(url, errors)
    else:
        url = ""
    if kind == Source.Kind.WEB:
        selector = str(config.get("link_selector") or "").strip()
        try:
            web.compile_selector(selector)
            cleaned["link_selector"] = selector
        except ValueError as exc:
            errors["config.link_selector"] = [str(exc)]
        raw = config.get("max_links", web.DEFAULT_MAX_LINKS)
        try:
            max_links = int(raw if raw not in (None, "") else web.DEFAULT_MAX_LINKS)
            if isinstance(raw, bool) or not 1 <= max_links <= web.MAX_LINKS:
                raise ValueError
            cleaned["max_links"] = max_links
        except (TypeError, ValueError):
            errors["config.max_links"] = [f"每次最多抓取的文章数应为 1 到 {web.MAX_LINKS} 之间的整数。"]
    elif kind == Source.Kind.JSON:
        try:
            cleaned = json_api.validate(config)
        except ValueError as exc:
            for key, message in exc.args[0].items():
                errors[f"config.{key}"] = [message]
    elif kind in COMMENT_KINDS:
        try:
            from rongmei.monitor.sources import comments
        except ImportError:
            comments = None
        if comments is not None and hasattr(comments, "validate_config"):
            try:
                cleaned = comments.validate_config(center, kind, config)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, messages in exc.message_dict.items():
                        errors[key if key.startswith("config.") or key in FIELDS else f"config.{key}"] = list(messages)
                else:
                    for message in exc.messages:
                        key = "config.days" if "天数" in message else "config.account"
                        errors.setdefault(key, []).append(message)
        else:
            account = config.get("account")
            if not str(account or "").isdigit():
                errors["config.account"] = ["请选择本中心的账号。"]
            else:
                cleaned = {**config, "account": int(account)}
    if errors:
        raise ValidationError(errors)
    return url, cleaned


def _check(center: Center, data: dict, *, instance: Source | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    out = dict(data)
    name = str(out.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写名称。"]
    elif len(name) > 100:
        errors["name"] = ["名称最多 100 个字。"]
    elif Source.objects.filter(center=center, name=name).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["name"] = ["本中心已有同名的监测源。"]
    out["name"] = name
    if out.get("level") not in Source.Level.values:
        errors["level"] = ["请选择来源级别。"]
    region = str(out.get("region") or "").strip()
    if len(region) > 50:
        errors["region"] = ["地域最多 50 个字。"]
    out["region"] = region
    interval = out.get("interval_minutes")
    if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL:
        errors["interval_minutes"] = [f"抓取间隔应为 1 到 {MAX_INTERVAL} 分钟之间的整数。"]
    out["enabled"] = bool(out.get("enabled"))
    try:
        out["url"], out["config"] = clean_config(center, out.get("kind", ""), out.get("url", ""), out.get("config") or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return out


def _state(source: Source) -> dict:
    return {"name": source.name, "kind": source.kind, "url": source.url, "config": source.config, "level": source.level,
            "region": source.region, "interval_minutes": source.interval_minutes, "enabled": source.enabled}


@transaction.atomic
def create_source(*, center: Center, user: User | None, data: dict) -> Source:
    clean = _check(center, data)
    source = Source(center=center, created_by=user if user is not None and user.pk else None,
                    next_fetch_at=timezone.now(), **{k: clean[k] for k in FIELDS})
    source.save()
    record("monitor.source_create", actor=user, center=center, obj=source, after=_state(source))
    return source


@transaction.atomic
def update_source(*, source: Source, user: User | None, data: dict) -> Source:
    source = Source.objects.select_for_update().get(pk=source.pk, center_id=source.center_id)
    clean = _check(source.center, data, instance=source)
    before = _state(source)
    if (clean["kind"], clean["url"]) != (source.kind, source.url):
        # Another address: what the old one told us (validators, read position) means nothing there.
        source.etag = source.last_modified = ""
        source.cursor = {}
    if clean["enabled"] and not source.enabled:
        source.next_fetch_at = timezone.now()
    for key in FIELDS:
        setattr(source, key, clean[key])
    source.save()
    after = _state(source)
    if after != before:
        record("monitor.source_update", actor=user, center=source.center, obj=source, before=before, after=after)
    return source


@transaction.atomic
def delete_source(*, source: Source, user: User | None) -> bool:
    """Delete a source that brought no items (True); one with items is disabled instead
    (False): its items keep pointing at it."""
    source = Source.objects.select_for_update().get(pk=source.pk, center_id=source.center_id)
    if source.items.exists():
        if source.enabled:
            before = _state(source)
            source.enabled = False
            source.save(update_fields=["enabled"])
            record("monitor.source_update", actor=user, center=source.center, obj=source, before=before,
                   after=_state(source))
        return False
    record("monitor.source_delete", actor=user, center=source.center, obj=source, before=_state(source))
    source.delete()
    return True


def request_fetch(*, source: Source, user: User | None) -> None:
    """立即抓取: queue one run of the source now (the run itself is the worker's; two runs of one
    source never overlap, see fetching.py)."""
    from rongmei.monitor.fetch_tasks import fetch_source_task

    with transaction.atomic():
        record("monitor.source_fetch", actor=user, center=source.center, obj=source)
        fetch_source_task.enqueue(source.pk)
