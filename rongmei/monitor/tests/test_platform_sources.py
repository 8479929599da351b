"""Comments under the center's own WeChat articles and Weibo posts, and its own 问政 cases, as
监测源: read over real HTTP from the distribution fakes after a real publish."""

import datetime as dt
import urllib.parse

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rongmei.distribution import services
from rongmei.distribution.adapters import wechat as wechat_adapter
from rongmei.monitor.models import Source
from rongmei.monitor.sources import SourceError, comments, inquiry_cases


from rongmei.testing.platforms import publish, story, wechat, weibo  # noqa: E402,F401  (fixtures)


def wechat_account(center, fake, appid="wx-monitor", secret=None):
    return services.create_account(center=center, user=None, kind="wechat", name=f"公众号{appid}", base_url=fake.url,
                                   options={"appid": appid}, secret=secret or f"secret-{appid}")


def weibo_account(center, fake, name="monitor-wb"):
    return services.create_account(center=center, user=None, kind="weibo", name=f"微博{name}", base_url=fake.url,
                                   secret=f"token-{name}")


def source_for(account, kind, name="本中心留言"):
    return Source.objects.create(center=account.center, name=name, kind=kind,
                                 config={"account": account.pk, "days": 7})


def msg_data_id(publication) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(publication.remote_url).query))["mid"]


def calls(fake, path) -> int:
    return fake.state()["calls"].get(path, 0)


# -- WeChat -------------------------------------------------------------------------------

