"""The dashboards' demo data: figures for the demo's stories on the outlets without an API,
linked to the stories through the import, and followers for the matrix's village accounts;
loading again duplicates nothing."""

from __future__ import annotations

from rongmei.analytics import demo as analytics_demo
from rongmei.analytics import selectors
from rongmei.analytics.models import AccountMetric, ImportBatch, PieceMetric


def test_demo_gives_every_screen_content_and_loads_once(demo, login):
    center = demo["demo"]
    pieces = PieceMetric.objects.filter(center=center, source="import", story__isnull=False)
    assert set(pieces.values_list("outlet", flat=True)) >= {"douyin", "channels", "newspaper", "tv"}
    assert all(k.startswith("story:") for k in pieces.values_list("key", flat=True))
    batch = ImportBatch.objects.get(center=center, original_name=analytics_demo.PIECES_FILE)
    assert batch.status == ImportBatch.Status.IMPORTED and batch.rows_imported == pieces.count()
    village = AccountMetric.objects.filter(center=center, account__owner="village")
    assert village.values("account_id").distinct().count() >= 3
    counts = (PieceMetric.objects.filter(center=center).count(), AccountMetric.objects.filter(center=center).count())
    assert analytics_demo.load(center) == (0, 1)
    ImportBatch.objects.filter(center=center, original_name__startswith="示例：抖音、视频号").delete()
    ImportBatch.objects.filter(center=center, original_name=analytics_demo.ACCOUNTS_FILE).delete()
    assert analytics_demo.load(center) == (2, 0)  # rows upserted on (key, day): nothing doubled
    assert (PieceMetric.objects.filter(center=center).count(),
            AccountMetric.objects.filter(center=center).count()) == counts
    assert analytics_demo.load(demo["linxian"]) == (0, 0)

    period, _ = selectors.parse_period(center, {"period": "30"})
    ov = selectors.overview(center, period)
    assert ov.trend.total.reads > 0 and ov.top and any(a.followers for a in ov.accounts)
    story_id = next(i.story_id for i in ov.top if i.story_id)
    html = login("operator").get(f"/analytics/stories/{story_id}/").content.decode()
    assert "抖音" in html or "视频号" in html or "电视" in html
