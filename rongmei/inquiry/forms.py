"""The citizen's forms on the public site (网络问政): asking, looking up a case by its code,
answering a question, rating the answer.

The rules about what a case must contain live in `services` (one place, also used by the
Open311 API): these forms only turn the posted strings into values, keep what was typed
for a re-render, and carry the services' Chinese messages back to the right field."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from rongmei.inquiry import services
from rongmei.inquiry.models import Kind

MAX_FILES = services.MAX_IMAGES + services.MAX_VIDEOS
CODE = re.compile(r"^WZ[2-9A-HJ-NP-Z]{8}$")


def normalize_code(value: str) -> str:
    """ " wz ab12-cd34 " → "WZAB12CD34": lower case, spaces and dashes are forgiven."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()[:16]


class TelInput(forms.TextInput):
    input_type = "tel"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [f for f in files if f]


class PublicForm(forms.Form):
    """Error wiring for screen readers: a field with an error gets aria-invalid and
    aria-describedby pointing at its message (and its hint), and the first one autofocus."""

    hints: dict[str, str] = {}
    error_summary_id = "wz-errors"

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put a ValidationError from `services` on the fields it names."""
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, exc.messages)

    def describe(self) -> None:
        """Set the aria attributes; call after validation, before rendering."""
        first = True
        for name, field in self.fields.items():
            ids = []
            if name in self.hints:
                ids.append(f"{name}-hint")
            if self.errors.get(name):
                ids.insert(0, f"{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
                if first:
                    field.widget.attrs["autofocus"] = True
                    first = False
            if ids and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["aria-describedby"] = " ".join(ids)
        self.focus_summary = bool(self.non_field_errors()) and first


class AskForm(PublicForm):
    """我要问政. Field names follow `services.Submission`."""

    kind = forms.ChoiceField(label="类型", choices=Kind.choices, required=False,
                             widget=forms.RadioSelect(attrs={"required": True}),
                             error_messages={"invalid_choice": "请选择类型：咨询、建议、投诉、求助或爆料。"})
    title = forms.CharField(label="标题", required=False, strip=True,
                            widget=forms.TextInput(attrs={"maxlength": 60, "minlength": 4, "required": True,
                                                          "autocomplete": "off", "placeholder": "一句话说明是什么事"}))
    text = forms.CharField(label="内容", required=False, strip=True,
                           widget=forms.Textarea(attrs={"maxlength": 2000, "minlength": 10, "required": True,
                                                        "rows": 7, "placeholder": "请写清楚时间、地点和具体情况"}))
    address = forms.CharField(label="地点", required=False, strip=True,
                              widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "street-address",
                                                            "placeholder": "如：城关镇人民路 12 号附近"}))
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    files = MultipleFileField(label="照片或视频", required=False,
                              widget=MultipleFileInput(attrs={"accept": "image/*,video/mp4"}))
    phone = forms.CharField(label="联系电话", required=False, strip=True,
                            widget=TelInput(attrs={"inputmode": "tel", "maxlength": 20, "required": True,
                                                   "autocomplete": "tel"}))
    name = forms.CharField(label="称呼", required=False, strip=True,
                           widget=forms.TextInput(attrs={"maxlength": 30, "autocomplete": "name",
                                                         "placeholder": "如：王女士"}))
    show_name = forms.BooleanField(label="公开时显示我的称呼", required=False)
    sms_opt_out = forms.BooleanField(label="不接收短信（受理、答复、办结时的短信通知）", required=False)
    emergency = forms.BooleanField(label="紧急（涉及人身安全等）", required=False)
    # The trap for robots: hidden from people (and screen readers), filled by form fillers.
    website = forms.CharField(label="网址（请勿填写）", required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    hints = {
        "title": "4 到 60 个字。",
        "text": "10 到 2000 字。",
        "files": f"最多 {services.MAX_IMAGES} 张照片（每张不超过 {services.IMAGE_BYTES // 1024 // 1024} MB）"
                 f"和 {services.MAX_VIDEOS} 段 mp4 短视频（不超过 {services.VIDEO_BYTES // 1024 // 1024} MB），可不传。",
        "phone": "只用于工作人员回访核实，绝不公开。",
        "name": "可不填。不勾选下面一项时，公开显示为“网友”。",
    }

    def _coordinate(self, name: str) -> float | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        try:
            return round(float(value), 6)
        except ValueError:
            raise ValidationError("地图位置不对，请重新获取。") from None

    def clean_lat(self):
        return self._coordinate("lat")

    def clean_lng(self):
        return self._coordinate("lng")

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise ValidationError(f"最多上传 {services.MAX_IMAGES} 张照片和 {services.MAX_VIDEOS} 段视频，"
                                  f"现在选了 {len(files)} 个文件。")
        return files

    @property
    def is_trapped(self) -> bool:
        """The honeypot was filled: a robot."""
        return bool((self.data.get("website") or "").strip())

    def submission(self, *, client: str) -> services.Submission:
        data = self.cleaned_data
        return services.Submission(
            kind=data.get("kind") or "", title=data.get("title") or "", text=data.get("text") or "",
            phone=data.get("phone") or "", name=data.get("name") or "", show_name=bool(data.get("show_name")),
            address=data.get("address") or "", lat=data.get("lat"), lng=data.get("lng"),
            emergency=bool(data.get("emergency")), source="web", files=list(data.get("files") or []), client=client,
            sms_opt_out=bool(data.get("sms_opt_out")))


class TrackForm(PublicForm):
    code = forms.CharField(label="查询码", required=False,
                           widget=forms.TextInput(attrs={"maxlength": 20, "required": True, "autocomplete": "off",
                                                         "autocapitalize": "characters",
                                                         "spellcheck": "false", "placeholder": "WZ 开头的 10 位查询码"}))

    def clean_code(self):
        code = normalize_code(self.cleaned_data.get("code"))
        if not code:
            raise ValidationError("请输入查询码。")
        if not CODE.match(code):
            raise ValidationError("查询码是 WZ 开头的 10 位字母和数字，请核对。")
        return code


class SupplementForm(PublicForm):
    text = forms.CharField(label="补充内容", required=False, strip=True,
                           widget=forms.Textarea(attrs={"maxlength": 1000, "minlength": 5, "required": True, "rows": 5}))
    phone_tail = forms.CharField(label="您留的电话后四位", required=False, strip=True,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}",
                                                               "required": True, "autocomplete": "off"}))
    hints = {"text": "5 到 1000 字。补充后办理时限恢复计算。", "phone_tail": "核对身份用：提交时所留电话的最后四位。"}


class RateForm(PublicForm):
    rating = forms.ChoiceField(label="您对答复是否满意", required=False,
                               widget=forms.RadioSelect(attrs={"required": True}), choices=list(services.RATINGS.items()),
                               error_messages={"invalid_choice": "请选择满意、基本满意或不满意。"})
    comment = forms.CharField(label="评价意见", required=False, strip=True,
                              widget=forms.Textarea(attrs={"maxlength": 300, "rows": 3}))
    phone_tail = forms.CharField(label="您留的电话后四位", required=False, strip=True,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}",
                                                               "required": True, "autocomplete": "off"}))
    hints = {"comment": "可不填，最多 300 字。选“不满意”时请写明原因，将转回部门重新办理。",
             "phone_tail": "核对身份用：提交时所留电话的最后四位。"}


class OptOutForm(PublicForm):
    """退订: no more SMS about this case (the last four digits prove it is the citizen)."""

    phone_tail = forms.CharField(label="您留的电话后四位", required=False, strip=True,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4, "pattern": "[0-9]{4}",
                                                               "required": True, "autocomplete": "off"}))
    hints = {"phone_tail": "核对身份用：提交时所留电话的最后四位。退订后本件不再发短信。"}
