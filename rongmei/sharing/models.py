"""上下级稿件流转 (issue 19): content moving between the levels of a province's platform.

* 上级推送 (push down): a province or city center sends one of its signed-off stories or a
  coverage plan (策划) to chosen centers below it, with a note, a source line and rights
  (转载权限). One `Push` row in the sending center; one `PushTarget` row per receiving
  center, owned by that center (its `center`), so each side reads only its own rows
  through `tenancy.scoped`. The receiver takes it as a lead (线索) or — when the rights allow
  publication — as a ready story (a draft in its own library, media copied), or declines.
* 下级供稿 (submit up): a county sends one of its signed-off stories to a center above it.
  One `Submission` row per (story, upper center), owned by the submitting center; the upper
  center finds it by `to_center`. It is marked used (采用, which appraisal counts as an
  external pickup) or not used, and may be taken in as a draft story of the upper center.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rongmei.core.models import TenantModel


class Rights(models.TextChoices):
    FREE = "free", "可自由转载"
    ATTRIBUTION = "attribution", "注明来源后转载"
    REFERENCE = "reference", "仅供参考，不得刊发"


PUBLISHABLE_RIGHTS = (Rights.FREE, Rights.ATTRIBUTION)


class Push(TenantModel):
    """A story or a plan sent down by `center` (the pushing center)."""

    class Kind(models.TextChoices):
        STORY = "story", "稿件"
        PLAN = "plan", "策划"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="稿件")
    plan = models.ForeignKey("planning.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="策划")
    title = models.CharField("标题", max_length=100)
    note = models.CharField("推送说明", max_length=500, blank=True)
    source_line = models.CharField("来源", max_length=100)
    rights = models.CharField("转载权限", max_length=12, choices=Rights.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="推送人")
    created_at = models.DateTimeField("推送时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "上级推送"
        verbose_name_plural = "上级推送"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=(Q(kind="story", story__isnull=False, plan__isnull=True)
                                              | Q(kind="plan", plan__isnull=False, story__isnull=True)),
                                   name="sharing_push_one_thing"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def publishable(self) -> bool:
        return self.kind == self.Kind.STORY and self.rights in PUBLISHABLE_RIGHTS


class PushTarget(TenantModel):
    """One receiving center's copy of a push; `center` is the receiving center."""

    class Status(models.TextChoices):
        WAITING = "waiting", "待处理"
        LEAD = "lead", "已转线索"
        STORY = "story", "已转稿件"
        DECLINED = "declined", "已谢绝"

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="targets")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    reason = models.CharField("谢绝原因", max_length=200, blank=True)
    lead = models.ForeignKey("planning.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="线索")
    story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="转成的稿件")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="处理人")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送接收"
        verbose_name_plural = "推送接收"
        ordering = ["-push__created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["push", "center"], name="sharing_push_target_once")]

    def __str__(self) -> str:
        return self.push.title


class Submission(TenantModel):
    """A story sent up (供稿) by `center` (the submitting center) to `to_center`."""

    class Status(models.TextChoices):
        WAITING = "waiting", "待处理"
        USED = "used", "已采用"
        NOT_USED = "not_used", "未采用"

    class Level(models.TextChoices):  # the same values as appraisal's Pickup.Level
        COUNTY = "county", "县市级"
        PREFECTURE = "prefecture", "地市级"
        PROVINCIAL = "provincial", "省级"
        CENTRAL = "central", "中央级"

    story = models.ForeignKey("newsroom.Story", on_delete=models.PROTECT, related_name="+", verbose_name="稿件")
    to_center = models.ForeignKey("core.Center", on_delete=models.PROTECT, related_name="+", verbose_name="报送中心")
    title = models.CharField("标题", max_length=100)
    note = models.CharField("供稿说明", max_length=500, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.WAITING, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name="供稿人")
    submitted_at = models.DateTimeField("供稿时间", default=timezone.now, db_index=True)
    outlet_name = models.CharField("采用媒体", max_length=100, blank=True)
    level = models.CharField("采用级别", max_length=12, choices=Level.choices, blank=True)
    used_on = models.DateField("采用日期", null=True, blank=True)
    url = models.CharField("采用链接", max_length=500, blank=True)
    reason = models.CharField("未采用原因", max_length=200, blank=True)
    taken_story = models.ForeignKey("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="上级转入的稿件")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="处理人")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "下级供稿"
        verbose_name_plural = "下级供稿"
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["story", "to_center"], name="sharing_submit_once")]

    def __str__(self) -> str:
        return self.title
