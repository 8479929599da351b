"""The website/app article: complete, responsive, and safe whatever the story holds."""

import re

from rongmei.newsroom.generators.types import ImageInput, MediaInput
from rongmei.newsroom.generators.web import generate_web

from .samples import flood_story, notice_story


def test_header_byline_body_and_tags():
    html = generate_web(flood_story()).body
    assert '<p class="kicker">闻“汛”而动 连夜排涝</p>' in html
    assert "<h1>示例县迎战入汛以来最强降雨 城区积水点半小时内消退</h1>" in html
    assert '<p class="subheadline">' in html
    assert "记者 王磊　通讯员 张晓燕　摄影 李娜" in html
    assert "<h2>排水管网改造见成效</h2>" in html
    assert "<blockquote><p>县住建局局长陈建国表示" in html
    assert '<ul class="tags"><li>防汛</li><li>排水管网</li></ul>' in html
    assert "责任编辑：赵敏" in html


def test_pictures_are_responsive_lazy_figures_with_caption_and_credit():
    html = generate_web(flood_story()).body
    first = re.search(r'<figure class="picture"><img [^>]+><figcaption>[^<]+</figcaption></figure>', html)
    assert first, html
    tag = first.group(0)
    assert 'loading="lazy"' in tag
    assert 'srcset="https://media.example.cn/2024/07/flood-1-480.jpg 480w, ' in tag
    assert 'sizes="(max-width: 768px) 100vw, 768px"' in tag
    assert 'alt="7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。"' in tag
    assert "摄影：李娜</figcaption>" in tag
    assert 'width="1080" height="720"' in tag
    assert "李娜 摄</figcaption>" in html


def test_lead_picture_opens_the_story_and_body_pictures_stay_in_place():
    html = generate_web(flood_story()).body
    assert html.index("flood-1.jpg") < html.index("本报讯")
    assert html.index("陈建国") < html.index("flood-2.jpg") < html.index("截至3日")


def test_video_and_audio_players():
    story = flood_story(media=flood_story().media + (
        MediaInput(kind="audio", url="https://media.example.cn/a.mp3", caption="广播版"),
    ))
    html = generate_web(story).body
    assert '<video controls="" preload="metadata" playsinline=""' in html
    assert 'poster="https://media.example.cn/2024/07/flood-poster.jpg"' in html
    assert '<audio controls="" preload="metadata" src="https://media.example.cn/a.mp3">' in html
    assert generate_web(story).stats["audio_count"] == 1


def test_scripts_handlers_and_javascript_urls_never_survive():
    story = flood_story(
        headline="<script>alert('h')</script>标题",
        body_html=(
            "<p>正文<script>alert(1)</script>。</p><p onclick=\"steal()\">点击</p>"
            '<img src="javascript:alert(2)" onerror="alert(3)">'
            '<p><a href="javascript:alert(4)">链接</a><a href="https://ok.cn/">好链接</a></p>'
        ),
        images=(ImageInput(url="javascript:alert(5)", caption="<b onmouseover=x>图</b>"),),
        media=(MediaInput(kind="video", url="javascript:alert(6)", poster_url="data:text/html,x"),),
    )
    html = generate_web(story).body
    tags = " ".join(re.findall(r"<[^>]*>", html))
    for bad in ("<script", " on", "javascript:", "data:", "<b "):
        assert bad not in tags
    assert "javascript:" not in html and "<img alt" not in html
    assert "&lt;script&gt;" in html
    assert 'href="https://ok.cn/"' in html


def test_missing_caption_is_warned():
    draft = generate_web(flood_story(images=(ImageInput(url="https://media.example.cn/x.jpg"),)))
    assert any(w.startswith("图片缺少说明") for w in draft.warnings)


def test_summary_and_stats():
    draft = generate_web(notice_story())
    assert draft.fields["summary"].startswith("因城区供水管网改造施工")
    assert len(draft.fields["summary"]) <= 120
    assert draft.stats["image_count"] == 0 and draft.stats["char_count"] > 0
