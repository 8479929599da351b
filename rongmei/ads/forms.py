"""Forms of the 广告经营 screens: they only read what was typed (types, required fields);
every rule is the services' (so the API and the screens refuse the same things)."""

from __future__ import annotations

from django import forms

from rongmei.ads.models import Booking, Client, Contract, Payment, Slot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REQUIRED = {"required": "请填写此项。", "invalid": "格式不对。"}


def _money(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=0,
                              error_messages={"required": f"请填写{label}。", "invalid": f"{label}应为数字。",
                                              "min_value": f"{label}不能为负数。",
                                              "max_digits": f"{label}太大。", "max_decimal_places": f"{label}最多两位小数。",
                                              "max_whole_digits": f"{label}太大。"}, **kwargs)


class SlotForm(forms.Form):
    name = forms.CharField(label="资源名称", max_length=100, error_messages={"required": "请填写资源名称。"})
    kind = forms.ChoiceField(label="类型", choices=Slot.Kind.choices, error_messages={"required": "请选择类型。"})
    address = forms.CharField(label="位置", max_length=200, required=False, help_text="户外资源必填，如：城关镇人民路与解放路口")
    township = forms.CharField(label="所在乡镇", max_length=50, required=False)
    page = forms.CharField(label="版面", max_length=30, required=False, help_text="报纸必填，如：第 4 版")
    size = forms.ChoiceField(label="规格", choices=[("", "—")] + list(Slot.Size.choices), required=False)
    channel = forms.CharField(label="频道", max_length=50, required=False, help_text="广播电视必填")
    time_slot = forms.CharField(label="时段", max_length=50, required=False, help_text="如：19:00 新闻前")
    seconds = forms.IntegerField(label="时长（秒）", min_value=1, max_value=3600, required=False)
    unit = forms.ChoiceField(label="计价单位", choices=Slot.Unit.choices)
    list_price = _money("刊例价（元）")
    is_active = forms.BooleanField(label="在售", required=False, initial=True)
    note = forms.CharField(label="备注", max_length=300, required=False)


class ClientForm(forms.Form):
    name = forms.CharField(label="客户名称", max_length=100, error_messages={"required": "请填写客户名称。"})
    kind = forms.ChoiceField(label="客户类型", choices=Client.Kind.choices)
    contact = forms.CharField(label="联系人", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    salesperson = forms.ModelChoiceField(label="负责业务员", queryset=None, required=False,
                                         error_messages={"invalid_choice": "请选择本中心的业务员。"})
    note = forms.CharField(label="备注", max_length=300, required=False)
    is_active = forms.BooleanField(label="有效", required=False, initial=True)

    def __init__(self, *args, sellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = sellers
        self.fields["salesperson"].label_from_instance = str


class ContractForm(forms.Form):
    client = forms.ModelChoiceField(label="客户", queryset=None, error_messages={
        "required": "请选择客户。", "invalid_choice": "请选择本中心的客户。"})
    number = forms.CharField(label="合同编号", max_length=40, error_messages={"required": "请填写合同编号。"})
    title = forms.CharField(label="合同名称", max_length=120, error_messages={"required": "请填写合同名称。"})
    amount = _money("合同金额（元）")
    discount = forms.DecimalField(label="折扣", max_digits=4, decimal_places=3, initial=1,
                                  help_text="按刊例价的比例：0.85 表示八五折，1 为不打折",
                                  error_messages={"required": "请填写折扣。", "invalid": "折扣应为 0 到 1 之间的数。",
                                                  "max_digits": "折扣应为 0 到 1 之间的数。",
                                                  "max_decimal_places": "折扣最多三位小数。",
                                                  "max_whole_digits": "折扣应为 0 到 1 之间的数。"})
    start = forms.DateField(label="起始日期", widget=DATE, error_messages={"required": "请填写起始日期。", "invalid": "日期格式应为 2026-12-01。"})
    end = forms.DateField(label="截止日期", widget=DATE, error_messages={"required": "请填写截止日期。", "invalid": "日期格式应为 2026-12-01。"})
    salesperson = forms.ModelChoiceField(label="业务员", queryset=None, required=False,
                                         error_messages={"invalid_choice": "请选择本中心的业务员。"})
    status = forms.ChoiceField(label="状态", choices=[(Contract.Status.DRAFT, "草稿"), (Contract.Status.SIGNED, "已签订")])
    signed_on = forms.DateField(label="签订日期", widget=DATE, required=False,
                                error_messages={"invalid": "日期格式应为 2026-12-01。"})
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, clients=None, sellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["salesperson"].queryset = sellers
        self.fields["salesperson"].label_from_instance = str


class BookingForm(forms.Form):
    slot = forms.ModelChoiceField(label="广告资源", queryset=None, error_messages={
        "required": "请选择广告资源。", "invalid_choice": "请选择本中心在售的广告资源。"})
    start = forms.DateField(label="开始日期", widget=DATE, error_messages={"required": "请填写开始日期。", "invalid": "日期格式应为 2026-12-01。"})
    end = forms.DateField(label="结束日期", widget=DATE, error_messages={"required": "请填写结束日期。", "invalid": "日期格式应为 2026-12-01。"})
    quantity = forms.IntegerField(label="次数", min_value=1, max_value=100000, initial=1,
                                  help_text="按次、按秒计价的资源填播出或刊登的总次数；按天、按周计价的填 1",
                                  error_messages={"required": "请填写次数。", "invalid": "次数应为整数。",
                                                  "min_value": "次数至少为 1。", "max_value": "次数太大。"})
    title = forms.CharField(label="广告标题", max_length=100, error_messages={"required": "请填写广告标题。"})
    text = forms.CharField(label="广告文案", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    media = forms.FileField(label="画面或视频", required=False, help_text="jpg、png、webp、gif、pdf 或 mp4")

    def __init__(self, *args, slots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["slot"].label_from_instance = lambda s: f"{s.name}（{s.get_kind_display()}，{s.list_price} 元/{s.get_unit_display()}）"


class ContentForm(forms.Form):
    title = forms.CharField(label="广告标题", max_length=100, error_messages={"required": "请填写广告标题。"})
    text = forms.CharField(label="广告文案", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    media = forms.FileField(label="更换画面或视频", required=False)


class ProofForm(forms.Form):
    run_on = forms.DateField(label="刊播日期", widget=DATE, error_messages={"required": "请填写刊播日期。", "invalid": "日期格式应为 2026-12-01。"})
    file = forms.FileField(label="照片、截图或 PDF", error_messages={"required": "请上传照片、截图或 PDF。"})
    note = forms.CharField(label="说明", max_length=200, required=False)


class PaymentForm(forms.Form):
    amount = _money("回款金额（元）")
    paid_on = forms.DateField(label="到账日期", widget=DATE, error_messages={"required": "请填写到账日期。", "invalid": "日期格式应为 2026-12-01。"})
    method = forms.ChoiceField(label="方式", choices=Payment.Method.choices)
    receipt_no = forms.CharField(label="收据号", max_length=40, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)


class FileForm(forms.Form):
    file = forms.FileField(label="合同文件", help_text="pdf、图片、docx 或 xlsx", error_messages={"required": "请选择文件。"})


BOOKING_STATUS = [("", "全部")] + list(Booking.Status.choices)
