"""Reads of the distribution room: the status board, the matrix and its health."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, FilteredRelation, Max, Q
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.core.tenancy import scoped
from rongmei.distribution.models import AccountGroup, ChannelAccount, Publication

# A publication that is out there (a correction leaves it out there, corrected).
LIVE = (Publication.Status.SENT, Publication.Status.CORRECTED)


def board(story) -> list[Publication]:
    """The story's publications, each with what its board row says: a link that opens the
    published piece (`link`, `link_label`) or why there is none (`no_link`), and whether
    its note is an error (red) or only news (a publish the platform is still working on)."""
    rows = list(Publication.objects.filter(story=story).select_related("account").prefetch_related("province_receipts")
                .order_by("account__kind", "account__name"))
    for p in rows:
        describe(p)
    return rows


def describe(p: Publication) -> Publication:
    """Add what a board row says about one publication (`link`, `link_label`, `no_link`,
    `note_is_error`); the screen's board and the API read the same words."""
    p.link, p.link_label, p.no_link = _link(p)
    p.note_is_error = p.status in (Publication.Status.FAILED, Publication.Status.RETRYING, Publication.Status.TAKING_DOWN)
    p.province_label = ""
    if p.account.kind == ChannelAccount.Kind.PROVINCE:  # -- 17:PV -- 省平台已接收 / 已采用：XX台
        from rongmei.distribution.province import receipts_label

        p.province_label = receipts_label(p)
    return p


