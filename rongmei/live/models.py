"""直播制作: the production side of the portal's live streams.

The public side of a broadcast — title, summary, times, player address, poster, replay —
stays on `rongmei.portal.models.LiveStream` (written through `portal.live_services`). A
`Production` (直播承接) is the booking behind one stream: who booked it, where, the crew and
equipment, the run sheet, the checklist before air, the stream key and the status."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel


def new_stream_key() -> str:
    return secrets.token_urlsafe(18)


def new_stream_name() -> str:
    return secrets.token_hex(4)


class StreamSettings(TenantModel):
    """The center's streaming server (推拉流服务器), configured here, run elsewhere."""

    push_base = models.CharField("RTMP 推流地址", max_length=300, blank=True,
                                 help_text="如 rtmp://live.example.gov.cn/live，推流地址为 前缀/流名?key=推流密钥")
    pull_base = models.CharField("HLS 拉流地址", max_length=300, blank=True,
                                 help_text="如 https://live.example.gov.cn/hls，播放地址为 前缀/流名.m3u8")
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "推拉流设置"
        verbose_name_plural = "推拉流设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="live_settings_one_per_center")]

    def __str__(self) -> str:
        return "推拉流设置"


class Equipment(TenantModel):
    class Kind(models.TextChoices):
        CAMERA = "camera", "摄像机"
        SWITCHER = "switcher", "切换台"
        ENCODER = "encoder", "编码器"
        BACKPACK = "backpack", "5G 背包"
        AUDIO = "audio", "音频设备"
        LIGHT = "light", "灯光"
        OTHER = "other", "其他"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    name = models.CharField("名称型号", max_length=100)
    asset_number = models.CharField("资产编号", max_length=40)
    note = models.CharField("备注", max_length=200, blank=True)
    is_active = models.BooleanField("可用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "直播设备"
        verbose_name_plural = "直播设备"
        ordering = ["kind", "asset_number"]
        constraints = [models.UniqueConstraint(fields=["center", "asset_number"], name="live_equipment_unique_number")]

    def __str__(self) -> str:
        return f"{self.name}（{self.asset_number}）"


class Production(TenantModel):
    """直播承接: one booked broadcast, behind exactly one portal LiveStream."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "会议"
        EVENT = "event", "活动"
        SPORTS = "sports", "赛事"
        WENZHENG = "wenzheng", "问政"
        TOURISM = "tourism", "文旅推介"
        COMMERCE = "commerce", "带货"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "待播"
        LIVE = "live", "直播中"
        ENDED = "ended", "已结束"
        REPLAY = "replay", "回放已发布"
        CANCELLED = "cancelled", "已取消"

    stream = models.OneToOneField("portal.LiveStream", on_delete=models.PROTECT, related_name="production",
                                  verbose_name="直播")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    client = models.ForeignKey("ads.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="客户")
    department = models.ForeignKey("core.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="政府部门")
    place = models.CharField("地点", max_length=200)
    contact = models.CharField("对方联系人", max_length=100, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    fee = models.DecimalField("费用（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField("备注", blank=True)
    # The booking window: crew and equipment are taken for these times (set-up included).
    planned_start = models.DateTimeField("计划开始", db_index=True)
    planned_end = models.DateTimeField("计划结束", db_index=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.SCHEDULED, db_index=True)
    stream_name = models.CharField("流名", max_length=40, default=new_stream_name)
    stream_key = models.CharField("推流密钥", max_length=60, default=new_stream_key)
    replay_asset = models.ForeignKey("newsroom.Asset", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="回放视频")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="登记人")
    started_at = models.DateTimeField("开播时间", null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="开播人")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="结束人")
    replay_at = models.DateTimeField("回放发布时间", null=True, blank=True)
    replay_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="回放发布人")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name="取消人")
    cancel_reason = models.CharField("取消原因", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "直播承接"
        verbose_name_plural = "直播承接"
        ordering = ["-planned_start", "-id"]
        indexes = [models.Index(fields=["center", "planned_start"], name="live_prod_center_start")]

    def __str__(self) -> str:
        return self.stream.title if self.stream_id else "直播承接"

    @property
    def booked_for(self) -> str:
        if self.client_id:
            return self.client.name
        if self.department_id:
            return self.department.name
        return ""


class CrewAssignment(TenantModel):
    class Role(models.TextChoices):
        DIRECTOR = "director", "导播"
        CAMERA = "camera", "摄像"
        HOST = "host", "主持"
        TECH = "tech", "技术"
        STREAM = "stream", "推流"

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="crew", verbose_name="直播")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    role = models.CharField("岗位", max_length=20, choices=Role.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "直播人员"
        verbose_name_plural = "直播人员"
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["production", "person"], name="live_crew_once_per_production")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person}"


class EquipmentAssignment(TenantModel):
    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="equipment",
                                   verbose_name="直播")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="assignments",
                                  verbose_name="设备")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "直播设备安排"
        verbose_name_plural = "直播设备安排"
        ordering = ["equipment__kind", "id"]
        constraints = [models.UniqueConstraint(fields=["production", "equipment"],
                                               name="live_equipment_once_per_production")]

    def __str__(self) -> str:
        return str(self.equipment)


class Segment(TenantModel):
    """One line of the run sheet (串词单/流程单)."""

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="segments",
                                   verbose_name="直播")
    offset_minutes = models.PositiveIntegerField("开始（开播后第几分钟）")
    length_minutes = models.PositiveIntegerField("时长（分钟）")
    content = models.CharField("内容", max_length=500)
    who = models.CharField("负责人/出镜", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "串词单环节"
        verbose_name_plural = "串词单环节"
        ordering = ["offset_minutes", "id"]

    def __str__(self) -> str:
        return self.content[:30]


class CheckItem(TenantModel):
    """播前检查: one item, ticked by whom and when."""

    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="checks", verbose_name="直播")
    order = models.PositiveIntegerField("排序", default=0)
    label = models.CharField("检查项", max_length=100)
    required = models.BooleanField("开播前必须完成", default=True)
    ticked_at = models.DateTimeField("完成时间", null=True, blank=True)
    ticked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="检查人")

    class Meta:
        verbose_name = "播前检查项"
        verbose_name_plural = "播前检查项"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label
