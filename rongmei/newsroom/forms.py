from __future__ import annotations

from decimal import Decimal

from django import forms

from rongmei.core.models import User
from rongmei.core.tenancy import scoped
from rongmei.newsroom.models import Byline, Column, Rendition, Story
from rongmei.newsroom.services.stories import BylineData, StoryData


class StoryForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)
    kicker = forms.CharField(label="引题", max_length=100, required=False)
    headline = forms.CharField(label="主标题", max_length=100, error_messages={"required": "请填写主标题。"})
    subheadline = forms.CharField(label="副标题", max_length=100, required=False)
    summary = forms.CharField(label="摘要", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 14}))
    column = forms.ModelChoiceField(label="栏目", queryset=Column.objects.none(), required=False, empty_label="（未选栏目）")
    tags = forms.CharField(label="标签", required=False, help_text="用空格或逗号分隔，如：防汛 青山镇")
    location = forms.CharField(label="地点", max_length=100, required=False)
    # Not required so that clients posting the older form keep the story's values (blank: unchanged).
    genre = forms.ChoiceField(label="体裁", choices=Story.Genre.choices, required=False, initial=Story.Genre.TEXT,
                              error_messages={"invalid_choice": "请选择体裁。"}, help_text="考核按体裁计分")
    originality = forms.ChoiceField(label="原创属性", choices=Story.Originality.choices, required=False,
                                    initial=Story.Originality.ORIGINAL, error_messages={"invalid_choice": "请选择原创属性。"},
                                    help_text="原创、编辑整合、转载，考核按不同系数计分")
    source = forms.CharField(label="来源", max_length=100, required=False)
    embargo_until = forms.DateTimeField(label="禁发至", required=False,
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                        error_messages={"invalid": "时间格式应为 2026-12-01 09:30。"})
    asset_ids = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        self.fields["column"].queryset = scoped(Column, center).filter(is_active=True)

    def clean_asset_ids(self) -> list[int]:
        raw = self.cleaned_data.get("asset_ids") or ""
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError("素材列表无效，请刷新页面后重试。")

    def to_data(self, bylines: list[BylineData] | None) -> StoryData:
        d = self.cleaned_data
        tags = [t for t in d["tags"].replace("，", ",").replace("、", ",").replace(",", " ").split() if t]
        return StoryData(
            headline=d["headline"], kicker=d["kicker"], subheadline=d["subheadline"], summary=d["summary"],
            body=d["body"], column_id=d["column"].pk if d["column"] else None, tags=tags, location=d["location"],
            source=d["source"], embargo_until=d["embargo_until"], bylines=bylines, asset_ids=d["asset_ids"],
            genre=d.get("genre") or None, originality=d.get("originality") or None,
        )

    @staticmethod
    def initial_for(story: Story) -> dict:
        return {
            "version": story.version, "kicker": story.kicker, "headline": story.headline,
            "subheadline": story.subheadline, "summary": story.summary, "body": story.body, "column": story.column_id,
            "tags": " ".join(story.tags), "location": story.location, "source": story.source,
            "embargo_until": story.embargo_until, "genre": story.genre, "originality": story.originality,
            "asset_ids": ",".join(str(link.asset_id) for link in story.story_assets.all()),
        }


class BylineForm(forms.Form):
    name = forms.CharField(label="署名", max_length=50, required=False)
    role = forms.ChoiceField(label="角色", choices=Byline.Role.choices)
    user = forms.ModelChoiceField(label="本中心人员", queryset=User.objects.none(), required=False, empty_label="（外部/通讯员）")
    share = forms.DecimalField(label="占比%", min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, required=False)

    def __init__(self, *args, center=None, **kwargs):
        super().__init__(*args, **kwargs)
        if center is not None:
            from rongmei.core.selectors import staff

            self.fields["user"].queryset = staff(center)

    def clean(self):
        data = super().clean()
        if not data.get("name") and data.get("user"):
            data["name"] = str(data["user"])
        return data


BylineFormSet = forms.formset_factory(BylineForm, extra=1, max_num=12)


def bylines_from(formset) -> list[BylineData]:
    return [
        BylineData(name=f.cleaned_data["name"], role=f.cleaned_data["role"],
                   user_id=f.cleaned_data["user"].pk if f.cleaned_data.get("user") else None,
                   share=f.cleaned_data.get("share") or Decimal(0))
        for f in formset.forms
        if f.cleaned_data and f.cleaned_data.get("name")
    ]


def byline_initial(story: Story) -> list[dict]:
    return [{"name": b.name, "role": b.role, "user": b.user_id, "share": b.share} for b in story.bylines.all()]


class AssetUploadForm(forms.Form):
    file = forms.FileField(label="文件", error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。"})
    caption = forms.CharField(label="说明", max_length=300, required=False)
    credit = forms.CharField(label="作者/来源", max_length=100, required=False)


class AssetEditForm(forms.Form):
    caption = forms.CharField(label="说明", max_length=300, required=False)
    credit = forms.CharField(label="作者/来源", max_length=100, required=False)


class RenditionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args, rendition: Rendition | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rendition = rendition
