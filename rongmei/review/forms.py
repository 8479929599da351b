from django import forms

from rongmei.review.models import CheckList


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="词表", choices=CheckList.Kind.choices)
    file = forms.FileField(label="文件（CSV 或文本，UTF-8 或 GB18030）", required=False)
    text = forms.CharField(label="或直接粘贴内容", required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def clean(self):
        data = super().clean()
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("请选择文件或粘贴内容。")
        return data

    def payload(self) -> bytes | str:
        upload = self.cleaned_data.get("file")
        return upload.read() if upload else self.cleaned_data["text"]
