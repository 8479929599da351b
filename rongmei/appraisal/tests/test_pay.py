"""The pay split by hand: each pro-rata rule, the stepped threshold, where shortfalls go,
people outside the pay scheme, and a pool shared by the largest-remainder method so the
cents add up."""

from __future__ import annotations

from decimal import Decimal as D

from rongmei.appraisal import pay
from rongmei.appraisal.rules import DEFAULT_RULES, parse


def rules(**pay_rules):
    doc = {**DEFAULT_RULES, "pay": {**DEFAULT_RULES["pay"], **pay_rules}}
    return parse(doc)


def payee(uid, points, role="reporter", unit=1, base=None):
    return pay.Payee(user_id=uid, role=role, org_unit_id=unit, points=D(points), base_amount=base)


def by_user(sheet):
    return {r.user_id: r for r in sheet.rows}


def test_linear():
    sheet = pay.pay_month([payee(1, "30"), payee(2, "50")], rules(pro_rata="linear"))
    rows = by_user(sheet)
    # base part 2100; 30/40 → 1575.00; 50/40 capped at 1 → 2100
    assert rows[1].base_paid == D("1575.00") and rows[2].base_paid == D("2100.00")
    assert rows[1].quota_ratio == D("0.7500") and rows[2].quota_ratio == D("1.2500")
    # pool: 900 × 2 + shortfall 525 = 2325, shared 30 : 50 → 871.875 and 1453.125: equal
    # remainders, the cent left goes to the one with more points
    assert sheet.pool == D("2325.00")
    assert (rows[1].reward_paid, rows[2].reward_paid) == (D("871.87"), D("1453.13"))
    assert rows[1].reward_paid + rows[2].reward_paid == sheet.pool


def test_all_or_nothing():
    rows = by_user(pay.pay_month([payee(1, "39.99"), payee(2, "40")], rules(pro_rata="all_or_nothing")))
    assert rows[1].base_paid == D("0.00") and rows[2].base_paid == D("2100.00")


def test_stepped_threshold():
    r = rules(pro_rata="stepped", threshold="60")
    rows = by_user(pay.pay_month([payee(1, "23.99"), payee(2, "24"), payee(3, "36")], r))
    assert rows[1].base_paid == D("0.00")  # below 60 % of 40
    assert rows[2].base_paid == D("1260.00")  # 60 %: paid 24/40
    assert rows[3].base_paid == D("1890.00")


def test_shortfall_kept_out_of_the_pool():
    sheet = pay.pay_month([payee(1, "20"), payee(2, "40")], rules(shortfall_to_pool=False))
    assert sheet.pool == D("1800.00")  # only the reward shares of the two bases


def test_no_quota_counts_as_met_and_no_base_no_reward():
    # a role without quota or default base: base 0, nothing paid, no share of the pool
    sheet = pay.pay_month([payee(1, "10", role="operator"), payee(2, "10")], rules())
    rows = by_user(sheet)
    assert rows[1].quota_ratio == D(1) and rows[1].base_paid == D("0.00") and rows[1].reward_paid == D(0)
    assert rows[2].reward_paid == sheet.pool


def test_payprofile_base_wins_and_points_below_zero():
    sheet = pay.pay_month([payee(1, "-3", base=D(5000)), payee(2, "4")], rules())
    rows = by_user(sheet)
    assert rows[1].base_amount == D(5000) and rows[1].base_paid == D("0.00") and rows[1].reward_paid == D(0)
    assert rows[1].quota_ratio == D("0.0000")
    # pool 1500 + 900 + 3500 shortfall + 2100 − 210 = 7790, all to person 2
    assert sheet.pool == D("7790.00") and rows[2].reward_paid == D("7790.00")


def test_largest_remainder_adds_up():
    shares = pay.largest_remainder(D("100.00"), {1: 1, 2: 1, 3: 1})
    assert shares == {1: D("33.34"), 2: D("33.33"), 3: D("33.33")}
    shares = pay.largest_remainder(D("0.05"), {7: 3, 8: 3, 9: 1})
    assert sum(shares.values()) == D("0.05")
    assert shares == {7: D("0.02"), 8: D("0.02"), 9: D("0.01")}
    for n in range(2, 40):
        weights = {i: (i * 37) % 11 + 1 for i in range(n)}
        assert sum(pay.largest_remainder(D("12345.67"), weights).values()) == D("12345.67")


def test_nobody_with_points_leaves_pool_undistributed():
    sheet = pay.pay_month([payee(1, "0"), payee(2, "0")], rules())
    assert sheet.pool == D("6000.00") and sheet.undistributed == D("6000.00")


def test_rank_in_unit_competition_ranking():
    sheet = pay.pay_month([payee(1, "10"), payee(2, "10"), payee(3, "5"), payee(4, "1", unit=2)], rules())
    rows = by_user(sheet)
    assert (rows[1].rank, rows[2].rank, rows[3].rank, rows[4].rank) == (1, 1, 3, 1)
