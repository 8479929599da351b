"""Issue 13, 全部撤稿: a confirmation page names every channel and account it will touch
(works without JS); the reason has an internal note (audit log, board) and an optional public
notice, and only the public notice (or a kind default) reaches the public 410 page, the public
API and the outlets' notices."""

import pytest

from rongmei.core.models import AuditEvent
from rongmei.distribution import outbox, selectors, services
from rongmei.distribution.models import ChannelAccount, OutboxMessage, Publication


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


@pytest.fixture
def site(demo):
    return ChannelAccount.objects.get(center=demo["demo"], kind="own_site")


@pytest.fixture
def published(demo, operator, signed_story, site):
    """The story live on the own site and waiting (scheduled) on the broadcast rundown."""
    import datetime as dt

    from django.utils import timezone

    services.publish(story=signed_story, user=operator, account_ids=[site.pk])
    deliver_all()
    tv = ChannelAccount.objects.get(center=demo["demo"], kind="broadcast")
    if signed_story.renditions.filter(channel="radio").exists():
        services.publish(story=signed_story, user=operator, account_ids=[tv.pk],
                         scheduled_at=timezone.now() + dt.timedelta(hours=2))
    return signed_story


def test_the_board_asks_first_and_the_confirm_page_names_every_account(login, published, site):
    client = login("operator")
    board = client.get(f"/distribution/stories/{published.pk}/").content.decode()
    # the board's form only leads to the confirmation (GET), it takes nothing down itself
    assert f'action="/distribution/stories/{published.pk}/takedown/"' in board
    assert 'method="get"' in board.split('data-testid="takedown-form"')[0].rsplit("<form", 1)[1]
    page = client.get(f"/distribution/stories/{published.pk}/takedown/",
                      {"note": "数据待核实", "notice": "本文部分数据有误，核实后重新发布。"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="takedown-confirm"' in html
    for p in Publication.objects.filter(story=published):
        assert p.account.name in html and p.account.get_kind_display() in html
    assert "数据待核实" in html and "本文部分数据有误，核实后重新发布。" in html  # kept in the fields
    assert "内部说明" in html and "公开说明" in html and "该稿件已撤回。" in html
    # nothing happened yet
    assert not OutboxMessage.objects.filter(publication__story=published, action="takedown").exists()


def test_posting_without_confirming_changes_nothing(login, published):
    client = login("operator")
    response = client.post(f"/distribution/stories/{published.pk}/takedown/", {"note": "数据待核实"})
    assert response.status_code == 200 and 'data-testid="takedown-confirm"' in response.content.decode()
    assert not OutboxMessage.objects.filter(publication__story=published, action="takedown").exists()
    response = client.post(f"/distribution/stories/{published.pk}/takedown/", {"note": "", "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "请写明撤稿的内部说明" in html
    assert not OutboxMessage.objects.filter(publication__story=published, action="takedown").exists()
    response = client.post(f"/distribution/stories/{published.pk}/takedown/",
                           {"note": "x", "notice": "长" * 201, "confirm": "1"})
    assert "公开说明不能超过 200 字" in response.content.decode()
    assert not OutboxMessage.objects.filter(publication__story=published, action="takedown").exists()


def test_internal_note_stays_inside_the_public_sees_only_the_notice(login, published, client, site):
    staff = login("operator")
    response = staff.post(f"/distribution/stories/{published.pk}/takedown/",
                          {"note": "当事人投诉，法务在核实", "notice": "本文部分数据有误，核实后重新发布。", "confirm": "1"},
                          follow=True)
    assert "撤稿已提交" in response.content.decode()
    deliver_all()
    p = Publication.objects.get(story=published, account=site)
    assert p.status == Publication.Status.TAKEN_DOWN
    assert p.takedown_note == "当事人投诉，法务在核实" and p.takedown_notice == "本文部分数据有误，核实后重新发布。"
    event = AuditEvent.objects.filter(action="distribution.takedown").order_by("-id").first()
    assert event.after["note"] == "当事人投诉，法务在核实" and event.after["notice"] == "本文部分数据有误，核实后重新发布。"
    board = staff.get(f"/distribution/stories/{published.pk}/").content.decode()
    assert "当事人投诉，法务在核实" in board  # the desk sees why
    # the public: static page, dynamic view and API
    from django.test import override_settings

    for static in (True, False):
        with override_settings(RONGMEI_PORTAL_STATIC=static):
            gone = client.get(f"/site/{published.center.slug}/news/{published.pk}/")
            text = b"".join(gone.streaming_content).decode() if gone.streaming else gone.content.decode()
            assert gone.status_code == 410
            assert "本文部分数据有误，核实后重新发布。" in text and "当事人投诉" not in text
    api = client.get(f"/api/public/v1/{published.center.slug}/items/{published.pk}")
    assert api.status_code == 410 and api.json()["notice"] == "本文部分数据有误，核实后重新发布。"
    # what the outlets were told carries the public notice only
    message = OutboxMessage.objects.get(publication=p, action="takedown")
    assert message.progress["reason"] == "本文部分数据有误，核实后重新发布。"


def test_without_a_public_notice_the_410_page_says_the_default(operator, published, client, site):
    services.take_down(story=published, user=operator, reason="记者稿件署名有争议")
    deliver_all()
    gone = client.get(f"/site/{published.center.slug}/news/{published.pk}/")
    text = b"".join(gone.streaming_content).decode() if gone.streaming else gone.content.decode()
    assert gone.status_code == 410 and "该稿件已撤回。" in text and "署名有争议" not in text
    p = Publication.objects.get(story=published, account=site)
    assert selectors.takedown_notice(p) == "该稿件已撤回。"
