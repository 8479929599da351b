"""Every list of the staff API reads a page in a fixed number of queries: a page of 40 costs
what a page of 2 costs (give or take a query for something only some items have), so no
list does one query per item (N+1). Measured on the demo data, with the person who does
that work."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

LISTS = [
    ("editor", "/api/v1/leads"), ("editor", "/api/v1/topics"), ("editor", "/api/v1/plans"),
    ("editor", "/api/v1/assignments"), ("reviewer1", "/api/v1/reviews/inbox"), ("operator", "/api/v1/accounts"),
    ("operator", "/api/v1/account-groups"), ("operator", "/api/v1/publications"),
    ("coordinator", "/api/v1/inquiry/cases"), ("reporter", "/api/v1/notifications"),
    ("editor", "/api/v1/search?q=%E5%8E%BF"), ("admin", "/api/v1/webhooks"), ("editor", "/api/v1/stories"),
    ("admin", "/api/v1/audit-events"), ("editor", "/api/v1/duty-shifts"),
    ("analyst", "/api/v1/monitor/items"), ("analyst", "/api/v1/monitor/items?q=%E7%A7%AF%E6%B0%B4"),
    ("analyst", "/api/v1/monitor/alerts?status=all"), ("analyst", "/api/v1/monitor/hot-topics?days=0"),
    ("analyst", "/api/v1/monitor/sources"), ("analyst", "/api/v1/monitor/topics"), ("analyst", "/api/v1/monitor/rules"),
    ("analyst", "/api/v1/monitor/robots"), ("analyst", "/api/v1/monitor/reports"),
    ("operator", "/api/v1/analytics/pieces"), ("operator", "/api/v1/analytics/accounts"),
    ("operator", "/api/v1/analytics/sync-runs"), ("operator", "/api/v1/analytics/imports"),
    ("appraiser", "/api/v1/appraisal/rules/versions"), ("editor", "/api/v1/appraisal/ratings"),
    ("editor", "/api/v1/appraisal/ratings/unrated"), ("appraiser", "/api/v1/appraisal/pickups"),
    ("appraiser", "/api/v1/appraisal/pickup-imports"), ("appraiser", "/api/v1/appraisal/deductions"),
    ("appraiser", "/api/v1/appraisal/pay-profiles"), ("appraiser", "/api/v1/appraisal/adjustments"),
    # issue 17
    ("editor", "/api/v1/stories/{video_story}/videos"), ("admin", "/api/v1/notify/channels"),
    ("admin", "/api/v1/notify/deliveries"), ("admin", "/api/v1/notify/deliveries?status=sent"),
    # issue 18: 经营创收
    ("adsales", "/api/v1/ads/slots"), ("adsales", "/api/v1/ads/clients"), ("adsales", "/api/v1/ads/contracts"),
    ("adsales", "/api/v1/ads/bookings"), ("adsales", "/api/v1/ads/proofs"), ("adsales", "/api/v1/ads/payments"),
    ("events", "/api/v1/events"), ("events", "/api/v1/events/{event}/budget-lines"),
    ("events", "/api/v1/events/{event}/entries"), ("events", "/api/v1/events/{event}/tasks"),
    ("events", "/api/v1/events/{event}/documents"),
    ("director", "/api/v1/live/productions"), ("director", "/api/v1/live/equipment"),
    ("director", "/api/v1/live/productions/{production}/crew"), ("director", "/api/v1/live/productions/{production}/equipment"),
    ("director", "/api/v1/live/productions/{production}/segments"),
    ("director", "/api/v1/live/productions/{production}/checklist"),
    ("cableclerk", "/api/v1/cable/subscribers"), ("cableclerk", "/api/v1/cable/transactions"),
    ("cableclerk", "/api/v1/cable/packages"), ("cableclerk", "/api/v1/cable/devices"), ("cableagent", "/api/v1/cable/calls"),
    ("cableagent", "/api/v1/cable/orders?state=all"), ("technician", "/api/v1/cable/orders?state=all"),
    # issue 19: the platform admin's centers; what flows between levels
    ("admin", "/api/v1/province/centers"),
    ("editor", "/api/v1/sharing/received"), ("editor", "/api/v1/sharing/submissions"),
]


def _path(path: str) -> str:
    """{video_story}: the demo's story with a finished video version; {event}, {production}: a
    demo event and broadcast with their lists filled."""
    if "{video_story}" in path:
        from rongmei.newsroom.models import VideoJob

        job = VideoJob.objects.filter(center__slug="demo", status="done").order_by("pk").first()
        path = path.replace("{video_story}", str(job.story_id))
    if "{event}" in path:  # the demo event with the most budget lines, entries, tasks and documents
        from django.db.models import Count

        from rongmei.events.models import Event

        event = (Event.objects.filter(center__slug="demo").annotate(n=Count("budget_lines__entries") + Count("tasks"))
                 .order_by("-n", "pk").first())
        path = path.replace("{event}", str(event.pk))
    if "{production}" in path:  # the demo broadcast with the most crew, segments and checks
        from django.db.models import Count

        from rongmei.live.models import Production

        production = (Production.objects.filter(center__slug="demo")
                      .annotate(n=Count("crew", distinct=True) + Count("segments", distinct=True) + Count("checks", distinct=True))
                      .order_by("-n", "pk").first())
        path = path.replace("{production}", str(production.pk))
    return path


@pytest.mark.parametrize(("username", "path"), LISTS, ids=[p for _, p in LISTS])
def test_a_longer_page_costs_no_more_queries(login, username, path):
    client = login(username)
    path = _path(path)
    seen = []
    for limit in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"{path}{'&' if '?' in path else '?'}limit={limit}")
        assert answer.status_code == 200, answer.content[:300]
        seen.append((len(answer.json()["items"]), len(queries)))
    (few, few_queries), (many, many_queries) = seen
    assert many_queries <= few_queries + 2, f"{path}: {few} items in {few_queries} queries, {many} in {many_queries}"
