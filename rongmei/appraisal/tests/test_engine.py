"""The month's computation against a small center worked out by hand (default rules):
pieces per outlet, the most specific points row, originality and length bands, shares that
do not add to 100, reads thresholds, 优稿, highest-level-only pickups, deductions on a piece
and on a person, published corrections, the center's time zone at the month's edge, 稿费,
quota pro-rata and the reward pool shared to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from rongmei.analytics.models import PieceMetric
from rongmei.appraisal import engine
from rongmei.appraisal.models import (
    Deduction,
    FeeLine,
    PayProfile,
    Period,
    Pickup,
    Rating,
    Scorecard,
    ScoreLine,
)
from rongmei.core.models import Center, Membership, OrgUnit, User
from rongmei.distribution.models import ChannelAccount, Publication
from rongmei.newsroom.models import Byline, Story

MONTH = dt.date(2026, 11, 1)
UTC = dt.UTC


def at(day: int, hour: int = 4, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


class World:
    """One center: reporters A and B (unit 采访部), editor C (unit 编辑部, PayProfile 4000, paid
    稿费), an appraisal admin, HR; accounts on WeChat (two), the site, TV and Douyin."""

    def __init__(self, slug: str = "kaohe"):
        self.center = Center.objects.create(name=f"考核测试中心{slug}", slug=slug, timezone="Asia/Shanghai")
        self.u1 = OrgUnit.objects.create(center=self.center, name="采访部")
        self.u2 = OrgUnit.objects.create(center=self.center, name="编辑部")
        self.a = self.person(f"{slug}_a", "reporter", self.u1, "记者甲")
        self.b = self.person(f"{slug}_b", "reporter", self.u1, "记者乙")
        self.c = self.person(f"{slug}_c", "editor", self.u2, "编辑丙")
        self.admin = self.person(f"{slug}_admin", "appraiser", None, "考核员")
        self.hr = self.person(f"{slug}_hr", "hr", None, "人事")
        PayProfile.objects.create(center=self.center, user=self.c, base_amount=D(4000), pays_fees=True)
        acc = lambda kind, name, **opts: ChannelAccount.objects.create(
            center=self.center, kind=kind, name=name, options=opts)
        self.wechat = acc("wechat", "公众号")
        self.wechat2 = acc("wechat", "公众号二")
        self.web = acc("own_site", "网站")
        self.tv = acc("broadcast", "电视")
        self.douyin = acc("assisted", "抖音号", outlet="douyin")

    def person(self, username, role, unit, name):
        user = User(username=username, display_name=name)
        user.set_unusable_password()  # no hashing: keeps the fixture fast
        user.save()
        Membership.objects.create(center=self.center, user=user, role=role, org_unit=unit)
        return user

    def story(self, headline, genre, originality, chars, bylines):
        story = Story.objects.create(center=self.center, headline=headline, genre=genre, originality=originality,
                                     body="<p>" + "字" * chars + "</p>", created_by=self.admin)
        for i, (who, share) in enumerate(bylines):
            if isinstance(who, str):
                Byline.objects.create(story=story, name=who, role="correspondent", share=D(share), order=i)
            else:
                Byline.objects.create(story=story, user=who, name=who.display_name, role="reporter", share=D(share),
                                      order=i)
        return story

    def publish(self, story, account, sent_at, status="sent", channel="web", corrected_at=None):
        return Publication.objects.create(center=self.center, story=story, account=account, channel=channel,
                                          status=status, story_version=1, content_hash="x", sent_at=sent_at,
                                          corrected_at=corrected_at, created_by=self.admin)

    def build(self):
        """The hand-worked month (see the module docstring of each test for the figures)."""
        a, b, c = self.a, self.b, self.c
        # S1 text, original, 600 chars (band ×1): 2 points per outlet; A 60 / B 40
        self.s1 = self.story("一", "text", "original", 600, [(a, 60), (b, 40)])
        self.publish(self.s1, self.wechat, at(5))
        self.publish(self.s1, self.wechat2, at(6))  # same outlet: still one piece
        self.publish(self.s1, self.web, at(5))
        PieceMetric.objects.create(center=self.center, key="pub:s1", day=dt.date(2026, 11, 6), outlet="wechat",
                                   story=self.s1, reads=7000, source="wechat")
        PieceMetric.objects.create(center=self.center, key="pub:s1", day=dt.date(2026, 11, 7), outlet="wechat",
                                   story=self.s1, reads=5000, source="wechat")
        PieceMetric.objects.create(center=self.center, key="pub:s1", day=dt.date(2026, 12, 1), outlet="wechat",
                                   story=self.s1, reads=900000, source="wechat")  # next month: not counted
        Rating.objects.create(center=self.center, story=self.s1, month=MONTH, level="A", reason="好", awarded_by=c)
        for level, name, is_long in (("county", "县报", False), ("provincial", "省报", False),
                                     ("prefecture", "市报", True)):
            Pickup.objects.create(center=self.center, story=self.s1, month=MONTH, outlet_name=name, level=level,
                                  used_on=dt.date(2026, 11, 9), is_long=is_long)
        Deduction.objects.create(center=self.center, month=MONTH, kind="other", story=self.s1, points=D("1.5"),
                                 reason="标题不当", created_by=self.admin)
        # S2 video, adapted ×0.6, 100 chars ×0.8: 4 × 0.6 × 0.8 = 1.92 on Douyin; A alone; corrected → −1
        self.s2 = self.story("二", "video", "adapted", 100, [(a, 100)])
        self.publish(self.s2, self.douyin, at(8), status="corrected", corrected_at=at(9))
        # S3 photo, reprint ×0.2, 2000 chars ×1.3 on TV: (photo, *) = 2 beats (*, tv) = 4 → 0.52;
        # shares C 50 + A 30 = 80 → C 0.52×50/80 = 0.325 → 0.33, A 0.195 → 0.20
        self.s3 = self.story("三", "photo", "reprint", 2000, [(c, 50), (a, 30)])
        self.publish(self.s3, self.tv, at(10), channel="tv")
        # S4 text 600 on the site: A 50 %, a correspondent 50 % (fee only: 50 元 × 50 % = 25)
        self.s4 = self.story("四", "text", "original", 600, [(a, 50), ("王通讯", 50)])
        self.publish(self.s4, self.web, at(10))
        # S5 first sent on WeChat in October: no WeChat piece in November; the site in November: B 2
        self.s5 = self.story("五", "text", "original", 600, [(b, 100)])
        self.publish(self.s5, self.wechat, at(30, month=10))
        self.publish(self.s5, self.wechat2, at(2))
        self.publish(self.s5, self.web, at(2))
        # S6 live, 0 chars ×0.8 = 4.8, sent 31 Oct 16:30 UTC = 1 Nov 00:30 in Shanghai; C alone
        self.s6 = self.story("六", "live", "original", 0, [(c, 100)])
        self.publish(self.s6, self.web, dt.datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
        # S7 sent 30 Nov 16:30 UTC = 1 Dec in Shanghai: not November's; a failed one never counts
        s7 = self.story("七", "text", "original", 600, [(a, 100)])
        self.publish(s7, self.web, dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
        self.publish(s7, self.wechat, None, status="failed")
        # an error on B: −2
        Deduction.objects.create(center=self.center, month=MONTH, kind="error", user=b, points=D(2),
                                 reason="错别字", created_by=self.admin)
        return self


@pytest.fixture
def world(db):
    return World().build()


def _card(period, user):
    return Scorecard.objects.get(period=period, user=user)


def _lines(period, user, kind=None):
    rows = ScoreLine.objects.filter(period=period, scorecard__user=user)
    return rows.filter(kind=kind) if kind else rows


def test_points_by_hand(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    outcome = engine.compute(period)
    assert outcome.pieces == 7
    a, b, c = (_card(period, u) for u in (world.a, world.b, world.c))
    # A: 1.2 + 1.2 (S1) + 1.2 (reads) + 6 (优稿) + 3 (provincial) + 1.92 (S2) − 1 (correction)
    #    + 0.20 (S3) + 1 (S4) − 0.9 (S1 deduction) = 13.82
    assert a.points == D("13.82")
    # B: 0.8 + 0.8 + 0.8 + 4 + 2 + 2 (S5 site) − 2 (error) − 0.6 = 7.80
    assert b.points == D("7.80")
    # C: 0.33 (S3) + 4.8 (S6) = 5.13
    assert c.points == D("5.13")
    assert (a.pieces, b.pieces, c.pieces) == (5, 3, 2)
    assert a.reads == 12000 and b.reads == 12000
    assert not Scorecard.objects.filter(period=period, user__in=[world.admin, world.hr]).exists()


def test_piece_lines_most_specific_row_and_share_normalised(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    s3_a = _lines(period, world.a, "piece").get(story=world.s3)
    assert (s3_a.outlet, s3_a.base_points, s3_a.share, s3_a.points) == ("tv", D("0.52"), D("37.50"), D("0.20"))
    assert "图片" in s3_a.rule and "转载×0.2" in s3_a.rule
    s3_c = _lines(period, world.c, "piece").get(story=world.s3)
    assert (s3_c.share, s3_c.points) == (D("62.50"), D("0.33"))
    wechat = _lines(period, world.a, "piece").filter(story=world.s1)
    assert sorted(wechat.values_list("outlet", flat=True)) == ["web", "wechat"]
    assert _lines(period, world.a, "piece").get(story=world.s2).base_points == D("1.92")
    # S5 was first sent to WeChat in October: only its site piece counts in November
    assert list(_lines(period, world.b, "piece").filter(story=world.s5).values_list("outlet", flat=True)) == ["web"]


def test_pickups_score_only_the_highest_level(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    pickups = _lines(period, world.a, "pickup")
    assert pickups.count() == 1
    line = pickups.get()
    assert (line.base_points, line.points) == (D("5.00"), D("3.00"))
    assert "省级" in line.rule


def test_long_pickup_at_the_highest_level_scores_long_points(world):
    Pickup.objects.create(center=world.center, story=world.s1, month=MONTH, outlet_name="省台专题", level="provincial",
                          used_on=dt.date(2026, 11, 12), is_long=True)
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    line = _lines(period, world.b, "pickup").get()
    assert (line.base_points, line.points) == (D("8.00"), D("3.20"))


def test_deductions_and_corrections(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    a = {(l.story_id, l.rule[:2]): l.points for l in _lines(period, world.a, "deduction")}
    assert a[(world.s1.pk, "其他")] == D("-0.90")
    assert a[(world.s2.pk, "更正")] == D("-1.00")
    b = _lines(period, world.b, "deduction")
    assert sorted(l.points for l in b) == [D("-2.00"), D("-0.60")]


def test_reads_threshold_within_the_month(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    line = _lines(period, world.a, "reads").get()
    # 12,000 reads in November (the 900,000 of December do not count): the 10,000 threshold
    assert (line.outlet, line.base_points, line.points) == ("wechat", D("2.00"), D("1.20"))


def test_fees_for_correspondents_and_staff_paid_fees(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    outcome = engine.compute(period)
    fees = {(f.name, f.story_id): f for f in FeeLine.objects.filter(period=period)}
    assert outcome.fees == 3
    assert fees[("王通讯", world.s4.pk)].amount == D("25.00") and fees[("王通讯", world.s4.pk)].user_id is None
    assert fees[("编辑丙", world.s3.pk)].amount == D("18.75")  # photo 30 × 62.5 %
    assert fees[("编辑丙", world.s6.pk)].amount == D("20.00")  # live: the (*, *) rate
    assert not FeeLine.objects.filter(period=period, user=world.a).exists()  # A is not paid fees


def test_quota_pro_rata_and_pool_to_the_cent(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    a, b, c = (_card(period, u) for u in (world.a, world.b, world.c))
    # base part 70 %: A 2100 × 13.82 / 40 = 725.55; B 2100 × 7.8 / 40 = 409.50; C 2800 × 5.13 / 30 = 478.80
    assert (a.base_amount, a.quota, a.quota_ratio, a.base_paid) == (D(3000), D(40), D("0.3455"), D("725.55"))
    assert b.base_paid == D("409.50")
    assert (c.base_amount, c.quota, c.base_paid) == (D(4000), D(30), D("478.80"))
    # pool = 900 + 900 + 1200 + (2100 − 725.55) + (2100 − 409.50) + (2800 − 478.80) = 8386.15
    period.refresh_from_db()
    assert period.reward_pool == D("8386.15")
    # 838,615 cents by points 1382 : 780 : 513 → floors 433258, 244530, 160825; 2 cents left
    # go to the largest remainders (C 2620, B 1950)
    assert (a.reward_paid, b.reward_paid, c.reward_paid) == (D("4332.58"), D("2445.31"), D("1608.26"))
    assert a.reward_paid + b.reward_paid + c.reward_paid == period.reward_pool
    assert a.total_paid == D("5058.13")
    assert (a.rank, b.rank, c.rank) == (1, 2, 1)
    assert (a.org_unit_id, c.org_unit_id, a.role, c.role) == (world.u1.pk, world.u2.pk, "reporter", "editor")


def test_recompute_replaces_and_reflects_new_facts(world):
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    first = ScoreLine.objects.filter(period=period).count()
    engine.compute(period)
    assert ScoreLine.objects.filter(period=period).count() == first
    Rating.objects.filter(story=world.s1).update(level="C")  # 3 points instead of 10
    engine.compute(period)
    assert _card(period, world.a).points == D("13.82") - D(6) + D("1.80")


def test_other_centers_facts_do_not_leak(world):
    other = World("kaohe2").build()
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    assert not ScoreLine.objects.filter(period=period, story__center=other.center).exists()
    assert _card(period, world.a).points == D("13.82")
    assert Scorecard.objects.filter(period=period).count() == 3


def test_zero_shares_split_equally(world):
    s = world.story("八", "text", "original", 600, [(world.a, 0), (world.b, 0)])
    world.publish(s, world.web, at(20))
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    line = _lines(period, world.a, "piece").get(story=s)
    assert (line.share, line.points) == (D("50.00"), D("1.00"))


def test_rules_of_the_month_are_used(world):
    from rongmei.appraisal.models import RuleSet
    from rongmei.appraisal.rules import DEFAULT_RULES

    rules = {**DEFAULT_RULES, "piece_points": [{"genre": "*", "outlet": "wechat", "points": "10"}]}
    RuleSet.objects.create(center=world.center, month=MONTH, rules=rules, created_by=world.admin)
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    # only WeChat pieces score now: S1's (10 × 60 %); the site piece scores 0 and gives no line
    pieces = _lines(period, world.a, "piece")
    assert [(l.outlet, l.points) for l in pieces] == [("wechat", D("6.00"))]


def test_someone_no_longer_active_keeps_points_but_no_pay(world):
    world.c.is_active = False
    world.c.save(update_fields=["is_active"])
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    c = _card(period, world.c)
    assert c.points == D("5.13") and c.role == ""
    assert (c.base_amount, c.base_paid, c.reward_paid) == (D(0), D(0), D(0))
    a, b = _card(period, world.a), _card(period, world.b)
    period.refresh_from_db()
    assert a.reward_paid + b.reward_paid == period.reward_pool


def test_engine_agrees_with_the_bench_reference(world):
    """The bench's row-by-row Python computation gives the same month on this hand-built one
    (every edge case above at once: shares, time zone, pickups, corrections, fees)."""
    import importlib.util
    from pathlib import Path

    from rongmei.appraisal.rules import rules_for

    path = Path(__file__).resolve().parents[3] / "bench" / "appraisal.py"
    spec = importlib.util.spec_from_file_location("bench_appraisal", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    s = world.story("九", "text", "original", 600, [(world.a, 0), (world.b, 0)])
    world.publish(s, world.web, at(21))
    period = Period.objects.create(center=world.center, month=MONTH)
    engine.compute(period)
    mine = bench.snapshot(period)
    bench.reference(world.center, period, rules_for(world.center, MONTH))
    assert bench.snapshot(period) == mine
    assert mine["lines"] > 20 and mine["fees"][0] == 3
