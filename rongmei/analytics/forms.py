"""Forms of 传播效果's staff screens: the spreadsheet upload and the transmission index's
weights. They only shape the input; the rules (what a row must hold, weights adding up to
100) live in imports.py and indices.py, so the API and the screens refuse the same things."""

from __future__ import annotations

from django import forms

from rongmei.analytics.imports import KINDS, MAX_BYTES
from rongmei.analytics.models import ImportBatch, Outlet

_KIND_LABELS = dict(ImportBatch.Kind.choices)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="数据类型", choices=[(k.value, _KIND_LABELS[k]) for k in KINDS],
                             error_messages={"required": "请选择数据类型。", "invalid_choice": "请选择内容传播数据或账号粉丝数据。"})
    file = forms.FileField(label="文件（Excel .xlsx 或 CSV）",
                           error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。",
                                           "invalid": "没有收到文件，请重新选择。"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"文件太大：不能超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入。")
        if not upload.name.lower().endswith((".csv", ".xlsx", ".xlsm", ".txt")):
            raise forms.ValidationError("只能上传 Excel 工作簿（.xlsx）或 CSV 文件。旧版 .xls 请先另存为 .xlsx。")
        return upload


class WeightsForm(forms.Form):
    """One integer field per outlet, and the version the form was opened with."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, weights: dict | None = None, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        weights = weights or {}
        for code, label in Outlet.choices:
            self.fields[f"w_{code}"] = forms.CharField(
                label=label, required=False, initial=weights.get(code, 0),
                widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}))
        if version is not None:
            self.fields["version"].initial = version

    def weights(self) -> dict:
        return {code: self.cleaned_data.get(f"w_{code}") for code in Outlet.values}

    def outlet_fields(self):
        return [self[f"w_{code}"] for code in Outlet.values]
