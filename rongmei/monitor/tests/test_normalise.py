"""normalise.py: one form for every item's text, title, time and address."""

import datetime as dt

import pytest

from rongmei.monitor.normalise import (
    SHANGHAI,
    canonical_url,
    clean_text,
    clean_title,
    content_hash,
    to_shanghai,
    truncate,
    url_hash,
)


@pytest.mark.parametrize("raw, expected", [
    ("<p>奉化区积水</p><p>严重</p>", "奉化区积水\n严重"),
    ("第一段<br>第二段<br/>第三段", "第一段\n第二段\n第三段"),
    ("县住建局&nbsp;表示&amp;回应", "县住建局表示&回应"),
    ("&lt;p&gt;转义的标签&lt;/p&gt;", "转义的标签"),
    ("<script>alert(1)</script>正文", "正文"),
    ("城关镇\u3000\u3000东门社区", "城关镇东门社区"),  # full-width spaces between Chinese
    ("零\u200b宽\u200d字\ufeff符\u00ad", "零宽字符"),
    ("  多个   空格\t\t和制表符  ", "多个空格和制表符"),  # a space between Chinese characters is layout
    ("段一\r\n\r\n\r\n段二\r段三", "段一\n段二\n段三"),
    ("ＧＤＰ增长５．２％，同比（上年）", "GDP增长5．2％，同比（上年）"),  # letters/digits ASCII, punctuation kept
    ("他说：“好！”……", "他说：“好！”……"),
    ("Hello  World 2026", "Hello World 2026"),
    ("", ""),
    (None, ""),
])
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("奉化积水严重_新浪新闻", "奉化积水严重"),
    ("奉化积水严重_国内新闻_新浪网", "奉化积水严重"),
    ("示例县召开防汛会议 - 人民网", "示例县召开防汛会议"),
    ("示例县召开防汛会议|澎湃新闻", "示例县召开防汛会议"),
    ("示例县召开防汛会议——央视网", "示例县召开防汛会议"),
    ("G320国道改造 - 示例日报", "G320国道改造"),
    ("关于A-B线路停电的通知", "关于A-B线路停电的通知"),  # a dash inside the title is not a suffix
    ("城区停水 - 通知", "城区停水 - 通知"),  # "通知" is no site name
    ("网 - 人民网", "网 - 人民网"),  # never cut to almost nothing
    ("<b>标题</b>\n第二行", "标题 第二行"),
])
def test_clean_title(raw, expected):
    assert clean_title(raw) == expected


def test_truncate_prefers_a_sentence_end():
    text = "甲" * 95 + "。" + "乙" * 20
    cut, was_cut = truncate(text, 100)
    assert was_cut and cut.endswith("。") and len(cut) == 96
    assert truncate("短文本", 100) == ("短文本", False)
    cut, was_cut = truncate("丙" * 300, 100)
    assert was_cut and len(cut) == 100


def test_content_hash_ignores_punctuation_spacing_and_case():
    assert content_hash("奉化积水", "路口积水，车辆绕行。") == content_hash("奉化 积水", "路口积水 车辆绕行")
    assert content_hash("ABC", "x") == content_hash("abc", "X")
    assert content_hash("奉化积水", "路口积水") != content_hash("奉化积水", "路口积雪")


NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI)


def test_to_shanghai():
    naive = dt.datetime(2026, 5, 31, 8, 30)
    assert to_shanghai(naive, NOW, now=NOW) == dt.datetime(2026, 5, 31, 8, 30, tzinfo=SHANGHAI)
    utc = dt.datetime(2026, 5, 31, 0, 30, tzinfo=dt.UTC)
    converted = to_shanghai(utc, NOW, now=NOW)
    assert converted.utcoffset() == dt.timedelta(hours=8) and converted.hour == 8 and converted == utc
    assert to_shanghai(None, NOW, now=NOW) == NOW
    assert to_shanghai("not a date", NOW, now=NOW) == NOW
    assert to_shanghai("2026-05-30T10:00:00Z", NOW, now=NOW) == dt.datetime(2026, 5, 30, 18, tzinfo=SHANGHAI)
    assert to_shanghai(dt.date(2026, 5, 30), NOW, now=NOW) == dt.datetime(2026, 5, 30, tzinfo=SHANGHAI)
    # A few minutes ahead is clock skew, kept; further ahead is clamped to now.
    assert to_shanghai(NOW + dt.timedelta(minutes=5), NOW, now=NOW) == NOW + dt.timedelta(minutes=5)
    assert to_shanghai(NOW + dt.timedelta(hours=3), NOW, now=NOW) == NOW
    assert to_shanghai(naive, NOW, now=NOW).tzinfo == SHANGHAI


