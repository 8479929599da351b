"""/media/ is not readable without a session of the file's center (issue 11, item 9): a
draft's picture is 404 to the public and to another center, a published story's picture is
public, a citizen's photo opens through the signed link of their tracking page; every file
comes with nosniff, documents as attachments; behind nginx the answer is X-Accel-Redirect.
Each test runs on the local folder and on S3-compatible storage (moto's server: `media_storage`)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rongmei.core.models import User
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Asset
from rongmei.newsroom.services import assets as asset_svc
from rongmei.newsroom.services import stories as story_svc
from rongmei.testing import s3 as s3_testing

media_storage = s3_testing.media_storage   # each test using it runs on the local folder and on S3
s3_server = s3_testing.s3_server

PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _jpeg(color=(10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def media_root(media_storage):
    return media_storage


@pytest.fixture
def draft_asset(demo, media_root):
    """A photo (with a web page appended) of a story that is still a draft."""
    reporter = User.objects.get(username="reporter")
    asset = asset_svc.upload(center=demo["demo"], user=reporter,
                             upload=SimpleUploadedFile("现场.jpg", _jpeg() + PAGE, "image/jpeg"))
    story_svc.create_story(center=demo["demo"], user=reporter, data=story_svc.StoryData(
        headline="还没发的稿件", body="<p>草稿里的照片不能被外人看到。</p>", asset_ids=[asset.pk]))
    return asset


def _get(client: Client, url: str):
    response = client.get(url)
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return response, body


def test_a_drafts_asset_is_only_for_its_center(draft_asset, login):
    urls = [draft_asset.file.url, draft_asset.web_url, draft_asset.thumb_url]
    assert len(set(urls)) == 3
    for url in urls:
        assert Client().get(url).status_code == 404, url
        assert login("lx_reporter").get(url).status_code == 404, url   # another center's user
        assert login("appraiser").get(url).status_code == 404, url     # reads no drafts (permission table)
        response, body = _get(login("editor"), url)
        assert response.status_code == 200 and body[:2] == b"\xff\xd8", url
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "image/jpeg"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # the stored original kept no trailing web page (a polyglot)
    _, original = _get(login("editor"), draft_asset.file.url)
    assert original.endswith(b"\xff\xd9") and b"<script" not in original


def test_api_clients_read_with_a_token_of_the_assets_center(draft_asset, demo):
    from rongmei.core.services import create_api_token

    editor = User.objects.get(username="editor")   # works in both centers
    _, own = create_api_token(user=editor, center=demo["demo"], name="手机客户端")
    _, other = create_api_token(user=editor, center=demo["linxian"], name="邻县客户端")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {own}").get(draft_asset.thumb_url).status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(draft_asset.thumb_url).status_code == 404
    assert Client(HTTP_AUTHORIZATION="Bearer rm_not_a_token").get(draft_asset.thumb_url).status_code == 404


def test_a_published_storys_picture_is_public(demo, media_storage):
    published = Publication.objects.filter(center=demo["demo"], status=Publication.Status.SENT,
                                           story__story_assets__asset__kind="image").first()
    assert published is not None, "the demo has no published story with a picture"
    asset = Asset.objects.filter(story_links__story=published.story_id).first()
    media_storage.bring(asset.renditions.get(name="web").file.name)   # the demo's file, into this storage
    assert asset.file.storage.exists(asset.renditions.get(name="web").file.name)
    response, body = _get(Client(), asset.web_url)
    assert response.status_code == 200 and body[:2] == b"\xff\xd8"
    assert response["X-Content-Type-Options"] == "nosniff"
    # taken down everywhere: no longer public
    Publication.objects.filter(story_id=published.story_id).update(status=Publication.Status.TAKEN_DOWN)
    assert Client().get(asset.web_url).status_code == 404


def test_documents_come_as_attachments_and_paths_stay_inside(demo, media_root, login):
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
           b"trailer<</Root 1 0 R>>\n%%EOF\n")
    asset = asset_svc.upload(center=demo["demo"], user=User.objects.get(username="reporter"),
                             upload=SimpleUploadedFile("通知.pdf", pdf + PAGE, "application/pdf"))
    response, body = _get(login("editor"), asset.file.url)
    assert response.status_code == 200 and body == pdf and asset.size == len(pdf)
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    for odd in ("/media/../settings.py", "/media/assets/../../etc/passwd", "/media/%2e%2e/x", "/media/",
                "/media/secret_key", "/media//etc/passwd"):
        assert login("editor").get(odd).status_code == 404, odd


def test_behind_nginx_the_app_answers_with_x_accel_redirect(draft_asset, login, settings, media_storage):
    settings.RONGMEI_SERVE_MEDIA = False
    response, body = _get(login("editor"), draft_asset.web_url)
    if media_storage.kind == "local":
        assert response.status_code == 200 and body == b""
        assert response["X-Accel-Redirect"] == "/internal-media/" + draft_asset.web_url.removeprefix("/media/")
    else:   # nginx cannot read a bucket: the app streams the object after the same check
        assert response.status_code == 200 and body[:2] == b"\xff\xd8" and "X-Accel-Redirect" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Client().get(draft_asset.web_url).status_code == 404   # no redirect without the check


def test_citizen_photos_follow_the_case(demo, media_root, login):
    from rongmei.inquiry import services
    from rongmei.inquiry.models import CaseMedia

    sub = services.Submission(kind="complain", title="路灯不亮", text="东门社区路口的路灯坏了一个多月，晚上很黑。",
                              phone="13800001234", files=[SimpleUploadedFile("路灯.jpg", _jpeg((90, 90, 20)) + PAGE)])
    case = services.submit(center=demo["demo"], sub=sub)
    item = CaseMedia.objects.get(case=case)
    url = item.file.url
    assert Client().get(url).status_code == 404
    assert login("lx_reporter").get(url).status_code == 404
    assert login("reporter").get(url).status_code == 404                 # no inquiry permission
    response, body = _get(login("coordinator"), url)
    assert response.status_code == 200 and b"<script" not in body
    # the citizen's tracking page links the photo with a signature that opens it
    page = Client().get(f"/site/demo/wenzheng/track/?code={case.code}").content.decode()
    signed = next(part.split('"')[0] for part in page.split('src="')[1:] if part.startswith("/media/inquiry/"))
    assert "?s=" in signed and Client().get(signed.replace("&amp;", "&")).status_code == 200
    assert Client().get(signed.replace("&amp;", "&")[:-3] + "abc").status_code == 404   # a forged signature
    # a published case's photos are public
    type(case).objects.filter(pk=case.pk).update(is_public=True)
    assert Client().get(url).status_code == 200


def test_pictures_the_public_site_shows_outside_stories_are_public(draft_asset, demo):
    """A live stream's poster and a feature's cover are on the public site although no
    published story uses them (the demo's 直播预告 card showed a broken picture)."""
    from rongmei.portal.models import Feature, LiveStream

    url = draft_asset.thumb_url
    assert Client().get(url).status_code == 404
    stream = LiveStream.objects.filter(center=demo["demo"]).first()
    stream.poster, stream.is_active = draft_asset, True
    stream.save()
    assert Client().get(url).status_code == 200
    stream.is_active = False
    stream.save()
    assert Client().get(url).status_code == 404
    Feature.objects.filter(center=demo["demo"]).update(cover=draft_asset, is_active=True)
    assert Client().get(url).status_code == 200


def test_byte_ranges_for_players_and_seeking(draft_asset, login, media_storage):
    """A phone's video player asks for parts (iOS plays nothing without 206 answers), and so
    does seeking: one range is answered with that part, past the end with 416, anything else
    with the whole file. On the local folder and on a bucket alike."""
    editor = login("editor")
    url = draft_asset.file.url
    whole, full = _get(editor, url)
    size = len(full)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes" and size > 1000
    modified = whole["Last-Modified"]

    def ranged(value, **headers):
        response = editor.get(url, HTTP_RANGE=value, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    for value, part in [("bytes=0-99", (0, 99)), ("bytes=100-", (100, size - 1)), ("bytes=-10", (size - 10, size - 1)),
                        ("bytes=5-5", (5, 5)), (f"bytes=0-{10 ** 15}", (0, size - 1)), ("BYTES = 7 - 8", (7, 8)),
                        (f"bytes=-{size * 2}", (0, size - 1))]:
        response, body = ranged(value)
        first, last = part
        assert response.status_code == 206, value
        assert body == full[first:last + 1] and response["Content-Length"] == str(last - first + 1), value
        assert response["Content-Range"] == f"bytes {first}-{last}/{size}", value
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    for value in (f"bytes={size}-", f"bytes={size + 5}-{size + 9}", "bytes=-0"):
        response, body = ranged(value)
        assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}", value
    # ignored, the whole file: several ranges, not bytes, nonsense, backwards, digits of other scripts
    for value in ("bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=-", "bytes=٣-٥", "bytes=" + "9" * 40 + "-"):
        response, body = ranged(value)
        assert response.status_code == 200 and body == full, value
    # If-Range: the part only while the file is what the client last saw
    assert ranged("bytes=0-9", HTTP_IF_RANGE=modified)[0].status_code == 206
    response, body = ranged("bytes=0-9", HTTP_IF_RANGE="Wed, 21 Oct 2015 07:28:00 GMT")
    assert response.status_code == 200 and body == full
    # the check comes first: a part of a file one may not read is as absent as the file
    assert Client().get(url, HTTP_RANGE="bytes=0-9").status_code == 404
    assert login("lx_reporter").get(url, HTTP_RANGE="bytes=0-9").status_code == 404
