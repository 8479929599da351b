"""Reading body HTML, splitting Chinese sentences, measuring and cutting text."""

import pytest

from rongmei.newsroom.generators.text import (
    WEIBO_URL_LENGTH, count_chars, html_to_blocks, html_to_text, normalize_space,
    split_sentences, strip_dateline, truncate, weibo_length,
)

from .samples import FARM_BODY, FLOOD_BODY


def test_blocks_keep_order_and_kinds():
    blocks = html_to_blocks(FLOOD_BODY)
    assert [b.kind for b in blocks] == [
        "paragraph", "paragraph", "heading", "paragraph", "quote", "image", "paragraph",
    ]
    assert blocks[2].text == "排水管网改造见成效" and blocks[2].level == 2
    assert blocks[5].src == "https://media.example.cn/2024/07/flood-2.jpg"


def test_ordered_list_items_are_numbered_and_quotes_found():
    blocks = html_to_blocks(FARM_BODY)
    items = [b for b in blocks if b.kind == "list_item"]
    assert [b.ordinal for b in items] == [1, 2, 3]
    assert [b.kind for b in blocks].count("quote") == 1


def test_figure_caption_belongs_to_its_image():
    html = '<figure><img src="/a.jpg" alt="旧说明"><figcaption>青山镇排水泵站。</figcaption></figure>'
    (image,) = html_to_blocks(html)
    assert image.kind == "image" and image.text == "青山镇排水泵站。"


def test_inline_emphasis_kept_in_html_and_unsafe_links_dropped():
    html = '<p>请<strong>立即</strong>转移，详见<a href="javascript:alert(1)">这里</a>。</p>'
    (block,) = html_to_blocks(html)
    assert block.text == "请立即转移，详见这里。"
    assert "<strong>立即</strong>" in block.html and "javascript" not in block.html


def test_script_and_style_content_never_becomes_text():
    text = html_to_text("<p>正文。</p><script>alert('x')</script><style>p{}</style>")
    assert text == "正文。"


def test_plain_text_has_one_line_per_block_and_no_captions():
    text = html_to_text(FLOOD_BODY)
    assert len(text.splitlines()) == 6
    assert "篦子上的杂物" in text


def test_line_wraps_between_chinese_vanish_but_typed_spaces_stay():
    assert normalize_space("城关镇、\n   青山镇") == "城关镇、青山镇"
    assert normalize_space("记者 王磊 通讯员 张晓燕") == "记者 王磊 通讯员 张晓燕"
    assert normalize_space("Example Tech\nCo.") == "Example Tech Co."


def test_dateline_is_stripped_but_words_containing_xun_are_not():
    assert strip_dateline("本报讯（记者 王磊 通讯员 张晓燕）7月3日凌晨") == "7月3日凌晨"
    assert strip_dateline("示例县融媒体中心讯 眼下正值") == "眼下正值"
    assert strip_dateline("通讯员张晓燕说") == "通讯员张晓燕说"


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "他说：“今年汛期我们做好了准备。排水管网已经改造完成。”随后，他来到青山镇。",
            ["他说：“今年汛期我们做好了准备。排水管网已经改造完成。”", "随后，他来到青山镇。"],
        ),
        (
            "“以前一下雨就淹。”商户刘桂芳说。今年好多了！",
            ["“以前一下雨就淹。”商户刘桂芳说。", "今年好多了！"],
        ),
        (
            "「雨停了吗？」她问道。还没有；预计傍晚停。",
            ["「雨停了吗？」她问道。", "还没有；", "预计傍晚停。"],
        ),
        ("大家等啊等……终于来电了。", ["大家等啊等……", "终于来电了。"]),
        ("真的吗？！他不敢相信。", ["真的吗？！", "他不敢相信。"]),
        (
            "详情见https://www.shili.gov.cn/a?id=1&b=2。谢谢！",
            ["详情见https://www.shili.gov.cn/a?id=1&b=2。", "谢谢！"],
        ),
        ("他说：“好。走吧。", ["他说：“好。", "走吧。"]),
        ("第一段。\n第二段", ["第一段。", "第二段"]),
        ("《示例县防汛条例。修订版》已印发。", ["《示例县防汛条例。修订版》已印发。"]),
    ],
)
def test_sentences_respect_chinese_punctuation_and_quotes(text, expected):
    assert split_sentences(text) == expected


def test_sentences_lose_no_characters():
    text = html_to_text(FLOOD_BODY + FARM_BODY).replace("\n", "")
    assert "".join(split_sentences(text)) == text


def test_count_chars_skips_whitespace_only():
    assert count_chars("　　示例县，2024年 7月。\n") == 12


def test_weibo_length_counts_half_width_as_half_and_links_as_fixed():
    assert weibo_length("示例县") == 3
    assert weibo_length("ab") == 1
    assert weibo_length("abc") == 2
    assert weibo_length("，。“”") == 4
    link = "https://www.shili.gov.cn/news/2024/0703/a-very-long-address-12345.html"
    assert weibo_length(link) == WEIBO_URL_LENGTH
    assert weibo_length(f"见{link}。") == WEIBO_URL_LENGTH + 2


def test_truncate_keeps_whole_sentences_when_it_can():
    text = "第一句话很短。第二句话也不长。第三句话稍微长一点点。"
    assert truncate(text, 16) == "第一句话很短。第二句话也不长。"
    assert truncate(text, 100) == text


def test_truncate_cuts_a_long_sentence_at_a_clause_then_at_a_word():
    sentence = "县住建局连夜组织120余名抢险人员，18台排涝设备奔赴各积水点，全力排除城区积水。"
    cut = truncate(sentence, 35)
    assert cut == "县住建局连夜组织120余名抢险人员，18台排涝设备奔赴各积水点……"
    no_commas = "县住建局连夜组织抢险人员和排涝设备奔赴城关镇各积水点"
    cut = truncate(no_commas, 12)
    assert len(cut) <= 12 and cut.endswith("……")
    assert cut[:-2] in ("县住建局连夜组织", "县住建局连夜组织抢险")


def test_truncate_honours_any_measure():
    text = "ABCDEFGHIJ" * 20 + "。"
    assert weibo_length(truncate(text, 30, weibo_length)) <= 30


def test_full_width_punctuation_is_never_rewritten():
    text = "城关镇，青山镇；“防汛”《通知》：（一）！？、……——"
    assert html_to_text(f"<p>{text}</p>") == text
    assert "".join(split_sentences(text)) == text
