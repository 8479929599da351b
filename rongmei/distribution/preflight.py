"""Pre-flight: what a channel or an account would refuse, said before 送审 and before 一键发布,
not after publishing.

One check per channel (`CHANNEL_CHECKS`: what every account of that channel refuses, read
from the adapters and the platforms' documented limits the fakes enforce) and one per
account kind (`ACCOUNT_CHECKS`: its credentials and settings). The submit screen (through
the review room's registry, `review.submit_checks`: said beside each channel and after 送审,
not blocking the review), the publish screen and the publish service (which refuses) all
call `for_submit` / `for_publish`, so they cannot disagree.

Messages are Chinese, say which channel or account and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# WeChat's documented draft/add limits (api_draft_add; the fake answers 45003/45110/45004/45002).
WECHAT_TITLE = 32
WECHAT_AUTHOR = 16
WECHAT_DIGEST = 128
WECHAT_CONTENT = 20000
WEIBO_LIMIT = 140
SAMPLE_KEY = "p0-a0-v0-publish"  # stands for a delivery key: a link counts the same whatever it holds


@dataclass(frozen=True)
class Problem:
    """One refusal to come: the channel (rendition) it concerns, the account (or "" when
    every account of the channel would refuse), and what to do. A problem that is not
    `blocking` is said but does not stop publishing: a Weibo text too long for 140 is cut
    to fit by the adapter, and the cut text is what the reviewer saw and signed
    (`newsroom.published.weibo_text`), so it is a thing to fix before review, not a refusal."""

    channel: str
    account: str
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return f"{self.account}：{self.message}" if self.account else self.message


def _labels() -> dict[str, str]:
    from rongmei.newsroom.models import Rendition

    return dict(Rendition.Channel.choices)


def _rendition(story, channel: str):
    for rendition in story.renditions.all():
        if rendition.channel == channel:
            return rendition
    return None


# --- Per channel: what the content must be --------------------------------------------------

def _wechat(story, rendition) -> list[str]:
    from rongmei.newsroom.published import wechat_cover

    problems = []
    cover, crop = wechat_cover(story)  # the editor's pick, else the story's picture, else a default
    if cover is None:
        problems.append("微信图文需要封面图：请为稿件添加一张图片，或在“栏目与封面”为本栏目或本中心设置默认封面。")
    elif crop is None:
        problems.append(f"封面图“{cover}”还没有 2.35:1 的微信封面裁切：请在素材库重新处理这张图片，或换一张。")
    title = (rendition.title or "").strip()
    if not title:
        problems.append("微信图文标题为空：请在微信渠道稿中填写标题。")
    elif len(title) > WECHAT_TITLE:
        problems.append(f"微信标题 {len(title)} 字，微信最多 {WECHAT_TITLE} 字：请在微信渠道稿中缩短标题。")
    author = (rendition.fields or {}).get("author", "") or ""
    if len(author) > WECHAT_AUTHOR:
        problems.append(f"微信作者栏 {len(author)} 字，微信最多 {WECHAT_AUTHOR} 字：请在微信渠道稿中缩短。")
    digest = (rendition.fields or {}).get("digest", "") or ""
    if len(digest) > WECHAT_DIGEST:
        problems.append(f"微信摘要 {len(digest)} 字，微信最多 {WECHAT_DIGEST} 字：请在微信渠道稿中缩短摘要。")
    if len(rendition.body or "") >= WECHAT_CONTENT:
        problems.append(f"微信正文超过 {WECHAT_CONTENT} 字符（微信的上限）：请删减，或分成上下篇。")
    return problems


def _weibo(story, rendition) -> list[str]:
    from rongmei.newsroom.generators.text import weibo_length
    from rongmei.newsroom.published import weibo_words

    link = story.center.site_url(f"/news/{story.pk}/?rm={SAMPLE_KEY}")
    words = weibo_words(story)
    total = weibo_length(f"{words} {link}")
    if total <= WEIBO_LIMIT:
        return []
    long_post = (rendition.fields or {}).get("mode") == "long"
    what = "长微博的导语" if long_post else "微博正文"
    return [(f"{what}加上稿件链接共 {total} 字，超过微博的 {WEIBO_LIMIT} 字（链接按 {weibo_length(link)} 字计），"
             "发出时会被截断：请在微博渠道稿中删短" + ("。" if long_post else "，或改为长微博（配 140 字以内的导语）。"), False)]


def _short_video(story, rendition) -> list[str]:
    """-- 17:PV -- A short-video account posts the story's vertical video version (the one
    recorded in this rendition, which the reviewers sign), not a raw asset."""
    from rongmei.distribution.video_links import video_file

    if video_file(story, "vertical") is None:
        return [NO_VERTICAL_VIDEO]
    return []


NO_VERTICAL_VIDEO = ("短视频渠道只发视频：稿件还没有竖版视频版本。请在稿件页“视频版本”用视频素材或图片生成竖版视频"
                     "（它会附到短视频渠道稿），送审签发后再发布；或不选短视频渠道。")


CHANNEL_CHECKS: dict[str, Callable] = {"wechat": _wechat, "weibo": _weibo, "short_video": _short_video}


def for_channel(story, channel: str) -> list[Problem]:
    """What every account of `channel` would refuse in this story's version for it."""
    rendition = _rendition(story, channel)
    if rendition is None:
        label = _labels().get(channel, channel)
        return [Problem(channel, "", f"缺少{label}渠道稿：请先生成{label}渠道稿。")]
    check = CHANNEL_CHECKS.get(channel)
    found = check(story, rendition) if check else []
    return [Problem(channel, "", *(item if isinstance(item, tuple) else (item,))) for item in found]


