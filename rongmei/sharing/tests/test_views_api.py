"""The /sharing/ screens and /api/v1/sharing/ operations: the flows, tenant isolation
(sheng → shi → demo, linxian), permissions, and refusals that change nothing."""

import pytest
from django.test import Client

from rongmei.appraisal.models import Pickup
from rongmei.core.middleware import SESSION_CENTER_KEY
from rongmei.core.services import create_center
from rongmei.newsroom.models import Story
from rongmei.planning.models import Lead
from rongmei.sharing import services
from rongmei.sharing.models import Push, PushTarget, Rights, Submission


def _as(user, center) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_CENTER_KEY] = center.pk
    session.save()
    return client


def _json(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def clients(tree, login):
    return {"sheng": login("sheng"), "shi": login("shi"), "demo": _as(tree.u_editor, tree.demo),
            "linxian": _as(tree.u_editor, tree.linxian), "reporter": login("reporter")}


def test_push_form_then_accept_as_story_and_the_sender_sees_it(tree, clients, province_story):
    r = clients["shi"].get("/sharing/push/")
    assert r.status_code == 200 and tree.sheng.name not in r.content.decode().split("推送范围")[1]
    # the province pushes through the form to the demo county only
    page = clients["sheng"].get(f"/sharing/push/?story={province_story.pk}").content.decode()
    assert "邻县融媒体中心" in page and "向下级推送" in page
    r = clients["sheng"].post("/sharing/push/", {"kind": "story", "story": province_story.pk, "scope": "picked",
                                                 "targets": [tree.demo.pk], "rights": "free", "note": "可直接转发"})
    assert r.status_code == 302
    p = Push.objects.get(story=province_story)
    t = PushTarget.objects.get(push=p)
    assert t.center == tree.demo
    inbox = clients["demo"].get("/sharing/").content.decode()
    assert province_story.headline in inbox
    r = clients["demo"].post(f"/sharing/received/{t.pk}/story/")
    assert r.status_code == 302
    story = Story.objects.get(center=tree.demo, headline=province_story.headline)
    assert r["Location"] == f"/stories/{story.pk}/"
    page = clients["demo"].get(f"/stories/{story.pk}/").content.decode()
    assert "来自上级推送" in page and "可自由转载" in page
    detail = clients["sheng"].get(f"/sharing/pushes/{p.pk}/").content.decode()
    assert "已转稿件" in detail and tree.demo.name in detail


def test_a_center_not_targeted_cannot_see_the_push(tree, clients, province_story):
    p = services.push(center=tree.sheng, user=tree.u_sheng, targets=[tree.demo], rights=Rights.FREE, story=province_story)
    t = p.targets.get()
    linxian = clients["linxian"]
    assert province_story.headline not in linxian.get("/sharing/").content.decode()
    assert linxian.get(f"/sharing/received/{t.pk}/").status_code == 404
    assert linxian.post(f"/sharing/received/{t.pk}/lead/").status_code == 404
    assert linxian.get(f"/api/v1/sharing/received/{t.pk}").status_code == 404
    assert _json(linxian, f"/api/v1/sharing/received/{t.pk}/accept", {"as": "lead"}).status_code == 404
    assert all(i["title"] != province_story.headline for i in linxian.get("/api/v1/sharing/received").json()["items"])
    # the city in between was not a target either, and the push itself is the province's
    assert clients["shi"].get(f"/sharing/received/{t.pk}/").status_code == 404
    assert clients["shi"].get(f"/sharing/pushes/{p.pk}/").status_code == 404
    assert clients["shi"].get(f"/api/v1/sharing/pushes/{p.pk}").status_code == 404
    t.refresh_from_db()
    assert t.status == PushTarget.Status.WAITING and not Lead.objects.filter(source_ref=f"sharing-push-{t.pk}").exists()


def test_targets_outside_the_tree_are_refused_everywhere(tree, clients, province_story):
    other = create_center(name="外省某县融媒体中心", slug="waisheng", region="外省")
    before = Push.objects.count()
    for target in (other, tree.sheng):
        r = clients["sheng"].post("/sharing/push/", {"kind": "story", "story": province_story.pk, "scope": "picked",
                                                     "targets": [target.pk], "rights": "free"})
        assert r.status_code == 400 and "只能推送给本中心下级" in r.content.decode()
        r = _json(clients["sheng"], "/api/v1/sharing/pushes",
                  {"story_id": province_story.pk, "scope": "picked", "target_ids": [target.pk], "rights": "free"})
        assert r.status_code == 422 and "下级" in str(r.json())
    # the city cannot push to its sibling's parent, nor a county push at all
    r = _json(clients["shi"], "/api/v1/sharing/pushes",
              {"story_id": province_story.pk, "scope": "all", "rights": "free"})
    assert r.status_code == 404  # the province's story is not the city's
    assert clients["demo"].get("/sharing/push/").status_code == 403
    assert Push.objects.count() == before


def test_api_push_accept_and_decline(tree, clients, province_story):
    r = _json(clients["sheng"], "/api/v1/sharing/pushes",
              {"story_id": province_story.pk, "scope": "county", "rights": "reference", "note": "仅供参考"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert {t["center"] for t in body["targets"]} == {tree.demo.name, tree.linxian.name}
    rows = {t.center_id: t for t in PushTarget.objects.filter(push_id=body["id"])}
    demo_t, lx_t = rows[tree.demo.pk], rows[tree.linxian.pk]
    r = _json(clients["demo"], f"/api/v1/sharing/received/{demo_t.pk}/accept", {"as": "story"})
    assert r.status_code == 422 and "仅供参考" in str(r.json())
    r = _json(clients["demo"], f"/api/v1/sharing/received/{demo_t.pk}/accept", {"as": "lead"})
    assert r.status_code == 201 and Lead.objects.get(pk=r.json()["lead_id"]).center == tree.demo
    assert _json(clients["demo"], f"/api/v1/sharing/received/{demo_t.pk}/accept", {"as": "lead"}).status_code == 409
    assert _json(clients["linxian"], f"/api/v1/sharing/received/{lx_t.pk}/decline", {"reason": ""}).status_code == 422
    r = _json(clients["linxian"], f"/api/v1/sharing/received/{lx_t.pk}/decline", {"reason": "不适合本县"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    got = clients["sheng"].get(f"/api/v1/sharing/pushes/{body['id']}").json()
    assert {t["center"]: t["status"] for t in got["targets"]} == {tree.demo.name: "lead", tree.linxian.name: "declined"}


def test_submit_form_used_and_status_shown(tree, clients, county_story):
    page = clients["demo"].get(f"/stories/{county_story.pk}/").content.decode()
    assert f"/sharing/submit/?story={county_story.pk}" in page
    r = clients["demo"].post("/sharing/submit/", {"story": county_story.pk, "to_centers": [tree.shi.pk], "note": "请审阅"})
    assert r.status_code == 302
    sub = Submission.objects.get(story=county_story)
    assert "下级供稿" in clients["shi"].get("/sharing/?tab=submit").content.decode()
    assert clients["sheng"].get(f"/sharing/submissions/{sub.pk}/").status_code == 404
    assert clients["linxian"].get(f"/api/v1/sharing/incoming/{sub.pk}").status_code == 404
    r = clients["shi"].post(f"/sharing/submissions/{sub.pk}/used/", {"outlet_name": "示例市日报", "used_on": "bad"})
    assert r.status_code == 400 and "日期格式" in r.content.decode()
    r = clients["shi"].post(f"/sharing/submissions/{sub.pk}/used/", {"outlet_name": "示例市日报", "url": "https://x.example/a"})
    assert r.status_code == 302
    assert Pickup.objects.filter(center=tree.demo, story=county_story, outlet_name="示例市日报",
                                 level=Pickup.Level.PREFECTURE).count() == 1
    assert clients["shi"].post(f"/sharing/submissions/{sub.pk}/used/", {}).status_code == 409
    assert Pickup.objects.filter(center=tree.demo, story=county_story).count() == 1
    sent = clients["demo"].get("/sharing/sent/").content.decode()
    assert "已采用" in sent and "示例市日报" in sent
    assert "示例市日报" in clients["demo"].get(f"/stories/{county_story.pk}/").content.decode()
    items = clients["demo"].get("/api/v1/sharing/submissions").json()["items"]
    assert any(i["id"] == sub.pk and i["status"] == "used" and i["taken_story_id"] is None for i in items)


def test_api_submit_refusals_and_not_used(tree, clients, county_story):
    r = _json(clients["demo"], "/api/v1/sharing/submissions", {"story_id": county_story.pk, "to_center_ids": [tree.linxian.pk]})
    assert r.status_code == 422 and "上级" in str(r.json())
    assert not Submission.objects.filter(story=county_story).exists()
    r = _json(clients["linxian"], "/api/v1/sharing/submissions", {"story_id": county_story.pk, "to_center_ids": [tree.shi.pk]})
    assert r.status_code == 404
    r = _json(clients["demo"], "/api/v1/sharing/submissions",
              {"story_id": county_story.pk, "to_center_ids": [tree.shi.pk, tree.sheng.pk], "note": "供选用"})
    assert r.status_code == 201 and {s["to_center"] for s in r.json()} == {tree.shi.name, tree.sheng.name}
    assert _json(clients["demo"], "/api/v1/sharing/submissions",
                 {"story_id": county_story.pk, "to_center_ids": [tree.shi.pk]}).status_code == 409
    sub = Submission.objects.get(story=county_story, to_center=tree.sheng)
    assert _json(clients["sheng"], f"/api/v1/sharing/incoming/{sub.pk}/not-used", {"reason": ""}).status_code == 422
    r = _json(clients["sheng"], f"/api/v1/sharing/incoming/{sub.pk}/not-used", {"reason": "题材重复"})
    assert r.status_code == 200 and r.json()["status"] == "not_used"
    r = _json(clients["shi"], f"/api/v1/sharing/incoming/{Submission.objects.get(story=county_story, to_center=tree.shi).pk}/take-in", {})
    assert r.status_code == 201 and Story.objects.get(pk=r.json()["story_id"]).center == tree.shi
    assert not Pickup.objects.filter(story=county_story).exists()


def test_permissions_and_nav(tree, clients, login):
    reporter = clients["reporter"]
    for url in ("/sharing/", "/sharing/push/", "/sharing/submit/", "/sharing/sent/"):
        assert reporter.get(url).status_code == 403, url
    for url in ("/api/v1/sharing/received", "/api/v1/sharing/incoming", "/api/v1/sharing/submissions",
                "/api/v1/sharing/pushes"):
        assert reporter.get(url).status_code == 403, url
    assert login("analyst").get("/sharing/").status_code == 403
    assert clients["sheng"].get("/sharing/submit/").status_code == 403  # the province has no center above
    home_sheng = clients["sheng"].get("/sharing/sent/").content.decode()
    assert "/sharing/push/" in home_sheng and 'href="/sharing/submit/"' not in home_sheng
    home_demo = clients["demo"].get("/sharing/sent/").content.decode()
    assert 'href="/sharing/submit/"' in home_demo and 'href="/sharing/push/"' not in home_demo


def test_demo_data(tree):
    sheng_push = Push.objects.filter(center=tree.sheng).first()
    assert sheng_push is not None
    assert {t.center.slug for t in sheng_push.targets.all()} == {"demo", "linxian"}
    assert all(t.status == PushTarget.Status.WAITING for t in sheng_push.targets.all())
    subs = Submission.objects.filter(center=tree.demo, to_center=tree.shi)
    assert sorted(subs.values_list("status", flat=True)) == ["used", "waiting"]
    used = subs.get(status="used")
    assert Pickup.objects.filter(center=tree.demo, story=used.story, level=Pickup.Level.PREFECTURE).exists()
