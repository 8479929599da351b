"""The notification centre through the API (issue 14): one's own notifications only, newest
first, the unread filter, exact cursor pages, reading one (someone else's is a 404) or all;
a personal token sees its own center's notifications only."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rongmei.core import services
from rongmei.core.models import Membership, Notification, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(demo):
    """A reporter of both centers with no notifications yet (the demo people have some)."""
    user = User.objects.create_user(username="api_note_reader", display_name="通知测试员", password="x-unused-Pass-9")
    for center in (demo["demo"], demo["linxian"]):
        Membership.objects.create(user=user, center=center, role="reporter")
    return user


def _notes(demo, user, n, center="demo"):
    """n notifications, one minute apart, the last one newest."""
    notes = []
    start = timezone.now() - dt.timedelta(hours=1)
    for i in range(n):
        (note,) = services.notify(center=demo[center], recipients=[user], title=f"通知{center}{i}", body="正文", url="/planning/")
        Notification.objects.filter(pk=note.pk).update(created_at=start + dt.timedelta(minutes=i))
        notes.append(note)
    return notes


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_own_notifications_newest_first_in_exact_pages(demo, person, settings):
    settings.RONGMEI_DEMO = True
    notes = _notes(demo, person, 3)
    Notification.objects.filter(pk=notes[0].pk).update(read_at=timezone.now())
    client = _client(person)
    first = client.get("/api/v1/notifications?limit=2")
    assert first.status_code == 200
    assert [n["id"] for n in first.json()["items"]] == [notes[2].pk, notes[1].pk] and first.json()["next"]
    second = client.get(f"/api/v1/notifications?limit=2&cursor={first.json()['next']}").json()
    assert [n["id"] for n in second["items"]] == [notes[0].pk] and second["next"] is None
    assert second["items"][0]["read"] and second["items"][0]["center"]["slug"] == "demo"
    unread = client.get("/api/v1/notifications?unread=true").json()
    assert [n["id"] for n in unread["items"]] == [notes[2].pk, notes[1].pk] and unread["next"] is None
    assert client.get("/api/v1/notifications?cursor=garbage").status_code == 400
    assert client.get("/api/v1/notifications?limit=0").status_code == 422
    assert Client().get("/api/v1/notifications").status_code == 401


def test_read_one_and_all_only_ones_own(demo, person, settings):
    settings.RONGMEI_DEMO = True
    mine = _notes(demo, person, 2)
    editor = User.objects.get(username="editor")
    (theirs,) = services.notify(center=demo["demo"], recipients=[editor], title="给编辑的通知")
    client = _client(person)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert client.post("/api/v1/notifications/987654321/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    done = client.post(f"/api/v1/notifications/{mine[0].pk}/read")
    assert done.status_code == 200 and done.json()["read"] and done.json()["id"] == mine[0].pk
    assert client.post(f"/api/v1/notifications/{mine[0].pk}/read").status_code == 200  # again: no change, no error
    everything = client.post("/api/v1/notifications/read-all")
    assert everything.status_code == 200 and everything.json() == {"marked": 1, "unread": 0}
    assert not Notification.objects.filter(recipient=person, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's stays unread


def test_a_token_sees_its_own_center_only(demo, person, settings):
    settings.RONGMEI_DEMO = True
    here = _notes(demo, person, 1, "demo")
    there = _notes(demo, person, 1, "linxian")
    session = _client(person)
    assert {n["id"] for n in session.get("/api/v1/notifications").json()["items"]} == {here[0].pk, there[0].pk}
    _, plaintext = services.create_api_token(user=person, center=demo["demo"], name="通知测试")
    token = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert [n["id"] for n in token.get("/api/v1/notifications").json()["items"]] == [here[0].pk]
    assert token.post(f"/api/v1/notifications/{there[0].pk}/read").status_code == 404
    assert token.post("/api/v1/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert Notification.objects.get(pk=there[0].pk).read_at is None
