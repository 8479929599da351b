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
    # -- 17:VJ -- the logo burned into the center's video versions (视频版本), at a corner
    logo = models.ForeignKey("Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             limit_choices_to={"kind": "image"}, verbose_name="中心台标",
                             help_text="生成视频版本时可叠加在画面一角；建议用透明底 PNG")
    logo_position = models.CharField("台标位置", max_length=12, default="top_right", choices=[
        ("top_left", "左上角"), ("top_right", "右上角"), ("bottom_left", "左下角"), ("bottom_right", "右下角")])
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

    class Genre(models.TextChoices):
        TEXT = "text", "文字"
        PHOTO = "photo", "图片"
        VIDEO = "video", "视频"
        LIVE = "live", "直播"
        H5 = "h5", "H5"
        LONG_IMAGE = "long_image", "长图"

    class Originality(models.TextChoices):
        ORIGINAL = "original", "原创"
        ADAPTED = "adapted", "编辑整合"
        REPRINT = "reprint", "转载"

    kicker = models.CharField("引题", max_length=100, blank=True)
    headline = models.CharField("主标题", max_length=100)
    subheadline = models.CharField("副标题", max_length=100, blank=True)
    summary = models.CharField("摘要", max_length=300, blank=True)
    body = models.TextField("正文", blank=True, help_text="富文本，保存时清理")
    column = models.ForeignKey(Column, null=True, blank=True, on_delete=models.PROTECT, related_name="stories", verbose_name="栏目")
    tags = models.JSONField("标签", default=list, blank=True)
    location = models.CharField("地点", max_length=100, blank=True)
    # 体裁 and 原创属性: what appraisal scores a piece by (points per genre and originality).
    genre = models.CharField("体裁", max_length=12, choices=Genre.choices, default=Genre.TEXT)
    originality = models.CharField("原创属性", max_length=10, choices=Originality.choices, default=Originality.ORIGINAL)
    # Characters of the body's plain text without white space, kept on every save: appraisal
    # scores by length band and counts it in SQL over many stories at once.
    body_chars = models.PositiveIntegerField("正文字数", default=0, editable=False)
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
        indexes = [
            models.Index(fields=["center", "status", "-updated_at"], name="story_center_status"),
            # The story list's order within a center (issue 19: 10,000 stories a county,
            # a province on one database): the first page without sorting the center's stories.
            models.Index(fields=["center", "-updated_at", "-id"], name="story_center_updated"),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs):
        self.body_chars = count_chars(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_chars"}
        super().save(*args, **kwargs)

    @property
    def cover(self) -> Asset | None:
        """The first attached image (uses prefetched links when there are any)."""
        for link in self.story_assets.all():
            if link.asset.kind == Asset.Kind.IMAGE:
                return link.asset
        return None


def count_chars(html: str) -> int:
    """Characters of `html`'s plain text, white space not counted."""
    from rongmei.newsroom.html import plain_text

    return len("".join(plain_text(html or "").split()))


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


# -- 17:VJ --
class VideoJob(TenantModel):
    """视频版本: one rendering of a story's footage or photos into a platform-ready MP4
    (vertical 1080×1920 for 抖音/快手/视频号, horizontal 1920×1080), run on the task queue.

    Why a row per run rather than a field on the rendition: rendering takes minutes, can
    fail or be cancelled, and the editor watches it; the row carries progress, the Chinese
    failure, the lease of the worker running it (a crashed worker's job is failed after
    the lease, never "running" forever) and the finished file. The finished file is only
    *offered* to the platforms through the short-video rendition's fields (which the
    reviewers sign): see `newsroom.video.jobs.attach`."""

    class Shape(models.TextChoices):
        VERTICAL = "vertical", "竖屏 9:16"
        HORIZONTAL = "horizontal", "横屏 16:9"

    class What(models.TextChoices):
        FOOTAGE = "footage", "视频素材剪辑"
        SLIDESHOW = "slideshow", "图片幻灯"

    class Fit(models.TextChoices):
        CROP = "crop", "裁切填满"
        BLUR = "blur", "模糊背景填充"

    class Subtitles(models.TextChoices):
        BURN = "burn", "压制到画面"
        SIDE = "side", "单独字幕文件"
        NONE = "none", "不加字幕"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        CANCELLED = "cancelled", "已取消"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="video_jobs", verbose_name="稿件")
    shape = models.CharField("画面", max_length=12, choices=Shape.choices, default=Shape.VERTICAL)
    what = models.CharField("内容", max_length=12, choices=What.choices, default=What.FOOTAGE)
    sources = models.JSONField("素材（按顺序）", default=list, help_text="稿件素材的编号，按播放顺序")
    fit = models.CharField("画面适配", max_length=8, choices=Fit.choices, default=Fit.CROP)
    crop_x = models.FloatField("裁切位置", default=0.5, help_text="0 最左，0.5 居中，1 最右")
    subtitles = models.TextField("字幕（SRT）", blank=True)
    subtitles_mode = models.CharField("字幕方式", max_length=6, choices=Subtitles.choices, default=Subtitles.BURN)
    music = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              limit_choices_to={"kind": "audio"}, verbose_name="背景音乐")
    use_logo = models.BooleanField("叠加台标", default=False)
    platform = models.CharField("按平台限制检查", max_length=12, blank=True)
    cover_time = models.FloatField("封面时间(秒)", default=0.0)
    cover = models.FileField("封面", upload_to="videos/", blank=True, max_length=300)
    cover_sha256 = models.CharField("封面校验值", max_length=64, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    percent = models.PositiveSmallIntegerField("进度(%)", default=0)
    error = models.CharField("失败原因", max_length=500, blank=True)
    cancel_requested = models.BooleanField("已要求取消", default=False)
    output = models.FileField("视频文件", upload_to="videos/", blank=True, max_length=300)
    sha256 = models.CharField("校验值", max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField("大小", default=0)
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    duration = models.FloatField("时长(秒)", default=0.0)
    srt_file = models.FileField("字幕文件", upload_to="videos/", blank=True, max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="发起人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True,
                                       help_text="运行中的任务不断续约；过期仍未结束即视为工作进程中断")
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "视频版本"
        verbose_name_plural = "视频版本"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["center", "story", "-created_at"], name="videojob_story")]

    def __str__(self) -> str:
        return f"{self.story} · {self.get_shape_display()} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
