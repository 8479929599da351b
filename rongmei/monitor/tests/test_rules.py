"""监测方案的表达式: the parser's refusals (each kind, with its position), the boolean
semantics (none-of, NEAR either order and at its distance edge), one automaton over many
topics, the per-center cache rebuilt when topics change, and the speed the pipeline needs."""

from __future__ import annotations

import random
import time

import pytest

from rongmei.monitor import rules
from rongmei.monitor.rules import Matcher, RuleSyntaxError, compile_expression, terms_of


def error_of(expression: str) -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as caught:
        compile_expression(expression)
    return caught.value


# --- Refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("expression, position, words", [
    ("", 1, "空"),
    ("   ", 1, "空"),
    ("(奉化 & 积水", 1, "缺少对应的右括号"),
    ("奉化 & (积水 | 内涝", 6, "缺少对应的右括号"),
    ("((奉化) & 积水", 1, "缺少对应的右括号"),
    ("奉化 & 积水)", 8, "没有对应的左括号"),
    ("()", 1, "括号中没有内容"),
    ("奉化 &", 4, "“&”后面缺少词"),
    ("奉化 & (积水 | )", 10, "“|”后面缺少词"),
    ("& 奉化", 1, "“&”前面缺少词"),
    ("| 奉化", 1, "“|”前面缺少词"),
    ("奉化 && 积水", 4, "后面缺少词"),
    ("奉化 & !", 6, "“!”后面缺少词"),
    ('奉化 | ""', 6, "引号"),
    ("奉化 | “  ”", 6, "中没有内容"),
    ('奉化 | "积水', 6, "没有结束"),
    ("奉化 积水", 4, "缺少运算符"),
    ("奉化 NOT 演练", 4, "& !演练"),
    ("奉化,积水", 3, "逗号只能用在 NEAR"),
    ("NEAR(奉化, 积水)", 12, "NEAR 的写法"),
    ("NEAR(奉化)", 8, "应是逗号"),
    ("NEAR(, 积水, 3)", 6, "缺少 NEAR 的第 1 个词"),
    ("NEAR(奉化, 积水, 0)", 14, "超出范围"),
    ("NEAR(奉化, 积水, 501)", 14, "超出范围"),
    ("NEAR(奉化, 积水, 二十)", 14, "应是距离"),
    ("NEAR(奉化, 积水, 20", 1, "缺少 NEAR 的右括号"),
    ("水 & 奉化", 1, "只有一个字"),
    ("奉化 & NEAR(县, 积水, 5)", 11, "只有一个字"),
    ("!演练", 1, "只有排除条件"),
    ("奉化 | !演练", 1, "只有排除条件"),
    ("!(奉化 & 积水)", 1, "只有排除条件"),
])
def test_every_kind_of_error_names_its_position(expression, position, words):
    error = error_of(expression)
    assert error.position == position, error.message
    assert words in error.message
    assert error.message.startswith(f"第 {position} 个字符处")


def test_positions_count_characters_not_bytes_and_limits_hold():
    assert error_of("青山镇 & 西岭村 & (积水").position == 13
    assert error_of("奉化 & " + "长" * 51).position == 6  # a word of 51 characters
    assert "太长" in error_of("奉化 | " * 401).message
    assert "嵌套太深" in error_of("(" * 50 + "奉化" + ")" * 50).message
    many = " | ".join(f"词{i:03d}" for i in range(rules.MAX_TERMS + 1))
    assert "词太多" in error_of(many).message


# --- What compiles, and what it means ---------------------------------------------------------------

def matches(expression: str, text: str, title: str = "") -> bool:
    return compile_expression(expression).match(title, text) is not None


def test_all_any_none_of_and_precedence():
    rule = "(奉化 | 宁波) & (积水 | 内涝) & !演练"
    assert matches(rule, "奉化城区多处积水")
    assert matches(rule, "宁波出现内涝")
    assert not matches(rule, "奉化组织防汛演练，模拟积水")  # none-of wins
    assert not matches(rule, "奉化今日晴")
    # ! before & before |: 奉化 & 积水 | 宁波 is (奉化 & 积水) | 宁波
    assert matches("奉化 & 积水 | 宁波", "宁波天气")
    assert not matches("奉化 & (积水 | 宁波)", "宁波天气")
    # none-of on several words: any one of them excludes
    assert not matches("奉化 & !(演练 | 演习)", "奉化举行演习")
    assert matches("奉化 & !(演练 | 演习)", "奉化今天下雨")