def test_wechat_comments_are_paged_then_read_incrementally(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    texts = [f"第{i}条留言：路灯什么时候修好？" for i in range(120)]
    wechat.add_comments("wx-monitor", msg_data_id(publication), texts[:-1] + [
        {"content": texts[-1], "openid": False, "reply": {"content": "已转相关部门", "create_time": 1}}])
    source = source_for(account, Source.Kind.WECHAT_COMMENTS)

    items = comments.read(source, now=timezone.now())

    assert [i.text for i in items] == texts  # more than 50: three pages of 49
    assert calls(wechat, "/cgi-bin/comment/list") == 3
    headline = story.headline
    assert {i.title for i in items} == {f"《{headline}》下的留言"}
    assert len({i.external_id for i in items}) == 120 and items[0].external_id.startswith(f"wechat:{msg_data_id(publication)}:0:")
    assert len({i.url for i in items}) == 120 and all(i.url.startswith(publication.remote_url) for i in items)
    assert items[0].author.startswith("微信用户 o") and "***" in items[0].author
    assert items[-1].author == "微信用户（非微信身份）" and items[-1].extra["reply"] == "已转相关部门"
    assert all(i.published_at.tzinfo is not None for i in items)
    assert abs(items[0].published_at - timezone.now()) < dt.timedelta(minutes=5)
    source.save()

    wechat.add_comments("wx-monitor", msg_data_id(publication), ["新留言一", "新留言二"])
    again = comments.read(Source.objects.get(pk=source.pk), now=timezone.now())
    assert [i.text for i in again] == ["新留言一", "新留言二"]


def test_wechat_second_read_with_saved_cursor_is_empty(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    wechat.add_comments("wx-monitor", msg_data_id(publication), ["一", "二", "三"])
    source = source_for(account, Source.Kind.WECHAT_COMMENTS)
    assert len(comments.read(source, now=timezone.now())) == 3
    source.save()
    assert comments.read(Source.objects.get(pk=source.pk), now=timezone.now()) == []


def test_wechat_errors_stop_the_source_with_the_errcode(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    wechat.add_comments("wx-monitor", msg_data_id(publication), ["一"])
    source = source_for(account, Source.Kind.WECHAT_COMMENTS)

    wechat.set_comment_privilege("wx-monitor", False)
    with pytest.raises(SourceError, match="88000"):
        comments.read(source, now=timezone.now())
    assert source.cursor == {}  # nothing counted as read
    wechat.set_comment_privilege("wx-monitor", True)

    wechat.comment_error("wx-monitor", 45009)
    with pytest.raises(SourceError, match="45009"):
        comments.read(source, now=timezone.now())
    assert [i.text for i in comments.read(source, now=timezone.now())] == ["一"]

    wechat.expire_tokens("wx-monitor")  # 42001: publishing's token logic gets a new one, no error
    wechat.add_comments("wx-monitor", msg_data_id(publication), ["二"])
    assert [i.text for i in comments.read(source, now=timezone.now())] == ["二"]


def test_wechat_refused_secret_is_reported_with_its_errcode(demo, story, wechat):
    good = wechat_account(demo["demo"], wechat, "wx-secret")
    publish(story, good)
    wechat_adapter._tokens.clear()
    from rongmei.distribution import secrets

    good.secret = secrets.encrypt("wrong")  # the AppSecret was reset on the platform
    good.save(update_fields=["secret"])
    with pytest.raises(SourceError, match="40125"):
        comments.read(source_for(good, Source.Kind.WECHAT_COMMENTS), now=timezone.now())


def test_publications_outside_the_window_are_not_read(demo, story, wechat):
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    wechat.add_comments("wx-monitor", msg_data_id(publication), ["旧文章下的留言"])
    source = source_for(account, Source.Kind.WECHAT_COMMENTS)
    assert comments.read(source, now=timezone.now() + dt.timedelta(days=8)) == []
    assert calls(wechat, "/cgi-bin/comment/list") == 0


# -- Weibo --------------------------------------------------------------------------------

def test_weibo_comments_are_paged_then_read_incrementally(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo)
    publication = publish(story, account)
    texts = [f"评论{i}：这条路太堵了" for i in range(120)]
    weibo.add_comments(publication.remote_id, texts[:-1] + [
        {"text": texts[-1], "user": "宁波张小明", "location": "浙江 宁波", "created_at": "2026-12-06T10:00:00+08:00"}])
    source = source_for(account, Source.Kind.WEIBO_COMMENTS, "本中心微博评论")

    items = comments.read(source, now=timezone.now())

    assert sorted(i.text for i in items) == sorted(texts)
    assert calls(weibo, "/2/comments/show.json") == 3  # 50 + 50 + 20
    assert {i.title for i in items} == {f"《{story.headline}》下的评论"}
    assert len({i.external_id for i in items}) == 120 and len({i.url for i in items}) == 120
    last = next(i for i in items if i.text == texts[-1])
    assert last.author == "宁****" and "张小明" not in last.author
    assert last.published_at == dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)
    source.save()

    weibo.add_comments(publication.remote_id, ["新评论"])
    assert [i.text for i in comments.read(Source.objects.get(pk=source.pk), now=timezone.now())] == ["新评论"]


def test_weibo_revoked_token_is_reported_with_its_error_code(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo, "revoked")
    publish(story, account)
    weibo.revoke_token("revoked")
    with pytest.raises(SourceError, match="21332"):
        comments.read(source_for(account, Source.Kind.WEIBO_COMMENTS), now=timezone.now())


def test_weibo_rate_limit_is_reported(demo, story, weibo):
    account = weibo_account(demo["demo"], weibo, "limited")
    publication = publish(story, account)
    weibo.add_comments(publication.remote_id, ["一"])
    weibo.rate_limit("limited", calls=1, path="/2/comments/show.json")
    source = source_for(account, Source.Kind.WEIBO_COMMENTS)
    with pytest.raises(SourceError, match="10023"):
        comments.read(source, now=timezone.now())
    assert [i.text for i in comments.read(source, now=timezone.now())] == ["一"]


# -- whose accounts -----------------------------------------------------------------------

def test_another_centers_account_is_refused_on_save_and_on_read(demo, wechat):
    theirs = wechat_account(demo["linxian"], wechat, "wx-linxian")
    ours = wechat_account(demo["demo"], wechat, "wx-ours")
    with pytest.raises(ValidationError, match="不属于本中心"):
        comments.validate_config(demo["demo"], Source.Kind.WECHAT_COMMENTS, {"account": theirs.pk})
    assert comments.validate_config(demo["demo"], Source.Kind.WECHAT_COMMENTS, {"account": str(ours.pk)}) == {
        "account": ours.pk, "days": 7}
    with pytest.raises(ValidationError):  # a WeChat account is not a Weibo account
        comments.validate_config(demo["demo"], Source.Kind.WEIBO_COMMENTS, {"account": ours.pk})
    with pytest.raises(ValidationError, match="1 到 30"):
        comments.validate_config(demo["demo"], Source.Kind.WECHAT_COMMENTS, {"account": ours.pk, "days": 90})
    choices = dict(comments.account_choices(demo["demo"], Source.Kind.WECHAT_COMMENTS))
    assert ours.pk in choices and theirs.pk not in choices
    assert comments.account_choices(demo["demo"], Source.Kind.RSS) == []

    sneaky = Source.objects.create(center=demo["demo"], name="越界", kind=Source.Kind.WECHAT_COMMENTS,
                                   config={"account": theirs.pk})
    with pytest.raises(SourceError, match="不属于本中心"):
        comments.read(sneaky, now=timezone.now())
    assert calls(wechat, "/cgi-bin/stable_token") == calls(wechat, "/cgi-bin/comment/list") == 0


def test_comments_survive_the_pipeline_as_separate_items(demo, story, wechat):
    pipeline = pytest.importorskip("rongmei.monitor.pipeline")
    account = wechat_account(demo["demo"], wechat)
    publication = publish(story, account)
    wechat.add_comments("wx-monitor", msg_data_id(publication), ["路面坑洼一直没人修", "为什么路灯还不亮", "点赞融媒记者"])
    source = source_for(account, Source.Kind.WECHAT_COMMENTS)
    result = pipeline.ingest(source, comments.read(source, now=timezone.now()))
    assert result.new == 3, result.errors


def test_a_fetch_run_reads_comments_once_and_records_platform_errors(demo, story, weibo):
    from rongmei.monitor import fetching
    from rongmei.monitor.models import FetchRun, Item

    account = weibo_account(demo["demo"], weibo, "fetched")
    publication = publish(story, account)
    weibo.add_comments(publication.remote_id, ["这条路修了三个月还没通车", "感谢报道"])
    source = source_for(account, Source.Kind.WEIBO_COMMENTS)

    run = fetching.fetch_source(source, now=timezone.now())
    assert (run.outcome, run.found, run.new) == (FetchRun.Outcome.OK, 2, 2), run.error
    assert Item.objects.filter(source=source).count() == 2
    weibo.add_comments(publication.remote_id, ["还是很堵"])
    run = fetching.fetch_source(Source.objects.get(pk=source.pk), now=timezone.now())
    assert (run.found, run.new) == (1, 1)  # the saved cursor: only the new comment is read

    weibo.revoke_token("fetched")
    run = fetching.fetch_source(Source.objects.get(pk=source.pk), now=timezone.now())
    source.refresh_from_db()
    assert run.outcome == FetchRun.Outcome.ERROR and "21332" in run.error
    assert "21332" in source.last_error and source.consecutive_failures == 1


# -- 问政 ---------------------------------------------------------------------------------

@pytest.fixture
def submit(demo):
    from rongmei.inquiry import services as inquiry
    from rongmei.inquiry.services import Submission

    def make(center=None, **fields):
        data = {"kind": "complain", "phone": "13912345678", **fields}
        return inquiry.submit(center=center or demo["demo"], sub=Submission(**data))
    return make


def test_new_cases_become_items_once_without_contact(demo, submit):
    source = Source.objects.create(center=demo["demo"], name="本中心问政", kind=Source.Kind.INQUIRY, config={})
    inquiry_cases.read(source, now=timezone.now())  # the demo's cases so far
    source.save()

    first = submit(title="青山镇石桥村自来水浑浊", address="青山镇石桥村三组",
                   text="石桥村自来水连续三天发黄，请回电 13912345678 或 13800001111，邮箱 zhang@example.cn。",
                   email="zhang@example.cn", name="张大爷")
    second = submit(title="东门社区路灯不亮", text="东门社区幸福路路灯坏了一周。", phone="13700002222")
    third = submit(title="垃圾清运不及时", text="小区垃圾三天没人清运。", address="幸福小区门口", phone="13600003333")
    submit(center=demo["linxian"], title="临江镇道路积水", text="临江村道路积水严重。", phone="13500004444")

    items = inquiry_cases.read(Source.objects.get(pk=source.pk), now=timezone.now())

    assert [i.external_id for i in items] == [first.code, second.code, third.code]
    by_code = {i.external_id: i for i in items}
    one = by_code[first.code]
    assert one.title == "青山镇石桥村自来水浑浊"
    assert "13912345678" not in one.text and "13800001111" not in one.text and "zhang@example.cn" not in one.text
    assert "139****5678" in one.text and "自来水连续三天发黄" in one.text
    assert one.author == "网友" and "张大爷" not in one.text
    assert one.region == "青山镇" and one.extra["place"] == "石桥村"
    assert one.url.endswith(f"/inquiry/cases/{first.pk}/")
    assert by_code[second.code].region == "城关镇"  # 东门社区 is a community of 城关镇, named in the title
    assert by_code[third.code].region == "幸福小区门口"  # no known place: the address as typed
    assert all("13" not in i.author for i in items)
    source = Source.objects.get(pk=source.pk)
    source.cursor = {"last_id": third.pk}
    source.save()
    assert inquiry_cases.read(source, now=timezone.now()) == []


def test_a_burst_about_one_place_shares_a_region(demo, submit):
    source = Source.objects.create(center=demo["demo"], name="问政", kind=Source.Kind.INQUIRY, config={})
    inquiry_cases.read(source, now=timezone.now())
    for n, (title, address) in enumerate([("白沙村停水", "白沙乡白沙村"), ("河口村也停水了", ""),
                                          ("白沙停水两天", "白沙街上")]):
        submit(title=title, text=f"第{n}户反映家里停水两天了，没有通知。", phone=f"1360000{n:04d}")
    items = inquiry_cases.read(source, now=timezone.now())
    assert [i.region for i in items] == ["白沙乡", "白沙乡", "白沙乡"]
