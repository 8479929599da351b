"""Helpers for the search tests: a clean index and a one-line way to index a story."""

from __future__ import annotations

import pytest

from rongmei.core import search
from rongmei.core.models import Center
from rongmei.core.search.models import SearchEntry


@pytest.fixture
def center(db) -> Center:
    """The demo center, with an empty index (other rooms' demo data may have filled it)."""
    SearchEntry.objects.all().delete()
    return Center.objects.get(slug="demo")


@pytest.fixture
def neighbour(center) -> Center:
    return Center.objects.get(slug="linxian")


@pytest.fixture
def put(center):
    """put(object_id, title, body="", center=..., kind="story", **fields) indexes one object."""

    def index(object_id, title, body="", *, center=center, kind="story", **fields):
        search.index(center, kind, object_id, title=title, body=body, **fields)

    return index

