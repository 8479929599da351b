"""The 监测源 form: one form for every kind; the settings of the other kinds are ignored on
save (source_services.clean_config keeps only what the chosen kind uses)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from rongmei.monitor.models import Source
from rongmei.monitor.source_services import MAX_INTERVAL
from rongmei.monitor.sources import json_api, web

# service error key → form field
ERROR_FIELDS = {"config.link_selector": "link_selector", "config.max_links": "max_links",
                "config.account": "account", "config.days": "days",
                **{f"config.{key}": f"json_{key}" for key in json_api.FIELDS}}
JSON_PLACEHOLDERS = {"items": "data.list", "title": "title", "text": "content", "url": "link", "published": "pubtime",
                     "id": "id", "author": "source", "region": "area"}


def account_choices(center) -> list[tuple[str, str]]:
    """The center's WeChat and Weibo accounts (platform part's comments.account_choices)."""
    try:
        from rongmei.monitor.sources import comments
    except ImportError:
        return []
    out = [("", "（不适用）")]
    for kind, label in ((Source.Kind.WECHAT_COMMENTS, "微信"), (Source.Kind.WEIBO_COMMENTS, "微博")):
        try:
            out += [(str(pk), f"{label}：{name}") for pk, name in comments.account_choices(center, kind)]
        except Exception:  # the platform part's list is a convenience; the save checks the account
            continue
    return out


class SourceForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=Source.Kind.choices)
    url = forms.CharField(label="网址", max_length=500, required=False,
                          help_text="订阅、网页列表或数据接口的地址（http/https）；留言和问政类型不用填")
    level = forms.TypedChoiceField(label="来源级别", choices=Source.Level.choices, coerce=int, initial=Source.Level.LOCAL,
                                   help_text="中央媒体的报道在热度和预警中分量最重，论坛、自媒体最轻")
    region = forms.CharField(label="地域", max_length=50, required=False, help_text="如 本县、本市、省内、全国")
    interval_minutes = forms.IntegerField(label="抓取间隔（分钟）", min_value=1, max_value=MAX_INTERVAL, initial=30,
                                          error_messages={"invalid": "请填写整数分钟。",
                                                          "min_value": "抓取间隔至少 1 分钟。",
                                                          "max_value": f"抓取间隔最多 {MAX_INTERVAL} 分钟（7 天）。"})
    enabled = forms.BooleanField(label="启用", required=False, initial=True)
    # web list pages
    link_selector = forms.CharField(label="文章链接选择器（网页列表）", max_length=200, required=False,
                                    help_text="CSS 选择器，选中列表中的文章链接，如 ul.news a、.list li a")
    max_links = forms.IntegerField(label="每次最多抓取文章数（网页列表）", required=False, initial=web.DEFAULT_MAX_LINKS,
                                   error_messages={"invalid": "请填写整数。"})
    # JSON data interfaces
    json_items = forms.CharField(label="条目列表路径（JSON 接口）", max_length=200, required=False,
                                 help_text="用点分隔的字段路径，如 data.list；文档本身就是列表时留空")
    json_title = forms.CharField(label="标题字段", max_length=200, required=False)
    json_text = forms.CharField(label="正文字段", max_length=200, required=False)
    json_url = forms.CharField(label="网址字段", max_length=200, required=False)
    json_published = forms.CharField(label="发布时间字段", max_length=200, required=False,
                                     help_text="支持 Unix 时间戳（秒或毫秒）、2026-12-01 08:00:00 等格式；不带时区按北京时间")
    json_id = forms.CharField(label="编号字段", max_length=200, required=False)
    json_author = forms.CharField(label="作者/来源字段", max_length=200, required=False)
    json_region = forms.CharField(label="地域字段", max_length=200, required=False)
    # comments under the center's own posts
    account = forms.ChoiceField(label="账号（本中心微信、微博留言）", required=False, choices=[])
    days = forms.IntegerField(label="读取最近几天发布的文章下的留言", required=False, initial=7, min_value=1, max_value=30,
                              error_messages={"invalid": "请填写整数。", "min_value": "至少 1 天。", "max_value": "最多 30 天。"})

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["account"].choices = account_choices(center)
        for key, placeholder in JSON_PLACEHOLDERS.items():
            self.fields[f"json_{key}"].widget.attrs["placeholder"] = placeholder
        self.fields["link_selector"].widget.attrs["placeholder"] = "ul.news a"

    @classmethod
    def initial_for(cls, source: Source) -> dict:
        config = source.config or {}
        initial = {"name": source.name, "kind": source.kind, "url": source.url, "level": source.level,
                   "region": source.region, "interval_minutes": source.interval_minutes, "enabled": source.enabled,
                   "link_selector": config.get("link_selector", ""), "max_links": config.get("max_links"),
                   "account": str(config.get("account", "")), "days": config.get("days", 7)}
        if source.kind == Source.Kind.JSON:
            initial.update({f"json_{key}": config.get(key, "") for key in json_api.FIELDS})
        return initial

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        kind = d["kind"]
        if kind == Source.Kind.WEB:
            config = {"link_selector": d.get("link_selector") or "", "max_links": d.get("max_links")}
        elif kind == Source.Kind.JSON:
            config = {key: d.get(f"json_{key}") or "" for key in json_api.FIELDS}
        elif kind in (Source.Kind.WECHAT_COMMENTS, Source.Kind.WEIBO_COMMENTS):
            config = {"account": d.get("account") or "", "days": d.get("days") or 7}
        else:
            config = {}
        return {"name": d["name"], "kind": kind, "url": d.get("url") or "", "config": config, "level": d["level"],
                "region": d.get("region") or "", "interval_minutes": d["interval_minutes"], "enabled": d["enabled"]}

    def apply_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            field = ERROR_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else None, messages)
