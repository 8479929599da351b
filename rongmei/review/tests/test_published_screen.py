"""The review screen shows every field each channel will publish, exactly as it goes out
(the Weibo post with its count, the WeChat title, author, digest, cover picture and 原文链接,
the short-video caption and tags, the web summary), reads the piece once, and lists each
check finding once with the versions it comes from; the checks read those fields too."""

import re
from html import unescape

import pytest

from rongmei.core.models import User
from rongmei.newsroom.models import Rendition
from rongmei.newsroom.published import published_fields
from rongmei.newsroom.services import renditions as rendition_svc
from rongmei.review import services
from rongmei.review.models import Review


@pytest.fixture
def review(demo):
    """A demo piece in review with a picture and every channel version."""
    reviews = Review.objects.filter(center=demo["demo"], status=Review.Status.IN_REVIEW).select_related("story")
    return next(r for r in reviews.order_by("id") if r.story.cover is not None and r.story.cover.rendition("wechat_cover"))


def _page(client, review) -> str:
    return unescape(client.get(f"/review/{review.pk}/").content.decode())


def _field(page: str, name: str) -> str:
    match = re.search(rf'data-field="{re.escape(name)}">(.*?)</dd>', page, re.S)
    assert match, f"the review screen does not show {name}"
    return match.group(1)


def test_every_published_field_is_shown_as_it_goes_out(login, review):
    story = review.story
    r = Rendition.objects.get(story=story, channel="wechat")
    rendition_svc.save(rendition=r, user=User.objects.get(username="editor"), base_version=r.version, title=r.title,
                       body=r.body, fields={"digest": "审稿人必须看到的微信摘要", "author": "王磊"})
    w = Rendition.objects.get(story=story, channel="weibo")
    teaser = "【青山镇】这是编辑改过的微博导读，审稿人要看到它 #晚稻#"
    fields = {"short_text": teaser} if w.fields.get("mode") == "long" else {}
    rendition_svc.save(rendition=w, user=User.objects.get(username="editor"), base_version=w.version, title=w.title,
                       body=w.body if fields else teaser, fields=fields)
    page = _page(login("reviewer1"), Review.objects.get(pk=review.pk))
    expected = {c: {f.key: f for f in published_fields(story, c)} for c in ("web", "wechat", "weibo", "short_video")}
    assert "审稿人必须看到的微信摘要" in _field(page, "wechat.digest")
    assert "王磊" in _field(page, "wechat.author")
    assert expected["wechat"]["title"].value in _field(page, "wechat.title")
    assert expected["wechat"]["source_url"].value in _field(page, "wechat.source_url")
    assert f'src="{expected["wechat"]["cover"].value}"' in _field(page, "wechat.cover")
    weibo = _field(page, "weibo.text")
    assert expected["weibo"]["text"].value in weibo and "这是编辑改过的微博导读" in weibo
    assert re.search(r"按微博规则计 \d+/140 字", weibo)
    assert expected["short_video"]["caption"].value in _field(page, "short_video.caption")
    for tag in expected["short_video"]["tags"].value:
        assert tag in _field(page, "short_video.tags")
    assert story.summary in _field(page, "web.summary")


def test_the_piece_is_read_once(login, review):
    """The master's text is shown open once; each channel's full text is folded."""
    page = _page(login("reviewer1"), review)
    opening = re.sub(r"<[^>]+>", "", review.story.body)[:20]
    unfolded = re.sub(r"<details>.*?</details>", "", page, flags=re.S)
    assert unfolded.count(opening) == 1


def test_findings_are_listed_once_with_their_versions(login, review):
    story = review.story
    w = Rendition.objects.get(story=story, channel="web")
    rendition_svc.save(rendition=w, user=User.objects.get(username="editor"), base_version=w.version, title=w.title,
                       body=w.body.replace("</p>", "县融媒中心</p>", 1), fields={})
    story.body = story.body.replace("</p>", "县融媒中心</p>", 1)
    story.save(update_fields=["body"])
    check = services.check_story(story=story)
    raw = [f for f in check.findings if f.text == "县融媒中心"]
    assert len({f.field for f in raw}) >= 2
    page = _page(login("reviewer1"), review)
    rows = [row for row in re.findall(r'data-testid="finding">(.*?)</li>', page, re.S) if "县融媒中心" in row]
    assert len(rows) == 1
    assert "母稿：正文" in rows[0] and re.search(r"渠道稿：.*网站/客户端", rows[0])


def test_the_checks_read_the_weibo_post_and_the_wechat_digest(review):
    story = review.story
    w = Rendition.objects.get(story=story, channel="wechat")
    rendition_svc.save(rendition=w, user=User.objects.get(username="editor"), base_version=w.version, title=w.title,
                       body=w.body, fields={"digest": "点击进入赌博网站领取福利", "author": w.fields.get("author", "")})
    found = [f for f in services.check_story(story=story).findings if f.text == "赌博网站"]
    assert [f.field for f in found] == ["rendition:wechat:digest"] and found[0].blocking
