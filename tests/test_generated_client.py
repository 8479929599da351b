"""A client generated from the staff API's OpenAPI document works (issue 14).

At test time, openapi-python-client (pinned in requirements-test.txt) generates a Python
client from the running server's /api/openapi.json into a temporary folder — nothing is
committed — with its post hooks (ruff) switched off, so it works offline. The test imports
it and drives a real journey over HTTP against the demo server with personal API tokens:
`me`; create a story, save it with its version, save again with the stale version and read
the 409 as the documented conflict schema; a refusal (422) and a permission error (403)
parsed as ErrorOut; upload an asset (multipart); walk the story list page by page with the
cursor; then one list operation of each other room whose router is there (planning, review,
distribution, inquiry, notifications, search, monitor, analytics, appraisal, video versions,
message channels and the delivery log; issue 18's ads, events, live broadcasts and cable
desk), each answering its documented page schema.

The same command generates a client by hand (docs/api.md).
"""

from __future__ import annotations

import importlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rongmei.testing.live import http_get

pytestmark = pytest.mark.slow

PACKAGE = "rongmei_api_client"
CONFIG = f"post_hooks: []\nproject_name_override: rongmei-api-client\npackage_name_override: {PACKAGE}\n"


def generate(openapi: Path, out: Path) -> None:
    """The generator run, as docs/api.md gives it: no post hooks (no ruff), no network."""
    config = openapi.parent / "client-config.yml"
    config.write_text(CONFIG)
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(openapi), "--config", str(config),
         "--meta", "none", "--output-path", str(out), "--fail-on-warning"],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, f"openapi-python-client failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def client_package(demo_server, tmp_path_factory):
    """The generated package, imported; tokens of the demo users the journey needs."""
    code = (
        "from rongmei.core import services; from rongmei.core.models import User, Center; "
        "c = Center.objects.get(slug='demo'); "
        "print(json.dumps({u: services.create_api_token(user=User.objects.get(username=u), center=c, name='client')[1] "
        "for u in ('reporter', 'editor', 'reviewer1', 'operator', 'coordinator', 'analyst', 'appraiser', 'admin', "
        "'adsales', 'business', 'events', 'director', 'cableclerk', 'cableagent', 'technician')}))"
    )
    tokens = json.loads(demo_server.rongmei("shell", "-c", "import json; " + code).stdout.strip().splitlines()[-1])
    where = tmp_path_factory.mktemp("generated-client")
    status, _, body = http_get(f"{demo_server.url}/api/openapi.json", {"Authorization": f"Bearer {tokens['reporter']}"})
    assert status == 200, body[:300]
    (where / "openapi.json").write_bytes(body)
    generate(where / "openapi.json", where / PACKAGE)
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module(PACKAGE)
        yield package, tokens
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(where, ignore_errors=True)


def operation(package, name: str):
    """The generated module of an operation, found by its function name (the end of its
    operationId, e.g. "newsroom_update_story"), whatever tag folder it is in; None if absent."""
    root = Path(package.__file__).parent / "api"
    found = sorted(root.glob(f"*/*_{name}.py"))
    if not found:
        return None
    assert len(found) == 1, found
    return importlib.import_module(f"{PACKAGE}.api.{found[0].parent.name}.{found[0].stem}")


def _need(package, name: str):
    module = operation(package, name)
    assert module is not None, f"the document has no operation {name}"
    return module


