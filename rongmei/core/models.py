"""Tenants, people, roles, audit events and API tokens: what every other room stands on."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

from rongmei.core.permissions import ROLE_CHOICES


class Center(models.Model):
    """One converged media center (融媒体中心): the tenant every record belongs to. A province
    platform (一省一平台) holds its province's center, the cities' and the counties' in one
    tree (`parent`); content flows between levels only through the sharing app."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    name = models.CharField("名称", max_length=100, unique=True)
    slug = models.SlugField(
        "标识",
        max_length=50,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9-]*$", "标识只能用小写字母、数字和连字符，并以字母开头。")],
        help_text="用于网址和接口，例如 demo",
    )
    region = models.CharField("行政区域", max_length=100, blank=True)
    timezone = models.CharField("时区", max_length=50, default="Asia/Shanghai")
    site_origin = models.CharField(
        "网站地址", max_length=200, blank=True,
        validators=[RegexValidator(r"^https?://[a-z0-9.-]+(:\d+)?$", "网站地址应形如 https://www.example.gov.cn（不带路径）。")],
        help_text="本中心网站的独立域名，如 https://www.example.gov.cn；留空则网站在本系统的 /site/标识/ 下",
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    level = models.CharField("层级", max_length=10, choices=Level.choices, default=Level.COUNTY)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级中心", help_text="省级平台下的市级中心、市级下的县级中心")
    suspended_reason = models.CharField("停用原因", max_length=200, blank=True)
    suspended_at = models.DateTimeField("停用时间", null=True, blank=True)
    quota_staff = models.PositiveIntegerField("人员上限", null=True, blank=True, help_text="留空不限")
    quota_storage_mb = models.PositiveIntegerField("存储上限（MB）", null=True, blank=True, help_text="留空不限")

    class Meta:
        verbose_name = "融媒体中心"
        verbose_name_plural = "融媒体中心"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def site_base(self) -> str:
        """The public site's path prefix: "" on its own domain, else /site/<slug>."""
        return "" if self.site_origin else f"/site/{self.slug}"

    def site_url(self, path: str = "/") -> str:
        """An absolute address on the center's public site (website and app share it)."""
        from django.conf import settings

        origin = self.site_origin or settings.RONGMEI_BASE_URL
        return f"{origin}{self.site_base}{path}"


class TenantModel(models.Model):
    """A row owned by one center. Query it through `rongmei.core.tenancy.scoped`."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name="所属中心")

    class Meta:
        abstract = True


class OrgUnit(TenantModel):
    """A department inside the center (融媒编发部, 媒体采集部 ...)."""

    name = models.CharField("名称", max_length=100)
    description = models.CharField("职责", max_length=200, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "内设部门"
        verbose_name_plural = "内设部门"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="orgunit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Department(TenantModel):
    """A government department outside the center (承办单位); it answers citizens later."""

    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    responsible_leader = models.CharField("分管负责人", max_length=50, blank=True)
    phone = models.CharField("办公电话", max_length=30, blank=True)
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "政府部门"
        verbose_name_plural = "政府部门"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Area(TenantModel):
    """A township (乡镇/街道) or village (村/社区) of the county."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", "乡镇"
        SUBDISTRICT = "subdistrict", "街道"
        VILLAGE = "village", "行政村"
        COMMUNITY = "community", "社区"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="上级")
    code = models.CharField("区划代码", max_length=20, blank=True)

    class Meta:
        verbose_name = "乡镇村社"
        verbose_name_plural = "乡镇村社"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["center", "parent", "name"], name="area_unique_name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person. `is_superuser` means platform admin (province level, across centers)."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    is_demo = models.BooleanField("演示账号", default=False, help_text="演示账号只能在演示模式下登录")
    must_change_password = models.BooleanField(
        "须修改初始密码", default=False,
        help_text="管理员创建账号或代设密码后为真：本人登录后先修改密码才能使用系统和 API",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.is_active and self.is_superuser


class Membership(TenantModel):
    """One role a person holds in one center. A person may hold several, in several centers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name="用户")
    role = models.CharField("角色", max_length=30, choices=ROLE_CHOICES)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, verbose_name="内设部门")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, verbose_name="政府部门",
        help_text="部门联络员必须属于一个政府部门",
    )
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色任命"
        verbose_name_plural = "角色任命"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "center", "role"], name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class AccountChangeRequest(models.Model):
    """An account-wide change (停用/启用) to a person who works in several centers. One
    center's admin asks; it takes effect only when an admin of every center of that person
    has agreed (the platform admin may also act directly). One open request per person."""

    class Action(models.TextChoices):
        DEACTIVATE = "deactivate", "停用账号"
        ACTIVATE = "activate", "启用账号"

    class Status(models.TextChoices):
        PENDING = "pending", "待各中心同意"
        DONE = "done", "已生效"
        REFUSED = "refused", "未获同意"
        CLOSED = "closed", "已由平台管理员处理"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="人员")
    action = models.CharField("申请事项", max_length=20, choices=Action.choices)
    reason = models.CharField("理由", max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    requested_in = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name="申请中心")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号变更申请"
        verbose_name_plural = "账号变更申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="pending"), name="accountchange_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}：{self.person}"


class AccountChangeApproval(models.Model):
    """One center's agreement to an AccountChangeRequest, given by an admin of that center."""

    request = models.ForeignKey(AccountChangeRequest, on_delete=models.CASCADE, related_name="approvals")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name="中心")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="同意人")
    created_at = models.DateTimeField("同意时间", auto_now_add=True)

    class Meta:
        verbose_name = "中心同意"
        verbose_name_plural = "中心同意"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["request", "center"], name="accountchange_one_approval_per_center")]


