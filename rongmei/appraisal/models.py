"""绩效考核: the rules a center scores its staff by (data, versioned by month), the facts
only appraisal records (优稿 ratings, external pickups, deductions, pay bases), and each
month's outcome: scorecards per person with a line for every contributing piece and rule,
disputes raised before the close, adjustments after it, and 稿费 lines.

A month is open until the appraisal admin closes it; after that its scorecards, lines and
fees never change, and a correction is an `Adjustment` (audited) shown beside them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel

MONEY = {"max_digits": 12, "decimal_places": 2}
POINTS = {"max_digits": 10, "decimal_places": 2}


class RuleSet(TenantModel):
    """The scoring rules from `month` (the first of a month) on, until a later rule set.
    Each save is a new version (the history stays); the month's rules are the last version
    of the latest rule set that starts on or before it. `rules` follows the schema in
    rongmei.appraisal.rules (pydantic): piece points by genre, originality, length band and
    outlet; 优稿 levels; pickup levels; read thresholds; deductions; quotas per role; the pay
    split; 稿费 rates."""

    month = models.DateField("起用月份")
    version = models.PositiveIntegerField("版本", default=1)
    rules = models.JSONField("规则")
    note = models.CharField("修改说明", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="修改人")
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "考核规则"
        verbose_name_plural = "考核规则"
        ordering = ["-month", "-version"]
        constraints = [models.UniqueConstraint(fields=["center", "month", "version"], name="appraisal_ruleset_version")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}起 第{self.version}版"


class Period(TenantModel):
    """One month of appraisal: open (computed on demand, disputes raised and resolved) or
    closed (locked; the rules used are kept as they were)."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结算"

    month = models.DateField("月份")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    ruleset = models.ForeignKey(RuleSet, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="所用规则")
    rules_snapshot = models.JSONField("结算时的规则", null=True, blank=True)
    reward_pool = models.DecimalField("奖励绩效总额", default=0, **MONEY)
    computed_at = models.DateTimeField("最近计算", null=True, blank=True)
    closed_at = models.DateTimeField("结算时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="结算人")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "考核月份"
        verbose_name_plural = "考核月份"
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["center", "month"], name="appraisal_period_once")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}"


class PayProfile(TenantModel):
    """A person's monthly performance pay base (绩效工资基数) and whether the center pays
    them 稿费 per piece; people without one take the rules' default for their role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="人员")
    base_amount = models.DecimalField("绩效工资基数（元/月）", **MONEY)
    pays_fees = models.BooleanField("计发稿费", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "绩效工资基数"
        verbose_name_plural = "绩效工资基数"
        constraints = [models.UniqueConstraint(fields=["center", "user"], name="appraisal_payprofile_once")]


class Rating(TenantModel):
    """优稿: an editor's rating of a piece, at a level the month's rules give points to."""

    story = models.ForeignKey("newsroom.Story", on_delete=models.CASCADE, related_name="+", verbose_name="稿件")
    month = models.DateField("计入月份")
    level = models.CharField("等级", max_length=20)
    reason = models.CharField("评定理由", max_length=300)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="评定人")
    awarded_at = models.DateTimeField("评定时间", auto_now_add=True)

    class Meta:
        verbose_name = "优稿评定"
        verbose_name_plural = "优稿评定"
        ordering = ["-awarded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["center", "story"], name="appraisal_rating_once")]


class Pickup(TenantModel):
    """外宣: one of our pieces carried by another outlet. One piece used at several levels
    scores only its highest level."""

    class Level(models.TextChoices):
        COUNTY = "county", "县市级"
        PREFECTURE = "prefecture", "地市级"
        PROVINCIAL = "provincial", "省级"
        CENTRAL = "central", "中央级"

    class Source(models.TextChoices):
        MANUAL = "manual", "手工登记"
        IMPORT = "import", "表格导入"
        PROVINCE = "province", "省级平台回执"
        SHARING = "sharing", "上级中心采用供稿"

    story = models.ForeignKey("newsroom.Story", on_delete=models.CASCADE, related_name="+", verbose_name="稿件")
    month = models.DateField("计入月份")
    outlet_name = models.CharField("采用媒体", max_length=100)
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    used_on = models.DateField("采用日期")
    url = models.CharField("链接", max_length=500, blank=True)
    is_long = models.BooleanField("长篇（深度、专版）", default=False)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "外宣采用"
        verbose_name_plural = "外宣采用"
        ordering = ["-used_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["center", "story", "outlet_name", "used_on"],
                                               name="appraisal_pickup_once")]


class Deduction(TenantModel):
    """A deduction for an error found after publishing, a correction, or another reason:
    on one person, or on a piece (then shared by its byline like its points)."""

    class Kind(models.TextChoices):
        ERROR = "error", "差错"
        CORRECTION = "correction", "更正"
        OTHER = "other", "其他"

    month = models.DateField("计入月份")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                              verbose_name="稿件")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="人员")
    points = models.DecimalField("扣分", **POINTS)
    reason = models.CharField("原因", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "扣分"
        verbose_name_plural = "扣分"
        ordering = ["-created_at", "-id"]


class Scorecard(TenantModel):
    """One person's month: points, pieces, reads, quota met, rank in their unit and pay."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="scorecards", verbose_name="月份")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    org_unit = models.ForeignKey("core.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="部门")
    role = models.CharField("角色", max_length=30, blank=True)
    points = models.DecimalField("得分", default=0, **POINTS)
    pieces = models.PositiveIntegerField("稿件数", default=0)
    reads = models.PositiveBigIntegerField("阅读量", default=0)
    quota = models.DecimalField("定额", default=0, **POINTS)
    quota_ratio = models.DecimalField("定额完成率", max_digits=7, decimal_places=4, default=0)
    rank = models.PositiveIntegerField("部门内排名", null=True, blank=True)
    base_amount = models.DecimalField("绩效工资基数", default=0, **MONEY)
    base_paid = models.DecimalField("基础绩效", default=0, **MONEY)
    reward_paid = models.DecimalField("奖励绩效", default=0, **MONEY)
    total_paid = models.DecimalField("合计", default=0, **MONEY)

    class Meta:
        verbose_name = "月度绩效"
        verbose_name_plural = "月度绩效"
        ordering = ["-points", "id"]
        constraints = [models.UniqueConstraint(fields=["period", "user"], name="appraisal_scorecard_once")]


