"""The province's platform (省级技术平台) over real HTTP: signed ninjs 3.1 with the short video,
its cover and the pictures as media links the fake province fetches from our site; takedown
and correction; the signed receipts it sends back (good, bad, replayed, oversized, unknown)
and a 采用 becoming a pickup the month's scorecard counts."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test.testcases import LiveServerThread
from django.utils import timezone

from rongmei.core.models import Notification, User
from rongmei.distribution import outbox, province, services
from rongmei.distribution.fakes import start_fake
from rongmei.distribution.formatters import sign, validate_ninjs
from rongmei.distribution.models import ChannelAccount, ProvinceReceipt, Publication
from rongmei.newsroom.models import Story
from rongmei.review import engine
from rongmei.testing.video import ready_video

from .conftest import approve_all, resign

KEY = "province-shared-key"


class _SharedConnectionServer(ThreadedWSGIServer):
    def _close_connections(self):
        """The test's own connection (inside its transaction) serves the requests: keep it."""


class _Site(LiveServerThread):
    """Django's live server thread, but every request goes through the whole app (no test
    shortcut serving /media/ straight from disk: the media access checks must answer)."""

    server_class = _SharedConnectionServer

    def run(self):
        from django.core.handlers.wsgi import WSGIHandler

        for alias, conn in self.connections_override.items():
            connections[alias] = conn
        try:
            self.httpd = self._create_server(connections_override=self.connections_override)
            self.port = self.httpd.server_address[1]
            self.httpd.set_app(WSGIHandler())
            self.is_ready.set()
            self.httpd.serve_forever()
        except Exception as exc:  # noqa: BLE001 - handed to the test through `error`, as Django does
            self.error = exc
            self.is_ready.set()


@pytest.fixture
def site(settings, db, tmp_path):
    """This Django, served over HTTP on loopback (sharing the test's database connection, so
    it sees the test's rows): the province fetches media links and posts receipts to it."""
    _media_root_with_story_files(settings, tmp_path / "media")
    conn = connections["default"]
    thread = _Site("127.0.0.1", None, connections_override={"default": conn}, port=0)
    thread.daemon = True
    conn.inc_thread_sharing()
    # Django's test Client connects close_old_connections again after each of its requests;
    # the next live request would then close this shared connection, which on PostgreSQL is
    # inside the test's transaction (it failed there once a board page had been opened).
    conn.close_if_unusable_or_obsolete = lambda: None
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    thread.start()
    thread.is_ready.wait()
    url = f"http://127.0.0.1:{thread.port}"
    settings.RONGMEI_BASE_URL = url
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    try:
        yield url
    finally:
        thread.terminate()
        conn.dec_thread_sharing()
        del conn.close_if_unusable_or_obsolete
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _media_root_with_story_files(settings, root):
    """A MEDIA_ROOT of the test's own (videos made here go there), holding copies of the demo
    stories' picture and video files, so the site can serve them as it would in production."""
    import shutil
    from pathlib import Path

    from rongmei.newsroom.models import Asset

    old = Path(settings.MEDIA_ROOT)
    for asset in Asset.objects.prefetch_related("renditions"):
        names = [asset.file.name, asset.poster.name if asset.poster else ""]
        names += [r.file.name for r in asset.renditions.all() if r.file]
        for name in filter(None, names):
            if (old / name).is_file():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(old / name, root / name)
    settings.MEDIA_ROOT = str(root)


def without_video(story, user):
    """The story with a short-video version but no video in it (as before any was made)."""
    from rongmei.newsroom.models import Rendition
    from rongmei.newsroom.services import renditions as rendition_svc

    rendition = Rendition.objects.filter(story=story, channel="short_video").first()
    if rendition is None:
        rendition_svc.generate(story=story, user=user, channels=["short_video"])
    else:
        fields = {k: v for k, v in rendition.fields.items() if k not in ("video", "video_horizontal")}
        Rendition.objects.filter(pk=rendition.pk).update(fields=fields)
    return Story.objects.get(pk=story.pk)


@pytest.fixture
def fake():
    with start_fake("province") as server:
        server.configure(secret=KEY)
        yield server