def test_generated_client_drives_the_filing_journey(demo_server, client_package):
    package, tokens = client_package
    from rongmei_api_client import AuthenticatedClient, models  # noqa: PLC0415  (generated at test time)
    from rongmei_api_client.types import File  # noqa: PLC0415

    reporter = AuthenticatedClient(base_url=demo_server.url, token=tokens["reporter"], raise_on_unexpected_status=True)

    me = _need(package, "core_me").sync_detailed(client=reporter)
    assert me.status_code == 200 and isinstance(me.parsed, models.MeOut)
    assert me.parsed.username == "reporter" and me.parsed.center.slug == "demo" and me.parsed.via_token

    # Create, save with the version, save again with the stale one: 409 in the documented schema.
    create = _need(package, "newsroom_create_story")
    made = [create.sync(client=reporter, body=models.StoryIn(headline=f"生成客户端测试稿{i}", body="<p>正文。</p>"))
            for i in range(3)]
    assert all(isinstance(s, models.StoryOut) and s.version == 1 for s in made)
    story = made[0]
    update = _need(package, "newsroom_update_story")
    saved = update.sync_detailed(story.id, client=reporter, body=models.StoryUpdateIn(
        headline=story.headline, summary="第一次保存", version=story.version))
    assert saved.status_code == 200 and saved.parsed.version == story.version + 1 and saved.parsed.summary == "第一次保存"
    stale = update.sync_detailed(story.id, client=reporter, body=models.StoryUpdateIn(
        headline=story.headline, summary="过时的保存", version=story.version))
    assert stale.status_code == 409
    assert isinstance(stale.parsed, models.StoryConflictOut), type(stale.parsed)
    assert stale.parsed.current_version == saved.parsed.version and stale.parsed.detail
    again = _need(package, "newsroom_get_story").sync(story.id, client=reporter)
    assert again.summary == "第一次保存" and again.version == saved.parsed.version

    # A refusal and a permission error, parsed as ErrorOut with Chinese messages.
    refused = create.sync_detailed(client=reporter, body=models.StoryIn(headline=""))
    assert refused.status_code == 422 and isinstance(refused.parsed, models.ErrorOut)
    assert refused.parsed.errors.additional_properties["headline"] == ["请填写主标题。"]
    forbidden = _need(package, "core_list_audit_events").sync_detailed(client=reporter)
    assert forbidden.status_code == 403 and isinstance(forbidden.parsed, models.ErrorOut)
    assert "没有权限" in forbidden.parsed.detail
    missing = _need(package, "newsroom_get_story").sync_detailed(10**9, client=reporter)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.ErrorOut)

    # Upload (multipart), then the story uses the asset.
    from PIL import Image  # noqa: PLC0415

    png = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(png, format="PNG")
    png.seek(0)
    upload = _need(package, "newsroom_upload_asset")
    body_type = next(getattr(models, n) for n in dir(models) if n.endswith("UploadAssetMultiPartBodyParams")
                     or n.endswith("UploadAssetBody"))
    asset = upload.sync_detailed(client=reporter, body=body_type(
        file=File(payload=png, file_name="现场.png", mime_type="image/png"), caption="现场照片", credit="王磊"))
    assert asset.status_code == 201, asset.content[:300]
    assert isinstance(asset.parsed, models.AssetOut) and asset.parsed.kind == "image" and asset.parsed.caption == "现场照片"
    with_asset = update.sync(story.id, client=reporter, body=models.StoryUpdateIn(
        headline=story.headline, version=saved.parsed.version, asset_ids=[asset.parsed.id]))
    assert with_asset.asset_ids == [asset.parsed.id]

    # The story list, page by page with the cursor: every story once, the new ones among them.
    listing = _need(package, "newsroom_list_stories")
    seen, cursor, pages = [], None, 0
    while True:
        page = listing.sync(client=reporter, limit=2, **({"cursor": cursor} if cursor else {}))
        assert isinstance(page, models.StoryPage) and len(page.items) <= 2
        seen += [s.id for s in page.items]
        pages += 1
        cursor = page.next_ if hasattr(page, "next_") else page.next
        if not cursor:
            break
    whole = listing.sync(client=reporter, limit=200)
    assert len(seen) == len(set(seen)), "a story came twice"
    assert set(seen) == {s.id for s in whole.items}
    assert pages >= 2 and {s.id for s in made} <= set(seen)
    bad = listing.sync_detailed(client=reporter, cursor="not-a-cursor")
    assert bad.status_code == 400 and isinstance(bad.parsed, models.ErrorOut) and "cursor" in bad.parsed.detail


