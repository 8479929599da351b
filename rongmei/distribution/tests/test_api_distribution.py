"""The distribution API (issue 14) over real HTTP: accounts with write-only secrets, groups,
publishing to an account and a group (delivered by running the outbox), each account's
status, resend / cancel / takedown / correction with the screens' state rules (409 for a
state that does not allow it), hand-post confirmation, permissions and another center's ids."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from rongmei.core.models import AuditEvent, User
from rongmei.distribution import outbox, secrets, services
from rongmei.distribution.models import (
    AccountGroup,
    ChannelAccount,
    OutboxMessage,
    Publication,
)

pytestmark = pytest.mark.django_db

SECRET = "API-s3cret-不可外泄-7f3a"


class Recorder:
    """A logged-in client that keeps every answer, to check no answer ever holds a secret."""

    def __init__(self, client):
        self.client, self.bodies = client, []

    def _keep(self, response):
        self.bodies.append(response.content.decode())
        return response

    def get(self, path):
        return self._keep(self.client.get(path))

    def send(self, method, path, data=None):
        return self._keep(self.client.generic(method, path, json.dumps(data or {}), content_type="application/json"))

    def post(self, path, data=None):
        return self.send("POST", path, data)


@pytest.fixture
def api(login):
    return lambda username: Recorder(login(username))


def deliver_all():
    for message in outbox.claim("w", limit=50):
        outbox.process(message, "w")


@pytest.fixture
def site(demo):
    return ChannelAccount.objects.get(center=demo["demo"], kind="own_site")


# --- Accounts -------------------------------------------------------------------------------------

def test_account_secrets_are_write_only_and_the_form_rules_apply(demo, api):
    op = api("operator")
    made = op.post("/api/v1/accounts", {"kind": "http_push", "name": "市级平台（接口）",
                                       "base_url": "https://sub.example/in", "secret": SECRET})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["has_secret"] is True and "secret" not in body and body["base_url"] == "https://sub.example/in"
    account = ChannelAccount.objects.get(pk=body["id"])
    assert secrets.decrypt(account.secret) == SECRET and SECRET not in account.secret

    # the account form's rules per kind, as field errors in Chinese; nothing is made
    before = ChannelAccount.objects.count()
    refusals = [
        ({"kind": "http_push", "name": "没有地址", "secret": SECRET}, "base_url", "必须填写接口地址"),
        ({"kind": "email", "name": "邮箱", "base_url": "http://mail", "secret": SECRET}, "base_url", "smtp://"),
        ({"kind": "wechat", "name": "无 appid", "secret": SECRET}, "options", "appid"),
        ({"kind": "wechat", "name": "密钥放错", "options": {"appid": "wx1", "password": SECRET}}, "options", "加密保存"),
        ({"kind": "assisted", "name": "无人负责", "secret": SECRET}, "responsible", "必须指定负责人"),
        ({"kind": "http_push", "name": "坏地址", "base_url": "javascript:alert(1)", "secret": SECRET}, "base_url", "http"),
        ({"kind": "broadcast", "name": "外中心负责人", "responsible_id": User.objects.get(username="lx_reporter").pk},
         "responsible_id", "不属于本中心"),
        ({"kind": "broadcast", "name": "长密钥", "secret": SECRET * 200}, "secret", "2000"),
    ]
    for data, field, words in refusals:
        answer = op.post("/api/v1/accounts", data)
        assert answer.status_code == 422, (data, answer.content)
        assert any(words in m for m in answer.json()["errors"][field]), answer.json()
    assert ChannelAccount.objects.count() == before

    # update: only what is given changes, the secret is kept unless replaced, a refusal changes nothing
    bad = op.send("PATCH", f"/api/v1/accounts/{account.pk}", {"base_url": "ftp://x.example/", "secret": SECRET + "x"})
    assert bad.status_code == 422 and "base_url" in bad.json()["errors"]
    account.refresh_from_db()
    assert account.base_url == "https://sub.example/in" and secrets.decrypt(account.secret) == SECRET
    renamed = op.send("PATCH", f"/api/v1/accounts/{account.pk}", {"name": "市级平台（改）"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "市级平台（改）" and renamed.json()["has_secret"]
    account.refresh_from_db()
    assert secrets.decrypt(account.secret) == SECRET
    replaced = op.send("PATCH", f"/api/v1/accounts/{account.pk}", {"secret": "another-one"})
    assert replaced.status_code == 200
    account.refresh_from_db()
    assert secrets.decrypt(account.secret) == "another-one"
    cleared = op.send("PATCH", f"/api/v1/accounts/{account.pk}", {"clear_secret": True})
    assert cleared.json()["has_secret"] is False

    # deactivate: it leaves the publish choices
    off = op.post(f"/api/v1/accounts/{account.pk}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    listed = op.get("/api/v1/accounts?active=false&kind=http_push").json()["items"]
    assert [a["id"] for a in listed] == [account.pk]

    op.get("/api/v1/accounts?limit=200")
    op.get(f"/api/v1/accounts/{account.pk}")
    assert not any(SECRET in text or "another-one" in text for text in op.bodies)
    events = AuditEvent.objects.filter(object_id=str(account.pk), action__startswith="account.")
    assert not any(SECRET in str(e.before) + str(e.after) for e in events)


def test_accounts_readers_permissions_and_other_centers(demo, api):
    other = services.create_account(center=demo["linxian"], user=None, kind="broadcast", name="邻县电视台（接口）")
    op = api("operator")
    assert op.get(f"/api/v1/accounts/{other.pk}").status_code == 404
    ids = []
    url = "/api/v1/accounts?limit=3"
    while url:  # cursor pages cover the center's accounts exactly once, another center's never
        page = op.get(url).json()
        ids += [a["id"] for a in page["items"]]
        url = f"/api/v1/accounts?limit=3&cursor={page['next']}" if page["next"] else None
    assert sorted(ids) == sorted(ChannelAccount.objects.filter(center=demo["demo"]).values_list("pk", flat=True))
    assert op.get("/api/v1/accounts?cursor=forged").status_code == 400
    assert op.post(f"/api/v1/accounts/{other.pk}/deactivate").status_code == 404
    other.refresh_from_db()
    assert other.is_active

    # the chief editor publishes (reads the accounts) but does not manage them: no settings shown, no changes
    chief = api("reviewer3")
    some = ChannelAccount.objects.filter(center=demo["demo"], kind="wechat").first()
    seen = chief.get(f"/api/v1/accounts/{some.pk}")
    assert seen.status_code == 200 and seen.json()["base_url"] is None and seen.json()["options"] is None
    assert chief.send("PATCH", f"/api/v1/accounts/{some.pk}", {"name": "改名"}).status_code == 403
    reporter = api("reporter")
    assert reporter.get("/api/v1/accounts").status_code == 403
    refused = reporter.post("/api/v1/accounts", {"kind": "broadcast", "name": "记者建的"})
    assert refused.status_code == 403 and "管理渠道账号" in refused.json()["detail"]


def test_groups_are_created_and_filled_with_this_centers_accounts(demo, api, site):
    op = api("operator")
    made = op.post("/api/v1/account-groups", {"name": "接口分组"})
    assert made.status_code == 201 and made.json()["account_ids"] == []
    group_id = made.json()["id"]
    again = op.post("/api/v1/account-groups", {"name": "接口分组"})
    assert again.status_code == 422 and "已存在" in again.json()["detail"]
    other = services.create_account(center=demo["linxian"], user=None, kind="broadcast", name="邻县节目")
    refused = op.send("PUT", f"/api/v1/account-groups/{group_id}/accounts", {"account_ids": [site.pk, other.pk]})
    assert refused.status_code == 422 and "account_ids" in refused.json()["errors"]
    assert not AccountGroup.objects.get(pk=group_id).accounts.exists()
    filled = op.send("PUT", f"/api/v1/account-groups/{group_id}/accounts", {"account_ids": [site.pk]})
    assert filled.status_code == 200 and filled.json()["account_ids"] == [site.pk]
    assert AuditEvent.objects.filter(action="account.group_members", object_id=str(group_id)).exists()
    assert op.get(f"/api/v1/account-groups/{group_id}").json()["account_ids"] == [site.pk]
    names = [g["name"] for g in op.get("/api/v1/account-groups").json()["items"]]
    assert "接口分组" in names and "全部村社号" in names
    linxian_group = AccountGroup.objects.create(center=demo["linxian"], name="邻县分组")
    assert op.get(f"/api/v1/account-groups/{linxian_group.pk}").status_code == 404
    assert api("reporter").post("/api/v1/account-groups", {"name": "记者的分组"}).status_code == 403


# --- Publishing -------------------------------------------------------------------------------------

def test_publish_to_an_account_and_a_group_once_and_confirm_by_hand(demo, api, signed_story, site):
    op = api("operator")
    clerk = User.objects.get(username="reporter")  # stands in for a village's clerk
    village = op.post("/api/v1/accounts", {"kind": "assisted", "name": "青山村号（接口）", "owner": "village",
                                           "responsible_id": clerk.pk}).json()
    group = op.post("/api/v1/account-groups", {"name": "接口村社号"}).json()
    op.send("PUT", f"/api/v1/account-groups/{group['id']}/accounts", {"account_ids": [village["id"], site.pk]})

    request = {"account_ids": [site.pk], "group_ids": [group["id"]]}
    first = op.post(f"/api/v1/stories/{signed_story.pk}/publish", request)
    assert first.status_code == 201, first.content
    made = first.json()["publications"]
    assert sorted(p["account_id"] for p in made) == sorted([site.pk, village["id"]])  # the site once
    assert {p["status"] for p in made} == {"queued"}
    # a retried request sends nothing twice
    retry = op.post(f"/api/v1/stories/{signed_story.pk}/publish", request)
    assert retry.status_code == 200 and retry.json()["publications"] == [] and "没有重复发送" in retry.json()["detail"]
    assert Publication.objects.filter(story=signed_story).count() == 2
    assert OutboxMessage.objects.filter(publication__story=signed_story, action="publish").count() == 2

    deliver_all()
    board = {p["account_id"]: p for p in op.get(f"/api/v1/stories/{signed_story.pk}/publications").json()["items"]}
    assert board[site.pk]["status"] == "sent" and board[site.pk]["link"]
    hand = board[village["id"]]
    assert hand["status"] == "awaiting" and hand["handoff"] == "publish" and hand["link"] == ""
    waiting = op.get(f"/api/v1/publications?status=awaiting&account_id={village['id']}").json()["items"]
    assert [p["id"] for p in waiting] == [hand["id"]]
    detail = op.get(f"/api/v1/publications/{board[site.pk]['id']}").json()
    assert detail["deliveries"][0]["action"] == "publish" and detail["deliveries"][0]["status"] == "done"
    assert detail["deliveries"][0]["attempts_log"][0]["outcome"] == "ok"

    # hand-post confirmation: the responsible person (or an operator), with a safe link
    path = f"/api/v1/publications/{hand['id']}/handoff"
    assert api("analyst").post(path, {"url": "https://mp.weixin.qq.com/s/abc"}).status_code == 403
    mine = api("reporter")
    for url, words in (("", "链接"), ("javascript:alert(1)", "http"), ("mp.weixin.qq.com/s/abc", "http")):
        answer = mine.post(path, {"url": url})
        assert answer.status_code == 422 and words in answer.json()["detail"], answer.content
    assert Publication.objects.get(pk=hand["id"]).status == "awaiting"
    done = mine.post(path, {"url": "https://mp.weixin.qq.com/s/abc"})
    assert done.status_code == 200 and done.json()["status"] == "sent"
    assert done.json()["link"] == "https://mp.weixin.qq.com/s/abc"
    assert mine.post(path, {"url": "https://mp.weixin.qq.com/s/abc"}).status_code == 409


def test_preflight_refusals_are_422_per_account_and_send_nothing(demo, api, signed_story, unsigned_story, site):
    op = api("operator")
    bare = op.post("/api/v1/accounts", {"kind": "http_push", "name": "没配密钥（接口）", "base_url": "https://sub.example/in"})
    refused = op.post(f"/api/v1/stories/{signed_story.pk}/publish", {"account_ids": [site.pk, bare.json()["id"]]})
    assert refused.status_code == 422, refused.content
    body = refused.json()
    assert body["detail"].startswith("发布前检查未通过") and "签名密钥" in body["detail"]
    assert any("签名密钥" in m for m in body["errors"][f"accounts.{bare.json()['id']}"])
    assert f"accounts.{site.pk}" not in body["errors"]
    assert not Publication.objects.filter(story=signed_story).exists()

    draft = op.post(f"/api/v1/stories/{unsigned_story.pk}/publish", {"account_ids": [site.pk]})
    assert draft.status_code == 422 and "已签发" in draft.json()["detail"]
    none = op.post(f"/api/v1/stories/{signed_story.pk}/publish", {})
    assert none.status_code == 422 and "至少选择一个账号" in none.json()["detail"]
    other = services.create_account(center=demo["linxian"], user=None, kind="own_site", name="邻县网站")
    foreign = op.post(f"/api/v1/stories/{signed_story.pk}/publish", {"account_ids": [other.pk]})
    assert foreign.status_code == 422 and "不属于本中心" in foreign.json()["detail"]
    assert not Publication.objects.filter(story=signed_story).exists()
    assert api("reporter").post(f"/api/v1/stories/{signed_story.pk}/publish",
                                {"account_ids": [site.pk]}).status_code == 403
    assert not Publication.objects.filter(story=signed_story).exists()


def test_state_rules_of_cancel_resend_takedown_and_correction(demo, api, signed_story, site):
    op = api("operator")
    village = services.create_account(center=demo["demo"], user=None, kind="assisted", name="石桥村号（接口）",
                                      responsible=User.objects.get(username="reporter"))
    later = (timezone.now() + dt.timedelta(hours=3)).isoformat()
    answer = op.post(f"/api/v1/stories/{signed_story.pk}/publish", {"account_ids": [village.pk], "scheduled_at": later})
    assert answer.status_code == 201 and answer.json()["publications"][0]["status"] == "scheduled"
    scheduled = answer.json()["publications"][0]["id"]
    # nothing is live yet: a correction has nothing to correct
    nothing = op.post(f"/api/v1/stories/{signed_story.pk}/correction", {"note": "改正人名"})
    assert nothing.status_code == 409 and "还没有已发布的渠道" in nothing.json()["detail"]
    # a scheduled one is cancelled; cancelling again, or resending it, is a state conflict
    cancelled = op.post(f"/api/v1/publications/{scheduled}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert op.post(f"/api/v1/publications/{scheduled}/cancel").status_code == 409
    assert op.post(f"/api/v1/publications/{scheduled}/resend").status_code == 409

    # published now, delivered: a sent one cannot be cancelled nor resent
    now = op.post(f"/api/v1/stories/{signed_story.pk}/publish", {"account_ids": [site.pk]})
    assert now.status_code == 201, now.content
    sent = now.json()["publications"][0]["id"]
    deliver_all()
    assert Publication.objects.get(pk=sent).status == "sent"
    refused = op.post(f"/api/v1/publications/{sent}/cancel")
    assert refused.status_code == 409 and "撤稿" in refused.json()["detail"]
    assert op.post(f"/api/v1/publications/{sent}/resend").status_code == 409

    # a failed delivery is resent
    failed = Publication.objects.get(pk=sent)
    Publication.objects.filter(pk=sent).update(status="failed", last_error="平台拒绝")
    OutboxMessage.objects.filter(publication=failed).update(status="dead")
    resent = op.post(f"/api/v1/publications/{sent}/resend")
    assert resent.status_code == 200 and resent.json()["status"] == "queued"
    deliver_all()
    assert Publication.objects.get(pk=sent).status == "sent"

    # the takedown needs an internal note; the public notice is limited; then every outlet goes
    path = f"/api/v1/stories/{signed_story.pk}/takedown"
    assert op.post(path, {"note": ""}).status_code == 422
    long_notice = op.post(path, {"note": "数据待核实", "notice": "长" * 201})
    assert long_notice.status_code == 422 and "200 字" in long_notice.json()["detail"]
    assert Publication.objects.get(pk=sent).status == "sent"
    assert api("reporter").post(path, {"note": "记者想撤"}).status_code == 403
    down = op.post(path, {"note": "当事人投诉，法务核实中", "notice": "本文部分数据有误。"})
    assert down.status_code == 200 and down.json()["outlets"] == 1
    deliver_all()
    row = op.get(f"/api/v1/publications/{sent}").json()
    assert row["status"] == "taken_down" and row["takedown_note"] == "当事人投诉，法务核实中"
    assert row["takedown_notice"] == "本文部分数据有误。"
    assert [d["action"] for d in row["deliveries"]] == ["publish", "takedown"]
    board = {p["account_id"]: p["status"] for p in op.get(f"/api/v1/stories/{signed_story.pk}/publications").json()["items"]}
    assert board == {site.pk: "taken_down", village.pk: "cancelled"}


def test_publication_lists_filter_page_and_stay_in_their_center(demo, api, signed_story, site):
    op = api("operator")
    services.publish(story=signed_story, user=User.objects.get(username="operator"), account_ids=[site.pk])
    deliver_all()
    everything = Publication.objects.filter(center=demo["demo"]).count()
    first = op.get("/api/v1/publications?limit=2").json()
    assert len(first["items"]) == 2 and first["next"]
    second = op.get(f"/api/v1/publications?limit=2&cursor={first['next']}").json()
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}
    assert first["items"][0]["story_id"] == signed_story.pk  # newest first
    mine = op.get(f"/api/v1/publications?story_id={signed_story.pk}&status=sent").json()["items"]
    assert [p["account_id"] for p in mine] == [site.pk]
    today = timezone.localdate()
    assert op.get(f"/api/v1/publications?date_from={today + dt.timedelta(days=1)}").json()["items"] == []
    assert op.get(f"/api/v1/publications?date_to={today}&limit=200").json()["items"]
    assert op.get("/api/v1/publications?status=nonsense").status_code == 422
    assert op.get("/api/v1/publications?limit=0").status_code == 422
    assert everything > 2

    # another center's publication is a 404 to everything, and its list never shows ours
    lx_operator = User.objects.create_user(username="lx_operator_api", display_name="邻县运营", password="x-unused-9")
    from rongmei.core.models import Membership

    Membership.objects.create(user=lx_operator, center=demo["linxian"], role="operator")
    ours = Publication.objects.filter(story=signed_story).first()
    lx = api("lx_operator_api")
    for path in (f"/api/v1/publications/{ours.pk}", f"/api/v1/stories/{signed_story.pk}/publications"):
        assert lx.get(path).status_code == 404, path
    for action in ("resend", "cancel", "handoff"):
        assert lx.post(f"/api/v1/publications/{ours.pk}/{action}", {"url": "https://x.example/"}).status_code == 404
    assert lx.post(f"/api/v1/stories/{signed_story.pk}/takedown", {"note": "越界"}).status_code == 404
    assert ours.pk not in {p["id"] for p in lx.get("/api/v1/publications?limit=200").json()["items"]}
    ours.refresh_from_db()
    assert ours.status == "sent"
