"""Accounts without an API: the package, the person's confirmation, chasing; and the
broadcast rundown built from what was published to a programme."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.core.models import Notification, User
from rongmei.distribution import health, outbox, selectors, services
from rongmei.distribution.models import ChannelAccount, Publication


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


@pytest.fixture
def clerk(demo):
    return User.objects.get(username="reporter")  # stands in for a village's clerk


@pytest.fixture
def village(demo, clerk):
    leader = User.objects.get(username="reviewer3")
    return services.create_account(center=demo["demo"], user=None, kind="assisted", name="青山村公众号",
                                   owner="village", responsible=clerk, leader=leader)


def test_hand_work_waits_for_the_link(demo, operator, signed_story, village, clerk):
    services.publish(story=signed_story, user=operator, account_ids=[village.pk])
    deliver_all()
    publication = Publication.objects.get(account=village)
    assert publication.status == Publication.Status.AWAITING and publication.handoff == "publish"
    note = Notification.objects.get(recipient=clerk, url__endswith=f"/{publication.pk}/handoff/")
    assert "请代发" in note.title
    package = selectors.handoff_package(publication)
    assert package["title"] and package["text"] and package["action"] == "publish"
    village.refresh_from_db()
    assert village.last_published_at is None  # not out there until confirmed

    with pytest.raises(ValidationError, match="链接"):
        services.confirm_handoff(publication=publication, user=clerk, url="")
    with pytest.raises(ValidationError, match="http"):
        services.confirm_handoff(publication=publication, user=clerk, url="mp.weixin.qq.com/s/abc")
    stranger = User.objects.get(username="analyst")
    with pytest.raises(ValidationError, match="负责人"):
        services.confirm_handoff(publication=publication, user=stranger, url="https://mp.weixin.qq.com/s/abc")
    assert Publication.objects.get(pk=publication.pk).status == Publication.Status.AWAITING

    done = services.confirm_handoff(publication=publication, user=clerk, url="https://mp.weixin.qq.com/s/abc")
    assert done.status == Publication.Status.SENT and done.remote_url == "https://mp.weixin.qq.com/s/abc"
    village.refresh_from_db()
    assert village.last_published_at is not None

    # takedown is hand work too: the clerk deletes the post and says so
    services.take_down(story=signed_story, user=operator, reason="数据有误")
    deliver_all()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.AWAITING and publication.handoff == "takedown"
    assert selectors.handoff_package(publication)["post_url"] == "https://mp.weixin.qq.com/s/abc"
    assert services.confirm_handoff(publication=publication, user=clerk).status == Publication.Status.TAKEN_DOWN


def test_unconfirmed_hand_work_is_chased_then_escalated(demo, operator, signed_story, village, clerk):
    services.publish(story=signed_story, user=operator, account_ids=[village.pk])
    deliver_all()
    publication = Publication.objects.get(account=village)
    start = publication.updated_at
    assert health.chase_handoffs(now=start + dt.timedelta(hours=23)) == {"chased": 0, "escalated": 0}
    assert health.chase_handoffs(now=start + dt.timedelta(hours=25)) == {"chased": 1, "escalated": 0}
    assert health.chase_handoffs(now=start + dt.timedelta(hours=26)) == {"chased": 0, "escalated": 0}  # once per period
    assert Notification.objects.filter(recipient=clerk, title__startswith="催办").count() == 1
    assert health.chase_handoffs(now=start + dt.timedelta(hours=50)) == {"chased": 1, "escalated": 1}
    assert Notification.objects.filter(recipient=village.leader, title__startswith="催办").exists()


def test_assisted_account_needs_someone_to_do_the_work(demo, operator, signed_story):
    orphan = services.create_account(center=demo["demo"], user=None, kind="assisted", name="无人负责的号")
    services.publish(story=signed_story, user=operator, account_ids=[orphan.pk])
    deliver_all()
    # nobody named: the center's operators get the package
    publication = Publication.objects.get(account=orphan)
    assert publication.status == Publication.Status.AWAITING
    assert Notification.objects.filter(recipient=operator, url__endswith=f"/{publication.pk}/handoff/").exists()


# --- broadcast ---------------------------------------------------------------------------------------

@pytest.fixture
def bulletin(demo):
    return services.create_account(center=demo["demo"], user=None, kind="broadcast", name="县台新闻",
                                   options={"program": "示例新闻联播", "slot_start": "18:30", "slot_seconds": 600})


def test_published_stories_fill_the_days_rundown(demo, operator, signed_story, bulletin, login):
    services.publish(story=signed_story, user=operator, account_ids=[bulletin.pk])
    deliver_all()
    publication = Publication.objects.get(account=bulletin)
    assert publication.status == Publication.Status.SENT and publication.position == 1
    sheet, rows = selectors.rundown(bulletin, timezone.localdate())
    assert [r.pk for r in rows] == [publication.pk]
    assert sheet.program == "示例新闻联播" and sheet.slot_seconds == 600 and sheet.start == "18:30:00"
    assert sheet.items[0].seconds > 0  # the radio version's estimated read time

    client = login("operator")
    page = client.get(f"/distribution/accounts/{bulletin.pk}/rundown/")
    assert page.status_code == 200 and sheet.items[0].title in page.content.decode()
    for fmt, kind in (("csv", "text/csv"), ("docx", "officedocument"), ("pdf", "application/pdf")):
        export = client.get(f"/distribution/accounts/{bulletin.pk}/rundown/?format={fmt}")
        assert export.status_code == 200 and kind in export["Content-Type"]
    assert client.get(f"/distribution/accounts/{bulletin.pk}/rundown/?format=csv").content.decode("utf-8-sig").count(
        sheet.items[0].title) == 1
    assert "日期格式" in client.get(f"/distribution/accounts/{bulletin.pk}/rundown/?date=2026-13-40", follow=True).content.decode()

    services.take_down(story=signed_story, user=operator, reason="不播了")
    deliver_all()
    assert selectors.rundown(bulletin, timezone.localdate())[1] == []


def test_rundown_order_can_be_changed(demo, operator, bulletin):
    from rongmei.newsroom.models import Story

    story = Story.objects.filter(center=demo["demo"]).first()
    made = []
    for n in range(3):
        made.append(Publication.objects.create(center=demo["demo"], story=story, account=bulletin, channel="radio",
                                               story_version=1, content_hash=f"h{n}", status=Publication.Status.SENT,
                                               position=n + 1, created_by=operator))
    services.move_in_rundown(publication=made[2], user=operator, direction="up")
    order = [p.pk for p in selectors.rundown_publications(bulletin, timezone.localdate()).order_by("position")]
    assert order == [made[0].pk, made[2].pk, made[1].pk]
    with pytest.raises(ValidationError, match="最前面"):
        services.move_in_rundown(publication=made[0], user=operator, direction="up")


def test_account_kinds_have_adapters():
    from rongmei.distribution.adapters import adapter_for

    for kind, _ in ChannelAccount.Kind.choices:
        assert hasattr(adapter_for(kind), "deliver")


def test_only_reviewed_channel_versions_publish(demo, operator):
    """A story signed off for the website only cannot go to WeChat with an unreviewed text."""
    from rongmei.newsroom.services import renditions as rendition_svc
    from rongmei.newsroom.services import stories as story_svc
    from rongmei.review import engine

    from .conftest import approve_all

    reporter, editor = User.objects.get(username="reporter"), User.objects.get(username="editor")
    story = story_svc.create_story(center=demo["demo"], user=reporter, data=story_svc.StoryData(
        headline="青山镇部署晚稻抢收", body="<p>青山镇今天召开秋收工作会，部署晚稻抢收。</p>"))
    story_svc.change_status(story=story, user=reporter, action="file")
    story_svc.change_status(story=story, user=editor, action="edit")
    rendition_svc.generate(story=story, user=editor, channels=["web", "wechat"])
    story_svc.change_status(story=story, user=editor, action="ready")
    story = approve_all(engine.submit(story=story, user=editor, channels=["web"]))
    wechat = ChannelAccount.objects.filter(center=demo["demo"], kind="wechat").first()
    with pytest.raises(ValidationError, match="没有经过审核签发：微信"):
        services.publish(story=story, user=operator, account_ids=[wechat.pk])
    assert not Publication.objects.filter(story=story).exists()
    site = ChannelAccount.objects.get(center=demo["demo"], kind="own_site")
    assert len(services.publish(story=story, user=operator, account_ids=[site.pk])) == 1
