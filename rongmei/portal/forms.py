"""Staff forms for the site: special features, live streams, service entries."""

from __future__ import annotations

from django import forms

from rongmei.core.tenancy import scoped
from rongmei.newsroom.html import clean_body
from rongmei.newsroom.models import Asset, Story
from rongmei.portal import selectors
from rongmei.portal.models import Feature, LiveStream, ServiceEntry


class _Scoped(forms.ModelForm):
    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.center = center
        for name in ("cover", "poster"):
            if name in self.fields:
                self.fields[name].queryset = scoped(Asset, center).filter(kind=Asset.Kind.IMAGE)
                self.fields[name].label_from_instance = lambda a: a.caption or a.original_name

    def validate_unique(self):
        self.instance.center = self.center
        super().validate_unique()

    def _unique_slug(self, model):
        slug = self.cleaned_data.get("slug", "")
        clash = model.objects.filter(center=self.center, slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("这个标识已被使用，请换一个。")
        return slug


class FeatureForm(_Scoped):
    items = forms.ModelMultipleChoiceField(queryset=Story.objects.none(), required=False, label="收录的稿件",
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text="只能选已在本站发布的稿件；按勾选的先后顺序之外，以发布时间从新到旧排列。")

    class Meta:
        model = Feature
        fields = ["title", "slug", "summary", "cover", "order", "is_active"]

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, center=center, **kwargs)
        live_ids = list(selectors.items(center).values_list("story_id", flat=True))
        self.fields["items"].queryset = Story.objects.filter(pk__in=live_ids).order_by("-pk")
        if self.instance.pk:
            self.fields["items"].initial = list(self.instance.items.values_list("story_id", flat=True))

    def clean_slug(self):
        return self._unique_slug(Feature)


class LiveStreamForm(_Scoped):
    class Meta:
        model = LiveStream
        fields = ["title", "summary", "starts_at", "ends_at", "player", "player_url", "poster", "replay_url", "is_active"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "结束时间应晚于开始时间。")
        # player_url / replay_url: the model's validators (rongmei.core.validators) decide.
        return data


class ServiceEntryForm(_Scoped):
    class Meta:
        model = ServiceEntry
        fields = ["category", "name", "slug", "kind", "url", "body", "icon", "description", "order", "is_enabled"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def clean_slug(self):
        return self._unique_slug(ServiceEntry)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        # An external link's address: ServiceEntry's validator and clean() decide (issue 11).
        if kind == ServiceEntry.Kind.PAGE:
            if not (data.get("body") or "").strip():
                self.add_error("body", "站内页面需要填写页面内容。")
            data["url"] = ""
        if data.get("body"):
            data["body"] = clean_body(data["body"])
        return data
