"""The staff screens: the coordinator routes, the liaison answers (flags shown first), the
coordinator approves and publishes; each sees only what is theirs; settings."""

from rongmei.inquiry.models import Case, DeadlineRule, HolidayOverride, Reply, RoutingRule


def test_queue_case_page_and_the_loop_through_the_screens(demo, login, make_case, housing):
    case = make_case()
    coordinator = login("coordinator")
    page = coordinator.get("/inquiry/")
    assert page.status_code == 200 and case.code in page.content.decode()
    case_page = coordinator.get(f"/inquiry/cases/{case.pk}/").content.decode()
    assert case.masked_phone in case_page and case.phone not in case_page  # revealed only on purpose (test_contact_privacy)
    coordinator.post(f"/inquiry/cases/{case.pk}/action/", {"action": "accept", "department": [housing.pk]})
    assert Case.objects.get(pk=case.pk).status == Case.Status.PROCESSING

    liaison = login("liaison")
    assert case.code in liaison.get("/inquiry/mine/").content.decode()
    flagged = liaison.post(f"/inquiry/cases/{case.pk}/action/", {"action": "reply", "text": "我们会尽快研究研究，近期解决这个问题，请您耐心等待。"},
                           follow=True).content.decode()
    assert "含糊" in flagged and "仍然提交" in flagged and not Reply.objects.filter(case=case).exists()
    liaison.post(f"/inquiry/cases/{case.pk}/action/", {"action": "reply", "text": "经核查，幸福路5盏路灯线路老化，已于11月28日更换，现已恢复照明。联系电话0000-6201008。"})
    reply = Reply.objects.get(case=case)
    assert liaison.post(f"/inquiry/cases/{case.pk}/action/", {"action": "approve_reply", "reply": reply.pk}).status_code == 403
    coordinator.post(f"/inquiry/cases/{case.pk}/action/", {"action": "approve_reply", "reply": reply.pk})
    coordinator.post(f"/inquiry/cases/{case.pk}/action/", {"action": "publish"})
    case.refresh_from_db()
    assert case.status == Case.Status.REPLIED and case.is_public


def test_others_cannot_see_a_case(demo, login, make_case):
    case = make_case()
    assert login("liaison").get(f"/inquiry/cases/{case.pk}/").status_code == 403  # not routed to them
    assert login("reporter").get("/inquiry/").status_code == 403


def test_settings_routing_deadlines_and_holidays(demo, login, housing):
    client = login("coordinator")
    client.post("/inquiry/settings/", {"what": "routing", "department": housing.pk, "keywords": "电梯、物业"})
    assert RoutingRule.objects.get(center=demo["demo"], department=housing).keywords == "电梯、物业"
    page = client.post("/inquiry/settings/", {"what": "deadlines", "days_consult": "abc"}, follow=True).content.decode()
    assert "0 到 60" in page and not DeadlineRule.objects.filter(center=demo["demo"], kind="consult").exists()
    client.post("/inquiry/settings/", {"what": "deadlines", "days_consult": "3"})
    assert DeadlineRule.objects.get(center=demo["demo"], kind="consult").working_days == 3
    client.post("/inquiry/settings/", {"what": "holiday", "day": "2027-01-01", "is_workday": "0", "note": "元旦"})
    assert HolidayOverride.objects.filter(day="2027-01-01", is_workday=False).exists()
    assert "日期格式" in client.post("/inquiry/settings/", {"what": "holiday", "day": "明年"}, follow=True).content.decode()