class ScoreLine(TenantModel):
    """One contribution to a scorecard: a piece on an outlet, a rating, a pickup, a read
    threshold, a deduction; with the rule that gave the points and the person's share."""

    class Kind(models.TextChoices):
        PIECE = "piece", "稿件"
        RATING = "rating", "优稿"
        PICKUP = "pickup", "外宣采用"
        READS = "reads", "阅读量"
        DEDUCTION = "deduction", "扣分"

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="lines", verbose_name="月份")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="lines", verbose_name="绩效")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="稿件")
    outlet = models.CharField("平台", max_length=12, blank=True)
    rule = models.CharField("规则", max_length=200)
    base_points = models.DecimalField("规则分值", **POINTS)
    share = models.DecimalField("贡献占比(%)", max_digits=5, decimal_places=2, default=100)
    points = models.DecimalField("得分", **POINTS)

    class Meta:
        verbose_name = "绩效明细"
        verbose_name_plural = "绩效明细"
        ordering = ["id"]
        indexes = [models.Index(fields=["scorecard", "kind"], name="appraisal_line_card")]


class Dispute(TenantModel):
    """A person's objection to their month, raised while it is open and resolved before the close."""

    class Status(models.TextChoices):
        OPEN = "open", "待处理"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="disputes", verbose_name="月份")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="申诉人")
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="稿件")
    text = models.CharField("申诉内容", max_length=1000)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField("处理意见", max_length=1000, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="处理人")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("申诉时间", auto_now_add=True)

    class Meta:
        verbose_name = "绩效申诉"
        verbose_name_plural = "绩效申诉"
        ordering = ["-created_at", "-id"]


class Adjustment(TenantModel):
    """A change to a closed month: points and/or money for one person, with its reason."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="adjustments", verbose_name="月份")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    points = models.DecimalField("调整分数", default=0, **POINTS)
    amount = models.DecimalField("调整金额", default=0, **MONEY)
    reason = models.CharField("原因", max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="调整人")
    created_at = models.DateTimeField("调整时间", auto_now_add=True)

    class Meta:
        verbose_name = "结算后调整"
        verbose_name_plural = "结算后调整"
        ordering = ["-created_at", "-id"]


class FeeLine(TenantModel):
    """稿费: what one byline earns for one piece on one outlet in a month (contributors
    outside the staff, named on the byline without an account, and staff the center pays)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="fees", verbose_name="月份")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="人员")
    name = models.CharField("署名", max_length=50)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="稿件")
    outlet = models.CharField("平台", max_length=12)
    genre = models.CharField("体裁", max_length=12)
    rate = models.DecimalField("标准", **MONEY)
    share = models.DecimalField("贡献占比(%)", max_digits=5, decimal_places=2, default=100)
    amount = models.DecimalField("金额", **MONEY)

    class Meta:
        verbose_name = "稿费"
        verbose_name_plural = "稿费"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["period", "name"], name="appraisal_fee_person")]
