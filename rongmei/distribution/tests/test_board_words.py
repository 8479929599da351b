"""Issue 13, the status board: a WeChat article whose submit may have reached WeChat reads
发布中 (not a red 重试中); every row either opens the published piece or says why there is
no link; no raw ids (platform ids, message ids) are shown."""

import re

import pytest
from django.utils.html import escape

from rongmei.distribution import services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.distribution.tests.test_board_truth_wechat import SUBMIT, account, publication, run, title


@pytest.fixture
def fake():
    wechat_adapter._tokens.clear()
    wechat_adapter._forced.clear()
    with start_fake("wechat", publish_delay=0.0) as server:
        yield server


def _row(board: str, name: str) -> str:
    match = re.search(r"<tr data-status=[^>]*>\s*<td>" + re.escape(name) + r"</td>.*?</tr>", board, re.S)
    assert match, name
    return match.group(0)


def test_an_unanswered_submit_reads_publishing_not_retrying(demo, operator, signed_story, fake, login):
    for appid, fault in (("wx-busy-submit", "busy"), ("wx-drop-submit", "drop")):
        acc = account(demo, fake, appid)
        if fault == "busy":
            fake.system_error(appid, calls=1, path=SUBMIT)
        else:
            fake.add_fault("drop", count=1, path=SUBMIT, account=appid, after_processing=True)
        services.publish(story=signed_story, user=operator, account_ids=[acc.pk])
    run()
    board = login("operator").get(f"/distribution/stories/{signed_story.pk}/", HTTP_HX_REQUEST="true").content.decode()
    for appid in ("wx-busy-submit", "wx-drop-submit"):
        p = Publication.objects.get(account__name=f"公众号{appid}")
        assert p.status == Publication.Status.PUBLISHING, (appid, p.status, p.last_error)
        row = _row(board, f"公众号{appid}")
        assert "发布中" in row and "重试中" not in row and 'class="error"' not in row
    run(3)
    for appid in ("wx-busy-submit", "wx-drop-submit"):
        p = Publication.objects.get(account__name=f"公众号{appid}")
        assert p.status == Publication.Status.SENT
        assert fake.successful_publishes(appid, title(signed_story)) == 1  # settled, never sent twice


def test_every_row_links_the_piece_or_says_why_and_shows_no_raw_ids(demo, operator, signed_story, fake, login):
    center = demo["demo"]
    wx = account(demo, fake, "wx-links")
    site = ChannelAccount.objects.get(center=center, kind="own_site")
    services.publish(story=signed_story, user=operator, account_ids=[wx.pk, site.pk])
    run(2)
    assert publication(wx).status == Publication.Status.SENT and publication(wx).remote_url
    mail = services.create_account(center=center, user=None, kind="email", name="报社邮箱",
                                   base_url="smtp://127.0.0.1:2525", options={"to": ["desk@example.cn"]})
    Publication.objects.create(center=center, story=signed_story, account=mail, channel="web", status="sent",
                               story_version=1, content_hash="m", remote_id="<20261206.abc123@rongmei>",
                               created_by=operator)
    paper = services.create_account(center=center, user=None, kind="newspaper", name="县报排版",
                                    base_url="sftp://127.0.0.1:2222/in")
    Publication.objects.create(center=center, story=signed_story, account=paper, channel="newspaper", status="failed",
                               story_version=1, content_hash="n", remote_id="/in/2026-12-06/demo-story-9",
                               last_error="上传失败：磁盘已满", created_by=operator)
    board = login("operator").get(f"/distribution/stories/{signed_story.pk}/").content.decode()
    wx_row = _row(board, wx.name)
    assert f'href="{escape(publication(wx).remote_url)}"' in wx_row and "打开微信文章" in wx_row
    site_row = _row(board, site.name)
    live = Publication.objects.get(account=site, story=signed_story)
    assert f'href="{escape(live.remote_url)}"' in site_row and "打开本站页面" in site_row
    assert "以邮件发出，没有网页链接" in _row(board, "报社邮箱")
    paper_row = _row(board, "县报排版")
    assert "没有发出" in paper_row and "磁盘已满" in paper_row and 'class="error"' in paper_row
    section = board.split('data-testid="status-board"')[1].split("</table>")[0]
    for p in Publication.objects.filter(story=signed_story):
        assert not p.remote_id or p.remote_id not in section, p.remote_id
    visible = re.sub(r"<[^>]+>", " ", section)  # the text people read, not the form addresses
    assert not re.search(r"#\d+|\bID\b|\b\d{5,}\b", visible), visible
