"""Fetching reach: WeChat 数据统计 and Weibo counts over real HTTP from the distribution fakes
after a real publish, the portal's read counts, the daily schedule and the command."""

import datetime as dt
import json
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from rongmei.analytics import sync, sync_tasks
from rongmei.analytics.fetchers import weibo as weibo_fetcher
from rongmei.analytics.models import AccountMetric, PieceMetric, SyncRun
from rongmei.core.models import AuditEvent, User
from rongmei.distribution import services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.distribution.models import ChannelAccount, Publication

APPID = "wx-reach"


from rongmei.testing.platforms import publish, story, wechat, weibo  # noqa: E402,F401  (fixtures)


def wechat_account(center, fake, appid=APPID, secret=None):
    return services.create_account(center=center, user=None, kind="wechat", name=f"公众号{appid}", base_url=fake.url,
                                   options={"appid": appid}, secret=secret or f"secret-{appid}")


def weibo_account(center, fake, name="reach-wb"):
    return services.create_account(center=center, user=None, kind="weibo", name=f"微博{name}", base_url=fake.url,
                                   secret=f"token-{name}")


def mid_of(publication) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(publication.remote_url).query))["mid"]


def calls(fake, path, appid=APPID) -> int:
    return fake.state()["apps"][appid]["calls"].get(path, 0)


def control(fake, action, payload):
    return fake.engine.control("POST", action, payload)


def day(n: int) -> dt.date:
    """n days before yesterday."""
    return sync.yesterday() - dt.timedelta(days=n)


def figures(reads, shares=0, favs=0, readers=None):
    return {"int_page_read_count": reads, "int_page_read_user": reads if readers is None else readers,
            "share_count": shares, "share_user": shares, "add_to_fav_count": favs, "add_to_fav_user": favs}


def metric(key, on):
    return PieceMetric.objects.get(key=key, day=on)


# -- WeChat -------------------------------------------------------------------------------

def test_wechat_backfill_keeps_the_spans_and_turns_running_totals_into_days(demo, story, wechat):
    center = demo["demo"]
    account = wechat_account(center, wechat)
    publication = publish(story, account)
    sent = day(20)
    # what each day added; getarticletotal answers running totals, getarticlesummary the day
    control(wechat, "wechat/article_stats", {"appid": APPID, "msg_data_id": mid_of(publication), "idx": 1,
                                             "published": sent.isoformat(), "days": {
        sent.isoformat(): figures(100, 6, 2),
        (sent + dt.timedelta(days=1)).isoformat(): figures(30, 1),
        (sent + dt.timedelta(days=2)).isoformat(): figures(2, readers=1),  # under the summary's threshold
        (sent + dt.timedelta(days=10)).isoformat(): figures(7, 1),  # past getarticletotal's 7 days
    }})
    # an article sent from WeChat's own editor, not through Rongmei
    other = control(wechat, "wechat/articles", {"appid": APPID, "titles": ["公众号后台直接发的文章"],
                                                "published": day(3).isoformat()})

    run = sync.sync_account(account, day(29), day(0))

    assert run.status == SyncRun.Status.OK, run.error
    assert run.kind == SyncRun.Kind.WECHAT_ARTICLES
    # 最大时间跨度: 1 day for the article interfaces, 7 for the user interfaces
    assert calls(wechat, "/datacube/getarticlesummary") == 30
    assert calls(wechat, "/datacube/getarticletotal") == 30
    assert calls(wechat, "/datacube/getusersummary") == 5
    assert calls(wechat, "/datacube/getusercumulate") == 5
    key = f"pub:{publication.pk}"
    first = metric(key, sent)
    assert (first.reads, first.shares, first.looks, first.likes) == (100, 6, 2, 0)
    assert (first.story_id, first.publication_id, first.account_id, first.outlet, first.source) == (
        story.pk, publication.pk, account.pk, "wechat", "wechat")
    assert first.title == story.headline and first.external_id == f"{mid_of(publication)}_1"
    assert (metric(key, sent + dt.timedelta(days=1)).reads, metric(key, sent + dt.timedelta(days=1)).shares) == (30, 1)
    assert metric(key, sent + dt.timedelta(days=2)).reads == 2  # from the running totals, below the threshold
    assert metric(key, sent + dt.timedelta(days=10)).reads == 7  # from getarticlesummary
    assert not PieceMetric.objects.filter(key=key, day=sent + dt.timedelta(days=11)).exists()
    assert PieceMetric.objects.filter(key=key).aggregate(r=Sum("reads"))["r"] == 139
    ext = PieceMetric.objects.filter(key=f"ext:wechat:{other['msg_data_id']}_1")
    assert ext.count() == 4 and {m.title for m in ext} == {"公众号后台直接发的文章"}
    assert all(m.story_id is None and m.account_id == account.pk for m in ext)
    users = SyncRun.objects.get(account=account, kind=SyncRun.Kind.WECHAT_USERS)
    assert users.status == SyncRun.Status.OK and users.rows == 30


