"""WeChat rendition styles are limited to a safe list of properties (issue 11, item 9):
an editor's hand edit cannot pin a layer over the page (position:fixed), load anything
from another host (url()), or run CSS expressions and bindings."""

import re

import pytest

from rongmei.newsroom.generators.wechat import SAFE_STYLE_PROPERTIES, clean_wechat_html, generate_wechat

from .samples import flood_story

HOSTILE = [
    ("position:fixed;top:0;left:0;z-index:9999;color:red", "color:red"),
    ("background:url(http://evil.example/x.png);color:red", "color:red"),
    ("background-image:url('//evil.example/x.png');font-size:16px", "font-size:16px"),
    ("background-color:url(http://evil.example/x.png)", ""),
    ("color:expression(alert(1));font-weight:bold", "font-weight:bold"),
    ("behavior:url(x.htc);-moz-binding:url(x.xml#y);color:#333", "color:#333"),
    ("color:red;}@import url(http://evil.example/x.css);", "color:red"),
    ("border:1px solid url(javascript:alert(1));margin:0", "margin:0"),
    ("c\\olor:r\\65 d;background:\\75 rl(http://evil.example/)", "color:red"),
    ("display:none;display:block", "display:block"),
    ("height:100vh;width:100%", "width:100%"),
    ("line-height:1.75;text-align:justify;letter-spacing:0.5px", "line-height:1.75;text-align:justify;letter-spacing:0.5px"),
]


def _style(html: str) -> str:
    found = re.findall(r'style="([^"]*)"', html)
    return found[0] if found else ""


@pytest.mark.parametrize("style,kept", HOSTILE)
def test_hand_edited_styles_keep_only_safe_properties(style, kept):
    html = clean_wechat_html(f'<p style="{style}">青山镇晚稻抢收</p>')
    assert "青山镇晚稻抢收" in html
    assert _style(html).replace(" ", "").rstrip(";") == kept.replace(" ", "")
    for banned in ("url", "expression", "position", "behavior", "binding", "@import", "vh"):
        assert banned not in html.lower()


def test_generated_article_keeps_its_own_styles():
    html = generate_wechat(flood_story()).body
    styles = re.findall(r'style="([^"]*)"', html)
    assert styles and "width:100%" in html and "padding:0 4px" in html
    for style in styles:
        for declaration in filter(None, style.split(";")):
            assert declaration.split(":", 1)[0].strip() in SAFE_STYLE_PROPERTIES, declaration


def test_rendition_hand_edit_is_cleaned_by_the_service(demo):
    from rongmei.core.models import User
    from rongmei.newsroom.services import renditions as rendition_svc
    from rongmei.newsroom.services import stories as story_svc

    editor = User.objects.get(username="editor")
    story = story_svc.create_story(center=demo["demo"], user=editor, data=story_svc.StoryData(
        headline="青山镇部署晚稻抢收", body="<p>青山镇今天召开秋收工作会，部署晚稻抢收。</p>"))
    rendition_svc.generate(story=story, user=editor, channels=["wechat"])
    wechat = story.renditions.get(channel="wechat")
    saved = rendition_svc.save(rendition=wechat, user=editor, base_version=wechat.version, title=wechat.title, fields={},
                               body='<section style="position:fixed;inset:0;background:url(https://evil.example/a.png);'
                                    'color:#333"><p>青山镇今天召开秋收工作会。</p></section>')
    assert "position" not in saved.body and "url(" not in saved.body and "color:#333" in saved.body
