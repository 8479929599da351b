"""What HR downloads, opened and added up: the pay workbook (a summary sheet, one sheet per
org unit, adjustments on their own sheet; money as numbers whose reward column adds up to
the reward pool to the cent), the PDF of the same, and the 稿费 workbook (a correspondent
without an account by byline name). Only appraisal.export may download."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.test import Client
from openpyxl import load_workbook

from rongmei.appraisal import periods, services
from rongmei.appraisal.models import FeeLine, Scorecard
from rongmei.appraisal.tests.test_engine import MONTH, World
from rongmei.core.models import AuditEvent

M = "2026-11"


@pytest.fixture
def closed(db):
    world = World("pvx").build()
    period = periods.get_or_open(world.center, MONTH)
    services.close(period, world.admin)
    services.adjust(period, world.admin, world.b, "2", "88.80", "外宣漏登补记")
    period.refresh_from_db()
    return world, period


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def money(value) -> D:
    assert isinstance(value, (int, float)), f"money should be a number, not {value!r}"
    return D(str(value)).quantize(D("0.01"))


def test_hr_workbook_adds_up_to_the_pool_to_the_cent(closed):
    world, period = closed
    answer = _client(world.hr).get(f"/appraisal/{M}/export.xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer["Content-Disposition"]
    event = AuditEvent.objects.filter(center=world.center, action="appraisal.export_pay").latest("pk")
    assert event.actor == world.hr and event.after == {"month": M, "format": "xlsx", "status": "closed"}
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames[0] == "汇总" and "结算后调整" in wb.sheetnames
    units = [n for n in wb.sheetnames if n not in ("汇总", "结算后调整")]
    assert sorted(units) == sorted(["采访部", "编辑部"])
    cards = {c.user.username: c for c in Scorecard.objects.filter(period=period).select_related("user")}
    reward_sum, seen = D(0), set()
    for name in units:
        ws = wb[name]
        header = [c.value for c in ws[3]]
        col = {h: i for i, h in enumerate(header)}
        rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
        people, subtotal = rows[:-1], rows[-1]
        assert subtotal[1] == "合计"
        for r in people:
            card = cards[r[col["账号"]]]
            seen.add(card.user.username)
            assert money(r[col["奖励绩效"]]) == card.reward_paid
            assert money(r[col["合计"]]) == card.total_paid
            assert money(r[col["基础绩效"]]) + money(r[col["奖励绩效"]]) == money(r[col["合计"]])
            reward_sum += money(r[col["奖励绩效"]])
        assert money(subtotal[col["奖励绩效"]]) == sum((money(r[col["奖励绩效"]]) for r in people), D(0))
        cell = ws.cell(row=4, column=col["奖励绩效"] + 1)
        assert cell.number_format == "0.00" and isinstance(cell.value, (int, float))
    assert seen == set(cards)
    assert reward_sum == period.reward_pool == D("8386.15")
    summary = wb["汇总"]
    labels = {r[0]: r for r in summary.iter_rows(min_row=5, values_only=True) if r[0]}
    assert money(labels["合计"][7]) == reward_sum
    assert money(labels["奖励绩效总额（奖励池）"][1]) == period.reward_pool
    assert money(labels["未分配（无人得分时留存）"][1]) == D(0)
    assert money(labels["合计"][8]) == sum((c.total_paid for c in cards.values()), D(0))
    adj = [r for r in wb["结算后调整"].iter_rows(min_row=4, values_only=True)]
    assert adj[0][0] == "记者乙" and money(adj[0][3]) == D("88.80") and adj[0][4] == "外宣漏登补记"
    assert money(labels["应发合计（含调整）"][1]) == money(labels["合计"][8]) + D("88.80")


def test_pdf_and_fee_statements(closed):
    world, period = closed
    hr = _client(world.hr)
    pdf = hr.get(f"/appraisal/{M}/export.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert len(pdf.content) > 5000  # the CJK font subset is embedded
    page = hr.get(f"/appraisal/fees/?month={M}").content.decode()
    assert "王通讯" in page and "通讯员（无账号）" in page
    answer = hr.get(f"/appraisal/{M}/fees.xlsx")
    wb = load_workbook(io.BytesIO(answer.content))
    summary = {r[0]: r for r in wb["汇总"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert money(summary["王通讯"][4]) == D("25.00") and summary["王通讯"][2] == "通讯员（无账号）"
    total = sum((f.amount for f in FeeLine.objects.filter(period=period)), D(0))
    assert money(summary["合计"][4]) == total
    detail = [r for r in wb["明细"].iter_rows(min_row=2, values_only=True)]
    wang = [r for r in detail if r[0] == "王通讯"]
    assert wang[0][1] == "四" and money(wang[0][4]) == D("50.00") and money(wang[0][6]) == D("25.00")
    # one person's statement, to hand to them (the correspondent is known by name)
    single = load_workbook(io.BytesIO(hr.get(f"/appraisal/{M}/fees.xlsx?who=n:王通讯").content))
    names = [r[0] for r in single["汇总"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert names == ["王通讯", "合计"]
    assert hr.get(f"/appraisal/{M}/fees.xlsx?who=n:无此人").status_code == 404
    # a reporter may not download; another center's HR finds no such month
    assert _client(world.a).get(f"/appraisal/{M}/fees.xlsx").status_code == 403
    other = World("pvx2")
    assert _client(other.hr).get(f"/appraisal/{M}/export.xlsx").status_code == 404
