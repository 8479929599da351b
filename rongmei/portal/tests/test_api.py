"""The public read API (/api/public/v1/): ninjs shapes, cursor paging, errors, caching.

Live items are made the real way: the demo's stories in review are signed off, published
to the own-site account and delivered by the outbox worker."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.distribution import outbox, services
from rongmei.distribution.formatters import validate_ninjs
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.distribution.tests.conftest import approve_all
from rongmei.newsroom.models import Asset, Column, Rendition, Story, StoryAsset
from rongmei.portal.api import parse_if_none_match
from rongmei.portal.models import Feature, FeatureItem, LiveStream, ServiceEntry
from rongmei.review.models import Review

BASE = "/api/public/v1"


def deliver() -> None:
    """Run the delivery worker until nothing is due (one message per account per claim)."""
    for _ in range(50):
        batch = outbox.claim("tests", limit=50)
        if not batch:
            return
        for message in batch:
            outbox.process(message, "tests")


def publish(story: Story) -> Publication:
    site = ChannelAccount.objects.get(center=story.center, kind=ChannelAccount.Kind.OWN_SITE)
    services.publish(story=story, user=User.objects.get(username="operator"), account_ids=[site.pk])
    deliver()
    return Publication.objects.get(story=story, account=site)


def all_live(center: Center) -> list[Publication]:
    """Every item live on the center's site, newest first (the demo's own and the tests')."""
    return list(Publication.objects.filter(center=center, account__kind=ChannelAccount.Kind.OWN_SITE,
                                           status__in=[Publication.Status.SENT, Publication.Status.CORRECTED])
                .order_by("-sent_at", "-pk"))


@pytest.fixture
def live(demo) -> list[Publication]:
    """At least four items published just now on the demo site (the demo's stories in
    review, signed off now, and any signed-off story not yet on the site), newest first."""
    site = ChannelAccount.objects.get(center=demo["demo"], kind=ChannelAccount.Kind.OWN_SITE)
    on_site = set(Publication.objects.filter(account=site).values_list("story_id", flat=True))
    made = []
    for review in Review.objects.filter(center=demo["demo"]).order_by("pk"):
        if review.story_id in on_site:
            continue
        story = review.story if review.status == Review.Status.SIGNED_OFF else approve_all(review)
        made.append(publish(story))
    for publication in made:
        publication.refresh_from_db()
        assert publication.status == Publication.Status.SENT, (publication.status, publication.last_error)
    assert len(made) >= 4, "the demo should have stories in review to publish"
    return sorted(made, key=lambda p: (p.sent_at, p.pk), reverse=True)


@pytest.fixture
def client() -> Client:
    return Client()


def get(client: Client, path: str, **headers):
    return client.get(f"{BASE}{path}", headers=headers)


