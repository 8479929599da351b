"""Issue 13, part E: the WeChat version is edited as the article it is (headings, pictures,
captions, quotes; the inline styles WeChat needs are written by the system), with a cover
picked from the story's pictures and a checked 原文链接; 全部重新生成 never silently overwrites
a hand edit; save messages and headers name the same version; headings read 修改广播稿."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rongmei.core.models import User
from rongmei.newsroom import wechat_html
from rongmei.newsroom.generators.wechat import STYLE
from rongmei.newsroom.models import Rendition, Story
from rongmei.newsroom.services import assets as asset_svc
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.newsroom.tests.conftest import jpeg_with_gps


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


def _photo(caption, size):
    return SimpleUploadedFile("现场.jpg", jpeg_with_gps(caption=caption, size=size), "image/jpeg")


@pytest.fixture
def story(demo, editor):
    """A story with two pictures and a heading, quote and list in its body, all versions made."""
    first = asset_svc.upload(center=demo["demo"], user=editor, upload=_photo("青山镇积水点抢修现场", (1200, 800)))
    second = asset_svc.upload(center=demo["demo"], user=editor, upload=_photo("抢修队员清理排水口", (1000, 700)))
    made = story_svc.create_story(center=demo["demo"], user=editor, data=story_svc.StoryData(
        headline="青山镇连夜抢修城区积水点", body=(
            "<p>受强降雨影响，青山镇城区3处路段出现积水，镇应急办连夜组织抢修。</p>"
            "<h2>连夜排水</h2><p>抢修队员清理排水口12个，凌晨两点积水全部排除。</p>"
            "<blockquote>“今晚一定把水排干净。”</blockquote><ul><li>青山路</li><li>镇南街</li></ul>"),
        tags=["防汛"], asset_ids=[first.pk, second.pk],
        bylines=[story_svc.BylineData(name="王磊", role="reporter", user_id=None, share=100)]))
    rendition_svc.generate(story=made, user=editor)
    return Story.objects.get(pk=made.pk)


def _wechat(story) -> Rendition:
    return story.renditions.get(channel="wechat")


def _style(name: str) -> str:
    return wechat_html.style_key(STYLE[name])


# --- The visual editor's article and WeChat's HTML -------------------------------------------

def test_opening_and_saving_unchanged_keeps_the_generated_article(story):
    body = _wechat(story).body
    editable = wechat_html.to_editor(body)
    assert "style=" not in editable  # the editor sees the article, not its inline styles
    assert "<h1>连夜排水</h1>" in editable and "<blockquote>" in editable
    assert 'data-trix-attachment=' in editable and "抢修队员清理排水口" in editable
    assert wechat_html.from_editor(editable) == body


def test_what_the_editor_writes_gets_wechat_styles_from_the_system():
    html = wechat_html.from_editor(
        '<h1>第二部分</h1><p>正文<strong>加粗</strong><br>换行</p><blockquote>“话”</blockquote>'
        '<p><figure data-trix-attachment="{&quot;url&quot;:&quot;/media/a.jpg&quot;}" class="attachment">'
        '<img src="/media/a.jpg"><figcaption class="attachment__caption">图为抢修现场</figcaption></figure></p>'
        '<ol><li>一</li><li>二</li></ol><h6>来源：青山县融媒体中心</h6>'
        '<p style="position:fixed" onclick="x()">坏<a href="javascript:alert(1)">链接</a><script>x</script></p>')
    styles = {wechat_html.style_key(s) for s in re.findall(r'style="([^"]*)"', html)}
    for name in ("article", "heading", "p", "quote", "figure", "img", "caption", "meta"):
        assert _style(name) in styles, name
    assert "<strong>第二部分</strong>" in html and "正文<strong>加粗</strong><br>换行" in html
    assert ">1. 一</p>" in html and ">2. 二</p>" in html
    assert 'alt="图为抢修现场"' in html and ">图为抢修现场</p>" in html
    for bad in ("position", "onclick", "javascript", "<script", "<a ", "attachment"):
        assert bad not in html, bad


def test_visual_save_through_the_page_with_cover_and_source_link(login, story):
    wechat = _wechat(story)
    second = [link.asset for link in story.story_assets.all()][1]
    client = login("editor")
    page = client.get(f"/stories/{story.pk}/renditions/wechat/").content.decode()
    assert "<trix-editor" in page and 'data-testid="cover-choice"' in page and "原文链接" in page
    response = client.post(f"/stories/{story.pk}/renditions/wechat/", {
        "version": wechat.version, "title": "青山镇连夜抢修积水点", "mode": "visual",
        "body": "<h1>凌晨排干</h1><p>抢修队员连夜作业。</p>", "body_html": wechat.body,
        "field_digest": "3处积水点连夜排干。", "field_author": "王磊", "field_source_url": "https://qingshan.example/news/1",
        "cover": str(second.pk)}, follow=True)
    text = response.content.decode()
    wechat.refresh_from_db()
    assert f"微信公众号稿已保存为第 {wechat.version} 版" in text
    assert wechat.edited and "凌晨排干" in wechat.body and _style("heading").split(";")[0] in wechat.body
    assert wechat.fields["cover_asset"] == second.pk and wechat.fields["cover"] == second.url_of("wechat_cover")
    assert wechat.fields["source_url"] == "https://qingshan.example/news/1"
    assert wechat.fields["digest"] == "3处积水点连夜排干。"


def test_what_goes_out_and_is_signed_follows_the_picked_cover_and_source_link(story, editor):
    from rongmei.newsroom.published import published_fields

    wechat = _wechat(story)
    second = [link.asset for link in story.story_assets.all()][1]
    before = {f.key: f for f in published_fields(story, "wechat")}
    rendition_svc.save(rendition=wechat, user=editor, base_version=wechat.version, title=wechat.title,
                       body=wechat_html.to_editor(wechat.body), visual=True, cover=second.pk,
                       fields={"digest": "摘要", "author": "王磊", "source_url": "https://qingshan.example/a?x=1"})
    after = {f.key: f for f in published_fields(story, "wechat")}
    assert after["cover"].value == second.url_of("wechat_cover") != before["cover"].value
    assert after["cover"].identity["asset"] == second.pk and after["cover"].signed() != before["cover"].signed()
    assert after["source_url"].value == "https://qingshan.example/a?x=1"


@pytest.mark.parametrize("post, field, message", [
    ({"field_source_url": "javascript:alert(1)"}, "field_source_url", "链接只能以 http:// 或 https:// 开头"),
    ({"field_source_url": "ftp://qingshan.example/a"}, "field_source_url", "链接只能以 http:// 或 https:// 开头"),
    ({"cover": "999999"}, "cover", "封面只能从这篇稿件的图片中选"),
])
def test_bad_source_link_or_foreign_cover_changes_nothing(login, story, post, field, message):
    wechat = _wechat(story)
    before = (wechat.version, wechat.body, dict(wechat.fields))
    data = {"version": wechat.version, "title": wechat.title, "mode": "visual",
            "body": wechat_html.to_editor(wechat.body), "field_digest": "改过的摘要", "field_author": "王磊", **post}
    response = login("editor").post(f"/stories/{story.pk}/renditions/wechat/", data)
    assert response.status_code == 200 and message in response.content.decode()
    wechat.refresh_from_db()
    assert (wechat.version, wechat.body, wechat.fields) == before


def test_raw_html_stays_an_advanced_option(login, story):
    wechat = _wechat(story)
    login("editor").post(f"/stories/{story.pk}/renditions/wechat/", {
        "version": wechat.version, "title": wechat.title, "mode": "html", "body": "<p>可视化里的旧文字</p>",
        "body_html": '<section style="color:#b22222;position:fixed"><p>手写的 HTML</p></section>',
        "field_digest": "", "field_author": ""})
    wechat.refresh_from_db()
    assert "手写的 HTML" in wechat.body and "color:#b22222" in wechat.body
    assert "旧文字" not in wechat.body and "position" not in wechat.body


# --- 全部重新生成 keeps hand edits unless ticked ------------------------------------------------

def _hand_edit(rendition, editor, body):
    return rendition_svc.save(rendition=rendition, user=editor, base_version=rendition.version, title=rendition.title,
                              body=body, fields=rendition_svc.fields_from_post(rendition.channel, {}))


def test_regenerate_all_keeps_hand_edited_versions(login, story, editor):
    weibo = _hand_edit(story.renditions.get(channel="weibo"), editor, "【手改的微博】青山镇3处积水点连夜排干。")
    radio = story.renditions.get(channel="radio")
    radio_version = radio.version
    response = login("editor").post(f"/stories/{story.pk}/renditions/generate/", follow=True)
    weibo.refresh_from_db()
    radio.refresh_from_db()
    assert weibo.body.startswith("【手改的微博】") and weibo.edited
    assert radio.version == radio_version + 1  # unedited versions are regenerated
    text = response.content.decode()
    assert "微博" in text and "人工修改" in text  # the kept version is named


def test_confirmation_names_edited_versions_and_regenerates_only_the_ticked(login, story, editor):
    weibo = _hand_edit(story.renditions.get(channel="weibo"), editor, "【手改的微博】青山镇3处积水点连夜排干。")
    tv = _hand_edit(story.renditions.get(channel="tv"), editor, "【手改的电视稿】")
    client = login("editor")
    page = client.get(f"/stories/{story.pk}/renditions/regenerate/").content.decode()
    assert 'name="replace" value="weibo"' in page and 'name="replace" value="tv"' in page
    assert 'value="radio"' not in page  # unedited ones need no tick
    assert "checked" not in page.split('value="weibo"')[1].split(">")[0]  # nothing ticked for the editor
    client.post(f"/stories/{story.pk}/renditions/generate/", {"confirmed": "1", "replace": ["tv"]})
    weibo.refresh_from_db()
    tv.refresh_from_db()
    assert weibo.body.startswith("【手改的微博】") and weibo.edited
    assert not tv.body.startswith("【手改") and not tv.edited


def test_story_page_sends_regenerate_all_to_the_confirmation_when_there_are_hand_edits(login, story, editor):
    client = login("editor")
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert f"/stories/{story.pk}/renditions/regenerate/" not in page  # nothing edited: one click
    _hand_edit(story.renditions.get(channel="weibo"), editor, "【手改的微博】")
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert f'href="/stories/{story.pk}/renditions/regenerate/"' in page


def test_service_keeps_edited_unless_named(story, editor):
    weibo = _hand_edit(story.renditions.get(channel="weibo"), editor, "【手改】")
    made = rendition_svc.generate(story=story, user=editor)
    assert "weibo" not in {r.channel for r in made} and len(made) == len(Rendition.Channel.values) - 1
    made = rendition_svc.generate(story=story, user=editor, replace_edited=["weibo"])
    weibo.refresh_from_db()
    assert "weibo" in {r.channel for r in made} and not weibo.edited


def test_api_keeps_edited_versions_unless_listed_in_replace_edited(login, story, editor):
    _hand_edit(story.renditions.get(channel="weibo"), editor, "【手改】")
    client = login("editor")
    path = f"/api/v1/stories/{story.pk}/renditions"
    answer = client.post(path, data='["weibo", "web"]', content_type="application/json")
    assert answer.status_code == 200 and [r["channel"] for r in answer.json()] == ["web"]
    assert story.renditions.get(channel="weibo").body == "【手改】"
    answer = client.post(f"{path}?replace_edited=weibo", data='["weibo"]', content_type="application/json")
    assert answer.status_code == 200 and [r["channel"] for r in answer.json()] == ["weibo"]
    assert client.post(f"{path}?replace_edited=nope", data="[]", content_type="application/json").status_code == 400


# --- Version numbers and headings -----------------------------------------------------------

def test_story_save_message_names_the_version_the_page_shows(login, story):
    client = login("editor")
    response = client.post(f"/stories/{story.pk}/edit/", {
        "version": story.version, "headline": story.headline, "body": story.body + "<p>补充。</p>",
        "byline-TOTAL_FORMS": "0", "byline-INITIAL_FORMS": "0"}, follow=True)
    text = response.content.decode()
    story.refresh_from_db()
    said = re.search(r"已保存为第 (\d+) 版", text)
    assert said and int(said.group(1)) == story.version
    assert f"<span>第 {story.version} 版</span>" in text


@pytest.mark.parametrize("channel, heading", [
    ("radio", "修改广播稿"), ("tv", "修改电视稿"), ("weibo", "修改微博稿"), ("wechat", "修改微信公众号稿"),
])
def test_rendition_headings_and_save_message_name_the_same_version(login, story, channel, heading):
    rendition = story.renditions.get(channel=channel)
    client = login("editor")
    page = client.get(f"/stories/{story.pk}/renditions/{channel}/").content.decode()
    assert f"<h1>{heading}</h1>" in page and "稿稿" not in page
    assert f"第 {rendition.version} 版" in page
    if channel in ("radio", "tv"):
        response = client.post(f"/stories/{story.pk}/renditions/{channel}/", {
            "version": rendition.version, "title": rendition.title, "body": rendition.body + "（完）"}, follow=True)
        rendition.refresh_from_db()
        text = response.content.decode()
        assert f"{heading[2:]}已保存为第 {rendition.version} 版" in text and "稿稿" not in text
        assert f"第 {rendition.version} 版" in client.get(f"/stories/{story.pk}/renditions/{channel}/").content.decode()
