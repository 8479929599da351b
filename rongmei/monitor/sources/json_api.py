"""JSON data interfaces (the feeds centers buy from commercial monitoring services): the
items list and each item's fields found by configured dotted paths.

Config: {"items": "data.list", "title": "title", "text": "content", "url": "link",
"published": "pubtime", "id": "id", "author": "source", "region": "area"} — "items" and
"title" are required; a path is names (or list positions) joined by dots; "" for the items
path means the document itself is the list. A path that is not there names itself in the
error: the list path is an error of the source, an item's missing title skips that item."""

from __future__ import annotations

import datetime as dt
import json
import re

from rongmei.monitor.sources import SourceError
from rongmei.monitor.sources.client import decode
from rongmei.monitor.sources.text import html_to_text
from rongmei.monitor.types import RawItem

FIELDS = {
    "items": "条目列表",
    "title": "标题",
    "text": "正文",
    "url": "网址",
    "published": "发布时间",
    "id": "编号",
    "author": "作者/来源",
    "region": "地域",
}
REQUIRED = ("title",)
_PATH = re.compile(r"^[\w\-\u4e00-\u9fff$@]+(\.[\w\-\u4e00-\u9fff$@]+)*$")


def validate(config: dict) -> dict:
    """The cleaned field paths; ValueError({field: 中文}) listing every bad one."""
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for key, label in FIELDS.items():
        value = config.get(key, "")
        if not isinstance(value, str):
            errors[key] = f"“{label}”的路径应为文字，如 data.list。"
            continue
        value = value.strip()
        if not value:
            if key in REQUIRED:
                errors[key] = f"请填写“{label}”的字段路径。"
            continue
        if len(value) > 200 or not _PATH.match(value):
            bad = next((i for i, part in enumerate(value.split("."), 1) if not part), None)
            where = f"第 {bad} 段为空" if bad else "只能用字母、数字、下划线、汉字，各段以点分隔"
            errors[key] = f"“{label}”的路径“{value}”写法有误（{where}）。"
            continue
        cleaned[key] = value
    if errors:
        raise ValueError(errors)
    return cleaned


class Missing(Exception):
    def __init__(self, path: str, stopped: str):
        self.path, self.stopped = path, stopped


def resolve(data, path: str):
    """The value at a dotted path; Missing(path, the part where it stopped)."""
    if not path:
        return data
    value = data
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            raise Missing(path, part)
    return value


def parse_time(value) -> dt.datetime | None:
    """Epoch seconds or milliseconds, ISO 8601, "2026-12-01 08:00[:00]", "2026年12月1日 08:00",
    "2026/12/01 08:00"; naive results are Beijing time (the pipeline makes them aware)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return dt.datetime.fromtimestamp(number, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*", r"\1-\2-\3 ", text).strip()
    text = text.replace("/", "-")
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse(body: bytes, content_type: str, config: dict) -> tuple[list[RawItem], list[dict]]:
    """(items, problems); SourceError when the document or its list cannot be read."""
    try:
        paths = validate(config)
    except ValueError as exc:
        first = next(iter(exc.args[0].values()))
        raise SourceError(f"接口配置有误：{first}") from None
    try:
        data = json.loads(decode(body, content_type, "json").lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise SourceError(f"接口返回的不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）。") from None
    try:
        rows = resolve(data, paths.get("items", ""))
    except Missing as exc:
        raise SourceError(f"接口数据中找不到条目列表路径“{exc.path}”（在“{exc.stopped}”处找不到）。") from None
    if not isinstance(rows, list):
        raise SourceError(f"条目列表路径“{paths.get('items', '')}”指向的不是列表。")
    items: list[RawItem] = []
    problems: list[dict] = []
    for n, row in enumerate(rows, 1):
        def field(key: str, required: bool = False, row=row) -> str:
            if key not in paths:
                return ""
            try:
                return _string(resolve(row, paths[key])).strip()
            except Missing:
                if required:
                    raise
                return ""

        try:
            url = field("url")
            title = html_to_text(field("title", required=True))
            text = html_to_text(field("text"))
            if not title and not text:
                problems.append({"url": url or f"#{n}", "error": f"第 {n} 条标题和正文都为空，已跳过。"})
                continue
            try:
                published_raw = resolve(row, paths["published"]) if "published" in paths else None
            except Missing:
                published_raw = None
            items.append(RawItem(title=title or text[:60], text=text, url=url, published_at=parse_time(published_raw),
                                 author=field("author")[:100], external_id=field("id")[:200],
                                 region=field("region")[:50]))
        except Missing as exc:
            problems.append({"url": f"#{n}", "error": f"第 {n} 条缺少字段“{exc.path}”（在“{exc.stopped}”处找不到），已跳过。"})
        except Exception as exc:  # one odd row never sinks the others
            problems.append({"url": f"#{n}", "error": f"第 {n} 条无法读取（{type(exc).__name__}），已跳过。"})
    return items, problems
