"""有线网络: the cable-TV service desk of a county network — packages (套餐), set-top boxes
(机顶盒), subscribers (用户) with their address down to the village, the counter's
transactions (营业厅业务: 开户, 套餐变更, 高标清互换, 缴费, 停机, 复机, 销户), hotline calls
(热线) and fault work orders (维修工单) with their deadlines and escalation.

A set-top box belongs to at most one subscriber: the link is the box's own `subscriber`
column (one row, one value), and a check constraint keeps "in use" and "has a subscriber"
the same fact. Assigning a box is a conditional UPDATE (only while it is in stock and
unassigned), so two clerks racing for one box cannot both get it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from rongmei.core.models import TenantModel

MONEY = {"max_digits": 10, "decimal_places": 2}


class Definition(models.TextChoices):
    HD = "hd", "高清"
    SD = "sd", "标清"


class DeskSettings(TenantModel):
    """One row per center: the repair deadlines (hours from dispatch) and which townships
    count as 城区 (the shorter deadline). Also the lock a new account number is drawn under."""

    urban_hours = models.PositiveIntegerField("城区修复时限（小时）", default=24)
    rural_hours = models.PositiveIntegerField("乡镇修复时限（小时）", default=48)
    urban_townships = models.ManyToManyField("core.Area", blank=True, related_name="+", verbose_name="按城区计时限的乡镇/街道")
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "有线网络设置"
        verbose_name_plural = "有线网络设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="cable_settings_once")]


class Package(TenantModel):
    """套餐: what a subscriber pays for each month."""

    name = models.CharField("名称", max_length=50)
    monthly_fee = models.DecimalField("月费（元）", **MONEY)
    definition = models.CharField("清晰度", max_length=2, choices=Definition.choices)
    channels = models.CharField("频道说明", max_length=200, blank=True)
    is_active = models.BooleanField("在售", default=True)

    class Meta:
        verbose_name = "套餐"
        verbose_name_plural = "套餐"
        ordering = ["definition", "monthly_fee", "id"]
        constraints = [
            models.UniqueConstraint(fields=["center", "name"], name="cable_package_name"),
            models.CheckConstraint(condition=Q(monthly_fee__gt=0), name="cable_package_fee_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.monthly_fee} 元/月）"


class Subscriber(TenantModel):
    """用户: one cable-TV account at one address."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        STOPPED = "stopped", "停机"
        CLOSED = "closed", "销户"

    account = models.CharField("用户号", max_length=20)
    name = models.CharField("户主姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20)
    id_tail = models.CharField("身份证后四位", max_length=4, blank=True)
    township = models.ForeignKey("core.Area", on_delete=models.PROTECT, related_name="+", verbose_name="乡镇/街道")
    village = models.ForeignKey("core.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="村/社区")
    address = models.CharField("详细地址", max_length=200)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="subscribers", verbose_name="套餐")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paid_until = models.DateField("缴费至")
    opened_on = models.DateField("开户日期")
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "有线电视用户"
        verbose_name_plural = "有线电视用户"
        ordering = ["account"]
        constraints = [models.UniqueConstraint(fields=["center", "account"], name="cable_subscriber_account")]
        indexes = [models.Index(fields=["center", "phone"]), models.Index(fields=["center", "name"])]

    def __str__(self) -> str:
        return f"{self.account} {self.name}"

    @property
    def masked_phone(self) -> str:
        p = self.phone or ""
        return f"{p[:3]}****{p[-4:]}" if len(p) >= 11 else (p[:2] + "****" if p else "")

    @property
    def masked_id(self) -> str:
        return f"**************{self.id_tail}" if self.id_tail else ""

    @property
    def masked_name(self) -> str:
        return (self.name[:1] + "*" * max(len(self.name) - 1, 1)) if self.name else ""

    @property
    def full_address(self) -> str:
        parts = [self.township.name if self.township_id else "", self.village.name if self.village_id else "", self.address]
        return "".join(p for p in parts if p)


class Device(TenantModel):
    """机顶盒. In use exactly when it has a subscriber (the check constraint)."""

    class Status(models.TextChoices):
        STOCK = "stock", "在库"
        IN_USE = "in_use", "在用"
        FAULTY = "faulty", "故障"
        SCRAPPED = "scrapped", "报废"

    serial = models.CharField("序列号", max_length=40)
    model = models.CharField("型号", max_length=50)
    definition = models.CharField("清晰度", max_length=2, choices=Definition.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.STOCK)
    subscriber = models.ForeignKey(Subscriber, null=True, blank=True, on_delete=models.PROTECT, related_name="devices",
                                   verbose_name="使用用户")
    assigned_at = models.DateTimeField("分配时间", null=True, blank=True)

    class Meta:
        verbose_name = "机顶盒"
        verbose_name_plural = "机顶盒"
        ordering = ["serial"]
        constraints = [
            models.UniqueConstraint(fields=["center", "serial"], name="cable_device_serial"),
            models.CheckConstraint(
                condition=(Q(status="in_use", subscriber__isnull=False) | (~Q(status="in_use") & Q(subscriber__isnull=True))),
                name="cable_device_in_use_has_subscriber",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial}（{self.get_definition_display()}）"


class Transaction(TenantModel):
    """营业厅业务: one counter transaction, who and when. Never edited."""

    class Kind(models.TextChoices):
        OPEN = "open", "开户"
        PACKAGE = "package", "套餐变更"
        SWAP = "swap", "高标清互换"
        PAYMENT = "payment", "缴费"
        STOP = "stop", "停机"
        RESUME = "resume", "复机"
        CLOSE = "close", "销户"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="transactions", verbose_name="用户")
    kind = models.CharField("业务", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", default=0, **MONEY)
    months = models.PositiveIntegerField("缴费月数", default=0)
    old_package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="原套餐")
    new_package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="新套餐")
    old_device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="收回机顶盒")
    new_device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="发放机顶盒")
    paid_until = models.DateField("缴费至（办理后）", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="经办人")
    done_at = models.DateTimeField("办理时间", db_index=True)

    class Meta:
        verbose_name = "营业厅业务"
        verbose_name_plural = "营业厅业务"
        ordering = ["-done_at", "-id"]
        indexes = [models.Index(fields=["center", "done_at"]), models.Index(fields=["center", "kind", "done_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subscriber.account}"


class Call(TenantModel):
    """热线来电: a consultation (answered, or left open to call back) or a fault report,
    which becomes a work order in the same step."""

    class Kind(models.TextChoices):
        CONSULT = "consult", "咨询"
        FAULT = "fault", "故障报修"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="calls", verbose_name="用户")
    caller_phone = models.CharField("来电号码", max_length=20, blank=True)
    notes = models.TextField("来电内容", max_length=1000)
    is_open = models.BooleanField("待回复", default=False)
    answer = models.CharField("答复", max_length=500, blank=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="受理人")
    taken_at = models.DateTimeField("来电时间", db_index=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "热线来电"
        verbose_name_plural = "热线来电"
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["center", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subscriber.account}"


class WorkOrder(TenantModel):
    """维修工单: dispatched → on site → fixed / not fixed, then the customer's confirmation.
    Late when not finished by `due_at`; the periodic task marks it (`escalated_at`) and
    tells the technician and the cable managers, once."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", "已派单"
        ON_SITE = "on_site", "已到场"
        FIXED = "fixed", "已修复"
        NOT_FIXED = "not_fixed", "未修复"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        UNSATISFIED = "unsatisfied", "不满意"

    OPEN = (Status.DISPATCHED, Status.ON_SITE)

    subscriber = models.ForeignKey(Subscriber, on_delete=models.PROTECT, related_name="orders", verbose_name="用户")
    call = models.OneToOneField(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="order",
                                verbose_name="来电")
    fault = models.CharField("故障描述", max_length=500)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="维修技术员")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DISPATCHED)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name="派单人")
    dispatched_at = models.DateTimeField("派单时间", db_index=True)
    deadline_hours = models.PositiveIntegerField("时限（小时）")
    due_at = models.DateTimeField("修复期限")
    on_site_at = models.DateTimeField("到场时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    result = models.CharField("处理结果", max_length=500, blank=True)
    escalated_at = models.DateTimeField("超时督办时间", null=True, blank=True)
    satisfaction = models.CharField("用户评价", max_length=12, choices=Satisfaction.choices, blank=True)
    confirmation_note = models.CharField("评价说明", max_length=300, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="确认登记人")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "维修工单"
        verbose_name_plural = "维修工单"
        ordering = ["-dispatched_at", "-id"]
        indexes = [models.Index(fields=["center", "dispatched_at"]), models.Index(fields=["center", "status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.subscriber.account}"

    @property
    def code(self) -> str:
        return f"GD{self.pk:06d}" if self.pk else "GD"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def on_time(self) -> bool:
        return self.status == self.Status.FIXED and self.finished_at is not None and self.finished_at <= self.due_at

    def is_overdue(self, now) -> bool:
        return self.is_open and now > self.due_at
