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
]


@pytest.mark.parametrize(("username", "path"), LISTS, ids=[p for _, p in LISTS])
def test_a_longer_page_costs_no_more_queries(login, username, path):
    client = login(username)
    seen = []
    for limit in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"{path}{'&' if '?' in path else '?'}limit={limit}")
        assert answer.status_code == 200, answer.content[:300]
        seen.append((len(answer.json()["items"]), len(queries)))
    (few, few_queries), (many, many_queries) = seen
    assert many_queries <= few_queries + 2, f"{path}: {few} items in {few_queries} queries, {many} in {many_queries}"