@pytest.mark.parametrize("raw, expected", [
    ("HTTPS://News.Example.COM:443/a/b/?utm_source=wx&b=2&a=1&spm=3.4#top", "https://news.example.com/a/b?a=1&b=2"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/x/", "http://example.com:8080/x"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com/news?from=timeline&isappinstalled=0&id=7", "https://example.com/news?id=7"),
    ("https://mp.weixin.qq.com/s?__biz=MzA&mid=22&idx=1&sn=abc&chksm=ff&scene=21#wechat_redirect",
     "https://mp.weixin.qq.com/s?__biz=MzA&idx=1&mid=22&sn=abc"),
    ("https://m.example.com/a?share_token=x&srcid=y&wfr=spider&for=pc", "https://m.example.com/a?for=pc"),
    ("https://example.com/app#!/news/7", "https://example.com/app#!/news/7"),
    ("https://example.com/新闻/奉化.html", "https://example.com/%E6%96%B0%E9%97%BB/%E5%A5%89%E5%8C%96.html"),
    ("https://example.com/%e6%96%b0%e9%97%bb/%E5%A5%89%E5%8C%96.html",
     "https://example.com/%E6%96%B0%E9%97%BB/%E5%A5%89%E5%8C%96.html"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("//example.com/a", "https://example.com/a"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("https://例子.中国/a", "https://xn--fsqu00a.xn--fiqs8s/a"),
    ("javascript:alert(1)", ""),
    ("ftp://example.com/a", ""),
    ("mailto:a@example.com", ""),
    ("https://", ""),
    ("http://[::1", ""),
    ("", ""),
    (None, ""),
])
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_url_hash_treats_http_and_https_as_one_page():
    a = url_hash(canonical_url("http://example.com/a?utm_medium=x"))
    b = url_hash(canonical_url("https://EXAMPLE.com/a/"))
    assert a == b and len(a) == 40
    assert url_hash(canonical_url("https://example.com/b")) != a
    assert url_hash("") == ""


def _clean_text_before(text):
    """clean_text as it was before its fast path (every substitution on every text), the
    reference the fast path must agree with."""
    import html
    import re
    import unicodedata

    from rongmei.monitor import normalise as n

    if not text:
        return ""
    value = str(text)
    if "<" in value:
        value = n._SCRIPT.sub(" ", value)
        value = n._BLOCK_TAG.sub("\n", value)
        value = n._TAG.sub("", value)
    if "&" in value:
        value = html.unescape(value)
        if "<" in value:
            value = n._BLOCK_TAG.sub("\n", value)
            value = n._TAG.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    value = n._INVISIBLE.sub("", value)
    value = n._NFKC_SAFE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), value)
    value = n._SPACES.sub(" ", value)
    lines = [n._CJK_GAP.sub("", line.strip()) for line in value.split("\n")]
    value = "\n".join(line for line in lines if line)
    return re.sub(r"\n{2,}", "\n", value).strip()


def test_clean_text_fast_path_agrees_with_every_substitution():
    """Random texts of Chinese, ASCII, every kind of space, invisible and control
    characters, full-width letters, line breaks, tags and entities: the same result as
    running every substitution, and the same content hash."""
    import random

    from rongmei.monitor.normalise import content_chars

    rng = random.Random(15)
    alphabet = (list("示例县解放路积水严重群众不满，。！？“”、：；（）abcXYZ019_-.%") + [" "] * 12
                + list("\t\u00a0\u1680\u2003\u202f\u205f\u3000\u00ad\u200b\u200d\u200e\u202a\u2060\ufeff\x00\x07\x0b\x0c"
                       "\x1c\x1f\x7f\x85\x9f\uff21\uff41\uff10\uf900\uff0c\u2028\u2029\r\n")
                + ["\n"] * 6 + ["\r\n", "<p>", "</p>", "<br/>", "&amp;", "&nbsp;", "&lt;b&gt;", "<script>x</script>"])
    samples = ["", " ", "\n\n", "已经干净的一段文字。\n第二段。", "a  b", "中 文", "中　文", "  首尾  "]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    for text in samples:
        assert clean_text(text) == _clean_text_before(text), repr(text)
        assert content_chars(text) == __import__("re").sub(r"[\W_]+", "", text.lower()), repr(text)
