"""值班表 (issue 13): who is on the day, night and weekend desks; the board and the command
screen name today's duty editors; a swap is asked by one person and takes effect when the
other person has agreed and the chief editor has approved (either order)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.core.models import AuditEvent, Notification, User
from rongmei.planning import services
from rongmei.planning.models import DutyShift, DutySwap


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _later(days: int = 3) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def roster(demo):
    """A clean roster: reviewer1 on the night desk in three days, reviewer2 in four."""
    center = demo["demo"]
    DutyShift.objects.filter(center=center).delete()
    chief = _user("reviewer3")
    mine = services.assign_duty(center=center, user=chief, date=_later(3), desk="night", person=_user("reviewer1"))
    theirs = services.assign_duty(center=center, user=chief, date=_later(4), desk="night", person=_user("reviewer2"))
    return {"center": center, "mine": mine, "theirs": theirs}


def test_demo_roster_covers_this_week_and_next(demo):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    days = set(DutyShift.objects.filter(center=demo["demo"], date__range=(monday, monday + dt.timedelta(days=13)))
               .values_list("date", flat=True))
    assert len(days) == 14
    weekend = DutyShift.objects.filter(center=demo["demo"], date=monday + dt.timedelta(days=5)).values_list("desk", flat=True)
    assert set(weekend) == {"weekend"}
    assert DutySwap.objects.filter(center=demo["demo"], status="pending").exists()


def test_board_and_command_screen_name_todays_duty_editors(login, demo):
    center = demo["demo"]
    DutyShift.objects.filter(center=center, date=timezone.localdate()).delete()
    services.assign_duty(center=center, user=_user("reviewer3"), date=timezone.localdate(), desk="day", person=_user("editor"))
    services.assign_duty(center=center, user=_user("reviewer3"), date=timezone.localdate(), desk="night", person=_user("reviewer2"))
    client = login("reporter")
    for url in ("/planning/", "/planning/screen/"):
        body = client.get(url).content.decode()
        assert 'data-testid="duty-today"' in body
        line = body.split('data-testid="duty-today"', 1)[1].split("</p>", 1)[0]
        assert "日班" in line and "李娜" in line and "夜班" in line and "刘洋" in line
    partial = client.get("/planning/screen/", HTTP_HX_REQUEST="true").content.decode()
    assert "李娜" in partial.split('data-testid="duty-today"', 1)[1].split("</p>", 1)[0]


def test_only_the_chief_or_the_center_admin_draws_up_the_roster(login, roster):
    center = roster["center"]
    with pytest.raises(ValidationError):
        services.assign_duty(center=center, user=_user("editor"), date=_later(5), desk="day", person=_user("reporter"))
    response = login("editor").post("/planning/duty/", {"date": _later(5).isoformat(), "desk": "day",
                                                         "person": _user("reporter").pk})
    assert response.status_code == 403
    response = login("admin").post("/planning/duty/", {"date": _later(5).isoformat(), "desk": "day",
                                                        "person": _user("reporter").pk})
    assert response.status_code == 302
    assert DutyShift.objects.filter(center=center, date=_later(5), desk="day", user__username="reporter").exists()
    assert AuditEvent.objects.filter(center=center, action="duty.assign", actor__username="admin").exists()


def test_a_department_liaison_is_not_put_on_a_desk(login, roster):
    before = DutyShift.objects.count()
    response = login("reviewer3").post("/planning/duty/", {"date": _later(5).isoformat(), "desk": "day",
                                                            "person": _user("liaison").pk})
    assert response.status_code == 200 and "请选择本中心的采编人员" in response.content.decode()
    assert DutyShift.objects.count() == before


def test_swap_takes_effect_after_the_other_person_and_the_chief(login, roster):
    center, mine = roster["center"], roster["mine"]
    r1, r2 = login("reviewer1"), login("reviewer2")
    response = r1.post(f"/planning/duty/shifts/{mine.pk}/swap/", {"counterpart": _user("reviewer2").pk, "reason": "家中有事"})
    assert response.status_code == 302
    swap = DutySwap.objects.get(shift=mine)
    assert swap.status == "pending"
    assert Notification.objects.filter(recipient__username="reviewer2", title__contains="申请换班").exists()
    # the other person sees it on the roster and on the 工作台
    assert "家中有事" in r2.get("/planning/duty/").content.decode()
    assert any(t["item"].url.startswith("/planning/duty/") and "换班" in t["item"].title
               for t in r2.get("/").context["todos"])
    r2.post(f"/planning/duty/swaps/{swap.pk}/", {"action": "agree"})
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.status == "pending" and swap.peer_agreed_at and mine.user.username == "reviewer1"
    # the chief sees it waiting, approves, and the shift changes hands
    assert any("待批准换班" in t["item"].title for t in login("reviewer3").get("/").context["todos"])
    login("reviewer3").post(f"/planning/duty/swaps/{swap.pk}/", {"action": "approve", "note": "同意"})
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.status == "approved" and mine.user.username == "reviewer2"
    actions = set(AuditEvent.objects.filter(center=center, action__startswith="duty.swap").values_list("action", flat=True))
    assert {"duty.swap_request", "duty.swap_agree", "duty.swap_approve"} <= actions


def test_chief_first_then_the_other_person_and_a_trade_of_two_shifts(roster):
    mine, theirs = roster["mine"], roster["theirs"]
    swap = services.request_swap(shift=mine, user=_user("reviewer1"), counterpart=_user("reviewer2"), reason="对调一下",
                                 counterpart_shift=theirs)
    services.approve_swap(swap=swap, user=_user("reviewer3"), approve=True)
    mine.refresh_from_db()
    assert mine.user.username == "reviewer1"  # not yet: the other person has not said yes
    services.answer_swap(swap=swap, user=_user("reviewer2"), agree=True)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.user.username, theirs.user.username) == ("reviewer2", "reviewer1")


def test_a_swap_asked_by_the_chief_needs_only_the_other_persons_yes(roster):
    center = roster["center"]
    shift = services.assign_duty(center=center, user=_user("reviewer3"), date=_later(6), desk="weekend",
                                 person=_user("reviewer3"))
    swap = services.request_swap(shift=shift, user=_user("reviewer3"), counterpart=_user("editor"), reason="出差")
    services.answer_swap(swap=swap, user=_user("editor"), agree=True)
    shift.refresh_from_db()
    assert shift.user.username == "editor"


def test_refused_or_withdrawn_swaps_change_nothing(login, roster):
    mine = roster["mine"]
    swap = services.request_swap(shift=mine, user=_user("reviewer1"), counterpart=_user("reviewer2"), reason="家中有事")
    with pytest.raises(ValidationError):
        services.answer_swap(swap=swap, user=_user("proofreader"), agree=True)  # not the one asked
    with pytest.raises(ValidationError):
        services.approve_swap(swap=swap, user=_user("editor"), approve=True)  # not the chief
    services.answer_swap(swap=swap, user=_user("reviewer2"), agree=False, note="那天我也有事")
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.status == "rejected" and mine.user.username == "reviewer1"
    again = services.request_swap(shift=mine, user=_user("reviewer1"), counterpart=_user("proofreader"), reason="再问问")
    response = login("reviewer1").post(f"/planning/duty/swaps/{again.pk}/", {"action": "cancel"}, follow=True)
    assert "换班申请已撤回" in response.content.decode()
    again.refresh_from_db()
    assert again.status == "cancelled"
    with pytest.raises(ValidationError):
        services.approve_swap(swap=again, user=_user("reviewer3"), approve=True)


@pytest.mark.parametrize("data, message", [
    ({"counterpart": "reviewer2", "reason": ""}, "请写明换班原因"),
    ({"counterpart": "reviewer1", "reason": "我自己"}, "请选择本中心的另一位同事"),
    ({"counterpart": "liaison", "reason": "找部门"}, "请选择本中心的另一位同事"),
    ({"counterpart": "", "reason": "没选人"}, "请选择换班的同事"),
])
def test_bad_swap_requests_are_refused_kindly(login, roster, data, message):
    fields = {"reason": data["reason"]}
    if data["counterpart"]:
        fields["counterpart"] = _user(data["counterpart"]).pk
    response = login("reviewer1").post(f"/planning/duty/shifts/{roster['mine'].pk}/swap/", fields, follow=True)
    assert message in response.content.decode()
    assert not DutySwap.objects.filter(shift=roster["mine"]).exists()


def test_only_ones_own_future_shift_can_be_offered(login, roster):
    response = login("reviewer2").post(f"/planning/duty/shifts/{roster['mine'].pk}/swap/",
                                       {"counterpart": _user("editor").pk, "reason": "替别人申请"}, follow=True)
    assert "只能为自己的班次申请换班" in response.content.decode()
    past = services.assign_duty(center=roster["center"], user=_user("reviewer3"), date=timezone.localdate() - dt.timedelta(days=2),
                                desk="day", person=_user("reviewer1"))
    with pytest.raises(ValidationError, match="已经过去"):
        services.request_swap(shift=past, user=_user("reviewer1"), counterpart=_user("reviewer2"), reason="补换")
    assert not DutySwap.objects.filter(shift__in=[roster["mine"], past]).exists()


def test_duty_page_at_a_glance(login, roster):
    body = login("reviewer1").get("/planning/duty/").content.decode()
    assert 'data-testid="duty-week"' in body and 'data-testid="my-shifts"' in body
    assert "申请换班" in body and 'data-testid="duty-assign"' not in body  # only the chief draws it up
    assert 'data-testid="duty-assign"' in login("reviewer3").get("/planning/duty/").content.decode()
    assert login("reviewer1").get("/planning/duty/?week=not-a-date").status_code == 200