def test_wechat_rerun_replaces_and_never_doubles(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    control(wechat, "wechat/article_stats", {"appid": APPID, "msg_data_id": mid_of(publication), "idx": 1,
                                             "published": day(5).isoformat()})
    sync.sync_account(account, day(6), day(0))
    before = PieceMetric.objects.filter(account=account).count(), PieceMetric.objects.filter(
        account=account).aggregate(r=Sum("reads"))["r"]
    followers = list(AccountMetric.objects.filter(account=account).order_by("day").values_list("day", "followers"))
    assert before[0] == 6 and before[1] > 0

    control(wechat, "wechat/article_stats", {"appid": APPID, "msg_data_id": mid_of(publication), "idx": 1,
                                             "days": {day(0).isoformat(): figures(5)}})  # the platform revised a day
    run = sync.sync_account(account, day(6), day(0))

    assert run.status == SyncRun.Status.OK
    assert PieceMetric.objects.filter(account=account).count() == 6
    assert metric(f"pub:{publication.pk}", day(0)).reads == 5
    assert list(AccountMetric.objects.filter(account=account).order_by("day").values_list("day", "followers")) == followers


def test_wechat_followers_per_day(demo, wechat):
    account = wechat_account(demo["demo"], wechat)
    control(wechat, "wechat/fans", {"appid": APPID, "days": {
        day(2).isoformat(): {"new_user": 12, "cancel_user": 2, "cumulate_user": 5000},
        day(1).isoformat(): {"new_user": 3, "cancel_user": 8},
    }})
    sync.sync_account(account, day(2), day(1))
    rows = {m.day: m for m in AccountMetric.objects.filter(account=account)}
    assert (rows[day(2)].followers, rows[day(2)].new_followers, rows[day(2)].lost_followers) == (5000, 12, 2)
    assert (rows[day(1)].followers, rows[day(1)].new_followers, rows[day(1)].lost_followers) == (4995, 3, 8)
    assert rows[day(1)].key == f"acct:{account.pk}" and rows[day(1)].source == "wechat"


def test_wechat_range_is_clamped_to_yesterday(demo, wechat):
    account = wechat_account(demo["demo"], wechat)
    today = timezone.localdate()
    run = sync.sync_account(account, day(1), today)
    assert run.status == SyncRun.Status.OK, run.error  # today is not asked for (61501)
    assert calls(wechat, "/datacube/getarticletotal") == 2
    run = sync.sync_account(account, today, today)
    assert run.status == SyncRun.Status.OK and run.rows == 0


def test_wechat_errors_fail_the_run_in_chinese_and_write_nothing(demo, story, wechat):
    center = demo["demo"]
    account = wechat_account(center, wechat)
    publication = publish(story, account)
    control(wechat, "wechat/article_stats", {"appid": APPID, "msg_data_id": mid_of(publication), "idx": 1,
                                             "published": day(6).isoformat()})
    # the quota runs out half way: the days already fetched are not written either
    wechat.rate_limit(APPID, calls=1, errcode=45009, path="/datacube/getarticlesummary")
    run = sync.sync_account(account, day(6), day(0))
    assert run.status == SyncRun.Status.FAILED
    assert "45009" in run.error and "今日上限" in run.error
    assert run.finished_at is not None and run.rows == 0
    assert not PieceMetric.objects.filter(account=account).exists()

    wrong = wechat_account(center, wechat, appid="wx-wrong", secret="not-the-secret")
    run = sync.sync_account(wrong, day(1), day(0), user=User.objects.get(username="operator"))
    assert run.status == SyncRun.Status.FAILED and "AppSecret 无效" in run.error and "40125" in run.error
    event = AuditEvent.objects.filter(action="analytics.sync", object_id=str(run.pk)).get()
    assert event.after["状态"] == "失败"


def test_fake_datacube_enforces_the_documented_limits(wechat):
    token = json.load(urllib.request.urlopen(
        f"{wechat.url}/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=secret-wx1"))["access_token"]

    def post(path, begin, end):
        request = urllib.request.Request(f"{wechat.url}{path}?access_token={token}", method="POST",
                                         data=json.dumps({"begin_date": begin, "end_date": end}).encode())
        return json.load(urllib.request.urlopen(request))

    y = (timezone.localdate() - dt.timedelta(days=1))
    assert post("/datacube/getarticlesummary", str(y - dt.timedelta(days=1)), str(y))["errcode"] == 61501
    assert post("/datacube/getusersummary", str(y - dt.timedelta(days=7)), str(y))["errcode"] == 61501
    assert "list" in post("/datacube/getusersummary", str(y - dt.timedelta(days=6)), str(y))
    assert post("/datacube/getusercumulate", str(y), str(y + dt.timedelta(days=1)))["errcode"] == 61501
    assert post("/datacube/getarticletotal", "2026/01/01", "2026/01/01")["errcode"] == 61500


# -- Weibo --------------------------------------------------------------------------------

def test_weibo_counts_become_daily_differences(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo)
    publication = publish(story, account)
    key = f"pub:{publication.pk}"
    control(weibo, "weibo/counts", {"id": publication.remote_id, "comments": 10, "reposts": 5, "attitudes": 3})
    control(weibo, "weibo/followers", {"account": "reach-wb", "followers_count": 1000})

    run = sync.sync_account(account, day(6), day(0))

    assert run.status == SyncRun.Status.OK, run.error
    row = metric(key, day(0))
    assert (row.comments, row.shares, row.likes, row.reads, row.source) == (10, 5, 3, 0, "weibo")
    assert PieceMetric.objects.filter(key=key).count() == 1  # Weibo tells only about now: yesterday
    # as if that was stored the day before: today's counts add the difference
    PieceMetric.objects.filter(key=key).update(day=day(1))
    AccountMetric.objects.filter(account=account).update(day=day(1))
    control(weibo, "weibo/counts", {"id": publication.remote_id, "comments": 25, "reposts": 7, "attitudes": 3})
    control(weibo, "weibo/followers", {"account": "reach-wb", "followers_count": 1120})
    for _ in range(2):  # again: replaced, not added
        sync.sync_account(account, day(6), day(0))
        row = metric(key, day(0))
        assert (row.comments, row.shares, row.likes) == (15, 2, 0)
        fans = AccountMetric.objects.get(account=account, day=day(0))
        assert (fans.followers, fans.new_followers, fans.lost_followers) == (1120, 120, 0)
    assert PieceMetric.objects.filter(key=key).aggregate(c=Sum("comments"))["c"] == 25


def test_weibo_range_before_yesterday_writes_nothing(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo)
    publish(story, account)
    run = sync.sync_account(account, day(9), day(3))
    assert run.status == SyncRun.Status.OK and run.rows == 0
    assert weibo.state()["calls"].get("/2/statuses/count.json", 0) == 0


def test_weibo_counts_ask_at_most_100_ids_a_call(demo, weibo):
    account = weibo_account(demo["demo"], weibo)
    ids = [weibo.post("reach-wb", f"第{i}条 http://example.cn/{i}") for i in range(150)]
    counts, made = weibo_fetcher.fetch_counts(account, ids)
    assert made == 2 and len(counts) == 150
    assert weibo.state()["calls"]["/2/statuses/count.json"] == 2


def test_weibo_revoked_token_fails_the_run_in_chinese(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo)
    publish(story, account)
    weibo.revoke_token("reach-wb")
    run = sync.sync_account(account, day(1), day(0))
    assert run.status == SyncRun.Status.FAILED
    assert "21332" in run.error and "重新授权" in run.error
    assert not PieceMetric.objects.filter(account=account).exists()


# -- the portal ---------------------------------------------------------------------------

def test_portal_reads_map_channels_to_our_outlets(demo):
    from rongmei.portal.models import ReadCount

    center = demo["demo"]
    story = Publication.objects.filter(center=center, account__kind="own_site", status="sent").first().story
    ReadCount.objects.filter(story=story).delete()  # whatever the demo gave it: this test's counts only
    PieceMetric.objects.filter(story=story).delete()
    for channel, count in (("web", 5), ("wechat", 3), ("weibo", 1), ("other", 1), ("app", 4)):
        ReadCount.objects.create(center=center, story=story, channel=channel, day=day(1), count=count)
    ReadCount.objects.create(center=center, story=story, channel="app", day=day(2), count=2)

    for _ in range(2):
        run = sync.sync_portal(center, day(6), day(0))
        assert run.status == SyncRun.Status.OK and run.kind == SyncRun.Kind.PORTAL
        web = metric(f"story:{story.pk}:web", day(1))
        app = metric(f"story:{story.pk}:app", day(1))
        assert (web.reads, web.outlet, web.source, web.story_id) == (10, "web", "portal", story.pk)
        assert (app.reads, app.outlet) == (4, "app")
        assert metric(f"story:{story.pk}:app", day(2)).reads == 2
        assert PieceMetric.objects.filter(key__startswith=f"story:{story.pk}:").count() == 3


# -- the schedule and the command -----------------------------------------------------------

def test_daily_schedule_runs_each_account_on_its_own(demo, wechat, immediate_queue,
                                                     django_capture_on_commit_callbacks):
    center = demo["demo"]
    # the demo's sandbox accounts point at a closed port: they fail, ours still runs
    ChannelAccount.objects.filter(center=center, kind__in=["wechat", "weibo"]).update(base_url="http://127.0.0.1:9")
    account = wechat_account(center, wechat)

    with django_capture_on_commit_callbacks(execute=True):
        enqueued = sync_tasks.dispatch_daily()

    assert ("portal", center.pk) in enqueued and ("portal", demo["linxian"].pk) in enqueued
    assert ("account", account.pk) in enqueued
    ours = SyncRun.objects.filter(account=account)
    assert {r.status for r in ours} == {SyncRun.Status.OK} and ours.count() == 2
    assert {(r.day_from, r.day_to) for r in ours} == {(day(6), day(0))}
    broken = SyncRun.objects.filter(center=center, status=SyncRun.Status.FAILED)
    assert broken.exists() and all("连接" in r.error for r in broken)
    assert SyncRun.objects.filter(center=center, kind=SyncRun.Kind.PORTAL, status=SyncRun.Status.OK).exists()


def test_task_never_reaches_another_centers_account(demo, wechat):
    other = wechat_account(demo["linxian"], wechat)
    result = sync_tasks.sync_account_task.call(demo["demo"].pk, other.pk, str(day(1)), str(day(0)))
    assert result["outcome"] == "gone" and not SyncRun.objects.filter(account=other).exists()


def test_command_syncs_one_account(demo, wechat, capsys):
    account = wechat_account(demo["demo"], wechat)
    call_command("analytics", "sync", "--days", "3", "--account", str(account.pk))
    out = capsys.readouterr().out
    assert "微信图文数据" in out and "微信用户数据" in out and "成功" in out
    assert calls(wechat, "/datacube/getarticletotal") == 3
    with pytest.raises(SystemExit):
        wechat.rate_limit(APPID, calls=10, errcode=45009)
        call_command("analytics", "sync", "--days", "1", "--account", str(account.pk))


def test_scheduled_failure_tells_the_responsible_once_and_stale_runs_end(demo, wechat):
    from rongmei.core.models import Notification

    operator = User.objects.get(username="operator")
    account = wechat_account(demo["demo"], wechat, appid="wx-broken", secret="not-the-secret")
    ChannelAccount.objects.filter(pk=account.pk).update(responsible=operator)
    account.refresh_from_db()
    before = Notification.objects.filter(recipient=operator).count()

    for _ in range(2):  # broken two mornings running
        assert sync.sync_account(account, day(1), day(0)).status == SyncRun.Status.FAILED

    told = Notification.objects.filter(recipient=operator).order_by("-id")
    assert told.count() - before == 2  # once per kind (articles, followers), not once per morning
    assert {n.title for n in told[:2]} == {f"{account.name}：微信图文数据同步失败", f"{account.name}：微信用户数据同步失败"}
    assert "40125" in told[0].body

    stale = SyncRun.objects.create(center=account.center, kind=SyncRun.Kind.WECHAT_ARTICLES, account=account,
                                   day_from=day(1), day_to=day(0), started_at=timezone.now() - dt.timedelta(hours=3))
    sync.sync_account(account, day(1), day(0))
    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED and "中断" in stale.error


def test_daily_run_keeps_first_week_figures_from_running_totals(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    key, sent = f"pub:{publication.pk}", day(8)

    def stats(days):
        control(wechat, "wechat/article_stats", {"appid": APPID, "msg_data_id": mid_of(publication), "idx": 1,
                                                 "published": sent.isoformat(),
                                                 "days": {d.isoformat(): f for d, f in days.items()}})

    stats({sent: figures(100), day(5): figures(40)})
    sync.sync_account(account, day(8), day(0))  # a backfill: day(5) comes from the running totals
    assert metric(key, day(5)).reads == 40
    stats({sent: figures(100), day(5): figures(45), day(1): figures(9)})
    sync.sync_account(account, day(6), day(0))  # the daily range no longer holds the sending day
    assert metric(key, day(5)).reads == 40  # a getarticlesummary figure does not replace it
    assert metric(key, day(1)).reads == 9  # past the first week: getarticlesummary's figure


def test_platform_api_shares_publishings_token_and_replaces_an_expired_one(demo, wechat):
    from rongmei.distribution.platform_api import PlatformError, wechat_call, weibo_get

    account = wechat_account(demo["demo"], wechat)
    assert sync.sync_account(account, day(0), day(0)).status == SyncRun.Status.OK
    assert (wechat.url, APPID) in wechat_adapter._tokens  # the cache publishing uses
    issued = wechat.state()["apps"][APPID]["tokens_issued"]
    wechat.expire_tokens(APPID)  # 42001: replaced once, transparently
    assert "list" in wechat_call(account, "/datacube/getusercumulate",
                                 {"begin_date": str(day(0)), "end_date": str(day(0))})
    assert wechat.state()["apps"][APPID]["tokens_issued"] == issued + 1
    with pytest.raises(PlatformError, match="61501"):
        wechat_call(account, "/datacube/getarticlesummary", {"begin_date": str(day(1)), "end_date": str(day(0))})
    blank = services.create_account(center=demo["demo"], user=None, kind="wechat", name="无AppID公众号",
                                    base_url=wechat.url, options={}, secret="x")
    with pytest.raises(PlatformError, match="没有填写 AppID"):
        wechat_call(blank, "/datacube/getusercumulate", {})
    closed = services.create_account(center=demo["demo"], user=None, kind="weibo", name="连不上的微博",
                                     base_url="http://127.0.0.1:9", secret="token-x")
    with pytest.raises(PlatformError, match="连接微博失败"):
        weibo_get(closed, "/2/account/get_uid.json")


def test_fake_weibo_counts_and_users_follow_the_documentation(demo, weibo):
    account = weibo_account(demo["demo"], weibo)
    from rongmei.distribution.platform_api import PlatformError, weibo_get

    with pytest.raises(PlatformError, match="10017"):
        weibo_get(account, "/2/statuses/count.json", {"ids": ",".join(str(n) for n in range(1, 102))})
    with pytest.raises(PlatformError, match="10016"):
        weibo_get(account, "/2/statuses/count.json", {"ids": ""})
    with pytest.raises(PlatformError, match="20003"):
        weibo_get(account, "/2/users/show.json", {"screen_name": "没有这个人"})
    status = weibo.post("reach-wb", "一条 http://example.cn/a")
    weibo.engine.control("POST", "weibo/counts", {"id": status, "comments": 4, "reposts": 2, "attitudes": 9})
    assert weibo_get(account, "/2/statuses/count.json", {"ids": f"{status},123"}) == [
        {"id": int(status), "comments": 4, "reposts": 2, "attitudes": 9}]
    weibo.engine.control("POST", "weibo/followers", {"account": "reach-wb", "followers_count": 321})
    assert weibo_fetcher.fetch_followers(account) == (321, 2)
