"""网络问政 statistics: per-department figures for a month, the ranking, the staff page and its
Excel export, the public ranking page.

Cases are built through the services, then their timestamps are set with ``.update()`` so
that on time / late and the working days are deterministic. March 2026 (Beijing time) has
no holidays: Mon–Fri are working days, Mar 7–8, 14–15 are weekends.

Department Z (住建局, the demo liaison):
  A1  assigned Mon 03-02 09:00, due Wed 03-04 18:00, approved Tue 03-03 15:00  on time, 1.25 d, 满意
  A2  assigned Fri 03-06 12:00, due Mon 03-09 18:00, approved Tue 03-10 12:00  late,   2.00 d (weekend free), 基本满意
  A3  assigned Wed 03-11 10:00, due Fri 03-13 18:00, no answer                 overdue open
  A4  assigned Thu 03-12 10:00, handed back                                    return
  J   joint with C (Z leads), assigned Mon 03-16 09:00, due Fri 03-20 18:00, Z approved Wed 03-18 09:00: on time, 2.00 d
Department C (城管局, a second liaison):
  B1  assigned Mon 03-02 10:00, due Thu 03-05 18:00, approved Wed 03-04 10:00  on time, 2.00 d, 不满意 (reopened)
  B2  assigned Tue 03-03 09:00, due Tue 03-10 18:00, approved Thu 03-05 09:00  on time, 2.00 d, 满意
  J   no answer from C, past due                                                overdue open
  L   assigned Tue 03-31 23:30 Beijing (15:30 UTC), due in 2027                 pending (neither on time nor late)
Outside the month: F (Z) assigned Fri 02-27.
"""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from rongmei.core import services as core_services
from rongmei.core.models import Department, User
from rongmei.inquiry import services, stats
from rongmei.inquiry.models import Assignment, Case, Reply

BJ = ZoneInfo("Asia/Shanghai")
ZJ = "示例县住房和城乡建设局"
CG = "示例县城市管理局"
REPLY = "经现场核查，问题属实。我局已于本周安排施工队完成维修，责任人张工，联系电话0000-6201008。"


def bj(month, day, hour=0, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=BJ)


class Builder:
    def __init__(self, center):
        self.center = center
        self.coordinator = User.objects.get(username="coordinator")
        self.zj = Department.objects.get(center=center, name=ZJ)
        self.cg = Department.objects.get(center=center, name=CG)
        self.liaison = {self.zj.pk: User.objects.get(username="liaison")}
        self.liaison[self.cg.pk] = core_services.create_person(
            center=center, username="liaison_cg_stats", display_name="城管联络员", password="x", roles=["liaison"],
            actor=None, department=self.cg, is_demo=True)
        self.count = 0

    def case(self, departments, assigned, due) -> Case:
        self.count += 1
        sub = services.Submission(kind="complain", title=f"统计测试第{self.count}件",
                                  text=f"小区门口的路灯坏了很久，晚上出行不便，第 {self.count} 次反映。",
                                  phone=f"1380000{self.count:04d}")
        case = services.submit(center=self.center, sub=sub)
        case = services.accept(case=case, user=self.coordinator, departments=departments, lead=departments[0])
        Assignment.objects.filter(case=case).update(assigned_at=assigned)
        Case.objects.filter(pk=case.pk).update(due_at=due, accepted_at=assigned)
        return Case.objects.get(pk=case.pk)

    def answer(self, case, department, approved_at) -> None:
        answer = services.reply(case=case, user=self.liaison[department.pk], text=REPLY, confirm_flags=True)
        services.approve_reply(reply_obj=answer, user=self.coordinator)
        Reply.objects.filter(pk=answer.pk).update(approved_at=approved_at)

    def build(self) -> dict[str, Case]:
        zj, cg = self.zj, self.cg
        c = {}
        c["A1"] = self.case([zj], bj(3, 2, 9), bj(3, 4, 18))
        self.answer(c["A1"], zj, bj(3, 3, 15))
        services.rate(case=c["A1"], rating="satisfied")
        c["A2"] = self.case([zj], bj(3, 6, 12), bj(3, 9, 18))
        self.answer(c["A2"], zj, bj(3, 10, 12))
        services.rate(case=c["A2"], rating="basic")
        c["A3"] = self.case([zj], bj(3, 11, 10), bj(3, 13, 18))
        c["A4"] = self.case([zj], bj(3, 12, 10), bj(3, 17, 18))
        services.hand_back(case=c["A4"], user=self.liaison[zj.pk], reason="路灯归城管局管理，不属于本局职责。")
        c["J"] = self.case([zj, cg], bj(3, 16, 9), bj(3, 20, 18))
        self.answer(c["J"], zj, bj(3, 18, 9))
        c["B1"] = self.case([cg], bj(3, 2, 10), bj(3, 5, 18))
        self.answer(c["B1"], cg, bj(3, 4, 10))
        services.rate(case=c["B1"], rating="unsatisfied")          # reopened: a new due_at ...
        Case.objects.filter(pk=c["B1"].pk).update(due_at=bj(3, 5, 18))  # ... put back, see below
        c["B2"] = self.case([cg], bj(3, 3, 9), bj(3, 10, 18))
        self.answer(c["B2"], cg, bj(3, 5, 9))
        services.rate(case=c["B2"], rating="satisfied")
        c["L"] = self.case([cg], bj(3, 31, 23, 30), bj(1, 8, 18, year=2027))
        c["F"] = self.case([zj], bj(2, 27, 10), bj(3, 4, 18))
        return c


