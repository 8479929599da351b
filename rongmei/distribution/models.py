"""Accounts (the matrix), publications and the outbox that delivers them exactly once in effect."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from rongmei.core.models import TenantModel
from rongmei.core.validators import PublicURLValidator, validate_public_url, validate_url_with_schemes

# The schemes an account's endpoint may use, per kind; any other kind: http(s) if filled in.
ENDPOINT_SCHEMES = {"email": ("smtp", "smtps"), "newspaper": ("sftp", "ftp")}
# A setting whose name contains one of these holds an address that may end up in a link.
_URL_OPTION_WORDS = ("url", "link", "href")


class ChannelAccount(TenantModel):
    """One outlet account: the own site, a WeChat or Weibo account, a subscriber URL, a
    mailbox, the newspaper desk's folder, a broadcast rundown, or a village account
    without an API (assisted: a ready-to-paste package and a confirmation)."""

    class Kind(models.TextChoices):
        OWN_SITE = "own_site", "本中心网站/客户端"
        HTTP_PUSH = "http_push", "HTTP 推送（ninjs）"
        WECHAT = "wechat", "微信公众号"
        WEIBO = "weibo", "微博"
        EMAIL = "email", "电子邮件"
        NEWSPAPER = "newspaper", "报纸排版"
        BROADCAST = "broadcast", "广播电视串联单"
        ASSISTED = "assisted", "人工代发（无接口账号）"
        DOUYIN = "douyin", "抖音"
        KUAISHOU = "kuaishou", "快手"
        CHANNELS = "channels", "微信视频号（人工代发）"
        TOUTIAO = "toutiao", "今日头条（人工代发）"
        XUEXI = "xuexi", "学习强国（人工代发）"
        PROVINCE = "province", "省级技术平台（ninjs 推送）"

    class Owner(models.TextChoices):
        CENTER = "center", "本中心"
        TOWNSHIP = "township", "乡镇"
        VILLAGE = "village", "村社"
        DEPARTMENT = "department", "部门"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    name = models.CharField("账号名称", max_length=80)
    owner = models.CharField("归属", max_length=12, choices=Owner.choices, default=Owner.CENTER)
    area = models.ForeignKey("core.Area", null=True, blank=True, on_delete=models.PROTECT, verbose_name="乡镇村社")
    department = models.ForeignKey("core.Department", null=True, blank=True, on_delete=models.PROTECT, verbose_name="部门")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="负责人")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="分管领导")
    base_url = models.CharField("接口地址", max_length=300, blank=True, help_text="可指向本地网关或测试服务")
    options = models.JSONField("设置", default=dict, blank=True, help_text="不含密钥的设置，如 appid、目录、收件人")
    secret = models.TextField("密钥（加密保存）", blank=True)
    is_active = models.BooleanField("启用", default=True)
    last_published_at = models.DateTimeField("最近发布", null=True, blank=True)
    stale_warned_at = models.DateTimeField("久未更新提醒时间", null=True, blank=True)
    stale_escalated_at = models.DateTimeField("久未更新督办时间", null=True, blank=True)
    # The province's platform reports receipts and 采用 to /distribution/province/<this>/callback:
    # an unguessable address, not a secret (the callback is signed with the account's key).
    callback_key = models.CharField("回执地址标识", max_length=32, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "渠道账号"
        verbose_name_plural = "渠道账号"
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "kind", "name"], name="account_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """The endpoint uses the kind's scheme, and every address in the settings is http(s):
        whatever writes an account (form, service, API, shell) goes through this."""
        super().clean()
        errors = {}
        try:
            validate_url_with_schemes(self.base_url, ENDPOINT_SCHEMES.get(self.kind, ("http", "https")))
        except ValidationError as exc:
            errors["base_url"] = exc.messages
        if not isinstance(self.options, dict):
            errors["options"] = ['设置应为 JSON 对象，例如 {"appid": "wx123"}。']
        else:
            try:
                _validate_option_urls(self.options)
            except ValidationError as exc:
                errors["options"] = exc.messages
        if errors:
            raise ValidationError(errors)


def _validate_option_urls(options: dict) -> None:
    for key, value in options.items():
        if not any(word in str(key).lower() for word in _URL_OPTION_WORDS):
            continue
        for item in value if isinstance(value, list) else [value]:
            try:
                validate_public_url(item if isinstance(item, str) else str(item))
            except ValidationError as exc:
                raise ValidationError(f"设置“{key}”：{exc.messages[0]}") from exc


class AccountGroup(TenantModel):
    """A named set of accounts (全部村社号); publishing to it fans out to every account."""

    name = models.CharField("分组", max_length=60)
    accounts = models.ManyToManyField(ChannelAccount, related_name="groups", blank=True, verbose_name="账号")

    class Meta:
        verbose_name = "账号分组"
        verbose_name_plural = "账号分组"
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="accountgroup_unique_name")]

    def __str__(self) -> str:
        return self.name


class Publication(TenantModel):
    """One story on one account: what the operator sees per outlet."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "定时待发"
        QUEUED = "queued", "排队中"
        SENDING = "sending", "发送中"
        PUBLISHING = "publishing", "发布中"  # the platform holds it; waiting for its publish result
        SENT = "sent", "已发布"
        RETRYING = "retrying", "重试中"
        FAILED = "failed", "发布失败"
        CANCELLED = "cancelled", "已取消"
        TAKING_DOWN = "taking_down", "撤稿中"
        TAKEN_DOWN = "taken_down", "已撤稿"
        CORRECTED = "corrected", "已更正"
        AWAITING = "awaiting", "待人工确认"

    story = models.ForeignKey("newsroom.Story", on_delete=models.PROTECT, related_name="+", verbose_name="稿件")
    account = models.ForeignKey(ChannelAccount, on_delete=models.PROTECT, related_name="publications", verbose_name="账号")
    channel = models.CharField("渠道稿", max_length=20)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    story_version = models.PositiveIntegerField("稿件版本")
    content_hash = models.CharField("签发内容摘要", max_length=64)
    scheduled_at = models.DateTimeField("定时", null=True, blank=True)
    remote_id = models.CharField("平台编号", max_length=100, blank=True)
    remote_url = models.CharField("链接", max_length=500, blank=True, validators=[PublicURLValidator(allow_relative=True)])
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    next_attempt_at = models.DateTimeField("下次重试", null=True, blank=True)
    sent_at = models.DateTimeField("发布时间", null=True, blank=True, db_index=True)
    handoff = models.CharField("待人工完成", max_length=10, blank=True,
                               help_text="无接口账号：等负责人手工完成并确认的动作（publish/takedown/correct）")
    chased_at = models.DateTimeField("最近催办", null=True, blank=True)
    correction_note = models.CharField("更正说明", max_length=500, blank=True)
    corrected_at = models.DateTimeField("更正时间", null=True, blank=True)
    takedown_note = models.CharField("撤稿内部说明", max_length=500, blank=True,
                                     help_text="为什么撤：留在审计日志和分发看板，不对外")
    takedown_notice = models.CharField("撤稿公开说明", max_length=200, blank=True,
                                       help_text="本站撤稿页和对外撤稿通知里读者看到的话；留空用默认说明")
    position = models.PositiveIntegerField("串联单顺序", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "发布"
        verbose_name_plural = "发布"
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["story", "account", "content_hash"], name="publication_once")]