@pytest.fixture
def editor(demo):
    return User.objects.get(username="editor")


@pytest.fixture
def story(site, signed_story, editor):
    """The signed story, signed off again for this site's address (its links changed)."""
    return sign_again(signed_story, editor)


@pytest.fixture
def video_story(site, signed_story, editor):
    """The signed story with a finished vertical video, signed off again with it."""
    video = ready_video(signed_story, editor)
    story = sign_again(signed_story, editor)
    story.video = video
    return story


def sign_again(story, editor):
    """Whatever changed the story (its video attached, the site's address), sign it off again."""
    from rongmei.review.models import Review

    story = Story.objects.get(pk=story.pk)
    if engine.is_signed_off(story):
        return story
    review = Review.objects.filter(story=story, status=Review.Status.IN_REVIEW).order_by("-id").first()
    if review is None:
        channels = sorted(set(story.renditions.values_list("channel", flat=True)))
        review = engine.submit(story=story, user=editor, channels=channels)
    return approve_all(review)


def province_account(demo, fake, secret=KEY):
    return services.create_account(center=demo["demo"], user=None, kind="province", name="省级技术平台（测试）",
                                   base_url=f"{fake.url}/ninjs", secret=secret)


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


def published(demo, operator, story, fake, site):
    account = province_account(demo, fake)
    fake.configure(callback_url=f"{site}{province.callback_path(account)}")
    services.publish(story=story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.SENT, publication.last_error
    return account, publication


def uri(story):
    return f"urn:rongmei:{story.center.slug}:story:{story.pk}"


# --- The push ------------------------------------------------------------------------------------

def test_push_carries_the_video_cover_and_pictures_the_province_can_fetch(demo, operator, site, fake, video_story):
    published(demo, operator, video_story, fake, site)
    (item,) = fake.items().values()
    version = item["versions"][-1]
    doc = version["doc"]
    validate_ninjs(doc)  # the schema the project ships
    assert version["event"] == "publish" and doc["pubStatus"] == "usable"
    renditions = {r["name"]: r for r in doc["renditions"]}
    assert renditions["web"]["contentType"] == "text/html"
    video = renditions["short_video"]
    vf = video_story.video
    assert video["contentType"] == "video/mp4" and video["sizeInBytes"] == vf.size
    assert (video["width"], video["height"]) == (vf.width, vf.height) and video["height"] > video["width"]
    assert video["duration"] == pytest.approx(vf.duration, abs=0.01)
    assert renditions["short_video_cover"]["contentType"] == "image/jpeg"
    fetched = {f["name"]: f for f in version["fetched"] if f["where"] == "item"}
    assert fetched["short_video"]["status"] == 200 and fetched["short_video"]["sha256"] == vf.sha256
    with vf.open_cover() as cover:
        assert fetched["short_video_cover"]["sha256"] == hashlib.sha256(cover.read()).hexdigest()
    pictures = [f for f in version["fetched"] if f["where"] != "item"]
    assert len(pictures) == sum(len(a.get("renditions", [])) for a in doc["associations"]) >= 2
    assert all(f["status"] == 200 for f in pictures), pictures
    assert any(a["type"] == "picture" for a in doc["associations"])
    assert not fake.state()["refused"]


def test_takedown_is_canceled_and_closes_the_links(demo, operator, site, fake, video_story):
    import urllib.error
    import urllib.request

    _account, publication = published(demo, operator, video_story, fake, site)
    link = next(r["href"] for r in fake.items()[uri(video_story)]["versions"][0]["doc"]["renditions"]
                if r["name"] == "short_video")
    services.take_down(story=video_story, user=operator, reason="测试撤稿")
    deliver_all()
    publication.refresh_from_db()
    assert publication.status == Publication.Status.TAKEN_DOWN
    item = fake.items()[uri(video_story)]
    assert item["pubStatus"] == "canceled" and item["versions"][-1]["event"] == "takedown"
    assert not [r for r in item["versions"][-1]["doc"].get("renditions", []) if r["name"] == "short_video"]
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(link, timeout=10)
    assert gone.value.code == 404


def test_correction_is_the_next_version(demo, operator, site, fake, story):
    published(demo, operator, story, fake, site)
    story = resign(story, body=story.body + "<p>更正：补充一句。</p>")
    services.correct(story=story, user=operator, note="补充一句")
    deliver_all()
    versions = fake.items()[uri(story)]["versions"]
    assert [v["event"] for v in versions] == ["publish", "correction"]
    assert int(versions[1]["version"]) > int(versions[0]["version"])
    assert "补充一句" in versions[1]["doc"]["edNote"]


def test_a_document_the_schema_refuses_is_never_sent(demo, fake):
    from rongmei.distribution.adapters.http_push import post_signed
    from rongmei.distribution.formatters.push import signed_document

    account = province_account(demo, fake)
    invalid = {"uri": "not a uri", "type": "text", "version": "1"}
    outcome = post_signed(account, "p1-a1-v1-publish",
                          lambda secret: signed_document(invalid, secret=secret, delivery_key="p1-a1-v1-publish",
                                                         event="publish"), who="省级技术平台")
    assert outcome.kind == "fail" and "ninjs" in outcome.detail
    assert fake.state()["calls"].get("/ninjs") is None


def test_the_province_refuses_a_wrong_key(demo, operator, site, fake, story):
    account = province_account(demo, fake, secret="another-key")
    services.publish(story=story, user=operator, account_ids=[account.pk])
    deliver_all()
    publication = Publication.objects.get(account=account)
    assert publication.status == Publication.Status.FAILED and "HTTP 401" in publication.last_error
    assert fake.state()["refused"][0]["reason"] == "signature"


# --- The receipts --------------------------------------------------------------------------------

def test_received_and_used_receipts_show_on_the_board(demo, operator, site, fake, story, login):
    account, publication = published(demo, operator, story, fake, site)
    answer = fake.send_callback(uri(story), "received")
    assert answer["status"] == 200 and answer["answer"]["duplicate"] is False
    board = login("operator").get(f"/distribution/stories/{story.pk}/").content.decode()
    assert "省平台已接收" in board
    answer = fake.send_callback(uri(story), "used", used_by="省广播电视台", level="provincial",
                                link="https://news.example.cn/a/1")
    assert answer["status"] == 200
    used = ProvinceReceipt.objects.get(account=account, event="used")
    assert (used.used_by, used.level, used.url, used.publication_id) == (
        "省广播电视台", "provincial", "https://news.example.cn/a/1", publication.pk)
    board = login("operator").get(f"/distribution/stories/{story.pk}/").content.decode()
    assert "省平台已采用：省广播电视台" in board


def test_a_replayed_receipt_changes_nothing(demo, operator, site, fake, story):
    from rongmei.appraisal.models import Pickup

    account, _ = published(demo, operator, story, fake, site)
    answer = fake.send_callback(uri(story), "used", used_by="省日报", level="provincial", repeat=True)
    first, second = answer["answers"]
    assert first["status"] == second["status"] == 200
    assert (first["answer"]["duplicate"], second["answer"]["duplicate"]) == (False, True)
    assert ProvinceReceipt.objects.filter(account=account).count() == 1
    assert Pickup.objects.filter(story=story, outlet_name="省日报").count() == 1


def test_bad_signature_unknown_address_unknown_piece_and_oversized(demo, operator, site, fake, story, client):
    account, _ = published(demo, operator, story, fake, site)
    assert fake.send_callback(uri(story), "received", tamper=True)["status"] == 401
    assert fake.send_callback(uri(story), "received", secret="wrong-key")["status"] == 401
    assert fake.send_callback("urn:rongmei:demo:story:999999", "received")["status"] == 404
    assert fake.send_callback(uri(story), "received",
                              url_to=f"{site}/distribution/province/{'0' * 32}/callback")["status"] == 404
    big = json.dumps({"event_id": "x", "event": "received", "uri": uri(story), "pad": "字" * 9000})
    answer = fake.send_callback(uri(story), raw=big)
    assert answer["status"] == 413 and "回执过大" in answer["answer"]["error"]
    assert not ProvinceReceipt.objects.filter(account=account).exists()
    # the endpoint is public and CSRF-exempt, but only POST
    assert client.get(province.callback_path(account)).status_code == 405


def test_malformed_receipts_are_refused_in_chinese(demo, operator, site, fake, story, client):
    account, _ = published(demo, operator, story, fake, site)
    path = province.callback_path(account)

    def post(doc):
        body = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
        return client.post(path, body, content_type="application/json", HTTP_X_RONGMEI_SIGNATURE=sign(body, KEY))

    bad = post(b"{not json")
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]
    bad = post({"event_id": "e1", "event": "used", "uri": uri(story), "at": "昨天"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert "at 应为带时区" in error and "used_by 必填" in error and "level 应为" in error
    good = post({"event_id": "e2", "event": "received", "uri": uri(story), "at": "2026-12-01T10:00:00+08:00"})
    assert good.status_code == 200 and good.json() == {"ok": True, "receipt": "e2", "duplicate": False}
    assert ProvinceReceipt.objects.filter(account=account).count() == 1


# --- 采用 counts as a pickup ----------------------------------------------------------------------

def test_a_use_becomes_a_pickup_the_scorecard_counts(demo, operator, site, fake, story):
    from rongmei.appraisal import engine as appraisal_engine
    from rongmei.appraisal import periods
    from rongmei.appraisal.models import Period, Pickup, ScoreLine

    published(demo, operator, story, fake, site)
    now = timezone.localtime(timezone.now())
    fake.send_callback(uri(story), "used", used_by="省广播电视台", level="provincial",
                       at=now.isoformat(timespec="seconds"))
    pickup = Pickup.objects.get(story=story, outlet_name="省广播电视台")
    assert (pickup.source, pickup.level, pickup.used_on) == (Pickup.Source.PROVINCE, "provincial", now.date())
    period = periods.get_or_open(demo["demo"], now.date())
    assert period.status == Period.Status.OPEN
    appraisal_engine.compute(period)
    lines = ScoreLine.objects.filter(period=period, kind="pickup", story=story)
    assert lines.exists() and all(line.points > 0 for line in lines)
    assert any("省级" in line.rule for line in lines)


def test_a_use_in_a_closed_month_is_not_added_and_the_appraisers_are_told(demo, operator, site, fake, story):
    import datetime as dt

    from rongmei.appraisal.models import Period, Pickup

    published(demo, operator, story, fake, site)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    Period.objects.update_or_create(center=demo["demo"], month=month, defaults={"status": Period.Status.CLOSED})
    used_at = dt.datetime.combine(month.replace(day=15), dt.time(10), tzinfo=timezone.get_current_timezone())
    answer = fake.send_callback(uri(story), "used", used_by="省日报", level="provincial",
                                at=used_at.isoformat())
    assert answer["status"] == 200  # the receipt is kept; the closed month is not touched
    assert not Pickup.objects.filter(story=story, outlet_name="省日报").exists()
    appraiser = User.objects.get(username="appraiser")
    assert Notification.objects.filter(recipient=appraiser, title__contains="已结算月份").exists()


# --- Account and pre-flight ----------------------------------------------------------------------

def test_the_account_page_shows_the_callback_address(demo, login, site):
    page = login("admin").post("/distribution/accounts/new/", {
        "name": "省平台", "kind": "province", "owner": "center", "base_url": "https://province.example.cn/ninjs",
        "secret": "k", "is_active": "on"}, follow=True).content.decode()
    account = ChannelAccount.objects.get(center=demo["demo"], name="省平台")
    assert account.callback_key and f"/distribution/province/{account.callback_key}/callback" in page
    assert 'data-testid="province-callback"' in page


def test_preflight_checks_the_province_document_and_account(demo, signed_story, fake):
    from rongmei.distribution import preflight

    account = services.create_account(center=demo["demo"], user=None, kind="province", name="没有密钥的省平台",
                                      base_url=f"{fake.url}/ninjs")
    problems = preflight.for_publish(signed_story, [account])
    assert [p.message for p in problems] == ["账号没有填写签名密钥：请在账号设置中填写后再发布。"]
