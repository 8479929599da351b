"""Newspaper copy: labelled headlines, indented paragraphs, the paper's caption style."""

from rongmei.newsroom.generators.newspaper import INDENT, generate_newspaper

from .samples import farm_story, flood_story, notice_story


def test_headlines_are_labelled_and_the_byline_follows():
    lines = generate_newspaper(flood_story()).body.splitlines()
    assert lines[:4] == [
        "引题：闻“汛”而动 连夜排涝",
        "主标题：示例县迎战入汛以来最强降雨 城区积水点半小时内消退",
        "副标题：今年改造老旧排水管网12.6公里，易涝点由23处减至6处",
        "本报记者 王磊　通讯员 张晓燕　本报摄影记者 李娜",
    ]


def test_paragraphs_are_indented_with_two_full_width_spaces():
    body = generate_newspaper(flood_story()).body
    assert f"\n{INDENT}本报讯（记者 王磊 通讯员 张晓燕）7月3日凌晨，示例县普降暴雨，" in body
    assert "\n小标题：排水管网改造见成效\n" in body
    assert INDENT == "　　"


def test_captions_follow_the_papers_convention():
    draft = generate_newspaper(flood_story())
    assert draft.fields["captions"] == [
        "（图片说明：7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。 摄影：李娜）",
        "（图片说明：改造后的青山镇排水泵站。 李娜 摄）",
    ]
    assert f"{INDENT}（图片说明：改造后的青山镇排水泵站。 李娜 摄）" in draft.body


def test_lists_keep_their_numbers():
    body = generate_newspaper(farm_story()).body
    assert f"{INDENT}1. 水稻机插秧，每亩节省人工成本约80元；" in body
    assert "《示例县高标准农田建设管护办法》" in body


def test_char_count_is_body_text_without_whitespace():
    draft = generate_newspaper(notice_story())
    paragraphs = [
        "因城区供水管网改造施工，7月10日8时至18时，城关镇人民路、建设路沿线将暂停供水。",
        "请沿线居民提前做好储水准备，给您带来不便，敬请谅解。",
        "咨询电话：0000-1234567。",
    ]
    assert draft.stats["char_count"] == sum(len(p) for p in paragraphs)
    plain = generate_newspaper(flood_story(images=())).stats["char_count"]
    dressed = generate_newspaper(flood_story(headline="长" * 200))
    assert dressed.stats["char_count"] == plain  # headlines and captions are not body


def test_missing_byline_is_warned():
    draft = generate_newspaper(notice_story())
    assert any(w.startswith("缺少署名") for w in draft.warnings)