class OutboxMessage(models.Model):
    """One thing to do on one account (publish, take down, correct), written in the same
    transaction as the request, claimed by a worker with a lease, never done twice."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "发布"
        TAKEDOWN = "takedown", "撤稿"
        CORRECT = "correct", "更正"
        WEBHOOK = "webhook", "Webhook 推送"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        LEASED = "leased", "发送中"
        DONE = "done", "完成"
        DEAD = "dead", "失败（已停止重试）"
        CANCELLED = "cancelled", "已取消"

    # A publication's message has a publication and an account; a webhook delivery has an
    # endpoint, its event kind and the JSON it posts (see rongmei.distribution.webhooks).
    publication = models.ForeignKey(Publication, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    account = models.ForeignKey(ChannelAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    webhook = models.ForeignKey("WebhookEndpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    available_at = models.DateTimeField(db_index=True)
    lease_owner = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True,
                                help_text="what the platform already holds (draft id, publish id ...), recorded as soon as known")
    in_flight = models.BooleanField(default=False, help_text="a remote call was started and its outcome not yet recorded")
    waiting = models.BooleanField(default=False, help_text="the platform holds it; polling for its result spends no attempts")
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "available_at"], name="outbox_due")]
        constraints = [models.CheckConstraint(
            condition=models.Q(webhook__isnull=True, publication__isnull=False, account__isnull=False)
            | models.Q(webhook__isnull=False, publication__isnull=True, account__isnull=True),
            name="outbox_publication_or_webhook")]


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempts_log")
    worker = models.CharField(max_length=80)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, blank=True)  # ok / retry / fail / reconciled
    detail = models.CharField(max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status of the answer, if any")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="when a retry is due (the backoff chosen)")

    class Meta:
        ordering = ["id"]


class WebhookEndpoint(TenantModel):
    """A center's receiver of events (issue 14): a URL, the event kinds it wants and the
    secret its deliveries are signed with (HMAC-SHA256, encrypted at rest, shown once)."""

    name = models.CharField("名称", max_length=80)
    url = models.CharField("接收地址", max_length=300, help_text="http(s) 地址；不跟随跳转")
    kinds = models.JSONField("事件类型", default=list, blank=True)
    secret = models.TextField("签名密钥（加密保存）", blank=True)
    is_active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Webhook 接收地址"
        verbose_name_plural = "Webhook 接收地址"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="webhook_unique_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        from rongmei.core.events import KINDS

        errors = {}
        if not (self.name or "").strip():
            errors["name"] = ["请填写名称。"]
        if not self.url:
            errors["url"] = ["请填写接收地址。"]
        else:
            try:
                validate_url_with_schemes(self.url, ("http", "https"))
            except ValidationError as exc:
                errors["url"] = exc.messages
        if not isinstance(self.kinds, list) or any(k not in KINDS for k in self.kinds):
            errors["kinds"] = ["事件类型不在可选范围内。"]
        elif not self.kinds:
            errors["kinds"] = ["请至少选择一种事件。"]
        if errors:
            raise ValidationError(errors)


class ProvinceReceipt(TenantModel):
    """What the province's platform (省级技术平台) reported back about one pushed piece: it
    received it (接收), or an outlet used it (采用: by whom, at which level, where, when).

    One row per event the province sent (`event_id`, its own identifier): a replayed
    callback finds its row and changes nothing. A 采用 is also an external pickup for the
    appraisal (signal `province_used`)."""

    class Event(models.TextChoices):
        RECEIVED = "received", "已接收"
        USED = "used", "已采用"

    class Level(models.TextChoices):  # the same words as appraisal's Pickup.Level
        COUNTY = "county", "县市级"
        PREFECTURE = "prefecture", "地市级"
        PROVINCIAL = "provincial", "省级"
        CENTRAL = "central", "中央级"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="province_receipts",
                                verbose_name="账号")
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="province_receipts",
                                    verbose_name="发布")
    event_id = models.CharField("回执编号", max_length=100)
    event = models.CharField("回执类型", max_length=10, choices=Event.choices)
    version = models.PositiveIntegerField("稿件版本", null=True, blank=True)
    used_by = models.CharField("采用单位", max_length=100, blank=True)
    level = models.CharField("采用级别", max_length=12, choices=Level.choices, blank=True)
    url = models.CharField("采用链接", max_length=500, blank=True, validators=[PublicURLValidator()])
    at = models.DateTimeField("省平台时间")
    raw = models.JSONField("原始回执", default=dict)
    created_at = models.DateTimeField("收到时间", auto_now_add=True)

    class Meta:
        verbose_name = "省平台回执"
        verbose_name_plural = "省平台回执"
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="province_receipt_once")]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.used_by}".strip()
