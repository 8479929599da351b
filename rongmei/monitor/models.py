"""舆情监测: sources the center watches, the items fetched from them, what the pipeline made
of each item (reposts grouped, topics matched, tone, keywords, hot topic), alerts and their
handling, and the daily and weekly reports for leaders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rongmei.core.models import TenantModel


class Source(TenantModel):
    """A place the center watches: a feed, a web list page, a bought data feed (JSON), the
    comments under its own WeChat articles and Weibo posts, or its own 问政 cases."""

    class Kind(models.TextChoices):
        RSS = "rss", "RSS/Atom 订阅"
        WEB = "web", "网页列表"
        JSON = "json", "JSON 数据接口"
        WECHAT_COMMENTS = "wechat_comments", "本中心微信文章留言"
        WEIBO_COMMENTS = "weibo_comments", "本中心微博评论"
        INQUIRY = "inquiry", "本中心网络问政"

    class Level(models.IntegerChoices):
        # The weight an item carries into heat scores and alerts: central media count most.
        CENTRAL = 100, "中央媒体"
        PROVINCIAL = 70, "省级媒体"
        LOCAL = 50, "地市及本地媒体"
        FORUM = 30, "论坛、自媒体"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    url = models.CharField("地址", max_length=500, blank=True, help_text="订阅、网页列表或接口的网址（http/https）")
    # Per kind: web {"link_selector": "ul.news a", "max_links": 20}; json {"items": "data.list",
    # "title": "title", "text": "content", "url": "link", "published": "pubtime", "id": "id",
    # "author": "source"}; comments {"account": <distribution account id>}; inquiry {}.
    config = models.JSONField("配置", default=dict, blank=True)
    level = models.IntegerField("来源级别", choices=Level.choices, default=Level.LOCAL)
    region = models.CharField("地域", max_length=50, blank=True, help_text="如 本县、本市、省内、全国")
    interval_minutes = models.PositiveIntegerField("抓取间隔（分钟）", default=30)
    enabled = models.BooleanField("启用", default=True)

    # Conditional GET: what the server said last time.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # Comment and inquiry sources: how far the last run read (a cursor, a time, an id).
    cursor = models.JSONField(default=dict, blank=True)

    next_fetch_at = models.DateTimeField("下次抓取", default=timezone.now, db_index=True)
    last_fetched_at = models.DateTimeField("上次抓取", null=True, blank=True)
    last_success_at = models.DateTimeField("上次成功", null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField("连续失败次数", default=0)
    total_failures = models.PositiveIntegerField("累计失败次数", default=0)
    failing_since = models.DateTimeField("开始失败时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    last_error_at = models.DateTimeField("最近错误时间", null=True, blank=True)
    items_total = models.PositiveIntegerField("累计新条目", default=0)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("添加时间", default=timezone.now)

    class Meta:
        verbose_name = "监测源"
        verbose_name_plural = "监测源"
        ordering = ["-level", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="monitor_source_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def failing_a_day(self) -> bool:
        """Flagged on the sources screen: nothing but failures for 24 hours or more."""
        return self.failing_since is not None and timezone.now() - self.failing_since >= timezone.timedelta(days=1)


class FetchRun(TenantModel):
    """One fetch of one source: what it found, or why it failed."""

    class Outcome(models.TextChoices):
        OK = "ok", "成功"
        NOT_MODIFIED = "not_modified", "无更新（304）"
        ERROR = "error", "失败"
        SKIPPED = "skipped", "跳过（robots.txt 不允许）"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs", verbose_name="监测源")
    started_at = models.DateTimeField("开始", default=timezone.now, db_index=True)
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, default=Outcome.OK)
    http_status = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    found = models.PositiveIntegerField("读到", default=0)
    new = models.PositiveIntegerField("新增", default=0)
    duplicates = models.PositiveIntegerField("重复", default=0)
    skipped = models.PositiveIntegerField("跳过（格式有误）", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    # Per-item problems (a broken entry, a page that would not extract): [{"url", "error"}].
    item_errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "抓取记录"
        verbose_name_plural = "抓取记录"
        ordering = ["-started_at", "-id"]


class Topic(TenantModel):
    """监测方案: what the center watches for, as a boolean expression over terms."""

    class Category(models.TextChoices):
        COUNTY = "county", "本县及地名"
        LEADER = "leader", "领导干部"
        ENTERPRISE = "enterprise", "重点企业"
        ISSUE = "issue", "民生热点问题"
        OTHER = "other", "其他"

    name = models.CharField("方案名称", max_length=50)
    category = models.CharField("类别", max_length=20, choices=Category.choices, default=Category.OTHER)
    # See monitor/rules.py for the language: 奉化 & (积水 | 内涝) & !演练, NEAR(奉化, 积水, 20).
    expression = models.TextField("匹配表达式")
    watched = models.BooleanField("重点关注", default=True, help_text="负面信息命中时预警")
    enabled = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "监测方案"
        verbose_name_plural = "监测方案"
        ordering = ["category", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="monitor_topic_unique_name")]

    def __str__(self) -> str:
        return self.name


class ItemGroup(TenantModel):
    """转载组: one story and its reposts and lightly edited copies."""

    title = models.CharField("标题", max_length=300)
    size = models.PositiveIntegerField("条数", default=1)
    first_seen = models.DateTimeField("首次出现", default=timezone.now, db_index=True)
    last_seen = models.DateTimeField("最近出现", default=timezone.now)

    class Meta:
        verbose_name = "转载组"
        verbose_name_plural = "转载组"
        ordering = ["-last_seen", "-id"]


class HotTopic(TenantModel):
    """热点话题: items clustered by their keywords within a time window."""

    title = models.CharField("话题", max_length=300)
    keywords = models.JSONField("关键词", default=list)  # [[word, weight], ...], top first
    centroid = models.JSONField(default=dict)  # {word: weight}, the cluster's centre (sparse)
    item_count = models.PositiveIntegerField("条数", default=0)
    negative_count = models.PositiveIntegerField("负面条数", default=0)
    source_count = models.PositiveIntegerField("来源数", default=0)
    heat = models.FloatField("热度", default=0.0, db_index=True)
    first_seen = models.DateTimeField("首次出现", default=timezone.now)
    last_seen = models.DateTimeField("最近出现", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "热点话题"
        verbose_name_plural = "热点话题"
        ordering = ["-heat", "-id"]

    def __str__(self) -> str:
        return self.title


class Item(TenantModel):
    """One thing said somewhere: an article, a post, a comment, a 问政 case."""

    class Tone(models.TextChoices):
        POSITIVE = "positive", "正面"
        NEUTRAL = "neutral", "中性"
        NEGATIVE = "negative", "负面"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="items", verbose_name="监测源")
    external_id = models.CharField("来源编号", max_length=200, blank=True)
    url = models.CharField("网址", max_length=1000, blank=True)  # canonical form (monitor/normalise.py)
    # Looked up by the center and the hash through monitor_item_unique_url (below); an index
    # of its own would be one more random-keyed B-tree for every insert to write.
    url_hash = models.CharField(max_length=40, blank=True)
    content_hash = models.CharField(max_length=40, db_index=True)
    title = models.CharField("标题", max_length=300)
    text = models.TextField("正文", blank=True)
    author = models.CharField("作者", max_length=100, blank=True)
    published_at = models.DateTimeField("发布时间", db_index=True)
    fetched_at = models.DateTimeField("抓取时间", default=timezone.now, db_index=True)
    level = models.IntegerField("来源级别", choices=Source.Level.choices, default=Source.Level.LOCAL)
    region = models.CharField("地域", max_length=50, blank=True)

    group = models.ForeignKey(ItemGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="items", verbose_name="转载组")
    is_repost = models.BooleanField("转载", default=False, help_text="同组中较早的一条之后出现的转载或改写")
    signature = models.BinaryField(null=True, blank=True)  # the near-duplicate fingerprint (dedupe.py)

    tone = models.CharField("倾向", max_length=10, choices=Tone.choices, default=Tone.NEUTRAL, db_index=True)
    tone_score = models.FloatField("倾向分", default=0.0)  # -1 most negative .. +1 most positive
    keywords = models.JSONField("关键词", default=list, blank=True)  # [[word, weight], ...]
    topics = models.ManyToManyField(Topic, through="Match", related_name="items", blank=True, verbose_name="命中方案")
    hot_topic = models.ForeignKey(HotTopic, null=True, blank=True, on_delete=models.SET_NULL, related_name="items", verbose_name="热点话题")
    lead = models.ForeignKey("planning.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="已转线索")
    # When the item went into the full-text index (search.py); None until then. The ingest
    # commits items unindexed and a follow-up task indexes them; the minute sweep finds any
    # whose task was lost through the partial index below (it holds only unindexed items).
    indexed_at = models.DateTimeField("检索索引时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "舆情信息"
        verbose_name_plural = "舆情信息"
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["center", "-published_at"], name="monitor_item_center_pub"),
            models.Index(fields=["id"], condition=models.Q(indexed_at__isnull=True), name="monitor_item_unindexed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["center", "url_hash"], condition=~models.Q(url_hash=""), name="monitor_item_unique_url"),
            models.UniqueConstraint(fields=["center", "source", "external_id"], condition=~models.Q(external_id=""),
                                    name="monitor_item_unique_external"),
        ]

    def __str__(self) -> str:
        return self.title


class Match(TenantModel):
    """An item matched a topic: the terms that matched and the passage around them."""

    # No index of its own: monitor_match_unique (item, topic) serves the lookups by item.
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="matches", db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="matches")
    terms = models.JSONField("命中词", default=list)
    snippet = models.CharField("摘录", max_length=300, blank=True)

    class Meta:
        verbose_name = "方案命中"
        verbose_name_plural = "方案命中"
        constraints = [models.UniqueConstraint(fields=["item", "topic"], name="monitor_match_unique")]


class RobotHook(TenantModel):
    """A desk's group robot (WeCom, DingTalk, Feishu) that alerts and reports are posted to."""

    class Kind(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        FEISHU = "feishu", "飞书群机器人"

    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    url = models.CharField("Webhook 地址", max_length=500)
    secret = models.TextField("加签密钥", blank=True, help_text="钉钉、飞书“加签”安全设置的密钥；加密保存，不会再显示")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AlertRule(TenantModel):
    """预警规则: when an alert is raised and where it goes."""

    class Kind(models.TextChoices):
        NEGATIVE = "negative", "重点方案出现负面信息"
        BURST = "burst", "信息量突增"
        HEAVY_SOURCE = "heavy_source", "高级别来源报道"

    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    topics = models.ManyToManyField(Topic, blank=True, related_name="alert_rules", verbose_name="适用方案",
                                    help_text="不选则适用于全部重点关注方案")
    # negative: the tone score at or below which an item counts (e.g. -0.3);
    # burst: items in `window_minutes` over `factor` × the usual for that window, at least `min_items`;
    # heavy_source: items from sources at this level or above.
    threshold = models.FloatField("阈值", default=0.0)
    factor = models.FloatField("倍数", default=3.0)
    min_items = models.PositiveIntegerField("最少条数", default=5)
    window_minutes = models.PositiveIntegerField("统计窗口（分钟）", default=60)
    min_level = models.IntegerField("最低来源级别", choices=Source.Level.choices, default=Source.Level.PROVINCIAL)
    # Where it goes: the analysts' bell always; email addresses and robots as chosen.
    notify_in_app = models.BooleanField("站内通知", default=True)
    emails = models.TextField("邮件接收人", blank=True, help_text="每行一个邮箱")
    robots = models.ManyToManyField(RobotHook, blank=True, related_name="rules", verbose_name="群机器人")
    fold_hours = models.PositiveIntegerField("合并时间（小时）", default=24, help_text="同一事件在此时间内的再次预警并入原预警")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Alert(TenantModel):
    """预警: one event worth a person's attention, with its handling (舆情处置)."""

    class Status(models.TextChoices):
        NEW = "new", "待确认"
        ACKNOWLEDGED = "acknowledged", "已确认"
        HANDLING = "handling", "处置中"
        CLOSED = "closed", "已办结"

    class Severity(models.IntegerChoices):
        NORMAL = 1, "一般"
        SERIOUS = 2, "较重"
        URGENT = 3, "紧急"

    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", verbose_name="规则")
    kind = models.CharField("类型", max_length=20, choices=AlertRule.Kind.choices)
    # Repeated alerts about one event fold into one: the same rule and key (a repost group,
    # a hot topic, a topic's burst) within the rule's fold time.
    fold_key = models.CharField(max_length=100, db_index=True)
    # "<rule id>|<fold_key>" while this alert is the one repeats fold into; null once closed or
    # replaced. Unique per center: two ingests raising one event at once end in one alert
    # (the loser of the insert folds into the winner; see monitor/alerts.py).
    open_key = models.CharField(max_length=150, null=True, blank=True, editable=False)
    title = models.CharField("标题", max_length=300)
    summary = models.TextField("摘要", blank=True)
    severity = models.PositiveSmallIntegerField("级别", choices=Severity.choices, default=Severity.NORMAL)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", verbose_name="方案")
    items = models.ManyToManyField(Item, blank=True, related_name="alerts", verbose_name="相关信息")
    item_count = models.PositiveIntegerField("相关条数", default=0)
    times_raised = models.PositiveIntegerField("触发次数", default=1)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="处置人")
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField("处置结果", blank=True)
    created_at = models.DateTimeField("首次预警", default=timezone.now, db_index=True)
    last_raised_at = models.DateTimeField("最近触发", default=timezone.now)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-last_raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["center", "open_key"], name="monitor_alert_unique_open_key")]

    def __str__(self) -> str:
        return self.title