def publications(center: Center, *, status: str = "", account_id: int | None = None, story_id: int | None = None,
                 since: dt.date | None = None, until: dt.date | None = None):
    """The center's publications for the board and the API, filtered by status, account,
    story and the local day they were asked for (from `since` to `until`, both included)."""
    qs = Publication.objects.filter(center=center).select_related("account", "story")
    if status:
        qs = qs.filter(status=status)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if story_id is not None:
        qs = qs.filter(story_id=story_id)
    tz = timezone.get_current_timezone()
    if since is not None:
        qs = qs.filter(created_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until is not None and until < dt.date.max:
        qs = qs.filter(created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs


def deliveries(publication: Publication):
    """A publication's outbox deliveries (publish, takedown, correction) with their attempts."""
    from rongmei.distribution.models import OutboxMessage

    return OutboxMessage.objects.filter(publication=publication).prefetch_related("attempts_log").order_by("id")


_LINK_LABELS = {ChannelAccount.Kind.OWN_SITE: "打开本站页面", ChannelAccount.Kind.WECHAT: "打开微信文章",
                ChannelAccount.Kind.WEIBO: "打开微博", ChannelAccount.Kind.BROADCAST: "打开串联单",
                ChannelAccount.Kind.ASSISTED: "打开代发的文章",
                # -- 17:PV --
                ChannelAccount.Kind.DOUYIN: "打开抖音视频", ChannelAccount.Kind.KUAISHOU: "打开快手作品",
                ChannelAccount.Kind.CHANNELS: "打开视频号作品", ChannelAccount.Kind.TOUTIAO: "打开头条文章",
                ChannelAccount.Kind.XUEXI: "打开学习强国稿件", ChannelAccount.Kind.PROVINCE: "打开省平台采用的稿件"}
_NO_LINK_WHEN = {
    Publication.Status.SCHEDULED: "定时发出后显示链接",
    Publication.Status.QUEUED: "发出后显示链接",
    Publication.Status.SENDING: "发出后显示链接",
    Publication.Status.PUBLISHING: "平台发布完成后显示链接",
    Publication.Status.RETRYING: "发出后显示链接",
    Publication.Status.FAILED: "没有发出，没有链接",
    Publication.Status.CANCELLED: "已取消，没有发出",
    Publication.Status.AWAITING: "负责人手工完成并填写链接后显示",
    Publication.Status.TAKING_DOWN: "正在撤下",
    Publication.Status.TAKEN_DOWN: "已撤下，原文不再可读",
}
_NO_LINK_KIND = {
    ChannelAccount.Kind.EMAIL: "以邮件发出，没有网页链接",
    ChannelAccount.Kind.NEWSPAPER: "已送报纸排版，报纸没有网页链接",
    ChannelAccount.Kind.HTTP_PUSH: "已推送给订阅方，由对方刊发，没有本方链接",
    ChannelAccount.Kind.WECHAT: "微信没有返回文章链接，请到公众号后台查看",
    ChannelAccount.Kind.WEIBO: "微博没有返回链接，请到微博后台查看",
    # -- 17:PV --
    ChannelAccount.Kind.DOUYIN: "抖音没有返回作品链接，请到抖音创作者中心查看",
    ChannelAccount.Kind.KUAISHOU: "快手没有返回作品链接，请到快手创作者中心查看",
    ChannelAccount.Kind.PROVINCE: "已推送到省级技术平台，由省平台选用；采用后显示采用链接",
}


def _link(p: Publication) -> tuple[str, str, str]:
    from rongmei.core.validators import safe_url_or_empty

    url = safe_url_or_empty(p.remote_url, allow_relative=True)
    kind = p.account.kind
    if p.status in LIVE:
        if url:
            return url, _LINK_LABELS.get(kind, "打开已发布的稿件"), ""
        return "", "", _NO_LINK_KIND.get(kind, "该渠道没有返回链接")
    if p.status == Publication.Status.TAKEN_DOWN and kind == ChannelAccount.Kind.OWN_SITE and url:
        return url, "打开撤稿页", ""
    return "", "", _NO_LINK_WHEN.get(p.status, "")


def board_summary(publications: list[Publication]) -> dict:
    """Counts by status code (the template also reads them to decide whether to keep polling)."""
    counts: dict[str, int] = {}
    for p in publications:
        counts[p.status] = counts.get(p.status, 0) + 1
    return counts


def summary_labels(counts: dict) -> list[str]:
    labels = dict(Publication.Status.choices)
    return [f"{labels.get(status, status)} {n}" for status, n in counts.items()]


def accounts(center: Center, *, kind: str = "", owner: str = "", area_id: int | None = None,
             active: bool | None = None):
    qs = scoped(ChannelAccount, center).select_related("area", "department", "responsible").prefetch_related("groups")
    if kind:
        qs = qs.filter(kind=kind)
    if owner:
        qs = qs.filter(owner=owner)
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def account_people(center: Center):
    """Who may be an account's responsible person or leader: the center's active people."""
    from rongmei.core.models import User

    return User.objects.filter(memberships__center=center, is_active=True).distinct().order_by("username")


def groups(center: Center):
    return scoped(AccountGroup, center).annotate(size=Count("accounts"))


def stale_accounts(center: Center, days: int, now: dt.datetime | None = None):
    """Active accounts with no post for `days` days (counting from creation if never posted)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    return accounts(center).filter(is_active=True).filter(
        Q(last_published_at__lt=cutoff) | Q(last_published_at__isnull=True, created_at__lt=cutoff))


# -- 17:PV -- 久未更新 per kind: how many quiet days make an account stale (None: never). A
# short-video account that posts nothing for three days is losing its audience; a WeChat
# account posts a few times a week; a newspaper desk or a partner's feed is not an account
# anyone forgets to feed. `RONGMEI_MATRIX_STALE_DAYS` ({"douyin": 2, …}) overrides per
# kind; an account's own {"stale_days": N} option overrides its kind (0: never). Village
# accounts without an API keep the older settings RONGMEI_MATRIX_WARN_DAYS (10).
STALE_DAYS: dict[str, int | None] = {
    "own_site": 3, "wechat": 7, "weibo": 3, "douyin": 3, "kuaishou": 3, "channels": 3, "toutiao": 7, "xuexi": 7,
    "assisted": None, "province": 7, "http_push": None, "email": None, "newspaper": None, "broadcast": None,
}


def stale_rule(kind: str, options: dict | None = None) -> int | None:
    """Days without a post after which an account of `kind` (with these options) is 久未更新."""
    from django.conf import settings

    own = (options or {}).get("stale_days") if isinstance(options, dict) else None
    if own is not None and str(own).strip().lstrip("-").isdigit():
        return int(own) if int(own) > 0 else None
    overrides = getattr(settings, "RONGMEI_MATRIX_STALE_DAYS", {}) or {}
    if kind in overrides:
        value = overrides[kind]
        return int(value) if value else None
    if kind == "assisted":
        return int(getattr(settings, "RONGMEI_MATRIX_WARN_DAYS", 10))
    return STALE_DAYS.get(kind)


def stale_rules_text() -> str:
    """The rules in force, in words for the matrix page ("抖音、快手 3 天，公众号 7 天…；再过 2
    天告知分管领导"), read from the same settings the chasing uses."""
    from rongmei.distribution.models import ChannelAccount

    by_days: dict[int, list[str]] = {}
    for kind, label in ChannelAccount.Kind.choices:
        days = stale_rule(kind)
        if days is not None:
            by_days.setdefault(days, []).append(label.split("（")[0])
    rules = "，".join(f"{'、'.join(names)} {days} 天" for days, names in sorted(by_days.items()))
    return f"{rules}；再过 {escalate_after()} 天仍未更新，告知分管领导" if rules else "未设置久未更新提醒"


def escalate_after() -> int:
    """Days after the warning before the account's leader is told (12 − 10 by default)."""
    from django.conf import settings

    warn = int(getattr(settings, "RONGMEI_MATRIX_WARN_DAYS", 10))
    return max(int(getattr(settings, "RONGMEI_MATRIX_ESCALATE_DAYS", 12)) - warn, 0)


def stale_by_rule(center: Center, now: dt.datetime | None = None, *, extra_days: int = 0):
    """Active accounts quiet for longer than their kind's rule (plus `extra_days`), each
    with `stale_days` (its rule); a queryset (ids chosen here, in Python: few accounts)."""
    now = now or timezone.now()
    ids = []
    for pk, kind, options, last, created in accounts(center).filter(is_active=True).values_list(
            "pk", "kind", "options", "last_published_at", "created_at"):
        days = stale_rule(kind, options)
        if days is not None and (last or created) < now - dt.timedelta(days=days + extra_days):
            ids.append(pk)
    return accounts(center).filter(pk__in=ids)


def monthly_ranking(center: Center, year: int, month: int, size: int = 10) -> dict:
    """红黑榜: the most and least active accounts of a month, by publications sent. The
    红榜 lists only accounts that posted in the month (a quiet account is never praised);
    the 黑榜 starts with the quiet ones."""
    start = dt.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
    end = (start + dt.timedelta(days=32)).replace(day=1)
    # The month's publications in the join condition, so the sent_at index narrows them:
    # counting with a FILTER read every publication the accounts ever had (16,000 rows a
    # county, scattered among the other centers' on a province's database; bench/province.py).
    rows = list(accounts(center).filter(is_active=True).annotate(
        in_month=FilteredRelation("publications", condition=Q(
            publications__status__in=LIVE, publications__sent_at__gte=start, publications__sent_at__lt=end)),
    ).annotate(posts=Count("in_month"), last=Max("last_published_at")).order_by("-posts", "name"))
    return {"red": [a for a in rows if a.posts][:size], "black": list(reversed(rows[-size:])) if rows else [], "start": start}


# How a channel is named in a story's public status (短名, the list has little room).
_SHORT_KIND = {ChannelAccount.Kind.OWN_SITE: "网站/客户端", ChannelAccount.Kind.WECHAT: "微信",
               ChannelAccount.Kind.WEIBO: "微博", ChannelAccount.Kind.HTTP_PUSH: "合作方推送",
               ChannelAccount.Kind.EMAIL: "邮件", ChannelAccount.Kind.NEWSPAPER: "报纸",
               ChannelAccount.Kind.BROADCAST: "广播电视", ChannelAccount.Kind.ASSISTED: "微信（人工代发）",
               # -- 17:PV --
               ChannelAccount.Kind.DOUYIN: "抖音", ChannelAccount.Kind.KUAISHOU: "快手",
               ChannelAccount.Kind.CHANNELS: "视频号（人工代发）", ChannelAccount.Kind.TOUTIAO: "今日头条（人工代发）",
               ChannelAccount.Kind.XUEXI: "学习强国（人工代发）", ChannelAccount.Kind.PROVINCE: "省级技术平台"}
_GONE = (Publication.Status.TAKING_DOWN, Publication.Status.TAKEN_DOWN)


def public_lives(story_ids):
    """For the newsroom (`newsroom.public_life`): each story's public life — 已发布 with
    its channels while any outlet carries it, else 撤稿中/已撤稿 once it was taken down."""
    from rongmei.newsroom.public_life import PublicLife

    rows = Publication.objects.filter(story_id__in=list(story_ids), status__in=LIVE + _GONE).values_list(
        "story_id", "status", "account__kind")
    live: dict[int, dict[str, int]] = {}
    gone: dict[int, set[str]] = {}
    for story_id, status, kind in rows:
        if status in LIVE:
            counts = live.setdefault(story_id, {})
            counts[kind] = counts.get(kind, 0) + 1
        else:
            gone.setdefault(story_id, set()).add(status)
    order = list(_SHORT_KIND)
    lives = {}
    for story_id, counts in live.items():
        channels = tuple(_SHORT_KIND.get(k, k) + (f"（{n} 个号）" if n > 1 else "")
                         for k, n in sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
        lives[story_id] = PublicLife("published", "已发布", channels)
    for story_id, statuses in gone.items():
        if story_id not in lives:
            taking = Publication.Status.TAKING_DOWN in statuses
            lives[story_id] = PublicLife("taking_down" if taking else "taken_down", "撤稿中" if taking else "已撤稿")
    return lives


def stories_in_public_state(center: Center, state: str):
    """Ids of the center's stories that are 已发布 (somewhere live) or 已撤稿 (taken down,
    live nowhere)."""
    live = Publication.objects.filter(center=center, status__in=LIVE).values("story_id")
    if state == "published":
        return live
    return Publication.objects.filter(center=center, status__in=_GONE).exclude(story_id__in=live).values("story_id")


def live_on_own_site(center: Center, *, including: int | None = None):
    """Publications that are live on the center's own website and app (for the portal);
    `including` adds the publication whose delivery is putting it live right now."""
    live = Q(status__in=LIVE)
    if including is not None:
        live |= Q(pk=including)
    return Publication.objects.filter(live, center=center, account__kind=ChannelAccount.Kind.OWN_SITE)


def taken_down_from_own_site(center: Center):
    """Publications taken down from the own site (their pages answer 410)."""
    return Publication.objects.filter(center=center, account__kind=ChannelAccount.Kind.OWN_SITE,
                                      status=Publication.Status.TAKEN_DOWN)


def own_site_account(center: Center) -> ChannelAccount | None:
    return ChannelAccount.objects.filter(center=center, kind=ChannelAccount.Kind.OWN_SITE).first()


# What readers are told when the operator wrote no public notice.
DEFAULT_TAKEDOWN_NOTICE = "该稿件已撤回。"


def takedown_notice(publication: Publication) -> str:
    """What the public may read about a takedown: the operator's public notice, else the
    default. The internal note (why it was really taken down) never leaves the newsroom."""
    return publication.takedown_notice.strip() or DEFAULT_TAKEDOWN_NOTICE


def untouched_publishes(publication: Publication):
    """Its publish deliveries that never reached a platform: pending, never tried, nothing
    in flight or waited for. Only those can be cancelled; anything else may be live."""
    from rongmei.distribution.models import OutboxMessage

    return OutboxMessage.objects.filter(publication=publication, action=OutboxMessage.Action.PUBLISH,
                                        status=OutboxMessage.Status.PENDING, in_flight=False, waiting=False,
                                        attempts=0)


def never_reached(publication: Publication) -> bool:
    """Whether 撤稿 only cancels it: it has publish deliveries and none may have reached the platform."""
    from rongmei.distribution.models import OutboxMessage

    publishes = OutboxMessage.objects.filter(publication=publication, action=OutboxMessage.Action.PUBLISH)
    return publishes.exists() and not publishes.exclude(pk__in=untouched_publishes(publication)).exists()


def takedown_plan(story) -> list[dict]:
    """What 全部撤稿 will do, account by account, for the confirmation page: 撤下 where the
    story is (or may be) out, 取消发送 where it never reached the platform."""
    rows = []
    for p in (Publication.objects.filter(story=story).exclude(
            status__in=[Publication.Status.TAKEN_DOWN, Publication.Status.CANCELLED])
              .select_related("account").order_by("account__kind", "account__name")):
        cancel = never_reached(p)
        rows.append({"publication": p, "account": p.account, "kind": p.account.get_kind_display(),
                     "status": p.get_status_display(), "cancel": cancel,
                     "what": "取消发送（尚未到达平台）" if cancel else _TAKEDOWN_WHAT.get(p.account.kind, "撤下")})
    return rows


_TAKEDOWN_WHAT = {
    ChannelAccount.Kind.OWN_SITE: "下线，原地址显示撤稿说明",
    ChannelAccount.Kind.WECHAT: "删除已发图文",
    ChannelAccount.Kind.WEIBO: "删除微博",
    ChannelAccount.Kind.HTTP_PUSH: "推送撤稿通知",
    ChannelAccount.Kind.EMAIL: "发送撤稿通知邮件",
    ChannelAccount.Kind.NEWSPAPER: "上传撤稿通知",
    ChannelAccount.Kind.BROADCAST: "从串联单撤下",
    ChannelAccount.Kind.ASSISTED: "通知负责人手工删除",
    # -- 17:PV --
    ChannelAccount.Kind.DOUYIN: "删除抖音视频",
    ChannelAccount.Kind.KUAISHOU: "删除快手作品",
    ChannelAccount.Kind.CHANNELS: "通知负责人在视频号手工删除",
    ChannelAccount.Kind.TOUTIAO: "通知负责人在今日头条手工删除",
    ChannelAccount.Kind.XUEXI: "通知负责人在学习强国手工撤下",
    ChannelAccount.Kind.PROVINCE: "推送撤稿（pubStatus canceled）",
}


def awaiting_handoff(center: Center, user=None):
    """Publications waiting for someone to post (delete, correct) by hand and confirm;
    with `user`, those on accounts that person is responsible for."""
    qs = Publication.objects.filter(center=center, status=Publication.Status.AWAITING).select_related("account", "story")
    return qs.filter(account__responsible=user) if user is not None else qs


# --- Broadcast rundowns ---------------------------------------------------------------------------

def air_date(publication: Publication) -> dt.date:
    """The day a bulletin item goes on air: its scheduled day, else the day it was sent."""
    return timezone.localdate(publication.scheduled_at or publication.created_at)


def rundown_publications(account: ChannelAccount, day: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    return Publication.objects.filter(account=account, position__gt=0).exclude(
        status__in=[Publication.Status.TAKEN_DOWN, Publication.Status.CANCELLED, Publication.Status.FAILED]).filter(
        Q(scheduled_at__gte=start, scheduled_at__lt=end) | Q(scheduled_at__isnull=True, created_at__gte=start, created_at__lt=end))


def rundown_slot(account: ChannelAccount) -> tuple[str, dt.time, int]:
    """(programme, slot start, slot length in seconds) from the account's settings."""
    options = account.options or {}
    try:
        hours, minutes = (int(x) for x in str(options.get("slot_start", "18:30")).split(":"))
        start = dt.time(hours, minutes)
    except ValueError:
        start = dt.time(18, 30)
    try:
        seconds = int(options.get("slot_seconds", 900))
    except (TypeError, ValueError):
        seconds = 900
    return options.get("program") or account.name, start, max(seconds, 1)


def rundown(account: ChannelAccount, day: dt.date):
    """The programme's 串联单 for `day`: the items that went in, in their order, each timed
    from its radio/TV version's estimated read time."""
    from rongmei.distribution import items
    from rongmei.distribution.formatters.rundown import Rundown, rundown_entry

    program, start, seconds = rundown_slot(account)
    rows = list(rundown_publications(account, day).filter(status__in=LIVE).select_related("story").order_by("position", "pk"))
    entries = tuple(rundown_entry(items.build(p)) for p in rows)
    return Rundown(program=program, air_date=day, slot_start=start, slot_seconds=seconds, items=entries), rows


def handoff_package(publication: Publication) -> dict:
    """What the person doing hand work needs: the words to paste, the pictures to upload,
    and for a takedown or correction the post to change."""
    from rongmei.distribution import items
    from rongmei.distribution.formatters.notices import notice_text
    from rongmei.distribution.formatters.types import html_to_text

    action = publication.handoff or "publish"
    item = items.build(publication, action, note=publication.correction_note if action == "correct" else "")
    copy = item.rendition
    title = copy.title if copy and copy.title else item.headline
    text = html_to_text(copy.body) if copy and copy.body else item.text
    if action == "correct":
        title = "【更正】" + title
        text = notice_text(item) + "\n\n" + text
    from rongmei.distribution.adapters.assisted import NEEDS_VIDEO, platform

    name, thing, example = platform(publication.account.kind)
    video = None
    if publication.account.kind in NEEDS_VIDEO:  # 视频号: the signed vertical video and its cover, to download
        from rongmei.distribution import video_links

        video = video_links.video_file(publication.story, "vertical")
    what = "标题、正文和图片" if video is None else "视频、封面和文案"
    return {"action": action, "title": title, "text": text, "images": item.images if video is None else (),
            "story_url": item.url, "post_url": publication.remote_url, "platform": name, "thing": thing,
            "example_url": example, "video": video, "needs_video": publication.account.kind in NEEDS_VIDEO,
            "instruction": {"publish": f"请把下面的{what}发到该账号（{name}），发出后填写{thing}链接确认。",
                            "correct": f"该账号已发的这篇需要更正：请在{name}删除原{thing}，按下面的内容重新发布"
                                       f"（或置顶更正说明），然后填写链接确认。",
                            "takedown": f"请在{name}删除该账号已发的这篇{thing}，删除后点“已删除”确认。"}[action]}


# Publications whose story is out, or going out, on a channel: its pictures and media must
# be readable by address (the public site, WeChat, Weibo, the app clients, a village clerk
# posting by hand). Scheduled, queued, failed, cancelled and taken-down ones are not.
MEDIA_PUBLIC = (Publication.Status.SENDING, Publication.Status.PUBLISHING, Publication.Status.SENT, Publication.Status.RETRYING,
                Publication.Status.CORRECTED, Publication.Status.AWAITING, Publication.Status.TAKING_DOWN)


def asset_is_public(asset) -> bool:
    """Whether a story using this asset is published on some channel (newsroom's /media/ rule)."""
    return Publication.objects.filter(center_id=asset.center_id, story__story_assets__asset=asset,
                                      status__in=MEDIA_PUBLIC).exists()


# --- 工作台 -------------------------------------------------------------------------------------

def _signed_not_sent(center) -> list:
    """签发待发: pieces signed off in the last week that no account has received yet."""
    from rongmei.core.todo import Todo
    from rongmei.review.selectors import signed_off_since

    # stories some account already received are left out in SQL, before the sign-off check
    reviews = signed_off_since(center, timezone.now() - dt.timedelta(days=7), limit=20,
                               excluding=Publication.objects.filter(center=center).values("story_id"))
    return [Todo(room="分发", title=r.story.headline, url=f"/distribution/stories/{r.story_id}/", since=r.updated_at,
                 action="一键分发", note=f"已签发，可发：{'、'.join(_channel_names(r.channels))}")
            for r in reviews]


def _channel_names(channels) -> list[str]:
    from rongmei.newsroom.models import Rendition

    order = list(Rendition.Channel.values)  # web, WeChat, Weibo, print, radio, TV, short video
    labels = dict(Rendition.Channel.choices)
    return [labels.get(c, c) for c in sorted(channels, key=lambda c: order.index(c) if c in order else len(order))]


def todo_for(user, center) -> list:
    """Signed-off pieces not yet sent, hand work waiting for me, failed deliveries (for who may resend them) and the
    accounts I am responsible for that went quiet."""
    from rongmei.core.todo import Todo

    items = []
    operator = user.has_perm("distribution.publish", center)
    mine = Q(account__responsible=user) | (Q(account__responsible__isnull=True) if operator else Q(pk__in=[]))
    for p in awaiting_handoff(center).filter(mine).order_by("updated_at")[:20]:
        verb = {"takedown": "删除", "correct": "更正"}.get(p.handoff, "代发")
        items.append(Todo(room="分发", title=f"{p.account.name}：{p.story.headline}", url=f"/distribution/publications/{p.pk}/handoff/",
                          since=p.updated_at, action=f"手工{verb}并确认", note="无接口账号，等您手工完成"))
    if operator:
        items.extend(_signed_not_sent(center))
        recent = timezone.now() - dt.timedelta(days=14)
        failed: dict[int, list[Publication]] = {}
        for p in (Publication.objects.filter(center=center, status=Publication.Status.FAILED, updated_at__gte=recent)
                  .select_related("story", "account").order_by("-updated_at")[:100]):
            failed.setdefault(p.story_id, []).append(p)
        for pubs in list(failed.values())[:20]:
            names = "、".join(p.account.name for p in pubs[:3]) + (f"等 {len(pubs)} 个账号" if len(pubs) > 3 else "")
            items.append(Todo(room="分发", title=pubs[0].story.headline, url=f"/distribution/stories/{pubs[0].story_id}/",
                              since=pubs[0].updated_at, alert=True, action="查看并重发",
                              note=f"发布失败：{names}" + (f"（{pubs[0].last_error[:60]}）" if pubs[0].last_error else "")))
    quiet = stale_by_rule(center).filter(Q(responsible=user) | (
        Q(responsible__isnull=True) if user.has_perm("distribution.manage_accounts", center) else Q(pk__in=[])))
    manager = user.has_perm("distribution.manage_accounts", center)
    for account in quiet.order_by("last_published_at", "created_at")[:20]:
        last = account.last_published_at
        items.append(Todo(room="账号", title=f"{account.name} 久未更新", since=last or account.created_at,
                          url=f"/distribution/accounts/{account.pk}/" if manager else "/distribution/handoffs/",
                          action="安排发布" if manager else "查看",
                          note=f"最近发布 {timezone.localtime(last):%m月%d日}" if last else "还没有发布过"))
    return items


def sent_per_account_day(center: Center, day_from: dt.date, day_to: dt.date):
    """Publications that went out (have a sent time) per account, channel version and local
    day over [day_from, day_to], both included — what 传播效果 counts as a center's output:
    values rows (account_id, account__name, account__kind, account__options, channel, day,
    count), days in the center's time zone. A piece later corrected or taken down still counts: it was published."""
    from django.db.models.functions import TruncDate

    from rongmei.core.search.dates import center_zone

    tz = center_zone(center)
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (Publication.objects.filter(center=center, sent_at__gte=start, sent_at__lt=end)
            .annotate(day=TruncDate("sent_at", tzinfo=tz))
            .values("account_id", "account__name", "account__kind", "account__options", "channel", "day")
            .annotate(count=Count("id")).order_by("day", "account_id", "channel"))


def stories_published(center: Center, day_from: dt.date, day_to: dt.date) -> int:
    """Different stories with at least one publication sent over [day_from, day_to] (both
    included, the center's calendar) — the 发稿量 a province compares its counties by."""
    from rongmei.core.search.dates import center_zone

    tz = center_zone(center)
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (Publication.objects.filter(center=center, sent_at__gte=start, sent_at__lt=end)
            .values("story_id").distinct().count())
