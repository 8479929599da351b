"""Two bookings race for one camera (and one person) on a real database — SQLite, or
PostgreSQL when DATABASE_URL names one — each thread on its own connection, released at the
same moment: exactly one wins, the other is refused naming the camera and the clash."""

from __future__ import annotations

import json

import pytest

RACE = """
import datetime as dt, json, threading
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from rongmei.core.models import Center, Department, Membership, User
from rongmei.live import services
from rongmei.live.models import CrewAssignment, EquipmentAssignment

center = Center.objects.create(name="竞态测试中心", slug="race")
boss = User.objects.create(username="race-director", display_name="竞态导播")
Membership.objects.create(user=boss, center=center, role="live_director")
cameraman = User.objects.create(username="race-camera", display_name="竞态摄像")
Membership.objects.create(user=cameraman, center=center, role="reporter")
department = Department.objects.create(center=center, name="竞态县政府办")
services.save_settings(center=center, user=boss, push_base="rtmp://live.race.example/live",
                       pull_base="https://live.race.example/hls")
camera = services.save_equipment(center=center, user=boss, data=services.EquipmentData(
    kind="camera", name="竞态摄像机", asset_number="RACE-CAM-1"))
start = timezone.now() + dt.timedelta(days=3)
productions = [services.book(center=center, user=boss, data=services.BookingData(
    title=f"竞态直播{i}", kind="meeting", place="会场", planned_start=start + dt.timedelta(minutes=30 * i),
    planned_end=start + dt.timedelta(hours=2), department_id=department.pk)) for i in range(2)]

def race(assign):
    gate, outcomes = threading.Barrier(2), []

    def worker(p):
        gate.wait()
        try:
            assign(p)
            outcomes.append({"won": p.stream.title})
        except ValidationError as exc:
            outcomes.append({"refused": " ".join(exc.messages), "status": getattr(exc, "api_status", None)})
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(p,)) for p in productions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes

result = {
    "camera": race(lambda p: services.assign_equipment(p, user=boss, equipment_id=camera.pk)),
    "person": race(lambda p: services.assign_crew(p, user=boss, person_id=cameraman.pk, role="camera")),
}
result["camera_rows"] = EquipmentAssignment.objects.filter(equipment=camera).count()
result["person_rows"] = CrewAssignment.objects.filter(person=cameraman).count()
print(json.dumps(result, ensure_ascii=False))
"""


@pytest.mark.slow
def test_two_bookings_racing_for_one_camera_exactly_one_wins():
    from rongmei.testing.live import Instance

    inst = Instance().prepare(demo=False)
    try:
        result = json.loads(inst.rongmei("shell", "-c", RACE).stdout.strip().splitlines()[-1])
    finally:
        inst.stop()
    for key in ("camera", "person"):
        outcomes = result[key]
        won = [o for o in outcomes if "won" in o]
        refused = [o for o in outcomes if "refused" in o]
        assert len(won) == 1 and len(refused) == 1, result
        assert refused[0]["status"] == 409 and "重叠" in refused[0]["refused"], result
        assert ("RACE-CAM-1" if key == "camera" else "竞态摄像") in refused[0]["refused"], result
        assert f"《{won[0]['won']}》" in refused[0]["refused"], result
    assert result["camera_rows"] == 1 and result["person_rows"] == 1, result