class AlertNote(TenantModel):
    """A line in an alert's handling record: a note, or what changed (assigned, closed…)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("动作", max_length=30, blank=True)  # "", acknowledge, assign, close, reopen, lead
    text = models.TextField("内容", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"
        ordering = ["created_at", "id"]


class AlertDelivery(TenantModel):
    """One alert sent to one place (an email address, a robot), with the outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "失败"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=20)  # email, wecom, dingtalk, feishu
    target = models.CharField("接收方", max_length=300)
    robot = models.ForeignKey(RobotHook, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "预警发送"
        verbose_name_plural = "预警发送"
        ordering = ["-created_at", "-id"]


class Report(TenantModel):
    """舆情日报 / 一周舆情热点摘要: generated, edited by the analyst, then sent."""

    class Kind(models.TextChoices):
        DAILY = "daily", "舆情日报"
        WEEKLY = "weekly", "一周舆情热点摘要"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SENT = "sent", "已发送"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    title = models.CharField("标题", max_length=200)
    # Editable sections: [{"heading": str, "text": str}], plus the figures the report was
    # generated from (counts, tone split, top items) kept as they were at generation.
    sections = models.JSONField("正文", default=list)
    figures = models.JSONField(default=dict)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    recipients = models.TextField("接收人", blank=True, help_text="每行一个邮箱")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    updated_at = models.DateTimeField("修改时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "舆情报告"
        verbose_name_plural = "舆情报告"
        ordering = ["-period_end", "-id"]
        constraints = [models.UniqueConstraint(fields=["center", "kind", "period_start"], name="monitor_report_unique_period")]

    def __str__(self) -> str:
        return self.title


class Settings(TenantModel):
    """The center's monitoring settings (one row per center)."""

    county_words = models.TextField(
        "本地词典", blank=True,
        help_text="本县地名、机构、领导姓名、企业名，每行一个，分词时保持完整（如 青山镇、县住建局）",
    )
    report_recipients = models.TextField("报告接收人", blank=True, help_text="每行一个邮箱")
    daily_report_hour = models.PositiveSmallIntegerField("日报生成时间（时）", default=8)
    weekly_report_weekday = models.PositiveSmallIntegerField("周报生成日（1=周一）", default=1)
    send_reports = models.BooleanField("自动发送报告", default=False, help_text="生成后不经编辑直接发送给接收人")
    cluster_window_hours = models.PositiveIntegerField("热点聚类窗口（小时）", default=72)
    cluster_threshold = models.FloatField("热点聚类相似度", default=0.35)

    class Meta:
        verbose_name = "舆情设置"
        verbose_name_plural = "舆情设置"
        constraints = [models.UniqueConstraint(fields=["center"], name="monitor_settings_one_per_center")]
