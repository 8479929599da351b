"""Two bookings racing for one slot on a real database, each thread on its own connection
(SQLite, or PostgreSQL when DATABASE_URL names one): exactly one wins, the other is refused
with the Chinese message naming the slot and the winning booking."""

import json
import os

import pytest

RACE = """
import datetime as dt, json, threading
from decimal import Decimal
from django.core.exceptions import ValidationError
from django.db import connection
from rongmei.ads import services
from rongmei.ads.models import Booking, Client, Contract, Slot
from rongmei.core.models import Center, User

center = Center.objects.create(name="竞态测试中心", slug="ads-race")
seller = User.objects.create(username="ads-race-seller")
client = Client.objects.create(center=center, name="竞态客户")
contract = Contract.objects.create(center=center, client=client, number="R-1", title="竞态合同", amount=Decimal("100000"),
                                   start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31), status="signed")
slot = Slot.objects.create(center=center, name="灯杆道旗·竞态路", kind="lamp_post", address="竞态路", unit="day",
                           list_price=Decimal("100"))
start, results = threading.Barrier(2), []

def racer(n):
    start.wait()
    try:
        b = services.create_booking(center=center, actor=seller, contract=contract, slot=slot,
                                    start=dt.date(2030, 3, 1 + n), end=dt.date(2030, 3, 10 + n), title=f"广告{n}")
        results.append({"won": b.pk})
    except ValidationError as exc:
        results.append({"refused": " ".join(exc.messages), "status": getattr(exc, "api_status", None)})
    finally:
        connection.close()

threads = [threading.Thread(target=racer, args=(n,)) for n in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"results": results, "bookings": list(Booking.objects.filter(slot=slot).values_list("pk", flat=True)),
                  "vendor": connection.vendor}, ensure_ascii=True))
"""


@pytest.mark.slow
def test_two_bookings_racing_for_one_slot_exactly_one_wins():
    from rongmei.testing.live import Instance

    inst = Instance().prepare(demo=False)
    try:
        out = json.loads(inst.rongmei("shell", "-c", RACE).stdout.strip().splitlines()[-1])
    finally:
        inst.stop()
    won = [r["won"] for r in out["results"] if "won" in r]
    refused = [r for r in out["results"] if "refused" in r]
    assert len(won) == 1 and len(refused) == 1, out
    assert out["bookings"] == won
    assert "灯杆道旗·竞态路" in refused[0]["refused"] and f"#{won[0]}" in refused[0]["refused"], refused
    assert refused[0]["status"] == 409
    assert out["vendor"] == ("postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite")
