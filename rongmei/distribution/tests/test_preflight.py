"""Pre-flight before 送审 and before 一键发布: what a channel or an account would refuse is
said then, and the publish service refuses the same; default covers (column, then center)
let a text-only 通告 go to WeChat without a new review round."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.core.models import User
from rongmei.distribution import outbox, preflight, services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.demo import NOTICE
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Asset, CenterDefaults, Column, Rendition, Story
from rongmei.newsroom.selectors import cover_source, effective_cover
from rongmei.newsroom.services import covers
from rongmei.review.selectors import is_signed_off


@pytest.fixture
def notice(demo):
    """The demo's text-only 通告 in 便民服务, signed off for web, WeChat and Weibo."""
    story = Story.objects.get(center=demo["demo"], headline=NOTICE["headline"])
    assert story.cover is None and is_signed_off(story)
    return story


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


def _no_defaults(center, editor):
    for column in Column.objects.filter(center=center):
        covers.set_column_cover(column=column, user=editor, asset_id=None)
    covers.set_center_cover(center=center, user=editor, asset_id=None)


def _wechat(demo, name="公众号-预检", **fields):
    values = {"base_url": "http://127.0.0.1:9", "options": {"appid": f"wx-{name}"}, "secret": f"secret-wx-{name}"}
    values.update(fields)
    return services.create_account(center=demo["demo"], user=None, kind="wechat", name=name, **values)


def _cover_image(demo) -> Asset:
    return Asset.objects.filter(center=demo["demo"], kind="image", renditions__name="wechat_cover").order_by("id").first()


def test_effective_cover_is_story_then_column_then_center(demo, notice, editor):
    _no_defaults(demo["demo"], editor)
    assert cover_source(Story.objects.get(pk=notice.pk)) == (None, "")
    picture = _cover_image(demo)
    covers.set_center_cover(center=demo["demo"], user=editor, asset_id=picture.pk)
    assert cover_source(Story.objects.get(pk=notice.pk)) == (picture, "center")
    other = Asset.objects.filter(center=demo["demo"], kind="image", renditions__name="wechat_cover").exclude(pk=picture.pk).first()
    covers.set_column_cover(column=notice.column, user=editor, asset_id=other.pk)
    assert cover_source(Story.objects.get(pk=notice.pk)) == (other, "column")
    illustrated = Story.objects.filter(center=demo["demo"], story_assets__asset__kind="image").first()
    assert effective_cover(illustrated) == illustrated.cover


def test_wechat_without_any_cover_is_refused_before_publishing(demo, notice, operator, editor):
    _no_defaults(demo["demo"], editor)
    account = _wechat(demo)
    with pytest.raises(ValidationError) as refused:
        services.publish(story=notice, user=operator, account_ids=[account.pk])
    text = "；".join(refused.value.messages)
    assert "公众号-预检" in text and "封面" in text and "默认封面" in text
    assert not Publication.objects.filter(story=notice).exists()


def test_default_cover_configured_later_keeps_the_sign_off_and_goes_out(demo, notice, operator, editor):
    """The notice was signed with no cover of its own; setting or changing a default is
    configuration, not an edit of the piece: the sign-off stands and WeChat gets the default."""
    _no_defaults(demo["demo"], editor)
    assert is_signed_off(Story.objects.get(pk=notice.pk))
    covers.set_column_cover(column=notice.column, user=editor, asset_id=_cover_image(demo).pk)
    notice = Story.objects.get(pk=notice.pk)
    assert is_signed_off(notice)
    wechat_adapter._tokens.clear()
    with start_fake("wechat", publish_delay=0.0) as fake:
        account = _wechat(demo, "公众号-默认封面", base_url=fake.url)
        services.publish(story=notice, user=operator, account_ids=[account.pk])
        now = timezone.now()
        for i in range(4):
            for message in outbox.claim("w", limit=5, now=now + dt.timedelta(minutes=5 * i)):
                outbox.process(message, "w")
        publication = Publication.objects.get(account=account)
        assert publication.status == Publication.Status.SENT, publication.last_error
        assert fake.state()["apps"]["wx-公众号-默认封面"]["materials"] == 1


