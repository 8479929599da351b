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
