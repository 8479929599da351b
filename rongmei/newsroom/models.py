"""Stories (the collected master), their revisions, bylines, assets and per-channel renditions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel


class Column(TenantModel):
    """A standing section (栏目) such as 要闻, 乡镇, 民生; stories and topics belong to one."""

    name = models.CharField("栏目名称", max_length=50)
    slug = models.SlugField("标识", max_length=50)
    description = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    default_cover = models.ForeignKey("Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      limit_choices_to={"kind": "image"}, verbose_name="默认封面",
                                      help_text="本栏目稿件没有图片时，微信等需要封面的渠道用这张图")

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["center", "slug"], name="column_unique_slug"),
            models.UniqueConstraint(fields=["center", "name"], name="column_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CenterDefaults(TenantModel):
    """The center's newsroom settings: for now its default cover picture (used when neither
    the story nor its column has one). It lives here, not on core's Center, because assets
    are the newsroom's and core depends on no app."""

    default_cover = models.ForeignKey("Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      limit_choices_to={"kind": "image"}, verbose_name="中心默认封面",
                                      help_text="稿件和栏目都没有封面时，微信等需要封面的渠道用这张图")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "中心默认设置"
        verbose_name_plural = "中心默认设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="centerdefaults_unique_center")]

    def __str__(self) -> str:
        return f"{self.center} 默认设置"


class Story(TenantModel):
    """稿件: collected once, with text, media and metadata; renditions derive from it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FILED = "filed", "已交稿"
        EDITING = "editing", "编辑中"
        READY = "ready", "待送审"
        IN_REVIEW = "in_review", "审核中"
        SIGNED_OFF = "signed_off", "已签发"
        SPIKED = "spiked", "已弃用"

    kicker = models.CharField("引题", max_length=100, blank=True)
    headline = models.CharField("主标题", max_length=100)
    subheadline = models.CharField("副标题", max_length=100, blank=True)
    summary = models.CharField("摘要", max_length=300, blank=True)
    body = models.TextField("正文", blank=True, help_text="富文本，保存时清理")
    column = models.ForeignKey(Column, null=True, blank=True, on_delete=models.PROTECT, related_name="stories", verbose_name="栏目")
    tags = models.JSONField("标签", default=list, blank=True)
    location = models.CharField("地点", max_length=100, blank=True)
    source = models.CharField("来源", max_length=100, blank=True)
    embargo_until = models.DateTimeField("禁发至", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField("版本", default=1, help_text="每次保存加一；保存时须带上开始编辑时的版本")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["center", "status", "-updated_at"], name="story_center_status")]

    def __str__(self) -> str:
        return self.headline

    @property
    def cover(self) -> Asset | None:
        """The first attached image (uses prefetched links when there are any)."""
        for link in self.story_assets.all():
            if link.asset.kind == Asset.Kind.IMAGE:
                return link.asset
        return None


class Byline(models.Model):
    """A person credited on a story, with their role and share of the work (for appraisal)."""

    class Role(models.TextChoices):
        REPORTER = "reporter", "记者"
        PHOTOGRAPHER = "photographer", "摄影"
        CAMERA = "camera", "摄像"
        EDITOR = "editor", "编辑"
        CORRESPONDENT = "correspondent", "通讯员"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="人员")
    name = models.CharField("署名", max_length=50)
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    share = models.DecimalField("贡献占比(%)", max_digits=5, decimal_places=2, default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "署名"
        verbose_name_plural = "署名"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class StoryRevision(models.Model):
    """A full snapshot of a story after one save. Refused (stale) saves are kept too, marked
    as conflicts, so nobody's text is lost."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField("修订号")
    snapshot = models.JSONField("内容")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="修改人")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    note = models.CharField("说明", max_length=200, blank=True)
    is_conflict = models.BooleanField("冲突稿", default=False, help_text="因他人已先保存而未生效的版本")
    based_on = models.PositiveIntegerField("基于版本", null=True, blank=True)

    class Meta:
        verbose_name = "修订"
        verbose_name_plural = "修订"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["story", "number"], name="revision_unique_number")]

    def __str__(self) -> str:
        return f"{self.story} #{self.number}"


class EditSession(models.Model):
    """Who has a story open in the editor right now (正在编辑), refreshed by a heartbeat."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="edit_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "user"], name="editsession_unique")]


class Asset(TenantModel):
    """素材: an uploaded image, audio, video or document; reusable across stories."""

    class Kind(models.TextChoices):
        IMAGE = "image", "图片"
        AUDIO = "audio", "音频"
        VIDEO = "video", "视频"
        DOCUMENT = "document", "文档"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, db_index=True)
    file = models.FileField("文件", upload_to="assets/%Y/%m/", max_length=300)
    original_name = models.CharField("原文件名", max_length=200)
    mime = models.CharField("格式", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField("校验值", max_length=64, db_index=True)
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    duration = models.FloatField("时长(秒)", null=True, blank=True)
    poster = models.FileField("封面帧", upload_to="assets/posters/%Y/%m/", blank=True, max_length=300)
    caption = models.CharField("图片说明", max_length=300, blank=True)
    credit = models.CharField("作者/来源", max_length=100, blank=True)
    processing_note = models.CharField("处理说明", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "素材"
        verbose_name_plural = "素材"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.caption or self.original_name

    def rendition(self, name: str) -> AssetRendition | None:
        """A derived size by name (uses prefetched renditions when there are any)."""
        for r in self.renditions.all():
            if r.name == name:
                return r
        return None

    def url_of(self, name: str) -> str:
        r = self.rendition(name)
        if r is not None:
            return r.file.url
        if self.kind == self.Kind.IMAGE:
            return self.file.url
        return self.poster.url if self.poster else ""

    @property
    def thumb_url(self) -> str:
        return self.url_of("thumb")

    @property
    def web_url(self) -> str:
        return self.url_of("web")


class AssetRendition(models.Model):
    """A derived image size (thumb, web, wechat_cover, square ...)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    name = models.CharField(max_length=30)
    file = models.FileField(upload_to="assets/renditions/%Y/%m/", max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    mime = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="assetrendition_unique")]


class StoryAsset(models.Model):
    """An asset used in a story, in order."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="story_assets")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="story_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["story", "asset"], name="storyasset_unique")]


class Rendition(TenantModel):
    """渠道稿: the version of a story for one channel type, editable after generation."""

    class Channel(models.TextChoices):
        WEB = "web", "网站/客户端"
        WECHAT = "wechat", "微信公众号"
        WEIBO = "weibo", "微博"
        NEWSPAPER = "newspaper", "报纸"
        RADIO = "radio", "广播稿"
        TV = "tv", "电视稿"
        SHORT_VIDEO = "short_video", "短视频"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="renditions")
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    fields = models.JSONField("渠道字段", default=dict, blank=True)
    stats = models.JSONField("统计", default=dict, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    source_version = models.PositiveIntegerField("母稿版本", help_text="生成或重新生成时母稿的版本")
    edited = models.BooleanField("已人工修改", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "渠道稿"
        verbose_name_plural = "渠道稿"
        ordering = ["story", "channel"]
        constraints = [models.UniqueConstraint(fields=["story", "channel"], name="rendition_unique_channel")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}：{self.title}"

    @property
    def preview_text(self) -> str:
        """Readable text of the rendition, one line per block, for previews."""
        if self.channel in (self.Channel.WEB, self.Channel.WECHAT):
            from rongmei.newsroom.html import plain_text

            return plain_text(self.body)
        return self.body

    @property
    def is_stale(self) -> bool:
        """母稿已更新: the master changed since this rendition was generated."""
        return self.story.version != self.source_version