@pytest.fixture
def built(demo):
    center = demo["demo"]
    start, end = stats.month_bounds(center, 2026, 3)
    assert not Assignment.objects.filter(case__center=center, assigned_at__gte=start, assigned_at__lt=end).exists(), \
        "the demo data now has cases in March 2026: move these tests to another month"
    builder = Builder(center)
    return builder, builder.build()


def by_name(rows):
    return {r.name: r for r in rows}


# --- the computation -------------------------------------------------------------------------------

def test_department_rows(built):
    builder, _ = built
    rows = by_name(stats.department_month(builder.center, 2026, 3))
    assert set(rows) == {ZJ, CG}

    zj = rows[ZJ]
    assert (zj.cases, zj.returns, zj.due, zj.replied, zj.on_time, zj.late, zj.overdue_open) == (5, 1, 4, 3, 2, 1, 1)
    assert zj.reply_rate == pytest.approx(0.75)
    assert zj.on_time_rate == pytest.approx(2 / 4)           # on time / (replied + overdue open)
    assert sorted(zj.days) == pytest.approx([1.25, 2.0, 2.0])  # A2's weekend does not count
    assert zj.avg_days == pytest.approx(1.75)
    assert (zj.satisfied, zj.basic, zj.unsatisfied, zj.rated) == (1, 1, 0, 2)
    assert zj.satisfaction == pytest.approx(1.0)
    assert (zj.reply_rate_text, zj.on_time_rate_text, zj.avg_days_text) == ("75.0%", "50.0%", "1.75")

    cg = rows[CG]
    # B1 was answered, then reopened after 不满意: still replied (on time), not overdue; L is pending.
    assert (cg.cases, cg.returns, cg.replied, cg.on_time, cg.overdue_open) == (4, 0, 2, 2, 1)
    assert cg.reply_rate == pytest.approx(0.5)
    assert cg.on_time_rate == pytest.approx(2 / 3)
    assert cg.avg_days == pytest.approx(2.0)
    assert (cg.satisfied, cg.basic, cg.unsatisfied) == (1, 0, 1)
    assert cg.satisfaction == pytest.approx(0.5)


def test_total_row_and_month_boundaries(built):
    builder, cases = built
    report = stats.month_report(builder.center, 2026, 3)
    total = report.total
    assert total.is_total and total.name == "合计"
    assert (total.cases, total.distinct_cases, total.returns, total.replied, total.on_time, total.overdue_open) == (9, 8, 1, 5, 4, 2)
    assert total.reply_rate == pytest.approx(5 / 8)
    assert total.on_time_rate == pytest.approx(4 / 7)
    assert total.avg_days == pytest.approx((1.25 + 2 + 2 + 2 + 2) / 5)
    assert total.satisfaction == pytest.approx(3 / 4)
    # 03-31 23:30 Beijing is March even though it is 15:30 UTC; F (02-27) is February's.
    february = by_name(stats.department_month(builder.center, 2026, 2))
    assert february[ZJ].cases == 1 and CG not in february
    assert not stats.department_month(builder.center, 2026, 4)


def test_due_at_as_stored_decides_on_time(built):
    """An approved extension moves due_at: the late answer of A2 then counts as on time."""
    builder, cases = built
    Case.objects.filter(pk=cases["A2"].pk).update(due_at=bj(3, 12, 18))
    zj = by_name(stats.department_month(builder.center, 2026, 3))[ZJ]
    assert (zj.on_time, zj.late) == (3, 0)


def test_ranking_order(built):
    builder, _ = built
    report = stats.month_report(builder.center, 2026, 3)
    ranked = stats.ranking(report.rows)
    assert [(r.name, r.rank) for r in ranked] == [(CG, 1), (ZJ, 2)]   # on-time 67% beats 50%


def _row(name, order, *, cases=2, returns=0, replied=2, on_time=2, overdue=0, ratings=(1, 0, 0), days=(1.0,)):
    dept = Department(pk=order + 1000, name=name, order=order)
    return stats.Row(department=dept, name=name, order=order, cases=cases, returns=returns, replied=replied,
                     on_time=on_time, overdue_open=overdue, satisfied=ratings[0], basic=ratings[1],
                     unsatisfied=ratings[2], days=list(days))