def test_word_operators_full_width_and_quotes():
    assert compile_expression("奉化 与 积水 或 宁波 & 非 演练").standard == "奉化 & 积水 | 宁波 & !演练"
    assert compile_expression("（奉化 ｜ 宁波）＆ ！演练 ＆ 积水").terms == ("奉化", "宁波", "演练", "积水")
    assert compile_expression("非法集资 & 奉化").terms == ("非法集资", "奉化")  # 非 inside a word is the word
    assert compile_expression("奉化 AND 积水 OR 宁波").standard == "奉化 & 积水 | 宁波"
    rule = compile_expression('"A&B公司" | “青山 水库”')
    assert rule.terms == ("A&B公司", "青山 水库")
    assert matches('"A&B公司"', "a&b公司发布声明")  # letters fold to lower case
    assert matches("ＡＢＣ公司", "abc公司")  # full-width letters fold too
    assert matches("青山镇", "ＡＢ青山镇")  # and the text's full-width letters keep positions
    assert compile_expression("near（奉化，积水，２０）").standard == "NEAR(奉化, 积水, 20)"


def test_near_either_order_and_the_distance_edge():
    rule = "NEAR(奉化, 积水, 5)"
    assert matches(rule, "奉化一二三四五积水")  # 5 characters between: inside
    assert not matches(rule, "奉化一二三四五六积水")  # 6: outside
    assert matches(rule, "积水一二三四五奉化")  # the other order
    assert not matches(rule, "积水一二三四五六奉化")
    assert matches(rule, "奉化积水")
    # one far pair and one near pair: the near one counts
    assert matches(rule, "奉化" + "很" * 50 + "积水，又见奉化城区积水")
    # across title and text (one line break between them)
    assert matches(rule, "积水", title="奉化")
    assert not matches("NEAR(奉化, 积水, 5) & !演练", "奉化积水演练")


def test_terms_of_and_the_built_expression():
    assert terms_of("(奉化 | 宁波) & NEAR(奉化, 积水, 20) & !演练") == ["奉化", "宁波", "积水", "演练"]
    assert terms_of("奉化 积水") == []  # does not compile
    built = rules.build_expression(all_of=rules.split_words("奉化"), any_of=rules.split_words("积水、内涝，淹水"),
                                   none_of=rules.split_words("演练 演习"), near=("城区", "积水", 20))
    assert built == "奉化 & (积水 | 内涝 | 淹水) & NEAR(城区, 积水, 20) & !演练 & !演习"
    assert compile_expression(built).standard == built
    assert rules.build_expression(all_of=["A B"], none_of=["x&y"]) == '"A B" & !"x&y"'
    with pytest.raises(RuleSyntaxError):
        compile_expression(rules.build_expression(none_of=["演练"]))  # none-of alone matches everything


def test_decompose_gives_the_fields_back_only_for_their_own_shape():
    assert rules.decompose("奉化 & (积水 | 内涝) & NEAR(城区, 积水, 20) & !演练 & !演习") == {
        "all_of": ["奉化"], "any_of": ["积水", "内涝"], "none_of": ["演练", "演习"], "near": ("城区", "积水", 20)}
    assert rules.decompose("积水 | 内涝") == {"all_of": [], "any_of": ["积水", "内涝"], "none_of": [], "near": None}
    assert rules.decompose("奉化 | 积水 & 内涝") is None
    assert rules.decompose("!演练 & 奉化") is None  # the fields would write it in another order
    assert rules.decompose('"青山 水库" & 积水') is None  # a word with a space does not fit a field
    assert rules.decompose("奉化 积水") is None


def test_snippet_is_about_sixty_characters_around_the_first_term():
    text = "前" * 100 + "奉化积水" + "后" * 100
    result = compile_expression("奉化 & 积水").match("", text)
    assert result.terms == ["奉化", "积水"]
    assert "奉化积水" in result.snippet and result.snippet.startswith("…") and result.snippet.endswith("…")
    assert 55 <= len(result.snippet) <= 64


# --- One automaton over many topics ---------------------------------------------------------------

def test_one_matcher_over_many_topics_finds_each_and_only_its_own():
    places = [f"{p}镇" for p in "东南西北中上下前后左右里外新老大小"]
    expressions = {i: f"{places[i % len(places)]} & (积水 | 停电) & !演练" for i in range(60)}
    expressions[100] = "NEAR(青山, 水库, 10)"
    expressions[101] = "县住建局 & !(演练 | 演习)"
    matcher = Matcher([(pk, compile_expression(e)) for pk, e in expressions.items()])
    assert len(matcher) == 62
    found = matcher.match("东镇积水", "县住建局回应青山一带水库水位上涨")
    ids = [r.topic_id for r in found]
    wanted = [i for i in range(60) if places[i % len(places)] == "东镇"] + [100, 101]
    assert ids == wanted
    by_id = {r.topic_id: r for r in found}
    assert by_id[0].terms == ["东镇", "积水"] and by_id[101].terms == ["县住建局"]
    assert matcher.match("东镇积水演练", "") == []
    assert matcher.match("", "") == [] and Matcher([]).match("奉化", "积水") == []


def test_overlapping_and_nested_words_are_all_found():
    matcher = Matcher([(1, compile_expression("奉化区 & 积水")), (2, compile_expression("奉化 & 区积水")),
                       (3, compile_expression("NEAR(奉化区, 区积, 1)"))])
    assert [r.topic_id for r in matcher.match("奉化区积水", "")] == [1, 2, 3]