def test_missing_credentials_are_named_per_account(demo, notice, operator):
    account = _wechat(demo, "公众号-无密钥", secret="")
    weibo = services.create_account(center=demo["demo"], user=None, kind="weibo", name="@无令牌", base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError) as refused:
        services.publish(story=notice, user=operator, account_ids=[account.pk, weibo.pk])
    text = "；".join(refused.value.messages)
    assert "公众号-无密钥" in text and "AppSecret" in text and "@无令牌" in text and "access_token" in text
    assert not Publication.objects.filter(story=notice).exists()


def test_weibo_over_140_is_said(demo, notice):
    Rendition.objects.filter(story=notice, channel="weibo").update(body="停水" * 90, fields={"mode": "short"})
    problems = preflight.for_submit(Story.objects.get(pk=notice.pk), ["weibo"])
    assert problems and "140" in problems[0].message and "长微博" in problems[0].message
    assert not problems[0].blocking  # the adapter cuts it to fit, and the cut text is what was signed


def test_channel_without_its_version_is_said(demo, notice):
    Rendition.objects.filter(story=notice, channel="radio").delete()
    (problem,) = preflight.for_submit(Story.objects.get(pk=notice.pk), ["radio"])
    assert "缺少广播稿渠道稿" in problem.message


def test_text_only_story_for_short_video_is_said(demo):
    story = Story.objects.filter(center=demo["demo"], renditions__channel="short_video").exclude(
        story_assets__asset__kind="video").first()
    (problem,) = preflight.for_submit(story, ["short_video"])
    assert "视频" in problem.message


def test_group_of_accounts_reads_as_one_line(demo, notice, editor):
    _no_defaults(demo["demo"], editor)
    accounts = [_wechat(demo, f"村公众号{i}") for i in range(5)]
    lines = preflight.summarize(preflight.for_publish(Story.objects.get(pk=notice.pk), accounts))
    assert len(lines) == 1 and "等 5 个账号" in lines[0]


def test_publish_screen_shows_the_preflight(login, demo, notice, editor):
    _no_defaults(demo["demo"], editor)
    page = login("operator").get(f"/distribution/stories/{notice.pk}/").content.decode()
    assert 'data-testid="preflight"' in page and "封面" in page and "会被拒收" in page
    covers.set_center_cover(center=demo["demo"], user=editor, asset_id=_cover_image(demo).pk)
    page = login("operator").get(f"/distribution/stories/{notice.pk}/").content.decode()
    assert "微信图文需要封面图" not in page


def test_submit_screen_says_what_wechat_would_refuse(login, demo, editor):
    _no_defaults(demo["demo"], editor)
    story = Story.objects.filter(center=demo["demo"], status="editing", renditions__channel="wechat").first()
    story.story_assets.all().delete()
    client = login("editor")
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert 'data-testid="submit-preflight"' in page and "微信图文需要封面图" in page
    response = client.post(f"/stories/{story.pk}/submit/", {"channel": ["web", "wechat"]}, follow=True)
    assert "送审前检查" in response.content.decode() and "封面" in response.content.decode()


def test_column_cover_page(login, demo):
    client = login("editor")
    assert client.get("/columns/").status_code == 200
    column = Column.objects.get(center=demo["demo"], slug="yaowen")
    picture = _cover_image(demo)
    client.post("/columns/", {"target": column.pk, "asset": picture.pk})
    assert Column.objects.get(pk=column.pk).default_cover_id == picture.pk
    document = Asset.objects.filter(center=demo["demo"]).exclude(kind="image").first()
    if document is not None:
        response = client.post("/columns/", {"target": column.pk, "asset": document.pk}, follow=True)
        assert "不是图片" in response.content.decode()
        assert Column.objects.get(pk=column.pk).default_cover_id == picture.pk
    foreign = Asset.objects.filter(center=demo["linxian"], kind="image").first()
    if foreign is not None:
        response = client.post("/columns/", {"target": "center", "asset": foreign.pk}, follow=True)
        assert "不属于本中心" in response.content.decode()
    assert login("reporter").get("/columns/").status_code == 403
    client.post("/columns/", {"target": "center", "asset": ""})
    assert not CenterDefaults.objects.filter(center=demo["demo"], default_cover__isnull=False).exists()
