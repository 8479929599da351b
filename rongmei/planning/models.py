"""Leads, topics, plans and assignments: the central kitchen's planning and dispatch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rongmei.core.models import TenantModel


class Plan(TenantModel):
    """策划: a coordinated coverage plan (a campaign, a 专栏 series) grouping topics."""

    class Status(models.TextChoices):
        ACTIVE = "active", "进行中"
        CLOSED = "closed", "已结束"

    title = models.CharField("策划名称", max_length=100)
    description = models.TextField("说明", blank=True)
    column = models.ForeignKey("newsroom.Column", null=True, blank=True, on_delete=models.PROTECT, verbose_name="栏目")
    starts_on = models.DateField("开始日期", null=True, blank=True)
    ends_on = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "策划"
        verbose_name_plural = "策划"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Lead(TenantModel):
    """线索: raw material — from staff, citizens' tips, monitoring or inquiries."""

    class Source(models.TextChoices):
        STAFF = "staff", "采编人员"
        TIP = "tip", "群众爆料"
        MONITOR = "monitor", "舆情监测"
        INQUIRY = "inquiry", "网络问政"

    class Status(models.TextChoices):
        NEW = "new", "待处理"
        DISMISSED = "dismissed", "不予采用"
        TOPIC = "topic", "已转选题"

    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.STAFF)
    title = models.CharField("标题", max_length=100)
    content = models.TextField("内容")
    contact = models.CharField("联系方式", max_length=50, blank=True, help_text="仅内部可见")
    source_ref = models.CharField("来源编号", max_length=64, blank=True, help_text="来源系统中的编号，如问政件编号")
    attachments = models.ManyToManyField("newsroom.Asset", blank=True, related_name="+", verbose_name="附件")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    dismiss_reason = models.CharField("不予采用原因", max_length=200, blank=True)
    topic = models.ForeignKey("Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads", verbose_name="选题")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    @property
    def masked_contact(self) -> str:
        """The contact as every screen shows it (138****1234); the full one only through
        `services.reveal_lead_contact`, which is audited."""
        from rongmei.core.privacy import mask_contact

        return mask_contact(self.contact)

    @property
    def contact_is_masked(self) -> bool:
        return self.masked_contact != self.contact

    @property
    def masked_content(self) -> str:
        from rongmei.core.privacy import mask_mobiles

        return mask_mobiles(self.content)

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["center", "source", "source_ref"], condition=~models.Q(source_ref=""),
                                    name="lead_unique_source_ref"),
        ]

    def __str__(self) -> str:
        return self.title


class Topic(TenantModel):
    """选题: a story idea, discussed, approved or rejected by an editor."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审批"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"
        DONE = "done", "已完成"

    title = models.CharField("选题", max_length=100)
    description = models.TextField("内容与角度", blank=True)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="topics", verbose_name="策划")
    column = models.ForeignKey("newsroom.Column", null=True, blank=True, on_delete=models.PROTECT, verbose_name="栏目")
    planned_for = models.DateField("计划刊播日期", null=True, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申报人")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "选题"
        verbose_name_plural = "选题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TopicComment(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("意见")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Assignment(TenantModel):
    """采访任务: who goes where and when, what to bring back, by when."""

    class Status(models.TextChoices):
        OPEN = "open", "待接单"
        ACCEPTED = "accepted", "已接单"
        ON_SITE = "on_site", "采访中"
        FILED = "filed", "已交稿"
        DONE = "done", "已完成"
        CANCELLED = "cancelled", "已取消"

    class Deliverable(models.TextChoices):
        TEXT = "text", "文字"
        PHOTO = "photo", "图片"
        VIDEO = "video", "视频"
        LIVE = "live", "直播"

    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments", verbose_name="选题")
    title = models.CharField("任务", max_length=100)
    brief = models.TextField("要求", blank=True)
    location = models.CharField("地点", max_length=100, blank=True)
    starts_at = models.DateTimeField("采访时间", null=True, blank=True, db_index=True)
    deadline = models.DateTimeField("交稿时限", db_index=True)
    deliverables = models.JSONField("交付内容", default=list)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="稿件")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="派单人")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "采访任务"
        verbose_name_plural = "采访任务"
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ACCEPTED, self.Status.ON_SITE) and self.deadline < timezone.now()

    def deliverable_labels(self) -> list[str]:
        labels = dict(self.Deliverable.choices)
        return [labels.get(d, d) for d in self.deliverables]


class AssignmentMember(models.Model):
    class Role(models.TextChoices):
        REPORTER = "reporter", "文字记者"
        PHOTOGRAPHER = "photographer", "摄影"
        CAMERA = "camera", "摄像"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField("分工", max_length=15, choices=Role.choices, default=Role.REPORTER)
    accepted_at = models.DateTimeField("接单时间", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "user"], name="assignmentmember_unique")]


class DutyShift(TenantModel):
    """值班表: one person on one desk on one day (日班, 夜班, 周末班)."""

    class Desk(models.TextChoices):
        DAY = "day", "日班"
        NIGHT = "night", "夜班"
        WEEKEND = "weekend", "周末班"

    date = models.DateField("日期", db_index=True)
    desk = models.CharField("班次", max_length=10, choices=Desk.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="值班人")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "值班"
        verbose_name_plural = "值班表"
        ordering = ["date", "desk", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "date", "desk", "user"], name="dutyshift_unique")]

    def __str__(self) -> str:
        return f"{self.date:%m-%d} {self.get_desk_display()} {self.user}"


class DutySwap(TenantModel):
    """换班: the person on `shift` asks `counterpart` to take it (代班), or to trade it for
    `counterpart_shift` (对调). It takes effect when the counterpart has agreed and the chief
    editor (whoever holds planning.manage_duty) has approved, in either order; a request
    made by such a person needs only the counterpart's agreement."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        APPROVED = "approved", "已生效"
        REJECTED = "rejected", "未同意"
        CANCELLED = "cancelled", "已撤回"

    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="swaps", verbose_name="我的班")
    counterpart_shift = models.ForeignKey(DutyShift, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                          verbose_name="对方的班")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人")
    counterpart = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="换班对象")
    reason = models.CharField("原因", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    peer_agreed_at = models.DateTimeField("对方同意时间", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="批准人")
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="处理人")
    decision_note = models.CharField("意见", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "换班申请"
        verbose_name_plural = "换班申请"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.requester} → {self.counterpart}：{self.shift}"