def walk(client: Client, path: str) -> list[dict]:
    """Every item of a list, page by page, following `next`."""
    seen, url = [], path
    for _ in range(100):
        response = get(client, url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen.extend(body["items"])
        if body["next"] is None:
            return seen
        joiner = "&" if "?" in path else "?"
        url = f"{path}{joiner}cursor={body['next']}"
    raise AssertionError("paging never ended")


def story_ids(items: list[dict]) -> list[int]:
    return [int(doc["uri"].rsplit(":", 1)[1]) for doc in items]


def video_asset(center: Center, tmp_path) -> Asset:
    """A real two-second MP4 made with ffmpeg's test card (a few bytes stand in without it)."""
    data = b"\x00\x00\x00\x18ftypmp42"
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        out = tmp_path / "clip.mp4"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=160x120:rate=10",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)], check=True, timeout=60)
        data = out.read_bytes()
    asset = Asset(center=center, kind=Asset.Kind.VIDEO, original_name="clip.mp4", mime="video/mp4", size=len(data),
                  sha256="0" * 64, width=160, height=120, duration=2.0, caption="县城夜景",
                  uploaded_by=User.objects.get(username="editor"))
    asset.file.save("clip.mp4", ContentFile(data), save=False)
    asset.save()
    return asset


# --- ninjs shapes ---------------------------------------------------------------------------------

def test_every_kind_of_item_is_valid_ninjs(client, demo, live, tmp_path, settings):
    settings.RONGMEI_PORTAL_STATIC = False  # the items are changed in the database here, not republished
    text_only, with_video, video_only, with_pictures = live[0], live[1], live[2], live[3]
    StoryAsset.objects.filter(story_id=text_only.story_id).delete()
    video = video_asset(demo["demo"], tmp_path)
    StoryAsset.objects.create(story_id=with_video.story_id, asset=video, order=9)
    StoryAsset.objects.filter(story_id=video_only.story_id).delete()
    StoryAsset.objects.create(story_id=video_only.story_id, asset=video, order=0)
    Story.objects.filter(pk=video_only.story_id).update(body="", summary="")
    Rendition.objects.filter(story_id=video_only.story_id, channel="web").update(body="")

    docs = {}
    for publication in (text_only, with_video, video_only, with_pictures):
        response = get(client, f"/demo/items/{publication.story_id}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("application/json")
        validate_ninjs(response.json())
        docs[publication.pk] = response.json()
    assert (docs[text_only.pk]["type"], docs[text_only.pk]["profile"]) == ("text", "text-only")
    assert (docs[with_pictures.pk]["type"], docs[with_pictures.pk]["profile"]) == ("text", "text-photo")
    assert docs[with_video.pk]["type"] == "composite"
    assert docs[video_only.pk]["type"] == "video"
    assert any(r.get("contentType") == "video/mp4" for r in docs[video_only.pk]["renditions"])

    listed = walk(client, "/demo/items")
    assert len(listed) == len(all_live(demo["demo"]))
    for doc in listed:
        validate_ninjs(doc)


# --- Lists and cursors ----------------------------------------------------------------------------

def test_paging_one_by_one_has_no_duplicates_and_no_gaps(client, demo, live):
    # Two items sent in the same instant: the publication id breaks the tie.
    Publication.objects.filter(pk__in=[live[1].pk, live[2].pk]).update(sent_at=live[1].sent_at)
    expected = [p.story_id for p in all_live(demo["demo"])]
    assert len(expected) == len(set(expected)) >= 4

    ids, url, pages = [], "/demo/items?limit=1", 0
    while url:
        body = get(client, url).json()
        pages += 1
        assert len(body["items"]) == 1
        ids += story_ids(body["items"])
        url = f"/demo/items?limit=1&cursor={body['next']}" if body["next"] else None
    assert ids == expected
    assert pages == len(expected)

    assert story_ids(walk(client, "/demo/items?limit=2")) == expected
    whole = get(client, "/demo/items?limit=50").json()
    assert story_ids(whole["items"]) == expected and whole["next"] is None


def test_an_item_published_between_pages_does_not_shift_the_next_page(client, demo, live):
    before = [p.story_id for p in all_live(demo["demo"])]
    first = get(client, "/demo/items?limit=2").json()
    # A new item appears at the top while the reader is on page one.
    newest = Publication.objects.get(pk=all_live(demo["demo"])[-1].pk)
    Publication.objects.filter(pk=newest.pk).update(sent_at=timezone.now() + dt.timedelta(seconds=5))
    rest = walk(client, f"/demo/items?limit=2&cursor={first['next']}")
    assert story_ids(first["items"]) + story_ids(rest) == before[:-1]


@pytest.mark.parametrize("cursor", [
    "garbage!!",
    "bm90LWEtY3Vyc29y",  # base64 of "not-a-cursor"
    base64.urlsafe_b64encode(b"2026-11-30T00:00:00+00:00|5|0000000000000000").decode().rstrip("="),
    "A" * 500,
])
def test_a_bad_cursor_is_400_in_chinese(client, live, cursor):
    response = get(client, f"/demo/items?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor 无效" in response.json()["detail"]
    assert response["Cache-Control"] == "no-store"


def test_a_tampered_cursor_is_400(client, live):
    cursor = get(client, "/demo/items?limit=1").json()["next"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    sent_at, pk, mac = raw.split("|")
    forged = base64.urlsafe_b64encode(f"{sent_at}|{int(pk) + 1}|{mac}".encode()).decode().rstrip("=")
    assert get(client, f"/demo/items?cursor={forged}").status_code == 400
    assert get(client, f"/demo/items?cursor={cursor}").status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=abc"])
def test_bad_parameters_are_400_in_chinese(client, demo, query):
    response = get(client, f"/demo/items?{query}")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求参数有误。" and response.json()["errors"]


def test_updated_since_keeps_items_published_or_corrected_since(client, demo, live):
    old = timezone.now() - dt.timedelta(days=10)
    Publication.objects.filter(pk__in=[p.pk for p in all_live(demo["demo"])]).exclude(
        pk__in=[live[0].pk, live[1].pk]).update(sent_at=old)
    Publication.objects.filter(pk=live[4].pk).update(corrected_at=timezone.now(), status=Publication.Status.CORRECTED)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    ids = story_ids(walk(client, f"/demo/items?updated_since={since.replace('+', '%2B')}"))
    assert sorted(ids) == sorted([live[0].story_id, live[1].story_id, live[4].story_id])
    assert story_ids(walk(client, "/demo/items?updated_since=2026-01-01T08:00:00Z")) != []

    response = get(client, "/demo/items?updated_since=yesterday")
    assert response.status_code == 400
    assert response.json() == {"detail": "updated_since 应为 ISO 8601 时间，如 2026-11-30T08:00:00+08:00。"}


def test_column_and_feature_filters(client, demo, live):
    story = Story.objects.get(pk=live[0].story_id)
    column = story.column
    expected = [p.story_id for p in all_live(demo["demo"]) if p.story.column_id == column.pk]
    assert story_ids(walk(client, f"/demo/items?column={column.slug}")) == expected
    other = Column.objects.filter(center=demo["demo"]).exclude(pk=column.pk).first()
    assert live[0].story_id not in story_ids(walk(client, f"/demo/items?column={other.slug}"))

    feature = Feature.objects.create(center=demo["demo"], title="测试专题", slug="test-zt")
    FeatureItem.objects.create(feature=feature, story_id=live[3].story_id, order=1)
    FeatureItem.objects.create(feature=feature, story_id=live[1].story_id, order=2)
    # a list filtered by feature keeps the list's order (newest first)
    assert story_ids(walk(client, "/demo/items?feature=test-zt")) == [live[1].story_id, live[3].story_id]

    assert get(client, "/demo/items?column=nope").json() == {"detail": "没有这个栏目。"}
    assert get(client, "/demo/items?feature=nope").status_code == 404


# --- Not found, gone ------------------------------------------------------------------------------

def test_unknown_or_inactive_center_is_404_json(client, demo):
    for path in ("/nowhere/items", "/nowhere/items/1", "/nowhere/columns", "/nowhere/features",
                 "/nowhere/live", "/nowhere/services"):
        response = get(client, path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "没有这个融媒体中心。"}
        assert response["Cache-Control"] == "no-store"
    Center.objects.filter(pk=demo["linxian"].pk).update(is_active=False)
    assert get(client, "/linxian/columns").json() == {"detail": "没有这个融媒体中心。"}


def test_unknown_item_is_404(client, live):
    for ref in ("999999", "abc", "1e3", "-1"):
        response = get(client, f"/demo/items/{ref}")
        assert response.status_code == 404, ref
        assert response.json() == {"detail": "没有这篇稿件。"}
    unpublished = Story.objects.filter(center=live[0].center, status=Story.Status.DRAFT).first()
    assert get(client, f"/demo/items/{unpublished.pk}").status_code == 404


def test_a_story_of_another_center_is_not_found(client, live):
    assert get(client, f"/linxian/items/{live[0].story_id}").status_code == 404


def test_taken_down_item_is_410_with_the_notice(client, live):
    gone = live[0]
    services.take_down(story=gone.story, user=User.objects.get(username="operator"), reason="当事人投诉，内部核实",
                       notice="数据有误，核实后重发")
    deliver()
    response = get(client, f"/demo/items/{gone.story_id}")
    assert response.status_code == 410
    assert response.json() == {"detail": "该稿件已撤稿。", "notice": "数据有误，核实后重发"}
    assert response["Cache-Control"] == "no-store"
    assert gone.story_id not in story_ids(walk(client, "/demo/items"))


# --- Caching --------------------------------------------------------------------------------------

def test_etag_round_trip_gives_304(client, live):
    first = get(client, "/demo/items?limit=2")
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    assert first["Cache-Control"] == "public, max-age=60"

    again = get(client, "/demo/items?limit=2", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "public, max-age=60"

    for header in (f'"other", {etag}', f"W/{etag}", "*", f' ,{etag} ,, "x"'):
        assert get(client, "/demo/items?limit=2", **{"If-None-Match": header}).status_code == 304, header
    assert get(client, "/demo/items?limit=2", **{"If-None-Match": '"different"'}).status_code == 200

    # The body changes, so does the tag.
    Publication.objects.filter(pk=live[0].pk).update(sent_at=live[-1].sent_at - dt.timedelta(hours=1))
    changed = get(client, "/demo/items?limit=2", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.parametrize("header", ["abc", '"unterminated', 'W/abc', '"a" "b"', "**", ",", "", 'w/"lower"'])
def test_malformed_if_none_match_is_ignored(client, demo, header):
    response = get(client, "/demo/columns", **{"If-None-Match": header})
    assert response.status_code == 200 and response.json()
    assert response["ETag"] and response["Cache-Control"] == "public, max-age=60"


def test_parse_if_none_match():
    assert parse_if_none_match('"a", W/"b"') == {"a", "b"}
    assert parse_if_none_match(' * ') == {"*"}
    assert parse_if_none_match('"a,b"') == {"a,b"}  # a comma may be part of a tag
    assert parse_if_none_match('"a" junk') is None
    assert parse_if_none_match("") is None


def test_every_endpoint_sends_etag_and_cache_control(client, demo, live):
    Feature.objects.create(center=demo["demo"], title="专题", slug="zt")
    for path in ("/demo/items", f"/demo/items/{live[0].story_id}", "/demo/columns", "/demo/features",
                 "/demo/features/zt", "/demo/live", "/demo/services"):
        response = get(client, path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "public, max-age=60", path
        assert get(client, path, **{"If-None-Match": response["ETag"]}).status_code == 304, path


# --- Columns, features, live, services ------------------------------------------------------------

def test_columns(client, demo):
    Column.objects.filter(center=demo["demo"], slug="bianmin").update(is_active=False)
    body = get(client, "/demo/columns").json()
    slugs = [c["slug"] for c in body]
    assert "yaowen" in slugs and "bianmin" not in slugs
    yaowen = next(c for c in body if c["slug"] == "yaowen")
    assert yaowen["url"] == demo["demo"].site_url("/columns/yaowen/")
    assert set(yaowen) == {"slug", "name", "description", "url"}


def test_features_list_and_detail(client, demo, live):
    Feature.objects.filter(center=demo["demo"]).update(is_active=False)  # the demo's own
    cover = Asset.objects.filter(center=demo["demo"], kind=Asset.Kind.IMAGE).first()
    feature = Feature.objects.create(center=demo["demo"], title="东部新城建设", slug="dongbu", summary="导语",
                                     cover=cover, order=1)
    Feature.objects.create(center=demo["demo"], title="已下线", slug="old", is_active=False)
    FeatureItem.objects.create(feature=feature, story_id=live[3].story_id, order=1)
    FeatureItem.objects.create(feature=feature, story_id=live[0].story_id, order=2)
    draft = Story.objects.filter(center=demo["demo"], status=Story.Status.DRAFT).first()
    FeatureItem.objects.create(feature=feature, story=draft, order=3)  # not live: not counted

    listed = get(client, "/demo/features").json()
    assert [f["slug"] for f in listed] == ["dongbu"]
    assert listed[0]["url"] == demo["demo"].site_url("/features/dongbu/")
    assert listed[0]["count"] == 2 and listed[0]["summary"] == "导语"
    assert listed[0]["cover"].startswith("http") and listed[0]["cover"].endswith(".jpg")

    detail = get(client, "/demo/features/dongbu").json()
    assert detail["title"] == "东部新城建设"
    assert story_ids(detail["items"]) == [live[3].story_id, live[0].story_id]
    for doc in detail["items"]:
        validate_ninjs(doc)
    assert get(client, "/demo/features/old").json() == {"detail": "没有这个专题。"}


def test_live_streams_have_their_state(client, demo):
    LiveStream.objects.filter(center=demo["demo"]).update(is_active=False)  # the demo's own
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    for title, starts, ends in (("未开始", now + hour, now + 2 * hour), ("直播中", now - hour, now + hour),
                                ("已结束", now - 3 * hour, now - 2 * hour)):
        LiveStream.objects.create(center=demo["demo"], title=title, starts_at=starts, ends_at=ends,
                                  player=LiveStream.Player.VIDEO, player_url="https://live.example.cn/a.m3u8")
    LiveStream.objects.create(center=demo["demo"], title="下线", starts_at=now, ends_at=now + hour,
                              player_url="/x", is_active=False)
    body = get(client, "/demo/live").json()
    states = {s["title"]: s["state"] for s in body}
    assert states == {"未开始": "scheduled", "直播中": "live", "已结束": "ended"}
    on_air = next(s for s in body if s["state"] == "live")
    assert on_air["player"] == {"kind": "video", "url": "https://live.example.cn/a.m3u8"}
    assert on_air["starts_at"].endswith("+08:00")
    assert dt.datetime.fromisoformat(on_air["starts_at"]) == (now - hour).replace(microsecond=now.microsecond)
    assert on_air["poster"] is None


def test_services_grouped_by_category(client, demo):
    site = demo["demo"]
    ServiceEntry.objects.filter(center=site).delete()  # the demo's own
    ServiceEntry.objects.create(center=site, category="traffic", name="公交查询", slug="bus", kind="link",
                                url="https://bus.example.cn/", icon="bus", order=1)
    ServiceEntry.objects.create(center=site, category="payment", name="水费", slug="water", kind="h5",
                                url="https://pay.example.cn/water", icon="water")
    ServiceEntry.objects.create(center=site, category="payment", name="办事指南", slug="guide", kind="page",
                                body="……", icon="doc", order=2)
    ServiceEntry.objects.create(center=site, category="medical", name="停用", slug="off", is_enabled=False)
    body = get(client, "/demo/services").json()
    assert [g["category"] for g in body] == ["payment", "traffic"]
    assert body[0]["label"] == "生活缴费"
    assert [e["slug"] for e in body[0]["entries"]] == ["water", "guide"]
    guide = body[0]["entries"][1]
    assert guide == {"name": "办事指南", "slug": "guide", "kind": "page", "url": site.site_url("/services/guide/"),
                     "icon": "doc", "description": ""}


def test_openapi_document_and_docs_page(client, demo, login):
    doc = client.get(f"{BASE}/openapi.json").json()
    assert doc["info"]["title"] == "融媒 公开接口"
    assert f"{BASE}/{{center}}/items" in doc["paths"]
    assert f"{BASE}/{{center}}/reads" in doc["paths"]
    assert "security" not in doc["paths"][f"{BASE}/{{center}}/items"]["get"]
    assert client.get(f"{BASE}/docs").status_code == 200
    # the staff API keeps its own document
    assert login("editor").get("/api/openapi.json").json()["info"]["title"] != "融媒 公开接口"


def test_the_published_document_is_served_as_written(client, demo, live, settings):
    """Static publishing keeps each item's ninjs beside its page; the API answers it as is,
    and it is the same document the API would build."""
    from rongmei.portal.publishing import docroot, item_document_path

    publication = live[0]
    path = item_document_path(docroot(demo["demo"]), publication.story_id)
    assert path.exists()
    from_file = get(client, f"/demo/items/{publication.story_id}")
    settings.RONGMEI_PORTAL_STATIC = False
    built = get(client, f"/demo/items/{publication.story_id}")
    assert from_file.json() == built.json() and from_file["ETag"] == built["ETag"]
    validate_ninjs(from_file.json())
