"""The pay split of a month: each person's base share paid by how far they met their quota,
and the reward pool shared in proportion to points, to the cent.

Plain Python on a list of people (tens per center) so every rule can be checked by hand
and the same function serves the engine, the bench's reference computation and the tests.

For each person:
    quota      = rules.quotas[role] (0 when the role has none: the quota counts as met)
    base       = their PayProfile.base_amount, else rules.pay.default_base[role], else 0
    base part  = base × base_share %, to the cent (half up)
    paid base  = base part × f, to the cent (half up), where f is by `pay.pro_rata`:
                   all_or_nothing  1 when points ≥ quota, else 0
                   linear          min(points / quota, 1)
                   stepped         0 below `threshold` % of the quota, else min(points / quota, 1)
                 (points ≤ 0 → f = 0 unless the quota is 0)
Pool = Σ (base − base part) + Σ (base part − paid base) when `shortfall_to_pool`.
The pool goes to people in the pay scheme (base > 0) with points > 0, in proportion to
their points, by the largest-remainder method: everyone gets the floor of their exact share
in cents, and the cents left over go one each to the largest remainders (ties: more
points, then the smaller user id) — so the rewards add up to the pool exactly. When nobody
qualifies the pool stays undistributed (`Sheet.undistributed`).
Rank: standard competition ranking (1, 2, 2, 4) by points within each org unit (people
without one form their own group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from rongmei.appraisal.rules import RulesDoc

CENT = Decimal("0.01")
ZERO = Decimal(0)
RATIO_MAX = Decimal("999.9999")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Payee:
    user_id: int
    role: str
    org_unit_id: int | None
    points: Decimal
    base_amount: Decimal | None = None  # the PayProfile's, when there is one


@dataclass
class PayRow:
    user_id: int
    org_unit_id: int | None
    points: Decimal
    quota: Decimal
    quota_ratio: Decimal
    base_amount: Decimal
    base_part: Decimal
    base_paid: Decimal
    reward_paid: Decimal = ZERO
    total_paid: Decimal = ZERO
    rank: int | None = None


@dataclass
class Sheet:
    rows: list[PayRow] = field(default_factory=list)
    pool: Decimal = ZERO
    undistributed: Decimal = ZERO


def base_factor(points: Decimal, quota: Decimal, rules: RulesDoc) -> Decimal:
    """The fraction of the base part paid (exact; the caller rounds the money)."""
    if quota <= 0:
        return Decimal(1)
    if points <= 0:
        return ZERO
    ratio = min(points / quota, Decimal(1))
    mode = rules.pay.pro_rata
    if mode == "all_or_nothing":
        return Decimal(1) if points >= quota else ZERO
    if mode == "stepped" and points * 100 < rules.pay.threshold * quota:
        return ZERO
    return ratio


def largest_remainder(pool: Decimal, weights: dict[int, int]) -> dict[int, Decimal]:
    """Share `pool` (元) among keys in proportion to positive integer weights, to the cent,
    adding up exactly."""
    pool_cents = int((pool / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    total = sum(weights.values())
    if pool_cents <= 0 or total <= 0:
        return {key: ZERO for key in weights}
    floor = {key: pool_cents * w // total for key, w in weights.items()}
    left = pool_cents - sum(floor.values())
    order = sorted(weights, key=lambda key: (-(pool_cents * weights[key] % total), -weights[key], key))
    for key in order[:left]:
        floor[key] += 1
    return {key: Decimal(c) * CENT for key, c in floor.items()}


def rank_by_unit(rows: list[PayRow]) -> None:
    groups: dict = {}
    for row in rows:
        groups.setdefault(row.org_unit_id, []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: (-r.points, r.user_id))
        for i, row in enumerate(members):
            row.rank = members[i - 1].rank if i and members[i - 1].points == row.points else i + 1


def pay_month(payees: list[Payee], rules: RulesDoc) -> Sheet:
    share = Decimal(rules.pay.base_share)
    sheet = Sheet()
    pool = ZERO
    for p in payees:
        points = cents(p.points)
        quota = cents(Decimal(rules.quotas.get(p.role, 0)))
        base = cents(p.base_amount if p.base_amount is not None else Decimal(rules.pay.default_base.get(p.role, 0)))
        base_part = cents(base * share / 100)
        paid = cents(base_part * base_factor(points, quota, rules))
        if quota > 0:
            ratio = max(min(points / quota, RATIO_MAX), ZERO).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        else:
            ratio = Decimal(1)
        pool += base - base_part
        if rules.pay.shortfall_to_pool:
            pool += base_part - paid
        sheet.rows.append(PayRow(user_id=p.user_id, org_unit_id=p.org_unit_id, points=points, quota=quota,
                                 quota_ratio=ratio, base_amount=base, base_part=base_part, base_paid=paid))
    weights = {r.user_id: int(r.points / CENT) for r in sheet.rows if r.points > 0 and r.base_amount > 0}
    rewards = largest_remainder(pool, weights)
    for row in sheet.rows:
        row.reward_paid = rewards.get(row.user_id, ZERO)
        row.total_paid = row.base_paid + row.reward_paid
    sheet.pool = pool
    sheet.undistributed = pool - sum(rewards.values(), ZERO)
    rank_by_unit(sheet.rows)
    return sheet