# One list operation per room, with the user who does that work.
ROOMS = [
    ("planning", "planning_list_topics", "editor", {}),
    ("review", "review_inbox", "reviewer1", {}),
    ("distribution", "distribution_list_accounts", "operator", {}),
    ("inquiry", "inquiry_list_cases", "coordinator", {}),
    ("notifications", "core_list_notifications", "reporter", {}),
    ("search", "newsroom_search", "editor", {"q": "融媒"}),
    ("monitor", "monitor_items", "analyst", {}),
    ("monitor-alerts", "monitor_list_alerts", "analyst", {}),
    ("analytics", "analytics_list_pieces", "operator", {}),
    ("analytics-accounts", "analytics_accounts", "operator", {}),
    ("appraisal-pickups", "appraisal_pickups", "appraiser", {}),
    ("appraisal-ratings", "appraisal_ratings", "editor", {}),
    # issue 17: the story's video versions (the demo's story with a finished one), the center's
    # message channels and the delivery log
    ("video-versions", "newsroom_list_video_jobs", "editor", {"story_id": "@video_story"}),
    ("notify-channels", "core_list_notify_channels", "admin", {}),
    ("notify-deliveries", "core_list_notify_deliveries", "admin", {}),
    # issue 18: 广告经营, 活动运营, 直播制作, 有线网络
    ("ads-bookings", "ads_list_bookings", "adsales", {}),
    ("ads-contracts", "ads_list_contracts", "adsales", {}),
    ("ads-payments", "ads_list_payments", "business", {}),
    ("events", "events_list", "events", {}),
    ("live-productions", "live_list_productions", "director", {}),
    ("live-equipment", "live_list_equipment", "director", {}),
    ("cable-subscribers", "cable_list_subscribers", "cableclerk", {}),
    ("cable-calls", "cable_list_calls", "cableagent", {}),
    ("cable-orders", "cable_list_orders", "technician", {}),
    ("province-centers", "province_list_centers", "admin", {}),
    ("sharing-received", "sharing_list_received", "editor", {}),
    ("sharing-submissions", "sharing_list_submissions", "editor", {}),
]

VIDEO_STORY = ("from rongmei.newsroom.models import VideoJob; "
               "print(VideoJob.objects.filter(center__slug='demo', status='done').order_by('pk').first().story_id)")


def _resolved(demo_server, query: dict) -> dict:
    """`@video_story` in a query: the id of the demo's story that has a finished video version."""
    if "@video_story" not in query.values():
        return query
    story_id = int(demo_server.rongmei("shell", "-c", VIDEO_STORY).stdout.strip().splitlines()[-1])
    return {k: story_id if v == "@video_story" else v for k, v in query.items()}


@pytest.mark.parametrize(("room", "name", "username", "query"), ROOMS, ids=[r[0] for r in ROOMS])
def test_generated_client_reads_every_room(demo_server, client_package, room, name, username, query):
    package, tokens = client_package
    from rongmei_api_client import AuthenticatedClient  # noqa: PLC0415

    module = _need(package, name)
    query = _resolved(demo_server, query)
    client = AuthenticatedClient(base_url=demo_server.url, token=tokens[username], raise_on_unexpected_status=True)
    answer = module.sync_detailed(client=client, limit=5, **query)
    assert answer.status_code == 200, f"{room} {name}: {answer.status_code} {answer.content[:300]!r}"
    page = answer.parsed
    assert type(page).__name__.endswith("Page"), f"{room} {name}: parsed as {type(page).__name__}"
    assert isinstance(page.items, list) and len(page.items) <= 5
    nxt = getattr(page, "next_", getattr(page, "next", None))
    if nxt:  # the second page parses too
        second = module.sync_detailed(client=client, limit=5, cursor=nxt, **query)
        assert second.status_code == 200 and type(second.parsed) is type(page)
