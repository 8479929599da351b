"""活动运营: the center's big events run as projects — a children's spring gala, a music
festival, the 民生大问政 TV shows — each with its budget lines and what was actually spent or
received on them, tasks with owners and due dates, documents, and a tie-in to a coverage
plan (策划) in the newsroom.

Money is kept to the fen (two decimals). An expense line's `actual` is the sum of its
entries, kept on the line by the services with one conditional UPDATE, so an expense that
would take the line over its budget is refused even when two people post at the same moment.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from rongmei.core.models import TenantModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Event(TenantModel):
    """活动项目: one event the center organises or carries out for a client or partner."""

    class Kind(models.TextChoices):
        GALA = "gala", "晚会"
        FESTIVAL = "festival", "节庆"
        CONTEST = "contest", "赛事"
        FORUM = "forum", "问政直播"
        EXPO = "expo", "展会"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PLANNING = "planning", "策划中"
        RUNNING = "running", "执行中"
        DONE = "done", "已结束"
        CANCELLED = "cancelled", "已取消"

    name = models.CharField("活动名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.OTHER)
    starts_on = models.DateField("开始日期", db_index=True)
    ends_on = models.DateField("结束日期")
    venue = models.CharField("地点", max_length=100, blank=True)
    client = models.ForeignKey("ads.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="客户或合作方")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name="负责人")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PLANNING, db_index=True)
    description = models.TextField("活动说明", blank=True)
    plan = models.ForeignKey("planning.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="报道策划")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "活动项目"
        verbose_name_plural = "活动项目"
        ordering = ("starts_on", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def dates_label(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%Y-%m-%d}"
        if self.starts_on.year == self.ends_on.year:
            return f"{self.starts_on:%Y-%m-%d} 至 {self.ends_on:%m-%d}"
        return f"{self.starts_on:%Y-%m-%d} 至 {self.ends_on:%Y-%m-%d}"


class BudgetLine(TenantModel):
    """预算: one line of an event's budget, an expense (舞美搭建, 演员劳务…) or an income
    (赞助, 门票…). `planned` is the amount approved; `actual` the sum of the line's entries."""

    class Direction(models.TextChoices):
        EXPENSE = "expense", "支出"
        INCOME = "income", "收入"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="budget_lines", verbose_name="活动")
    direction = models.CharField("收支", max_length=8, choices=Direction.choices, default=Direction.EXPENSE)
    name = models.CharField("预算项目", max_length=60)
    planned = models.DecimalField("预算金额（元）", **MONEY)
    actual = models.DecimalField("实际金额（元）", default=0, **MONEY)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "预算项目"
        verbose_name_plural = "预算项目"
        ordering = ("direction", "id")
        constraints = (
            models.UniqueConstraint(fields=["event", "direction", "name"], name="events_budgetline_unique_name"),
            models.CheckConstraint(condition=models.Q(planned__gte=0), name="events_budgetline_planned_not_negative"),
            # the last line of defence for the over-budget rule (the service refuses first)
            models.CheckConstraint(condition=models.Q(direction="income") | models.Q(actual__lte=models.F("planned")),
                                   name="events_budgetline_expense_within_budget"),
        )

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.name}"

    @property
    def variance(self):
        """Planned minus actual: what is left of an expense line, what is still to come in on an income line."""
        return self.planned - self.actual

    @property
    def used_ratio(self) -> float:
        return float(self.actual / self.planned) if self.planned else (1.0 if self.actual else 0.0)

    @property
    def used_percent(self) -> int:
        return round(self.used_ratio * 100)


class Entry(TenantModel):
    """支出 or 收入: money actually paid out of (or received on) a budget line."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="entries", verbose_name="预算项目")
    date = models.DateField("日期")
    party = models.CharField("收款方/付款方", max_length=100)
    amount = models.DecimalField("金额（元）", **MONEY)
    note = models.CharField("备注", max_length=200, blank=True)
    attachment = models.FileField("票据", upload_to="events/%Y/%m/", blank=True, max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "收支记录"
        verbose_name_plural = "收支记录"
        ordering = ("date", "id")
        constraints = (models.CheckConstraint(condition=models.Q(amount__gt=0), name="events_entry_amount_positive"),)


class BudgetChange(TenantModel):
    """调整预算: a budget line's planned amount changed by someone with events.manage, with the reason."""

    line = models.ForeignKey(BudgetLine, on_delete=models.CASCADE, related_name="changes", verbose_name="预算项目")
    old_amount = models.DecimalField("原预算", **MONEY)
    new_amount = models.DecimalField("新预算", **MONEY)
    reason = models.CharField("调整原因", max_length=200)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "预算调整"
        verbose_name_plural = "预算调整"
        ordering = ("-changed_at", "-id")


class Task(TenantModel):
    """任务: one piece of work for an event, with its owner and due date."""

    class Status(models.TextChoices):
        TODO = "todo", "待办"
        DOING = "doing", "进行中"
        DONE = "done", "已完成"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks", verbose_name="活动")
    title = models.CharField("任务", max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="负责人")
    due_on = models.DateField("完成期限", db_index=True)
    status = models.CharField("状态", max_length=6, choices=Status.choices, default=Status.TODO, db_index=True)
    note = models.CharField("说明", max_length=300, blank=True)
    reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "活动任务"
        verbose_name_plural = "活动任务"
        ordering = ("due_on", "id")

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status != self.Status.DONE and self.due_on < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class Document(TenantModel):
    """活动文件: 方案, 合同, 预算表, 总结… kept with the event, readable only by the center's staff."""

    class Kind(models.TextChoices):
        PLAN = "plan", "方案"
        CONTRACT = "contract", "合同"
        BUDGET = "budget", "预算表"
        SUMMARY = "summary", "总结"
        OTHER = "other", "其他"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="documents", verbose_name="活动")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField("文件名称", max_length=100)
    file = models.FileField("文件", upload_to="events/%Y/%m/", max_length=300)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "活动文件"
        verbose_name_plural = "活动文件"
        ordering = ("-uploaded_at", "-id")

    def __str__(self) -> str:
        return self.title
