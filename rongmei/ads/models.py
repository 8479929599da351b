"""广告经营: the models. `Client` is shared with events (a sponsor or partner) and live
production (who booked a broadcast): they pick from the same client register."""

from django.conf import settings
from django.db import models

from rongmei.core.models import TenantModel


class Client(TenantModel):
    """A customer of the center's business side: an advertiser, an event's sponsor or
    partner, or the client of a live broadcast."""

    class Kind(models.TextChoices):
        COMPANY = "company", "企业"
        GOVERNMENT = "government", "机关事业单位"
        ORGANISATION = "organisation", "社会组织"
        PERSON = "person", "个人"

    name = models.CharField("客户名称", max_length=100)
    kind = models.CharField("客户类型", max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    contact = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="负责业务员")
    note = models.CharField("备注", max_length=300, blank=True)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # ads 0002: the 已被他人修改 check of the client form

    class Meta:
        verbose_name = "客户"
        verbose_name_plural = "客户"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="ads_client_unique_name")]

    def __str__(self) -> str:
        return self.name


class Slot(TenantModel):
    """广告资源: one thing the center sells by time — a screen, a lamp-post row, a page of
    the paper, a spot in a channel's time slot, the app's splash or a banner. Two bookings
    of one slot never overlap in time (see services.create_booking)."""

    class Kind(models.TextChoices):
        OUTDOOR_SCREEN = "outdoor_screen", "户外大屏"
        LAMP_POST = "lamp_post", "灯杆道旗"
        FLAGPOLE = "flagpole", "旗杆"
        BILLBOARD = "billboard", "广告牌"
        NEWSPAPER = "newspaper", "报纸版面"
        RADIO = "radio", "广播时段"
        TV = "tv", "电视时段"
        APP_SPLASH = "app_splash", "客户端开屏"
        APP_BANNER = "app_banner", "客户端横幅"

    class Unit(models.TextChoices):
        DAY = "day", "天"
        WEEK = "week", "周"
        INSERTION = "insertion", "次"
        SECOND = "second", "秒"

    class Size(models.TextChoices):
        FULL = "full", "整版"
        HALF = "half", "半版"
        QUARTER = "quarter", "1/4 版"
        EIGHTH = "eighth", "1/8 版"
        STRIP = "strip", "通栏"
        CORNER = "corner", "报眼"

    OUTDOOR = (Kind.OUTDOOR_SCREEN, Kind.LAMP_POST, Kind.FLAGPOLE, Kind.BILLBOARD)
    BROADCAST = (Kind.RADIO, Kind.TV)

    name = models.CharField("资源名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    address = models.CharField("位置", max_length=200, blank=True, help_text="户外资源的地点，如：城关镇人民路与解放路口")
    township = models.CharField("所在乡镇", max_length=50, blank=True)
    page = models.CharField("版面", max_length=30, blank=True, help_text="报纸：如 第 4 版")
    size = models.CharField("规格", max_length=20, choices=Size.choices, blank=True)
    channel = models.CharField("频道", max_length=50, blank=True, help_text="广播电视：如 县电视台综合频道")
    time_slot = models.CharField("时段", max_length=50, blank=True, help_text="如：19:00 新闻前")
    seconds = models.PositiveIntegerField("时长（秒）", null=True, blank=True)
    unit = models.CharField("计价单位", max_length=20, choices=Unit.choices, default=Unit.DAY)
    list_price = models.DecimalField("刊例价（元）", max_digits=12, decimal_places=2)
    is_active = models.BooleanField("在售", default=True)
    note = models.CharField("备注", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "广告资源"
        verbose_name_plural = "广告资源"
        ordering = ("kind", "name",)
        constraints = (
            models.UniqueConstraint(fields=["center", "name"], name="ads_slot_unique_name"),
            models.CheckConstraint(condition=models.Q(list_price__gte=0), name="ads_slot_price_not_negative"),
        )

    def __str__(self) -> str:
        return self.name

    @property
    def where(self) -> str:
        """The place or position in one line: 位置 / 版面·规格 / 频道·时段."""
        if self.kind in (self.Kind.NEWSPAPER,):
            return " · ".join(x for x in (self.page, self.get_size_display()) if x)
        if self.kind in self.BROADCAST:
            secs = f"{self.seconds} 秒" if self.seconds else ""
            return " · ".join(x for x in (self.channel, self.time_slot, secs) if x)
        return " · ".join(x for x in (self.township, self.address) if x)


class Contract(TenantModel):
    """A signed (or drafted) advertising contract with one client. Its bookings' total may
    not exceed `amount`; its payments may not exceed it either."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SIGNED = "signed", "已签订"
        FINISHED = "finished", "已履行完毕"
        CANCELLED = "cancelled", "已作废"

    BOOKABLE = (Status.DRAFT, Status.SIGNED)

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contracts", verbose_name="客户")
    number = models.CharField("合同编号", max_length=40)
    title = models.CharField("合同名称", max_length=120)
    amount = models.DecimalField("合同金额（元）", max_digits=12, decimal_places=2)
    discount = models.DecimalField("折扣", max_digits=4, decimal_places=3, default=1,
                                   help_text="按刊例价的比例，如 0.85 表示八五折；1 为不打折")
    start = models.DateField("起始日期")
    end = models.DateField("截止日期")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="业务员")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "广告合同"
        verbose_name_plural = "广告合同"
        ordering = ("-start", "-pk",)
        constraints = (
            models.UniqueConstraint(fields=["center", "number"], name="ads_contract_unique_number"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="ads_contract_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(discount__gt=0) & models.Q(discount__lte=1),
                                   name="ads_contract_discount_range"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="ads_contract_period"),
        )
        indexes = (models.Index(fields=["center", "status", "start"]),)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ContractFile(models.Model):
    """A scan of the signed contract, an annex, the client's licence …"""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="files", verbose_name="合同")
    file = models.FileField("文件", upload_to="ads/%Y/%m/", max_length=300)
    name = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "合同文件"
        verbose_name_plural = "合同文件"
        ordering = ("uploaded_at", "pk",)


class Booking(TenantModel):
    """排期: one slot for a date range under a contract, with the ad's content. The price is
    the list price × units × the contract's discount, fixed when booked. Bookings that are
    not cancelled hold the slot: no two of them overlap (start..end, both days included)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审查"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "已通过"
        CANCELLED = "cancelled", "已取消"

    HOLDING = (Status.PENDING, Status.RETURNED, Status.APPROVED)

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="bookings", verbose_name="合同")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name="广告资源")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    quantity = models.PositiveIntegerField("次数", default=1, help_text="按次、按秒计价的资源：播出或刊登的总次数")
    units = models.DecimalField("计价数量", max_digits=12, decimal_places=2)
    list_price = models.DecimalField("刊例价（元）", max_digits=12, decimal_places=2)
    discount = models.DecimalField("折扣", max_digits=4, decimal_places=3)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    title = models.CharField("广告标题", max_length=100)
    text = models.TextField("广告文案", blank=True)
    media = models.FileField("画面或视频", upload_to="ads/%Y/%m/", max_length=300, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    findings = models.JSONField("审查发现", default=list, blank=True)
    review_note = models.CharField("审查意见", max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="审查人")
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="预订人")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "广告排期"
        verbose_name_plural = "广告排期"
        ordering = ("-start", "-pk",)
        constraints = (
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="ads_booking_period"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="ads_booking_amount_not_negative"),
        )
        indexes = (models.Index(fields=["slot", "start", "end"]), models.Index(fields=["center", "status"]),)

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Proof(models.Model):
    """刊播证明: a photo, screenshot or PDF showing the ad ran on one day."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="proofs", verbose_name="排期")
    run_on = models.DateField("刊播日期")
    file = models.FileField("证明文件", upload_to="ads/%Y/%m/", max_length=300)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="登记人")
    uploaded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "刊播证明"
        verbose_name_plural = "刊播证明"
        ordering = ("-run_on", "-pk",)
        constraints = (models.UniqueConstraint(fields=["booking", "run_on"], name="ads_proof_one_per_day"),)


class Payment(TenantModel):
    """回款: money received against a contract."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", "银行转账"
        CASH = "cash", "现金"
        CHEQUE = "cheque", "支票"
        ONLINE = "online", "扫码支付"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments", verbose_name="合同")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    paid_on = models.DateField("到账日期")
    method = models.CharField("方式", max_length=20, choices=Method.choices, default=Method.TRANSFER)
    receipt_no = models.CharField("收据号", max_length=40, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="登记人")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "回款"
        verbose_name_plural = "回款"
        ordering = ("-paid_on", "-pk",)
        constraints = (models.CheckConstraint(condition=models.Q(amount__gt=0), name="ads_payment_positive"),)
