"""Two clerks racing for one set-top box: exactly one gets it.

On PostgreSQL the race is real: two threads, each with its own connection and transaction,
swap two different subscribers onto the same box at the same moment (a barrier releases
them together). The rows they race on are committed by the test first (a thread cannot see
the test's own uncommitted transaction) and removed again afterwards. On SQLite a write
transaction takes the database's write lock at BEGIN (IMMEDIATE), so two writers cannot
overlap at all; there the race is replayed deterministically: the loser read the box as
free before the winner's write, and its conditional UPDATE then finds it taken."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from rongmei.cable import services
from rongmei.cable.models import Definition, Device, Package, Subscriber, Transaction
from rongmei.core.models import Area, AuditEvent, User


def test_the_loser_of_a_replayed_race_is_refused_and_writes_nothing(world, people):
    other = services.open_account(world.center, people.cableclerk, name="李四", phone="13900002222", township=world.town,
                                  address="青山村1号", package=world.sd, device="TSD002")
    box = Device.objects.get(serial="THD001")  # both clerks read it: in stock, nobody's
    services.swap(world.sub, people.cableclerk, old_device=Device.objects.get(serial="TSD001").pk, new_device=box)  # winner
    before = Transaction.objects.filter(subscriber=other).count()
    with pytest.raises(ValidationError) as exc:
        services.swap(other, people.cablemanager, old_device=Device.objects.get(serial="TSD002").pk, new_device=box)  # stale read
    assert f"该机顶盒已分配给用户 {world.sub.account}" in " ".join(exc.value.messages)
    assert Device.objects.get(serial="TSD002").subscriber_id == other.pk  # the loser's old box stays with them
    assert Device.objects.get(serial="THD001").subscriber_id == world.sub.pk
    assert Transaction.objects.filter(subscriber=other).count() == before


def _in_thread(fn):
    """Run fn in a thread with its own connection (autocommit), return its result or error."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except Exception as exc:  # noqa: BLE001  (reported to the test)
            out["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    return out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite never runs two write transactions at once")
def test_two_swaps_racing_for_one_box_exactly_one_wins(demo, people):
    center = demo["demo"]
    tag = uuid.uuid4().hex[:6].upper()
    clerk_id, manager_id = people.cableclerk.pk, people.cablemanager.pk

    def setup():
        with transaction.atomic():
            town = Area.objects.filter(center=center, parent=None).first()
            sd, hd = (Package.objects.create(center=center, name=f"竞争{d}{tag}", monthly_fee=10, definition=d) for d in ("sd", "hd"))
            subs = []
            for i in range(2):
                s = Subscriber.objects.create(center=center, account=f"RACE{tag}{i}", name=f"竞争{i}", phone="13900000000",
                                              township=town, address="x", package=sd, paid_until="2099-01-01",
                                              opened_on="2020-01-01")
                Device.objects.create(center=center, serial=f"RSD{tag}{i}", model="m", definition=Definition.SD, status="in_use",
                                      subscriber=s)
                subs.append(s.pk)
            box = Device.objects.create(center=center, serial=f"RHD{tag}", model="m", definition=Definition.HD)
            return subs, box.pk, [sd.pk, hd.pk]

    made = _in_thread(setup)
    assert "error" not in made, made
    subs, box_id, package_ids = made["value"]
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def swap(i: int, user_id: int):
        try:
            sub = Subscriber.objects.select_related("center", "package").get(pk=subs[i])
            user = User.objects.get(pk=user_id)
            old = Device.objects.get(subscriber=sub).pk
            barrier.wait(10)
            services.swap(sub, user, old_device=old, new_device=f"RHD{tag}")
            results[i] = "won"
        except ValidationError as exc:
            results[i] = exc
        except Exception as exc:  # noqa: BLE001
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=swap, args=(i, uid)) for i, uid in enumerate((clerk_id, manager_id))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        outcome = sorted(results.values(), key=lambda r: r != "won")
        assert outcome[0] == "won" and isinstance(outcome[1], ValidationError), results
        assert "该机顶盒已分配给用户" in " ".join(outcome[1].messages)

        def check():
            box = Device.objects.get(pk=box_id)
            return (box.subscriber_id, Transaction.objects.filter(subscriber_id__in=subs, kind="swap").count(),
                    Device.objects.filter(subscriber_id__in=subs).count())

        holder, swaps, boxes = _in_thread(check)["value"]
        assert _in_thread(lambda: AuditEvent.objects.filter(action="cable.swap", object_id__in=[str(s) for s in subs]).count())["value"] == 1
        winner = subs[next(i for i, r in results.items() if r == "won")]
        assert holder == winner and swaps == 1 and boxes == 2  # winner: the HD box; loser: still their SD box
    finally:
        def cleanup():
            with transaction.atomic():
                # the winner's audit event stays: the log refuses deletions (as it should)
                Transaction.objects.filter(subscriber_id__in=subs).delete()
                Device.objects.filter(serial__endswith=tag).delete()
                Device.objects.filter(serial__startswith="R", serial__contains=tag).delete()
                Subscriber.objects.filter(pk__in=subs).delete()
                Package.objects.filter(pk__in=package_ids).delete()

        assert "error" not in _in_thread(cleanup)
