"""The e-mail copy: plain and HTML alternatives, inline pictures, encoded headers."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from rongmei.distribution.formatters.mail import email_message

from .samples import flood_item, with_files

TO = "省融媒体中心编辑部 <desk@province.example.cn>"
SENDER = "示例县融媒体中心 <news@example.cn>"


@pytest.fixture
def item(tmp_path):
    return with_files(flood_item(), tmp_path)


def sent(message) -> email.message.EmailMessage:
    """The message as a receiver parses it from the wire."""
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


def test_structure_is_alternative_text_and_related_html_with_pictures(item):
    message = email_message(item, to=TO, sender=SENDER)
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/jpeg", "image/png",
    ]


def test_headers_are_ascii_on_the_wire_and_chinese_when_read(item):
    raw = email_message(item, to=[TO, "desk2@example.cn"], sender=SENDER).as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    head.decode("ascii")  # RFC 2047 encoded, no raw UTF-8 in headers
    assert b"=?utf-8?" in head
    received = email.message_from_bytes(raw, policy=policy.default)
    assert received["Subject"] == "示例县迎战入汛以来最强降雨 城区积水点半小时内消退"
    assert received["From"].addresses[0].display_name == "示例县融媒体中心"
    assert [a.addr_spec for a in received["To"].addresses] == ["desk@province.example.cn", "desk2@example.cn"]
    assert received["X-Rongmei-Guid"] == "urn:rongmei:demo:story:42"
    assert received["X-Rongmei-Version"] == "3"


def test_whole_message_is_seven_bit_safe(item):
    email_message(item, to=TO, sender=SENDER).as_bytes().decode("ascii")


def test_plain_text_reads_like_the_story(item):
    plain = sent(email_message(item, to=TO, sender=SENDER)).get_body(("plain",)).get_content()
    lines = plain.splitlines()
    assert lines[:4] == [
        "闻“汛”而动 连夜排涝",
        "示例县迎战入汛以来最强降雨 城区积水点半小时内消退",
        "今年改造老旧排水管网12.6公里，易涝点由23处减至6处",
        "记者 王磊　通讯员 张晓燕　摄影 李娜",
    ]
    assert "（图片说明：改造后的青山镇排水泵站。 李娜 摄）" in lines
    assert "1. 遇积水及时拨打12345热线；" in lines
    assert lines[-2:] == ["原文链接：https://www.example.cn/news/42/", "—— 示例县融媒体中心"]


def test_html_shows_pictures_inline_by_content_id(item):
    received = sent(email_message(item, to=TO, sender=SENDER))
    html = received.get_body(("html",)).get_content()
    images = [p for p in received.walk() if p.get_content_maintype() == "image"]
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_content_disposition() == "inline"
    assert images[0].get_content() == Path(item.images[0].path).read_bytes()
    assert images[0].get_filename() == "demo-story-42-01.jpg"
    assert "<h1" in html and "示例县迎战入汛以来最强降雨" in html
    assert "<strong>12.6公里</strong>" in html
    assert 'lang="zh-CN"' in html


def test_pictures_without_a_local_file_stay_linked():
    received = sent(email_message(flood_item(), to=TO, sender=SENDER))
    assert not [p for p in received.walk() if p.get_content_maintype() == "image"]
    html = received.get_body(("html",)).get_content()
    assert 'src="https://media.example.cn/2024/07/flood-1.jpg"' in html


def test_correction_is_prefixed_and_opens_with_the_notice(item):
    message = email_message(flood_item(images=item.images, correction_note="第三段“2万元”应为“20万元”"),
                            to=TO, sender=SENDER)
    received = sent(message)
    assert received["Subject"] == "【更正】示例县迎战入汛以来最强降雨 城区积水点半小时内消退"
    plain = received.get_body(("plain",)).get_content()
    assert plain.startswith("更正：本稿于2024年7月3日发布，现更正如下：第三段“2万元”应为“20万元”。")
    assert "本报讯" in plain  # the corrected story follows
    assert "现更正如下" in received.get_body(("html",)).get_content()


def test_takedown_carries_the_notice_only(item):
    message = email_message(flood_item(images=item.images, pubstatus="canceled", correction_note="数据待核实"),
                            to=TO, sender=SENDER)
    received = sent(message)
    assert received["Subject"].startswith("【撤稿】")
    assert [p.get_content_type() for p in received.walk()] == [
        "multipart/alternative", "text/plain", "text/html",
    ]
    plain = received.get_body(("plain",)).get_content()
    assert plain.startswith("撤稿通知：《示例县迎战入汛以来最强降雨")
    assert "撤稿原因：数据待核实。" in plain
    assert "本报讯" not in plain and "原文链接" not in plain


def test_withheld_is_prefixed():
    assert email_message(flood_item(pubstatus="withheld"), to=TO, sender=SENDER)["Subject"].startswith("【暂缓】")


def test_same_item_gives_the_same_message(item):
    first = email_message(item, to=TO, sender=SENDER).as_bytes()
    assert first == email_message(item, to=TO, sender=SENDER).as_bytes()


@pytest.mark.parametrize(("to", "sender", "message"), [([], SENDER, "收件人"), ("  ", SENDER, "收件人"), (TO, "", "发件人")])
def test_missing_addresses_are_refused_in_chinese(to, sender, message):
    with pytest.raises(ValueError, match=message):
        email_message(flood_item(), to=to, sender=sender)
