"""传播效果: what each published piece and each account reached, per day, wherever the
number comes from (the portal's read counting, WeChat's and Weibo's statistics APIs, a
spreadsheet for outlets without an API), the runs that fetched or imported them, and the
center's weights for its transmission index.

Every figure is a *daily* value (what that day added), never a running total: a
platform that reports running totals (WeChat's getarticletotal) is turned into daily
values when it is fetched, so any period's reach is a plain sum.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel


class Outlet(models.TextChoices):
    """Where a piece reached people. Accounts of the matrix map to one of these; imported
    rows name theirs."""

    WEB = "web", "网站"
    APP = "app", "客户端"
    WECHAT = "wechat", "微信公众号"
    WEIBO = "weibo", "微博"
    DOUYIN = "douyin", "抖音"
    KUAISHOU = "kuaishou", "快手"
    CHANNELS = "channels", "视频号"
    TOUTIAO = "toutiao", "今日头条"
    XUEXI = "xuexi", "学习强国"
    NEWSPAPER = "newspaper", "报纸"
    RADIO = "radio", "广播"
    TV = "tv", "电视"
    OTHER = "other", "其他"


class MetricSource(models.TextChoices):
    PORTAL = "portal", "本站统计"
    WECHAT = "wechat", "微信数据接口"
    WEIBO = "weibo", "微博数据接口"
    IMPORT = "import", "表格导入"
    MANUAL = "manual", "手工录入"


class PieceMetric(TenantModel):
    """One piece's reach on one outlet on one day. `key` identifies the piece on that outlet
    across days and sources: "pub:<publication id>" for our own publications,
    "story:<story id>:<outlet>" for the own site and app (the portal counts per story), and
    "ext:<outlet>:<external id>" for imported rows that name no publication."""

    key = models.CharField("标识", max_length=120)
    day = models.DateField("日期")
    outlet = models.CharField("平台", max_length=12, choices=Outlet.choices)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="稿件")
    publication = models.ForeignKey("distribution.Publication", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="发布记录")
    account = models.ForeignKey("distribution.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name="账号")
    external_id = models.CharField("平台内容编号", max_length=200, blank=True)
    title = models.CharField("标题", max_length=200, blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    reads = models.PositiveBigIntegerField("阅读/播放", default=0)
    likes = models.PositiveBigIntegerField("点赞", default=0)
    shares = models.PositiveBigIntegerField("转发/分享", default=0)
    comments = models.PositiveBigIntegerField("评论", default=0)
    looks = models.PositiveBigIntegerField("在看/收藏", default=0)
    source = models.CharField("数据来源", max_length=10, choices=MetricSource.choices)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "内容传播数据"
        verbose_name_plural = "内容传播数据"
        constraints = [models.UniqueConstraint(fields=["center", "key", "day"], name="analytics_piece_metric_once")]
        indexes = [
            models.Index(fields=["center", "day", "outlet"], name="analytics_piece_day"),
            models.Index(fields=["story", "day"], name="analytics_piece_story"),
            models.Index(fields=["account", "day"], name="analytics_piece_account"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.key} {self.day}"


class AccountMetric(TenantModel):
    """One account's followers on one day: the total at the day's end and what the day
    added and lost. `key` is "acct:<account id>" for matrix accounts, "ext:<outlet>:<name>"
    for imported accounts outside the matrix."""

    key = models.CharField("标识", max_length=120)
    day = models.DateField("日期")
    outlet = models.CharField("平台", max_length=12, choices=Outlet.choices)
    account = models.ForeignKey("distribution.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name="账号")
    account_name = models.CharField("账号名称", max_length=80, blank=True)
    followers = models.PositiveBigIntegerField("粉丝总数", null=True, blank=True)
    new_followers = models.PositiveBigIntegerField("新增关注", default=0)
    lost_followers = models.PositiveBigIntegerField("取消关注", default=0)
    source = models.CharField("数据来源", max_length=10, choices=MetricSource.choices)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "账号粉丝数据"
        verbose_name_plural = "账号粉丝数据"
        constraints = [models.UniqueConstraint(fields=["center", "key", "day"], name="analytics_account_metric_once")]
        indexes = [models.Index(fields=["center", "day"], name="analytics_account_day")]

    def __str__(self) -> str:
        return f"{self.account_name or self.key} {self.day}"


class SyncRun(TenantModel):
    """One fetch of statistics from a platform (or of the portal's read counts) for a range of days."""

    class Kind(models.TextChoices):
        PORTAL = "portal", "本站阅读"
        WECHAT_ARTICLES = "wechat_articles", "微信图文数据"
        WECHAT_USERS = "wechat_users", "微信用户数据"
        WEIBO = "weibo", "微博数据"

    class Status(models.TextChoices):
        RUNNING = "running", "进行中"
        OK = "ok", "成功"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    account = models.ForeignKey("distribution.ChannelAccount", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name="账号")
    day_from = models.DateField("起始日期")
    day_to = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows = models.PositiveIntegerField("写入条数", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据同步"
        verbose_name_plural = "数据同步"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["center", "-started_at"], name="analytics_sync_recent")]


class ImportBatch(TenantModel):
    """An uploaded spreadsheet (CSV or Excel): checked first, every bad row named; imported
    whole when it has no errors, or its valid rows only when the user chooses so."""

    class Kind(models.TextChoices):
        PIECES = "pieces", "内容传播数据"
        ACCOUNTS = "accounts", "账号粉丝数据"
        PICKUPS = "pickups", "外宣采用登记"

    class Status(models.TextChoices):
        CHECKED = "checked", "已检查，待导入"
        IMPORTED = "imported", "已导入"
        PARTIAL = "partial", "已导入有效行"
        REFUSED = "refused", "文件无法读取"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    original_name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="imports/%Y/%m/", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.CHECKED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_valid = models.PositiveIntegerField("有效行数", default=0)
    rows_imported = models.PositiveIntegerField("导入行数", default=0)
    # [{"row": 3, "field": "阅读数", "message": "不是整数：“十二”"}], rows numbered as the
    # spreadsheet shows them (the header is row 1).
    errors = models.JSONField("错误", default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据导入"
        verbose_name_plural = "数据导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


def default_index_weights() -> dict:
    return {"wechat": 30, "weibo": 25, "douyin": 25, "channels": 20}


class AnalyticsSettings(TenantModel):
    """The center's transmission index (传播力指数): the weight of each outlet's sub-index
    (they add up to 100), and its version for safe concurrent edits."""

    index_weights = models.JSONField("传播力指数权重", default=default_index_weights)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "传播效果设置"
        verbose_name_plural = "传播效果设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="analytics_settings_one")]
