"""The review API (issue 14) over real HTTP: a whole 三审三校 through the API only, the
screens' eligibility rules (the author never approves their own piece, reassign needs
review.reassign), stale seen-content hashes answered 409 with nothing changed, another
center's review a 404, a tampered sign-off found by the chain's verification, and the
inbox's cursor pages."""

import pytest
from django.test import Client

from rongmei.core.middleware import SESSION_CENTER_KEY
from rongmei.core.models import User
from rongmei.review import engine
from rongmei.review.ledger import compute_hash
from rongmei.review.models import Review, SignOff
from rongmei.review.tests.test_workflow import ready_story

BODY = "<p>青山镇今天召开秋收工作会，部署晚稻抢收。</p><p>全镇机收率预计超过九成。</p>"


@pytest.fixture
def u(demo):
    return {x.username: x for x in User.objects.filter(memberships__center=demo["demo"]).distinct()}


def post(client, url, **data):
    return client.post(url, data=data, content_type="application/json")


def submitted(demo, u, author="reporter", headline="青山镇部署晚稻抢收"):
    story = ready_story(demo["demo"], u[author], u["editor"], headline=headline)
    return engine.submit(story=story, user=u["editor"], channels=["web"])


def test_whole_workflow_through_the_api(login, demo):
    reporter, editor = login("reporter"), login("editor")
    story = post(reporter, "/api/v1/stories", headline="接口审稿：青山镇部署晚稻抢收", body=BODY)
    assert story.status_code == 201, story.content
    sid = story.json()["id"]
    assert post(reporter, f"/api/v1/stories/{sid}/status", action="file").status_code == 200
    assert post(editor, f"/api/v1/stories/{sid}/status", action="edit").status_code == 200
    assert editor.post(f"/api/v1/stories/{sid}/renditions", data=["web"], content_type="application/json").status_code == 200
    assert post(editor, f"/api/v1/stories/{sid}/status", action="ready").status_code == 200

    checks = editor.get(f"/api/v1/stories/{sid}/checks").json()
    assert checks["story_id"] == sid and checks["blocking"] is False and any(f["name"] == "body" for f in checks["fields"])

    # unknown channel: refused in Chinese, nothing submitted
    bad = post(editor, f"/api/v1/stories/{sid}/submit", channels=["fax"])
    assert bad.status_code == 422 and "渠道只能是" in bad.json()["errors"]["channels"][0]
    answer = post(editor, f"/api/v1/stories/{sid}/submit", channels=["web"])
    assert answer.status_code == 201, answer.content
    review = answer.json()["review"]
    rid = review["id"]
    assert review["workflow"] == "三审三校" and review["steps"][0]["state"] == "current"
    assert [c["channel"] for c in review["published"]] == ["web"]
    assert {f["key"] for f in review["published"][0]["fields"]} >= {"title"}
    assert post(editor, f"/api/v1/stories/{sid}/submit", channels=["web"]).status_code == 422  # already in review

    names = []
    for who in ["reviewer1", "proofreader", "reviewer2", "proofreader", "proofreader", "reviewer3"]:
        client = login(who)
        assert rid in [i["review_id"] for i in client.get("/api/v1/reviews/inbox?limit=200").json()["items"]]
        current = client.get(f"/api/v1/reviews/{rid}").json()
        assert current["act"]["may_act"] is True and current["act"]["why_not"] == ""
        done = post(client, f"/api/v1/reviews/{rid}/approve", seen_hash=current["seen_hash"])
        assert done.status_code == 200, done.content
        names.append(current["steps"][current["current_step"]]["name"])
    final = done.json()
    assert final["status"] == "signed_off" and all(s["state"] == "done" for s in final["steps"])
    assert names == ["一审", "一校", "二审", "二校", "三校", "三审签发"]
    assert [r["kind"] for r in final["rounds"]] == ["review", "proof", "review", "proof", "proof", "review"]
    assert final["act"]["may_act"] is False and "已签发" in final["act"]["why_not"]
    chain = editor.get(f"/api/v1/stories/{sid}/signoffs").json()
    assert chain["verified"] is True and chain["problems"] == []
    assert [s["action"] for s in chain["items"]] == ["approve"] * 6 + ["sign_off"]
    # acting on a piece no longer in review is a state conflict
    assert post(login("reviewer3"), f"/api/v1/reviews/{rid}/approve", seen_hash=final["seen_hash"]).status_code == 409