def test_ranking_composite_ties_and_exclusions():
    rows = [
        _row("甲", 1, ratings=(0, 1, 1)),                       # on time 100%, satisfaction 50%
        _row("乙", 2, ratings=(1, 0, 0)),                       # on time 100%, satisfaction 100%
        _row("丙", 3, ratings=(0, 0, 0)),                       # on time 100%, no ratings: after any rating
        _row("丁", 4, on_time=1, ratings=(1, 0, 0)),            # on time 50%
        _row("戊", 5, cases=1, returns=1, replied=0, on_time=0),  # only a hand-back: not ranked
        _row("己", 6, ratings=(1, 0, 0)),                       # same as 乙 on everything: shares its rank
        _row("庚", 7, ratings=(1, 0, 0), days=(3.0,)),          # same as 乙 but slower
    ]
    ranked = stats.ranking(rows)
    assert [(r.name, r.rank) for r in ranked] == [("乙", 1), ("己", 1), ("庚", 3), ("甲", 4), ("丙", 5), ("丁", 6)]
    assert rows[4].rank is None


def test_parse_month():
    assert stats.parse_month("2026-11") == (2026, 11)
    assert stats.parse_month("2026-3") == (2026, 3)
    for bad in ("", None, "2026-13", "2026-00", "26-11", "2026/11", "abcd-ef", "1999-12", "2026-11-01"):
        assert stats.parse_month(bad) is None
    assert stats.shift_month(2026, 1, -1) == (2025, 12)
    assert stats.shift_month(2026, 12, 1) == (2027, 1)


# --- staff page and export ---------------------------------------------------------------------------

def test_staff_page_permission(built, login):
    assert login("reporter").get("/inquiry/stats/?month=2026-03").status_code == 403
    response = login("coordinator").get("/inquiry/stats/?month=2026-03")
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年3月" in body and "县住建局" in body and "县城管局" in body
    assert 'data-testid="stats-total"' in body and "75.0%" in body
    assert login("appraiser").get("/inquiry/stats/").status_code == 200


def test_staff_page_bad_or_future_month_falls_back(built, login):
    client = login("coordinator")
    current = stats.month_label(*stats.current_month(built[0].center))
    for bad in ("nonsense", "2999-01"):
        response = client.get(f"/inquiry/stats/?month={bad}")
        assert response.status_code == 200
        body = response.content.decode()
        assert f"部门办理情况 {current}" in body and "已显示本月" in body


def test_excel_export(built, login):
    from openpyxl import load_workbook

    assert login("reporter").get("/inquiry/stats/export.xlsx?month=2026-03").status_code == 403
    response = login("coordinator").get("/inquiry/stats/export.xlsx?month=2026-03")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("示例县融媒体中心网络问政部门办理情况2026年03月.xlsx") in disposition

    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "示例县融媒体中心 网络问政 部门办理情况 2026年3月"
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["排名", "承办部门", "交办件次"] and "答复率" in headers and "满意率" in headers
    assert all(c.font.bold for c in ws[2])
    assert ws.freeze_panes == "C3"
    assert ws.column_dimensions["B"].width == 30
    col = {h: i for i, h in enumerate(headers)}
    data = {row[col["承办部门"]].value: row for row in ws.iter_rows(min_row=3, max_row=5)}
    assert set(data) == {CG, ZJ, "合计"}
    zj = data[ZJ]
    assert zj[col["排名"]].value == 2 and zj[col["交办件次"]].value == 5 and zj[col["退回"]].value == 1
    assert zj[col["答复率"]].value == pytest.approx(0.75) and zj[col["答复率"]].number_format == "0.0%"
    assert zj[col["按时率"]].value == pytest.approx(0.5)
    assert zj[col["平均办理用时（工作日）"]].value == pytest.approx(1.75)
    assert zj[col["满意率"]].value == pytest.approx(1.0) and zj[col["满意率"]].number_format == "0.0%"
    assert data[CG][col["排名"]].value == 1
    assert data["合计"][col["交办件次"]].value == 9 and data["合计"][col["排名"]].value is None


# --- public ranking -----------------------------------------------------------------------------------

def test_public_ranking_page(built):
    response = Client().get("/site/demo/wenzheng/ranking/?month=2026-03")
    assert response.status_code == 200
    body = response.content.decode()
    assert "网络问政 部门办理排名" in body and "2026年3月" in body
    assert body.index(CG) < body.index(ZJ)                  # ranked: 城管局 first
    assert "66.7%" in body and "50.0%" in body
    assert "?month=2026-02" in body                          # month navigation
    assert 'rel="next"' in body and "?month=2026-04" in body


def test_public_ranking_months_and_404(built):
    client = Client()
    assert client.get("/site/no-such-center/wenzheng/ranking/").status_code == 404
    center = built[0].center
    current = stats.month_label(*stats.current_month(center))
    for bad in ("abc", "2999-01"):
        response = client.get(f"/site/demo/wenzheng/ranking/?month={bad}")
        assert response.status_code == 200
        body = response.content.decode()
        assert "已显示本月" in body and current in body
    response = client.get("/site/demo/wenzheng/ranking/")
    assert response.status_code == 200 and 'rel="next"' not in response.content.decode()