# --- The per-center cache -------------------------------------------------------------------------

@pytest.fixture
def topics(demo):
    from rongmei.monitor.models import Topic

    rules.clear_cache()
    Topic.objects.filter(center=demo["demo"]).delete()
    return Topic


def test_for_center_is_cached_and_rebuilt_when_topics_change(demo, topics):
    from rongmei.core.models import User
    from rongmei.monitor import topic_services

    center, analyst = demo["demo"], User.objects.get(username="analyst")
    flood = topic_services.create_topic(center=center, user=analyst, name="积水", expression="奉化 & 积水")
    first = Matcher.for_center(center)
    assert Matcher.for_center(center) is first  # nothing changed: the same automaton
    assert [r.topic_id for r in first.match("奉化积水", "")] == [flood.pk]

    topic_services.update_topic(topic=flood, user=analyst, expression="奉化 & 内涝")
    second = Matcher.for_center(center)
    assert second is not first and second.match("奉化积水", "") == []
    assert [r.topic_id for r in second.match("奉化内涝", "")] == [flood.pk]

    topic_services.set_enabled(topic=flood, user=analyst, enabled=False)
    assert Matcher.for_center(center).match("奉化内涝", "") == []
    topic_services.set_enabled(topic=flood, user=analyst, enabled=True)
    other = topic_services.create_topic(center=center, user=analyst, name="停电", expression="青山 & 停电")
    assert {r.topic_id for r in Matcher.for_center(center).match("青山停电 奉化内涝", "")} == {flood.pk, other.pk}
    topic_services.delete_topic(topic=other, user=analyst)
    assert [r.topic_id for r in Matcher.for_center(center).match("青山停电 奉化内涝", "")] == [flood.pk]
    # the other center has its own
    assert Matcher.for_center(demo["linxian"]).match("奉化内涝", "") == []


def test_a_stored_expression_that_no_longer_compiles_is_left_out(demo, topics):
    from django.utils import timezone

    good = topics.objects.create(center=demo["demo"], name="好", expression="奉化 & 积水", updated_at=timezone.now())
    topics.objects.create(center=demo["demo"], name="坏", expression="奉化 积水", updated_at=timezone.now())
    assert Matcher.for_center(demo["demo"]).topic_ids == [good.pk]


# --- Speed ------------------------------------------------------------------------------------------

def test_a_thousand_character_text_against_fifty_topics_is_fast():
    rng = random.Random(15)  # its own generator: seeding the global one would make every later
    # random choice in this test process (free ports, say) the same in every run
    filler = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民"
    places = ["奉化", "宁波", "青山镇", "西岭村", "城关镇", "东门社区", "县住建局", "县交通局", "示例县", "临江镇"]
    issues = ["积水", "内涝", "拖欠工资", "停水", "停电", "噪音", "污染", "火灾", "交通事故", "物业"]
    pairs = []
    for i in range(50):
        a, b = rng.sample(places, 2), rng.sample(issues, 3)
        shape = [f"({a[0]} | {a[1]}) & ({b[0]} | {b[1]}) & !演练", f"NEAR({a[0]}, {b[0]}, 20) | {a[1]} & {b[2]}",
                 f"{a[0]} & {b[0]} & {b[1]} & !{b[2]}"][i % 3]
        pairs.append((i, compile_expression(shape)))
    matcher = Matcher(pairs)
    texts = []
    for _ in range(300):
        chars = [rng.choice(filler) for _ in range(1000)]
        for word in rng.sample(places + issues, 4):
            at = rng.randrange(0, 990)
            chars[at:at + len(word)] = list(word)
        texts.append("".join(chars))
    found = sum(len(matcher.match("标题", t)) for t in texts)  # warm up, and the texts do match
    assert found > 0
    started = time.process_time()  # CPU time: other work on a busy machine does not count
    for t in texts:
        matcher.match("标题", t)
    per_item = (time.process_time() - started) / len(texts)
    # Measured about 0.035 ms; the pipeline needs well under 0.2 ms. Generous for slow CI.
    assert per_item < 0.001, f"{per_item * 1000:.3f} ms per item"


def test_random_input_is_either_compiled_or_refused_with_a_position_inside_it():
    rng = random.Random(515)
    pieces = ["奉化", "积水", "演练", "水", "&", "|", "!", "(", ")", "（", "）", ",", "，", '"', "“", "”", " ", "NEAR", "NEAR(",
              "20", "0", "AND", "OR", "NOT", "与", "或", "非", "ＡＢ", "\n"]
    compiled = refused = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            rule = compile_expression(text)
        except RuleSyntaxError as exc:
            refused += 1
            assert 1 <= exc.position <= max(1, len(text)), (text, exc.message)
            assert exc.message.startswith(f"第 {exc.position} 个字符处")
        else:
            compiled += 1
            assert compile_expression(rule.standard).standard == rule.standard  # the standard form reads back
            assert not rule.evaluator({k: i for i, k in enumerate(rule.keys)})({})
    assert compiled > 50 and refused > 1000
