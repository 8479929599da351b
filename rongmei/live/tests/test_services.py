"""直播制作's rules: booking validation (nothing written on a refusal), no person or equipment
booked twice at overlapping times (the refusal names who/what and the clash), rescheduling
into a clash, the checklist before air, the status transitions and the LiveStream following
them, the replay, stale versions, the year's statistics and the demo loader."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.core.models import AuditEvent
from rongmei.live import demo as live_demo
from rongmei.live import selectors, services
from rongmei.live.models import CrewAssignment, EquipmentAssignment, Production
from rongmei.portal.models import LiveStream

pytestmark = pytest.mark.django_db


def _refusal(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def test_booking_creates_the_public_stream_and_the_default_checklist(center, book):
    p = book(title="县两会开幕直播", fee=None)
    stream = LiveStream.objects.get(pk=p.stream_id)
    assert stream.title == "县两会开幕直播" and stream.center == center and stream.is_active
    assert (stream.starts_at, stream.ends_at) == (p.planned_start, p.planned_end)
    assert stream.player_url == f"{services.settings_of(center).pull_base}/{p.stream_name}.m3u8"
    assert p.stream_key not in stream.player_url  # the key stays secret
    assert p.checks.count() == len(services.DEFAULT_CHECKS) and p.status == Production.Status.SCHEDULED
    assert AuditEvent.objects.filter(action="live.book", object_id=str(p.pk)).exists()


@pytest.mark.parametrize("change,field,words", [
    ({"title": ""}, "title", "标题"),
    ({"place": "  "}, "place", "地点"),
    ({"kind": "party"}, "kind", "类型"),
    ({"planned_end_before": True}, "planned_end", "晚于"),
    ({"no_booker": True}, "client_id", "客户或政府部门"),
    ({"department_id": 999999999}, "department_id", "政府部门"),
])
def test_bad_bookings_are_refused_with_a_message_and_nothing_written(center, director, change, field, words):
    streams, productions = LiveStream.objects.count(), Production.objects.count()
    start = timezone.now() + dt.timedelta(days=90)
    data = services.BookingData(title=change.get("title", "测试"), kind=change.get("kind", "meeting"),
                                place=change.get("place", "演播厅"), planned_start=start,
                                planned_end=start - dt.timedelta(hours=1) if change.get("planned_end_before")
                                else start + dt.timedelta(hours=1),
                                department_id=None if change.get("no_booker") else change.get(
                                    "department_id", center.pk and _a_department(center)))
    with pytest.raises(ValidationError) as refused:
        services.book(center=center, user=director, data=data)
    assert field in refused.value.message_dict and words in " ".join(refused.value.message_dict[field])
    assert (LiveStream.objects.count(), Production.objects.count()) == (streams, productions)


def _a_department(center):
    from rongmei.core.models import Department

    return Department.objects.filter(center=center).first().pk


def test_another_centers_client_or_department_is_not_found(demo, center, director):
    from rongmei.core.models import Department

    theirs = Department.objects.filter(center=demo["linxian"]).first()
    start = timezone.now() + dt.timedelta(days=90)
    with pytest.raises(ValidationError) as refused:
        services.book(center=center, user=director, data=services.BookingData(
            title="x", kind="meeting", place="y", planned_start=start, planned_end=start + dt.timedelta(hours=1),
            department_id=theirs.pk))
    assert "找不到这个政府部门" in _refusal(refused)


def test_booking_needs_the_streaming_server(center, director, book):
    conf = services.settings_of(center)
    conf.pull_base = ""
    conf.save()
    with pytest.raises(ValidationError) as refused:
        book()
    assert "推拉流" in _refusal(refused)


def test_a_person_is_not_booked_twice_at_overlapping_times(center, director, reporter, book):
    first, second = book(0, 2, title="上午的会议"), book(1, 2, title="重叠的活动")
    services.assign_crew(first, user=director, person_id=reporter.pk, role="camera")
    before = CrewAssignment.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.assign_crew(second, user=director, person_id=reporter.pk, role="host")
    message = _refusal(refused)
    assert "王磊" in message and "《上午的会议》" in message and "摄像" in message and "重叠" in message
    assert refused.value.api_status == 409
    assert CrewAssignment.objects.count() == before
    # back to back is no clash
    third = book(2, 1, title="紧接着的一场")
    services.assign_crew(third, user=director, person_id=reporter.pk, role="host")


def test_a_camera_is_not_booked_twice_and_a_cancelled_booking_frees_it(center, director, camera, book):
    first, second = book(0, 3, title="赛事直播"), book(2, 2, title="带货直播")
    services.assign_equipment(first, user=director, equipment_id=camera.pk)
    with pytest.raises(ValidationError) as refused:
        services.assign_equipment(second, user=director, equipment_id=camera.pk)
    message = _refusal(refused)
    assert "摄像机" in message and camera.asset_number in message and "《赛事直播》" in message
    assert not EquipmentAssignment.objects.filter(production=second).exists()
    services.cancel(first, user=director, reason="客户改期")
    services.assign_equipment(second, user=director, equipment_id=camera.pk)
    assert not LiveStream.objects.get(pk=first.stream_id).is_active


def test_rescheduling_into_a_clash_is_refused_and_nothing_moves(center, director, reporter, camera, book):
    first, second = book(0, 2, title="甲"), book(5, 2, title="乙")
    services.assign_crew(first, user=director, person_id=reporter.pk, role="camera")
    services.assign_equipment(first, user=director, equipment_id=camera.pk)
    services.assign_crew(second, user=director, person_id=reporter.pk, role="camera")
    services.assign_equipment(second, user=director, equipment_id=camera.pk)
    data = services.BookingData(title="乙", kind="meeting", place="县会议中心", planned_start=first.planned_start,
                                planned_end=first.planned_end, department_id=second.department_id)
    second.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.update_booking(second, user=director, data=data, expected_version=second.version)
    message = _refusal(refused)
    assert "王磊" in message and camera.asset_number in message
    second.refresh_from_db()
    assert second.planned_start == first.planned_start + dt.timedelta(hours=5)
    assert LiveStream.objects.get(pk=second.stream_id).starts_at == second.planned_start


def test_a_stale_version_is_refused(center, director, book):
    p = book()
    data = services.BookingData(title="新标题", kind="meeting", place="县会议中心", planned_start=p.planned_start,
                                planned_end=p.planned_end, department_id=p.department_id)
    services.update_booking(p, user=director, data=data, expected_version=p.version)
    with pytest.raises(ValidationError) as refused:
        services.update_booking(p, user=director, data=data, expected_version=p.version)
    assert "已被他人修改" in _refusal(refused) and refused.value.api_status == 409


def test_going_live_refuses_while_required_items_are_unticked(center, director, book):
    p = book(title="问政直播")
    with pytest.raises(ValidationError) as refused:
        services.start(p, user=director)
    message = _refusal(refused)
    assert "播前检查还有 6 项未完成" in message and "备用线路" in message
    for item in p.checks.filter(required=True):
        services.tick(item, user=director)
    item = p.checks.filter(required=True).first()
    services.tick(item, user=director, done=False)
    with pytest.raises(ValidationError) as refused:
        services.start(p, user=director)
    assert "1 项" in _refusal(refused) and item.label in _refusal(refused)
    services.tick(item, user=director)
    ticked = p.checks.get(pk=item.pk)
    assert ticked.ticked_by == director and ticked.ticked_at is not None


def test_status_moves_scheduled_live_ended_replay_and_the_stream_follows(center, director, book):
    p = book(title="文旅推介直播")
    for item in p.checks.all():
        services.tick(item, user=director)
    before = timezone.now()
    p = services.start(p, user=director)
    stream = LiveStream.objects.get(pk=p.stream_id)
    assert p.status == "live" and p.started_by == director and stream.starts_at >= before
    assert stream.state(timezone.now()) == "live"
    with pytest.raises(ValidationError):
        services.publish_replay(p, user=director, url="https://vod.example.cn/a.mp4")
    p = services.end(p, user=director)
    stream.refresh_from_db()
    assert p.status == "ended" and p.ended_by == director and stream.state(timezone.now()) == "ended"
    with pytest.raises(ValidationError) as refused:
        services.publish_replay(p, user=director, url="javascript:alert(1)")
    assert "url" in refused.value.message_dict
    p = services.publish_replay(p, user=director, url="https://vod.example.cn/a.mp4")
    stream.refresh_from_db()
    assert p.status == "replay" and stream.replay_url == "https://vod.example.cn/a.mp4"
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(p.pk), object_type="live.production")
            .order_by("pk")][-3:] == ["live.start", "live.end", "live.replay"]
    with pytest.raises(ValidationError):
        services.assign_crew(p, user=director, person_id=director.pk, role="director")


def test_run_sheet_rows_are_ordered_and_checked(center, director, book):
    p = book(hours=1)
    services.add_segment(p, user=director, offset_minutes=30, length_minutes=20, content="现场采访")
    services.add_segment(p, user=director, offset_minutes=0, length_minutes=5, content="开场", who="主持人")
    assert [s.content for s in p.segments.all()] == ["开场", "现场采访"]
    with pytest.raises(ValidationError) as refused:
        services.add_segment(p, user=director, offset_minutes=50, length_minutes=20, content="超时")
    assert "超出了计划时长 60 分钟" in _refusal(refused)
    with pytest.raises(ValidationError) as refused:
        services.add_segment(p, user=director, offset_minutes="abc", length_minutes=0, content="")
    assert set(refused.value.message_dict) == {"offset_minutes", "length_minutes", "content"}
    assert p.segments.count() == 2


def test_year_statistics_count_by_kind_and_client(center, director, book):
    from rongmei.live.tests.conftest import BASE

    year = selectors.today(center, BASE).year
    start = selectors.year_stats(center, year)
    book(0, title="计数一", kind="sports")
    cancelled = book(6, title="计数三", kind="commerce")
    services.cancel(cancelled, user=director, reason="天气")
    after = selectors.year_stats(center, year)
    assert after.total == start.total + 1 and after.cancelled == start.cancelled + 1
    assert dict(after.by_kind)["赛事"] == dict(start.by_kind)["赛事"] + 1


def test_the_demo_holds_a_countys_year(center):
    productions = Production.objects.filter(center=center)
    assert productions.count() == 68
    assert productions.filter(status="replay").count() > 50
    assert productions.filter(status="scheduled", planned_start__gt=timezone.now()).count() >= 4
    # no person and no camera is booked twice at overlapping times in the demo either
    for a in EquipmentAssignment.objects.filter(center=center).select_related("production")[:200]:
        p = a.production
        assert not EquipmentAssignment.objects.filter(
            equipment=a.equipment, production__planned_start__lt=p.planned_end,
            production__planned_end__gt=p.planned_start).exclude(production=p).exists()
    assert live_demo.load(center) == (0, 68)


def test_the_demo_loader_is_fast_and_deterministic(center):
    Production.objects.filter(center=center).delete()
    started = time.monotonic()
    made, existing = live_demo.load(center)
    elapsed = time.monotonic() - started
    assert made > 68 and existing == 0 and elapsed < 3, elapsed
    assert Production.objects.filter(center=center).count() == 68


def test_home_box_and_todos(center, director, reporter, book):
    soon = book(title="明天的直播")
    Production.objects.filter(pk=soon.pk).update(planned_start=timezone.now() + dt.timedelta(hours=20),
                                                 planned_end=timezone.now() + dt.timedelta(hours=22))
    services.assign_crew(soon, user=director, person_id=reporter.pk, role="camera")
    box = selectors.home_box(director, center)
    assert box["template"] == "live/home_box.html" and any(p.pk == soon.pk for p in box["incomplete"])
    assert any("明天的直播" in t.title and "播前检查" in t.title for t in selectors.todo_for(director, center))
    assert any("明天的直播" in t.title for t in selectors.todo_for(reporter, center))
    assert selectors.home_box(reporter, center) is None


def test_a_running_stream_keeps_its_public_end_ahead(center, director, book):
    p = book()
    for item in p.checks.all():
        services.tick(item, user=director)
    p = services.start(p, user=director)
    LiveStream.objects.filter(pk=p.stream_id).update(ends_at=timezone.now() + dt.timedelta(minutes=2))
    assert services.extend_running() >= 1
    assert LiveStream.objects.get(pk=p.stream_id).ends_at > timezone.now() + dt.timedelta(minutes=25)