def test_author_cannot_approve_own_piece(login, demo, u):
    review = submitted(demo, u, author="reviewer1", headline="一审本人采写的稿件")
    client = login("reviewer1")
    page = client.get(f"/api/v1/reviews/{review.pk}").json()
    assert page["act"]["may_act"] is False and page["act"]["is_author"] is True
    assert "不能审核自己" in page["act"]["why_not"]
    for action, extra in (("approve", {}), ("send-back", {"reason": "自己退回"}),
                          ("edit-approve", {"version": page["story"]["version"], "headline": "自己改"})):
        answer = post(client, f"/api/v1/reviews/{review.pk}/{action}", seen_hash=page["seen_hash"], **extra)
        assert answer.status_code == 403 and "不能审核自己" in answer.json()["detail"], (action, answer.content)
    review.refresh_from_db()
    assert review.current_step == 0 and review.status == "in_review" and not review.signoffs.exists()
    # another 一审 holder (given the role) may act; reassign needs review.reassign and is for supervisors
    assert post(client, f"/api/v1/reviews/{review.pk}/reassign", seen_hash=page["seen_hash"],
                target=f"person:{u['deputy'].pk}").status_code == 403
    admin_view = login("admin").get(f"/api/v1/reviews/{review.pk}").json()
    assert admin_view["act"]["can_reassign"] is True and admin_view["act"]["eligible"] == []
    assert f"person:{u['deputy'].pk}" in [c["value"] for c in admin_view["act"]["reassign_choices"]]
    moved = post(login("admin"), f"/api/v1/reviews/{review.pk}/reassign", seen_hash=admin_view["seen_hash"],
                 target=f"person:{u['deputy'].pk}", reason="作者本人稿件")
    assert moved.status_code == 200 and moved.json()["steps"][0]["assignee"] == str(u["deputy"])
    deputy = login("deputy").get(f"/api/v1/reviews/{review.pk}").json()
    assert deputy["act"]["may_act"] is True
    assert post(login("deputy"), f"/api/v1/reviews/{review.pk}/approve", seen_hash=deputy["seen_hash"]).status_code == 200


def test_stale_hash_is_409_and_changes_nothing(login, demo, u):
    review = submitted(demo, u)
    client = login("reviewer1")
    seen = client.get(f"/api/v1/reviews/{review.pk}").json()
    # the author changes the piece after the reviewer opened it
    story = login("editor").get(f"/api/v1/stories/{review.story_id}").json()
    saved = login("editor").put(f"/api/v1/stories/{review.story_id}", data={
        "headline": story["headline"] + "（更新）", "body": story["body"], "version": story["version"]},
        content_type="application/json")
    assert saved.status_code == 200, saved.content
    before = (SignOff.objects.count(), review.story.revisions.count())
    for action, extra in (("approve", {}), ("send-back", {"reason": "有误"}),
                          ("edit-approve", {"version": seen["story"]["version"] + 1, "headline": "审核人改的标题"})):
        answer = post(client, f"/api/v1/reviews/{review.pk}/{action}", seen_hash=seen["seen_hash"], **extra)
        assert answer.status_code == 409 and "修改" in answer.json()["detail"], (action, answer.content)
    stale = post(login("admin"), f"/api/v1/reviews/{review.pk}/reassign", seen_hash=seen["seen_hash"], target="role:reviewer2")
    assert stale.status_code == 409
    review.refresh_from_db()
    assert review.status == "in_review" and review.current_step == 0 and review.steps[0]["role"] == "reviewer1"
    assert (SignOff.objects.count(), review.story.revisions.count()) == before
    assert review.story.headline.endswith("（更新）")
    # a missing or empty hash is a malformed request
    assert post(client, f"/api/v1/reviews/{review.pk}/approve").status_code == 422
    assert post(client, f"/api/v1/reviews/{review.pk}/approve", seen_hash="").status_code == 422
    # with the fresh hash it goes through
    fresh = client.get(f"/api/v1/reviews/{review.pk}").json()["seen_hash"]
    assert fresh != seen["seen_hash"]
    assert post(client, f"/api/v1/reviews/{review.pk}/approve", seen_hash=fresh).json()["current_step"] == 1


def test_send_back_and_edit_approve(login, demo, u):
    review = submitted(demo, u)
    client = login("reviewer1")
    page = client.get(f"/api/v1/reviews/{review.pk}").json()
    assert post(client, f"/api/v1/reviews/{review.pk}/send-back", seen_hash=page["seen_hash"], reason="").status_code == 422
    edited = post(client, f"/api/v1/reviews/{review.pk}/edit-approve", seen_hash=page["seen_hash"],
                  version=page["story"]["version"], headline="青山镇部署晚稻抢收（审改）")
    assert edited.status_code == 200, edited.content
    assert edited.json()["story"]["headline"] == "青山镇部署晚稻抢收（审改）" and edited.json()["current_step"] == 1
    proof = login("proofreader")
    page = proof.get(f"/api/v1/reviews/{review.pk}").json()
    back = post(proof, f"/api/v1/reviews/{review.pk}/send-back", seen_hash=page["seen_hash"], reason="标题需再核")
    assert back.status_code == 200 and back.json()["current_step"] == 0  # 一校 sends back to the previous step
    # someone who does not hold the step gets 403 with the reason
    refused = post(login("reviewer2"), f"/api/v1/reviews/{review.pk}/approve", seen_hash=page["seen_hash"])
    assert refused.status_code == 403 and "一审" in refused.json()["detail"]