# --- Per account: credentials and settings ---------------------------------------------------

def _secret(account) -> str | None:
    """The decrypted secret, "" when none, None when it cannot be decrypted."""
    from rongmei.distribution import secrets

    try:
        return secrets.decrypt(account.secret)
    except ValueError:
        return None


def _credentials(account, what: str) -> list[str]:
    secret = _secret(account)
    if secret is None:
        return ["账号密钥无法解密（加密密钥已更换？）：请在账号设置中重新填写密钥。"]
    if not secret:
        return [f"账号没有填写{what}：请在账号设置中填写后再发布。"]
    return []


def _account_wechat(account) -> list[str]:
    problems = [] if (account.options or {}).get("appid") else ['微信账号没有填写 AppID：请在账号设置里填写 {"appid": "wx…"}。']
    return problems + _credentials(account, " AppSecret（密钥）")


def _account_weibo(account) -> list[str]:
    return _credentials(account, " access_token（密钥）")


def _account_http_push(account) -> list[str]:
    problems = [] if account.base_url.startswith(("http://", "https://")) else ["订阅地址无效：请在账号设置中填写 http(s) 地址。"]
    return problems + _credentials(account, "签名密钥")


def _account_email(account) -> list[str]:
    problems = []
    if not account.base_url.startswith(("smtp://", "smtps://")):
        problems.append("邮件服务器地址无效：应为 smtp://主机:端口 或 smtps://主机:端口。")
    if not (account.options or {}).get("to"):
        problems.append('没有收件人：请在账号设置里填写 {"to": ["desk@example.cn"]}。')
    return problems + ([] if _secret(account) is not None else ["账号密钥无法解密：请重新填写“用户名:密码”。"])


def _account_newspaper(account) -> list[str]:
    if not account.base_url.startswith(("sftp://", "ftp://")):
        return ["报纸排版账号的地址无效：应为 sftp://主机:端口/目录 或 ftp://主机:端口/目录。"]
    return [] if _secret(account) is not None else ["账号密钥无法解密：请重新填写“用户名:密码”。"]