class AuditEvent(models.Model):
    """An append-only record of a change. Database triggers refuse updates, and refuse
    deletes of events younger than the retention period (see migration 0002)."""

    center = models.ForeignKey(Center, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="中心")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    actor_repr = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=32, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["center", "-created_at"], name="audit_center_time")]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("审计事件只能追加，不能修改。")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"


class Notification(models.Model):
    """One message in a person's notification centre (新任务、选题审批、评论 ...)."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name="中心")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="接收人")
    title = models.CharField("标题", max_length=200)
    body = models.CharField("内容", max_length=500, blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class ApiToken(models.Model):
    """A personal token for integrations, scoped to one center. Only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name="中心")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField("前缀", max_length=12, unique=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
from rongmei.core.search.models import SearchEntry  # noqa: E402,F401


# -- 17:NC -- notification channels: where a message to staff can go besides the bell ----------

class MessageChannel(TenantModel):
    """A center's connection to a messaging platform: its 企业微信 application, its 钉钉 work
    notification app, a desk's group robot (WeCom, DingTalk, Feishu) or its SMS gateway.
    The secret is encrypted at rest (rongmei.core.messaging.secrets) and never shown again."""

    class Kind(models.TextChoices):
        WECOM_APP = "wecom_app", "企业微信应用消息"
        DINGTALK_APP = "dingtalk_app", "钉钉工作通知"
        WECOM_ROBOT = "wecom_robot", "企业微信群机器人"
        DINGTALK_ROBOT = "dingtalk_robot", "钉钉群机器人"
        FEISHU_ROBOT = "feishu_robot", "飞书群机器人"
        SMS = "sms", "短信网关"

    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    app_id = models.CharField(
        "应用标识", max_length=100, blank=True,
        help_text="企业微信：企业ID（corpid）；钉钉：AppKey；短信：AccessKey ID",
    )
    agent_id = models.CharField("AgentId", max_length=40, blank=True, help_text="企业微信应用或钉钉应用的 AgentId")
    secret = models.TextField("密钥（加密保存）", blank=True)
    webhook_url = models.CharField("Webhook 地址", max_length=500, blank=True, help_text="群机器人的完整地址")
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="服务部门")
    events = models.JSONField("接收的事件", default=list, blank=True, help_text="群机器人推送哪些事件（事件代码列表）")
    options = models.JSONField("其他参数", default=dict, blank=True, help_text="如短信签名、地域")
    base_url = models.CharField("接口地址", max_length=200, blank=True, help_text="留空用平台官方地址；内网中转或测试时填写")
    is_active = models.BooleanField("启用", default=True)
    last_success_at = models.DateTimeField("最近成功", null=True, blank=True)
    last_failure_at = models.DateTimeField("最近失败", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    ROBOT_KINDS = ("wecom_robot", "dingtalk_robot", "feishu_robot")
    PERSON_KINDS = ("wecom_app", "dingtalk_app")

    class Meta:
        verbose_name = "消息渠道"
        verbose_name_plural = "消息渠道"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="messagechannel_unique_name")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def is_robot(self) -> bool:
        return self.kind in self.ROBOT_KINDS


