"""The review room's data. This increment: each center's check lists (lexicons)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel


class CheckList(TenantModel):
    """One of a center's lists for the automatic content checks, kept as its canonical CSV
    text (the documented import/export format), so what is exported is what is checked."""

    class Kind(models.TextChoices):
        SENSITIVE = "sensitive", "敏感词与禁用词"
        WORDING = "wording", "规范表述"
        OFFICIALS = "officials", "领导姓名与职务"
        TYPOS = "typos", "易错字词"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    content = models.TextField("内容（CSV）", blank=True)
    entry_count = models.PositiveIntegerField("条目数", default=0)
    version = models.PositiveIntegerField("版本", default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检查词表"
        verbose_name_plural = "检查词表"
        ordering = ["center", "kind"]
        constraints = [models.UniqueConstraint(fields=["center", "kind"], name="checklist_unique_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.entry_count} 条）"


class Workflow(TenantModel):
    """A review chain (三审三校, or shorter for a Weibo repost), as data."""

    name = models.CharField("名称", max_length=60)
    description = models.CharField("说明", max_length=200, blank=True)
    is_default = models.BooleanField("本中心默认流程", default=False)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "审核流程"
        verbose_name_plural = "审核流程"
        ordering = ["-is_default", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="workflow_unique_name")]

    def __str__(self) -> str:
        return self.name


class WorkflowStep(models.Model):
    class Kind(models.TextChoices):
        REVIEW = "review", "审核"
        PROOF = "proof", "校对"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("环节", max_length=20)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.REVIEW)
    role = models.CharField("由哪个角色办理", max_length=30, blank=True)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="或指定人员")
    can_send_back = models.BooleanField("可退回", default=True)
    send_back_to = models.CharField("退回到", max_length=20, default="author",
                                    help_text="author 退回作者；previous 上一环节；或环节顺序号")
    time_limit_hours = models.PositiveIntegerField("时限（小时）", default=24)
    supervisor_role = models.CharField("超时督办角色", max_length=30, blank=True)

    class Meta:
        ordering = ["workflow", "order"]
        constraints = [models.UniqueConstraint(fields=["workflow", "order"], name="workflowstep_unique_order")]

    def __str__(self) -> str:
        return self.name

    @property
    def role_label(self) -> str:
        from rongmei.core.permissions import ROLES

        if self.person_id:
            return str(self.person)
        return ROLES[self.role].label if self.role in ROLES else self.role


class WorkflowRule(TenantModel):
    """Which workflow applies: by column and/or by channel; the most specific rule wins."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="rules", verbose_name="流程")
    column = models.ForeignKey("newsroom.Column", null=True, blank=True, on_delete=models.CASCADE, verbose_name="栏目")
    channel = models.CharField("渠道", max_length=20, blank=True)

    class Meta:
        verbose_name = "流程适用规则"
        verbose_name_plural = "流程适用规则"


class Review(TenantModel):
    """One story (with the renditions chosen) going through a workflow. The steps are
    copied in at submission, so editing a workflow never disturbs pieces already in review."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "审核中"
        SIGNED_OFF = "signed_off", "已签发"
        RETURNED = "returned", "已退回作者"
        CANCELLED = "cancelled", "已撤回"

    story = models.ForeignKey("newsroom.Story", on_delete=models.PROTECT, related_name="+", verbose_name="稿件")
    workflow = models.ForeignKey(Workflow, null=True, on_delete=models.SET_NULL, related_name="+")
    workflow_name = models.CharField("流程", max_length=60)
    steps = models.JSONField("环节")
    channels = models.JSONField("送审渠道稿", default=list)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.IN_REVIEW, db_index=True)
    current_step = models.PositiveSmallIntegerField("当前环节", default=0)
    content_hash = models.CharField("签发内容摘要", max_length=64, blank=True)
    lineage = models.JSONField("审核人修改后的内容摘要", default=list,
                               help_text="本环节之前的签字仍然有效的内容摘要（审核人“修改并通过”产生）")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "送审"
        verbose_name_plural = "送审"
        ordering = ["-submitted_at"]


class ReviewTask(models.Model):
    """One step of one review, each time the piece arrives there."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        APPROVED = "approved", "已通过"
        SENT_BACK = "sent_back", "已退回"
        INVALIDATED = "invalidated", "因修改作废"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="tasks")
    step_index = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "opened_at", "id"]


class SignOff(models.Model):
    """A sign-off record in the center's hash chain: each record's hash covers its fields
    and the previous record's hash, so a changed, deleted or reordered record is detected."""

    class Action(models.TextChoices):
        APPROVE = "approve", "通过"
        EDIT_APPROVE = "edit_approve", "修改并通过"
        SEND_BACK = "send_back", "退回"
        OVERRIDE = "override", "签发人确认放行"
        SIGN_OFF = "sign_off", "签发"
        REASSIGN = "reassign", "改派"  # a supervisor handed the step to someone else (not an approval)

    center = models.ForeignKey("core.Center", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField("序号")
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="signoffs")
    step_index = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=20)
    action = models.CharField(max_length=15, choices=Action.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64)
    story_version = models.PositiveIntegerField()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["center", "seq"]
        constraints = [models.UniqueConstraint(fields=["center", "seq"], name="signoff_unique_seq")]


class ReviewComment(models.Model):
    """A reviewer's comment anchored to a span of one field's text."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=40)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.CharField(max_length=300)
    body = models.TextField()
    story_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