def _account_assisted(account) -> list[str]:
    from rongmei.distribution import health

    return [] if health.handoff_people(account) else ["该账号没有负责人，也没有运营人员可以代发：请在账号设置中指定负责人。"]


# -- 17:PV -- the new kinds
def _json_secret(account, what: str, keys: tuple[str, ...]) -> list[str]:
    import json

    secret = _secret(account)
    if secret is None:
        return ["账号密钥无法解密（加密密钥已更换？）：请在账号设置中重新填写密钥。"]
    try:
        data = json.loads(secret) if secret else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        example = ", ".join(f'"{k}": "…"' for k in keys)
        return [f"{what}账号的密钥应为 JSON：{{{example}}}，请在账号设置中重新填写。"]
    missing = [k for k in keys if not str(data.get(k) or "").strip()]
    return [f"{what}账号的密钥缺少 {'、'.join(missing)}：请在账号设置中重新填写。"] if missing else []


def _options(account, what: str, keys: tuple[str, ...]) -> list[str]:
    options = account.options or {}
    missing = [k for k in keys if not str(options.get(k) or "").strip()]
    if not missing:
        return []
    return [f"{what}账号没有填写 {'、'.join(missing)}：请在账号设置里填写，例如 "
            + "{" + ", ".join(f'"{k}": "…"' for k in keys) + "}。"]


def _account_douyin(account) -> list[str]:
    return (_options(account, "抖音", ("client_key", "open_id"))
            + _json_secret(account, "抖音", ("client_secret", "access_token", "refresh_token")))


def _account_kuaishou(account) -> list[str]:
    return (_options(account, "快手", ("app_id", "open_id"))
            + _json_secret(account, "快手", ("app_secret", "access_token", "refresh_token")))


def _account_province(account) -> list[str]:
    problems = [] if account.base_url.startswith(("http://", "https://")) else [
        "省平台接收地址无效：请在账号设置中填写省平台给的 http(s) 地址。"]
    return problems + _credentials(account, "签名密钥")


ACCOUNT_CHECKS: dict[str, Callable] = {
    "wechat": _account_wechat, "weibo": _account_weibo, "http_push": _account_http_push, "email": _account_email,
    "newspaper": _account_newspaper, "assisted": _account_assisted,
    "douyin": _account_douyin, "kuaishou": _account_kuaishou, "province": _account_province,
    "channels": _account_assisted, "toutiao": _account_assisted, "xuexi": _account_assisted,
}

# Caption limits of the short-video platforms (characters of caption and #topics): the
# adapter's own constant when it has one (CAPTION_LIMIT), else these — the longest
# description each platform's publishing tools accept.
CAPTION_LIMITS = {"douyin": 1000, "kuaishou": 500, "channels": 1000}
CAPTION_NAMES = {"douyin": "抖音", "kuaishou": "快手", "channels": "视频号"}


def caption_limit(kind: str) -> int | None:
    from importlib import import_module

    from rongmei.distribution.adapters import MODULES

    default = CAPTION_LIMITS.get(kind)
    if default is None:
        return None
    try:
        return int(getattr(import_module(MODULES[kind]), "CAPTION_LIMIT", default))
    except ImportError:
        return default


def _story_caption(story, account) -> list[str]:
    limit = caption_limit(account.kind)
    rendition = _rendition(story, "short_video")
    if limit is None or rendition is None:
        return []
    length = len((rendition.body or "").strip())
    if length <= limit:
        return []
    return [f"短视频文案（含话题）{length} 字，{CAPTION_NAMES[account.kind]}最多 {limit} 字：请在短视频渠道稿中删短。"]


