"""网络问政 and 爆料: cases from citizens, routed to departments, answered within working-day
deadlines, chased, published and rated; plus the tables that configure it (routing rules,
deadlines, the holiday calendar's overrides) and Open311 API keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rongmei.core.models import Center, TenantModel


class Kind(models.TextChoices):
    CONSULT = "consult", "咨询"
    SUGGEST = "suggest", "建议"
    COMPLAIN = "complain", "投诉"
    HELP = "help", "求助"
    TIP = "tip", "爆料"


class Case(TenantModel):
    """One citizen's submission, from 受理 to 评价."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待受理"
        PROCESSING = "processing", "办理中"
        WAITING = "waiting", "待补充材料"
        REPLIED = "replied", "已答复"
        CLOSED = "closed", "已办结"
        REJECTED = "rejected", "不予受理"
        MERGED = "merged", "已合并"

    class Source(models.TextChoices):
        WEB = "web", "网站"
        APP = "app", "客户端"
        OPEN311 = "open311", "Open311 接口"
        STAFF = "staff", "工作人员代录"

    code = models.CharField("查询码", max_length=16, unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    title = models.CharField("标题", max_length=60)
    text = models.TextField("内容")
    address = models.CharField("地点", max_length=200, blank=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    name = models.CharField("称呼", max_length=30, blank=True)
    show_name = models.BooleanField("公开时显示称呼", default=False)
    phone = models.CharField("联系电话", max_length=20, help_text="只用于回访，从不公开")
    email = models.CharField("电子邮箱", max_length=100, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.WEB)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    emergency = models.BooleanField("紧急", default=False)
    category = models.CharField("分类", max_length=40, blank=True)
    lead_department = models.ForeignKey("core.Department", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", verbose_name="主办部门")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    verbose_name="合并到")
    reject_reason = models.CharField("不予受理原因", max_length=300, blank=True)
    ack_due_at = models.DateTimeField("受理期限", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    paused_at = models.DateTimeField("暂停计时于", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    replied_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    is_public = models.BooleanField("已公开", default=False, db_index=True)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    rating = models.CharField("评价", max_length=12, blank=True,
                              choices=[("satisfied", "满意"), ("basic", "基本满意"), ("unsatisfied", "不满意")])
    rating_comment = models.CharField("评价意见", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    reopened = models.PositiveSmallIntegerField("重办次数", default=0)
    duplicates = models.PositiveIntegerField("重复提交次数", default=0, help_text="同一内容再次提交时合并计数")
    lead_id_ref = models.PositiveIntegerField("转成的线索", null=True, blank=True)
    sms_opt_out = models.BooleanField("不接收短信", default=False)
    sms_opt_out_at = models.DateTimeField("退订短信时间", null=True, blank=True)
    text_hash = models.CharField(max_length=64, db_index=True)
    client_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "问政件"
        verbose_name_plural = "问政件"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def masked_phone(self) -> str:
        from rongmei.inquiry.privacy import mask_phone

        return mask_phone(self.phone)

    @property
    def masked_email(self) -> str:
        from rongmei.core.privacy import mask_email

        return mask_email(self.email)


class CaseMedia(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10, choices=[("image", "图片"), ("video", "视频")])
    file = models.FileField(upload_to="inquiry/%Y/%m/", max_length=300)
    mime = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class Assignment(models.Model):
    """The case with one department (several for a joint case; one of them leads)."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        REPLIED = "replied", "已答复"
        RETURNED = "returned", "已退回"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField("主办", default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    chased_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_lead", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="assignment_once")]


class Reply(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回修改"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("答复内容")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    findings = models.JSONField("答复检查", default=list, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class Extension(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        DENIED = "denied", "未同意"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField("延长工作日")
    reason = models.CharField("理由", max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


class CaseEvent(models.Model):
    """The case's timeline: every step, visible on the case (public ones to the citizen)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class RoutingRule(TenantModel):
    """Keywords that suggest a department (路灯、占道 → 城管局)."""

    department = models.ForeignKey("core.Department", on_delete=models.CASCADE, related_name="+", verbose_name="部门")
    keywords = models.TextField("关键词", help_text="每行一个，或用逗号、顿号分隔")

    class Meta:
        verbose_name = "转办规则"
        verbose_name_plural = "转办规则"


class DeadlineRule(TenantModel):
    """Working days to answer, per kind (the defaults apply where a center has none)."""

    kind = models.CharField("类型", max_length=12, choices=Kind.choices + [("joint", "多部门联办"), ("ack", "受理")])
    working_days = models.PositiveSmallIntegerField("工作日")

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        constraints = [models.UniqueConstraint(fields=["center", "kind"], name="deadline_once")]


class HolidayOverride(models.Model):
    """A day that is (or is not) a working day, whatever the holiday package says: the
    State Council's schedule for a year the package does not know yet (platform-wide rows,
    ``center`` empty, kept by the platform admin), or a local change of one center (that
    center's coordinators and admins). A center's row wins over a platform row for the same
    day, so no center ever moves another center's deadlines (see ``workdays.Calendar.load``)."""

    center = models.ForeignKey(Center, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               verbose_name="所属中心", help_text="空：全平台适用，只有平台管理员可以修改")
    day = models.DateField("日期")
    is_workday = models.BooleanField("是工作日", help_text="勾选：调休上班；不勾选：放假")
    note = models.CharField("说明", max_length=60, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["center", "day"], name="holidayoverride_unique_center_day"),
            models.UniqueConstraint(fields=["day"], condition=models.Q(center__isnull=True),
                                    name="holidayoverride_unique_platform_day"),
        ]

    @property
    def is_platform(self) -> bool:
        return self.center_id is None

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '放假'} {self.note}"


class HolidayYear(models.Model):
    """The platform admin's word that a year's State Council schedule (放假 and 调休) is
    entered in full as platform ``HolidayOverride`` rows. Until then the computed legal
    holidays stand in and the warning stays: one override row alone must not silence it."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    complete = models.BooleanField("该年放假安排已完整录入", default=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="确认人")
    updated_at = models.DateTimeField("确认时间", auto_now=True)

    class Meta:
        verbose_name = "年度放假安排"
        verbose_name_plural = "年度放假安排"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年放假安排"


class Open311Key(TenantModel):
    """An API key for POST requests (stored as its SHA-256)."""

    name = models.CharField("使用方", max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)


# -- SMS to citizens (issue 17) ---------------------------------------------------------------------

class SmsEvent(models.TextChoices):
    ACCEPTED = "accepted", "已受理"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已办结"


#: What a template variable may be filled with (the case's own data, never the citizen's).
SMS_SOURCES = {
    "code": "查询码", "department": "承办部门（简称优先）", "title": "问题标题（前 20 字）",
    "link": "查询进度的网址", "center": "中心名称", "status": "办理状态",
}


class SmsSetting(TenantModel):
    """A center's rules for SMS to citizens: whether they are sent, under which signature
    (签名, registered with the provider), and how many one number may get a day (our own
    limit, before the provider's)."""

    enabled = models.BooleanField("向群众发送短信", default=False)
    sign_name = models.CharField("短信签名", max_length=40, blank=True, help_text="在短信服务商处审核通过的签名，如：示例县融媒体中心")
    daily_limit = models.PositiveSmallIntegerField("每个号码每天最多", default=5, help_text="条；超过的不再发送（记在办件时间线上）")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "问政短信设置"
        verbose_name_plural = "问政短信设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="smssetting_one_per_center")]


class SmsTemplate(TenantModel):
    """The provider's approved template for one moment of a case, and which of the case's
    data fills each of its variables (``{"code": "code", "dept": "department"}``)."""

    event = models.CharField("时机", max_length=12, choices=SmsEvent.choices)
    template_code = models.CharField("模板 CODE", max_length=40, help_text="服务商分配的模板编号，如 SMS_480100001")
    params = models.JSONField("模板变量", default=dict, blank=True, help_text="模板变量名 → 取值来源")
    is_active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "问政短信模板"
        verbose_name_plural = "问政短信模板"
        ordering = ["event"]
        constraints = [models.UniqueConstraint(fields=["center", "event"], name="smstemplate_one_per_event")]


class CaseSms(models.Model):
    """One SMS the case gave rise to (or why it was not sent): the case page's record and
    the count behind the per-number daily limit. The number itself lives only on the case
    and, encrypted, in the outbox row; here a keyed hash of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "已交发送"
        OPTED_OUT = "opted_out", "群众已退订"
        LIMITED = "limited", "超过当日条数上限"
        NOT_MOBILE = "not_mobile", "不是手机号码"
        NO_CHANNEL = "no_channel", "未配置短信通道"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sms")
    event = models.CharField(max_length=12, choices=SmsEvent.choices)
    key = models.CharField(max_length=120, unique=True)
    phone_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    delivery_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