def test_another_center_is_404(login, demo, u):
    review = submitted(demo, u)
    seen = engine.content_hash(review.story, review.channels)
    outsider = Client()
    outsider.force_login(u["editor"])  # 李娜 also works in 邻县, here active there
    session = outsider.session
    session[SESSION_CENTER_KEY] = demo["linxian"].pk
    session.save()
    for client in (login("lx_reporter"), outsider):
        assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 404
        assert client.get(f"/api/v1/stories/{review.story_id}/signoffs").status_code == 404
        assert post(client, f"/api/v1/reviews/{review.pk}/approve", seen_hash=seen).status_code == 404
    assert post(outsider, f"/api/v1/reviews/{review.pk}/send-back", seen_hash=seen, reason="x").status_code == 404
    assert outsider.get(f"/api/v1/stories/{review.story_id}/checks").status_code == 404
    review.refresh_from_db()
    assert review.current_step == 0 and not review.signoffs.exists()


def test_tampered_signoff_is_found(login, demo, u):
    review = submitted(demo, u)
    for role in ("reviewer1", "proofreader"):
        client = login(role)
        assert post(client, f"/api/v1/reviews/{review.pk}/approve",
                    seen_hash=client.get(f"/api/v1/reviews/{review.pk}").json()["seen_hash"]).status_code == 200
    url = f"/api/v1/stories/{review.story_id}/signoffs"
    chain = login("editor").get(url).json()
    assert chain["verified"] is True and len(chain["items"]) == 2
    first, second = (SignOff.objects.get(center=demo["demo"], seq=i["seq"]) for i in chain["items"])
    # a changed field no longer matches the record's hash
    SignOff.objects.filter(pk=first.pk).update(reason="后来改的")
    broken = login("editor").get(url).json()
    assert broken["verified"] is False and [p["seq"] for p in broken["problems"]] == [first.seq]
    assert "改动" in broken["problems"][0]["message"]
    # changed and re-hashed: the next record no longer links to it
    first.refresh_from_db()
    SignOff.objects.filter(pk=first.pk).update(record_hash=compute_hash(first))
    relinked = login("editor").get(url).json()
    assert relinked["verified"] is False
    assert any(p["seq"] == second.seq and "链接断开" in p["message"] for p in relinked["problems"])
    assert any(p["seq"] == first.seq and "后一条" in p["message"] for p in relinked["problems"])


def test_inbox_pages_and_filters(login, demo, u):
    for n in range(3):
        submitted(demo, u, headline=f"收件箱分页稿件{n}")
    client = login("reviewer1")
    everything = client.get("/api/v1/reviews/inbox?limit=200").json()
    assert everything["next"] is None and len(everything["items"]) >= 3
    dues = [i["due_at"] for i in everything["items"]]
    assert dues == sorted(dues)  # due first, as the screen
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/api/v1/reviews/inbox", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        assert len(page["items"]) <= 2
        seen += [i["task_id"] for i in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [i["task_id"] for i in everything["items"]] and pages == (len(seen) + 1) // 2
    assert client.get("/api/v1/reviews/inbox", {"cursor": "forged"}).status_code == 400
    assert client.get("/api/v1/reviews/inbox", {"limit": 0}).status_code == 422
    assert all(i["step_name"] == "一审" and i["workflow"] for i in everything["items"])
    assert client.get("/api/v1/reviews/inbox", {"overdue": "true"}).json()["items"] == []
    # 督办 (other steps) only with the statistics permission
    assert client.get("/api/v1/reviews/inbox", {"scope": "others"}).status_code == 403
    others = login("reviewer3").get("/api/v1/reviews/inbox", {"scope": "others", "limit": 200}).json()["items"]
    assert {i["task_id"] for i in everything["items"]} <= {i["task_id"] for i in others}
    assert login("reporter").get("/api/v1/reviews/inbox").status_code == 403
    assert Review.objects.filter(center=demo["demo"], status="in_review").count() >= 3


def test_screen_send_back_also_refuses_a_stale_view(login, demo, u):
    """The review page's 退回 and 改派 forms carry the seen hash too (same engine call)."""
    review = submitted(demo, u)
    page = login("reviewer1").get(f"/review/{review.pk}/").content.decode()
    assert page.count('name="seen_hash"') >= 2
    response = login("reviewer1").post(f"/review/{review.pk}/", {"action": "send_back", "reason": "有误", "seen_hash": "old"},
                                       follow=True)
    assert "又被修改过" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "in_review" and not review.signoffs.exists()
