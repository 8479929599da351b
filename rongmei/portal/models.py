"""The public front door: special features (专题), live streams (直播), the service directory
(便民服务) and read counts. Articles themselves are the distribution room's publications on
the center's own-site account; columns are the newsroom's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from rongmei.core.models import TenantModel
from rongmei.core.validators import PublicURLValidator

slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "标识只能用小写字母、数字和连字符。")


class Feature(TenantModel):
    """专题: a titled collection of published items, in the editor's order."""

    title = models.CharField("专题名称", max_length=80)
    slug = models.CharField("标识", max_length=50, validators=[slug_validator], help_text="用于网址，例如 dongbu-2026")
    summary = models.CharField("导语", max_length=300, blank=True)
    cover = models.ForeignKey("newsroom.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="题图")
    stories = models.ManyToManyField("newsroom.Story", through="FeatureItem", related_name="+", verbose_name="稿件")
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("上线", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "专题"
        verbose_name_plural = "专题"
        ordering = ["order", "-id"]
        constraints = [models.UniqueConstraint(fields=["center", "slug"], name="feature_unique_slug")]

    def __str__(self) -> str:
        return self.title


class FeatureItem(models.Model):
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="items")
    story = models.ForeignKey("newsroom.Story", on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["feature", "story"], name="featureitem_once")]


class LiveStream(TenantModel):
    """直播: scheduled, on air or ended by its times; the player is a stream URL (HLS/MP4,
    played by the page's <video>) or an embeddable player page (iframe)."""

    class Player(models.TextChoices):
        VIDEO = "video", "视频流地址（HLS/MP4）"
        EMBED = "embed", "嵌入播放器页面"

    title = models.CharField("直播标题", max_length=100)
    summary = models.CharField("简介", max_length=300, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    player = models.CharField("播放方式", max_length=10, choices=Player.choices, default=Player.VIDEO)
    player_url = models.CharField("播放地址", max_length=500, validators=[PublicURLValidator(allow_relative=True)])
    poster = models.ForeignKey("newsroom.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name="封面")
    replay_url = models.CharField("回放地址", max_length=500, blank=True,
                                  validators=[PublicURLValidator(allow_relative=True)])
    is_active = models.BooleanField("上线", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "直播"
        verbose_name_plural = "直播"
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    def state(self, now) -> str:
        if now < self.starts_at:
            return "scheduled"
        return "live" if now < self.ends_at else "ended"


class ServiceEntry(TenantModel):
    """One entry of 便民服务: an internal page, an external link or an H5 app, grouped by
    category, ordered and switchable per center."""

    class Category(models.TextChoices):
        PAYMENT = "payment", "生活缴费"
        HOUSING_FUND = "housing_fund", "公积金社保"
        TRAFFIC = "traffic", "交通出行"
        MEDICAL = "medical", "医疗健康"
        EDUCATION = "education", "教育"
        CULTURE = "culture", "文旅"
        GOVERNMENT = "government", "政务办事"
        OTHER = "other", "其他"

    class Kind(models.TextChoices):
        PAGE = "page", "站内页面"
        LINK = "link", "外部链接"
        H5 = "h5", "H5 应用"

    ICONS = ("water", "power", "gas", "fund", "bus", "train", "hospital", "vaccine", "school", "library", "ticket",
             "museum", "hall", "phone", "weather", "map", "job", "doc")

    category = models.CharField("分类", max_length=20, choices=Category.choices)
    name = models.CharField("名称", max_length=40)
    slug = models.CharField("标识", max_length=50, validators=[slug_validator])
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.LINK)
    url = models.CharField("地址", max_length=500, blank=True, help_text="外部链接或 H5 应用的地址；站内页面不填",
                           validators=[PublicURLValidator()])
    body = models.TextField("页面内容", blank=True, help_text="站内页面的正文（办事指南等）")
    icon = models.CharField("图标", max_length=20, choices=[(i, i) for i in ICONS], default="doc")
    description = models.CharField("说明", max_length=120, blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    is_enabled = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "便民服务"
        verbose_name_plural = "便民服务"
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "slug"], name="service_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """An external link or H5 app needs its http(s) address (the field validator refuses others)."""
        super().clean()
        if self.kind in (self.Kind.LINK, self.Kind.H5) and not self.url:
            raise ValidationError({"url": "外部链接和 H5 应用需要填写以 http:// 或 https:// 开头的地址。"})


class ReadHit(models.Model):
    """One counted read: unique per (item, channel, client, hour), so a client counts once
    per item per hour. Folded into ReadCount by a periodic task, pruned after the hour."""

    key = models.CharField(max_length=64, unique=True)
    center_id = models.PositiveIntegerField()
    story_id = models.PositiveIntegerField()
    channel = models.CharField(max_length=10)
    day = models.DateField()
    counted = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(db_index=True)


class ReadCount(TenantModel):
    """Reads per item, channel (web / app / wechat ...) and day."""

    story = models.ForeignKey("newsroom.Story", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField("渠道", max_length=10)
    day = models.DateField("日期")
    count = models.PositiveIntegerField("阅读数", default=0)

    class Meta:
        verbose_name = "阅读数"
        verbose_name_plural = "阅读数"
        constraints = [models.UniqueConstraint(fields=["story", "channel", "day"], name="readcount_once")]
