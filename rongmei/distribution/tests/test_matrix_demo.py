"""Issue 13: the 红榜 lists only accounts that posted in the month, and the matrix demo's
names and owners are coherent (a village account run by that village's clerk, a department
account by that department's liaison, the center's accounts by its staff)."""

import re

from django.utils import timezone

from rongmei.core.models import Membership
from rongmei.distribution import selectors
from rongmei.distribution.models import ChannelAccount


def test_red_list_holds_only_accounts_that_posted(demo, login):
    today = timezone.localdate()
    ranking = selectors.monthly_ranking(demo["demo"], today.year, today.month)
    assert ranking["red"], "the demo's own site posted this month"
    assert all(a.posts > 0 for a in ranking["red"])
    quiet = ChannelAccount.objects.filter(center=demo["demo"], kind="wechat", owner="village").first()
    page = login("operator").get("/distribution/").content.decode()
    red = page.split('data-testid="red-list"')[1].split("</section>")[0]
    assert quiet.name not in red and " · 0 篇" not in red
    assert "<title>账号矩阵" in page and "<form" not in page.split("<title>")[1].split("</title>")[0]


def test_demo_matrix_names_and_owners_are_coherent(demo):
    accounts = list(ChannelAccount.objects.filter(center=demo["demo"]).select_related("area", "department", "responsible"))
    names = [a.name for a in accounts]
    assert len(names) == len(set(names))
    assert not [n for n in names if re.search(r"号\d+$", n)], "no numbered copies of one village's account"
    villages = [a for a in accounts if a.owner == "village"]
    departments = [a for a in accounts if a.owner == "department"]
    assert villages and departments
    clerks = set()
    for a in villages:
        assert a.area is not None and a.area.parent_id is not None and a.name.startswith(a.area.name), a.name
        assert a.responsible is not None, a.name
        # the clerk of this village runs it, and no other village's account
        others = {b.area_id for b in villages if b.responsible_id == a.responsible_id}
        assert others == {a.area_id}, (a.name, a.responsible)
        clerks.add(a.responsible_id)
    newsroom = {"operator", "editor", "reporter", "reviewer1", "reviewer2", "reviewer3", "analyst", "admin"}
    assert not [a.name for a in villages if a.responsible.username in newsroom]
    for a in departments:
        assert a.department is not None and (a.department.short_name or a.department.name) in a.name
        assert Membership.objects.filter(user=a.responsible, center=a.center, role="liaison",
                                         department=a.department).exists(), a.name
    for a in accounts:
        if a.owner == "center":
            assert a.responsible is None or Membership.objects.filter(
                user=a.responsible, center=a.center, role__in=["operator", "chief_editor", "editor"]).exists(), a.name
