"""Fixtures of the sharing tests: the province tree of the demo (sheng → shi → demo, linxian),
its people, a signed-off province story with a picture, and a signed-off county story."""

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rongmei.core.models import User
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import assets as asset_services
from rongmei.newsroom.services import stories as story_services


def png(color=(200, 30, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buf, "PNG")
    return SimpleUploadedFile("火情.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def tree(demo):
    users = {u.username: u for u in User.objects.filter(username__in=["sheng", "shi", "editor", "reviewer3", "reporter",
                                                                       "lx_reporter", "analyst", "admin"])}
    return SimpleNamespace(**demo, **{f"u_{k}": v for k, v in users.items()})


@pytest.fixture
def province_story(tree):
    asset = asset_services.upload(center=tree.sheng, user=tree.u_sheng, upload=png(), caption="巡护队员在林区", credit="省台记者")
    return story_services.create_story(
        center=tree.sheng, user=tree.u_sheng, status=Story.Status.SIGNED_OFF,
        data=story_services.StoryData(headline="全省森林防火再部署", summary="严防野外用火", kicker="防火",
                                      body=f'<p>各地加强巡护。</p><p><img src="{asset.file.url}" data-asset="{asset.pk}"></p>',
                                      asset_ids=[asset.pk]))


@pytest.fixture
def county_story(tree):
    return story_services.create_story(
        center=tree.demo, user=tree.u_editor, status=Story.Status.SIGNED_OFF,
        data=story_services.StoryData(headline="示例县秋收进行时", summary="稻谷满仓", body="<p>全县秋收过半。</p>"))