class PersonChannel(TenantModel):
    """One person's addresses and quiet hours in one center: their 企业微信 userid and 钉钉
    userid in this center's organisation, and when non-urgent messages should wait."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="人员")
    wecom_userid = models.CharField("企业微信账号（userid）", max_length=64, blank=True)
    dingtalk_userid = models.CharField("钉钉账号（userid）", max_length=64, blank=True)
    quiet_from = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_to = models.TimeField("免打扰结束", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个人消息设置"
        verbose_name_plural = "个人消息设置"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["center", "user"], name="personchannel_one_per_center")]

    def __str__(self) -> str:
        return f"{self.user} 的消息设置"


class NotifyPreference(TenantModel):
    """Which channels one event reaches one person through (bell, email, wecom, dingtalk).
    Without a row the event's default from rongmei.core.messaging.events applies."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="人员")
    event = models.CharField("事件", max_length=40)
    channels = models.JSONField("渠道", default=list, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["center", "user", "event"], name="notifypreference_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.event}"


class MessageDelivery(TenantModel):
    """The messaging outbox: one message to one address through one channel. Written in the
    transaction of the change it tells about, delivered after commit by a worker holding a
    lease; the idempotency key makes a second enqueue of the same message return this row."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        HELD = "held", "免打扰暂缓"
        SENDING = "sending", "发送中"
        SENT = "sent", "已送达"
        FAILED = "failed", "失败"
        DEAD = "dead", "多次重试仍失败"
        CANCELLED = "cancelled", "已取消"

    channel = models.ForeignKey(MessageChannel, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries",
                                verbose_name="渠道")
    kind = models.CharField("方式", max_length=20)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="接收人")
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="站内通知")
    address = models.TextField("地址（加密保存）", blank=True)
    address_masked = models.CharField("地址", max_length=120, blank=True)
    event = models.CharField("事件", max_length=40, blank=True, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    payload = models.JSONField("附加数据", default=dict, blank=True)
    urgent = models.BooleanField("紧急", default=False)
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    max_attempts = models.PositiveIntegerField("最多尝试", default=6)
    available_at = models.DateTimeField("可发送时间", db_index=True)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    lease_owner = models.CharField("租约持有者", max_length=100, blank=True)
    in_flight = models.BooleanField("已发出未确认", default=False)
    progress = models.JSONField("进度", default=dict, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    remote_id = models.CharField("平台消息编号", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息投递"
        verbose_name_plural = "消息投递"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "available_at"], name="messagedelivery_due"),
            models.Index(fields=["center", "-created_at"], name="messagedelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address_masked}：{self.title}"


class PendingEnqueue(models.Model):
    """A task that could not reach the queue (Redis away): relayed by the worker once it is
    back, then deleted (core.taskfallback)."""

    task_id = models.CharField("任务编号", max_length=64, unique=True)
    task_path = models.CharField("任务", max_length=300)
    args = models.JSONField("位置参数", default=list)
    kwargs = models.JSONField("关键字参数", default=dict)
    priority = models.IntegerField("优先级", null=True, blank=True)
    run_after = models.DateTimeField("最早执行时间", null=True, blank=True)
    record = models.JSONField("任务记录", default=dict)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "待入队任务"
        verbose_name_plural = "待入队任务"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.task_id})"