def _story_province(story, account) -> list[str]:
    """The document the province would get must be valid ninjs 3.1 (the push refuses to send
    anything else): built from an unsaved publication of this story on this account."""
    from django.utils import timezone

    from rongmei.distribution.adapters.province import document
    from rongmei.distribution.formatters.ninjs import ninjs_errors
    from rongmei.distribution.models import Publication

    publication = Publication(story=story, account=account, center=story.center, channel="web",
                              story_version=story.version, content_hash="", created_at=timezone.now())
    try:
        doc, _ = document(publication)
    except ValueError as exc:
        return [f"推送给省平台的 ninjs 无法生成：{exc}"]
    errors = ninjs_errors(doc)
    return [f"推送给省平台的 ninjs 不符合 3.1 规范：{'；'.join(errors[:3])}"] if errors else []


# Checks of one story on one account (the content as that account's platform counts it).
STORY_ACCOUNT_CHECKS: dict[str, Callable] = {
    "douyin": _story_caption, "kuaishou": _story_caption, "channels": _story_caption, "province": _story_province,
}


def for_account(story, account, channel_problems: dict[str, list[Problem]] | None = None) -> list[Problem]:
    """What `account` would refuse: its channel's content problems, then its own settings."""
    from rongmei.distribution.services import CHANNEL_FOR_KIND

    channel = CHANNEL_FOR_KIND[account.kind]
    if channel_problems is not None and channel in channel_problems:
        content = channel_problems[channel]
    else:
        content = for_channel(story, channel)
    check = ACCOUNT_CHECKS.get(account.kind)
    own = check(account) if check else []
    both = STORY_ACCOUNT_CHECKS.get(account.kind)  # -- 17:PV --
    if both and not any(p.blocking for p in content):
        own = own + both(story, account)
    return ([Problem(channel, account.name, p.message, p.blocking) for p in content]
            + [Problem(channel, account.name, m) for m in own])


# --- The two moments ---------------------------------------------------------------------------

def for_submit(story, channels: Iterable[str]) -> list[Problem]:
    """Before 送审: what the chosen channel versions would be refused for. Accounts are not
    chosen yet, so only content is checked (a cover for WeChat, Weibo's length, a video for
    短视频 …)."""
    return [p for channel in sorted(set(channels)) for p in for_channel(story, channel)]


def submit_check(story, channels) -> list[tuple[str, str]]:
    """For the review room's registry (`review.submit_checks`): (channel, message) pairs."""
    return [(p.channel, p.message) for p in for_submit(story, channels)]


def for_publish(story, accounts) -> list[Problem]:
    """Before 一键发布: what each chosen account would refuse — its channel version missing
    or not in the sign-off, what its channel refuses in the content, its own settings."""
    from rongmei.distribution.services import CHANNEL_FOR_KIND
    from rongmei.review.selectors import signed_off_channels

    signed = signed_off_channels(story)
    labels = _labels()
    cache: dict[str, list[Problem]] = {}
    problems = []
    for account in accounts:
        channel = CHANNEL_FOR_KIND[account.kind]
        if channel not in cache:
            cache[channel] = for_channel(story, channel)
            if _rendition(story, channel) is not None and channel not in signed:
                label = labels.get(channel, channel)
                cache[channel].insert(0, Problem(channel, "", f"{label}渠道稿没有经过审核签发：请把它一并送审，签发后再发布。"))
        problems += for_account(story, account, cache)
    return problems


def summarize(problems: list[Problem], names: int = 3) -> list[str]:
    """One line per distinct refusal, naming the accounts it concerns (a group of 30 village
    accounts missing the same cover reads as one line, not thirty)."""
    by_message: dict[str, list[str]] = {}
    for problem in problems:
        by_message.setdefault(problem.message, [])
        if problem.account and problem.account not in by_message[problem.message]:
            by_message[problem.message].append(problem.account)
    lines = []
    for message, accounts in by_message.items():
        if not accounts:
            lines.append(message)
        elif len(accounts) <= names:
            lines.append(f"{'、'.join(accounts)}：{message}")
        else:
            lines.append(f"{'、'.join(accounts[:names])} 等 {len(accounts)} 个账号：{message}")
    return lines
