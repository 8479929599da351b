"""Accounts without an API (most village WeChat accounts are run by a village clerk from a
phone; 视频号, 今日头条 and 学习强国 give a county account no usable publishing API): the
delivery prepares a ready-to-paste package and tells the account's responsible person; the
publication then waits until that person says "posted, here is the link" (or "deleted",
"corrected"). Waiting publications are chased (`health.chase_handoffs`) and shown on the
board as 待人工确认.

The package is the account's channel version as plain title and text plus the pictures —
the WeChat version for a village WeChat account, the web version for 今日头条 and 学习强国,
and for 视频号 the short-video caption with the signed vertical video and its cover to
download (an access-checked link on the package page). A takedown asks to delete the post
at its recorded link, a correction asks to replace it with the corrected text and its
notice. Every word names the account's own platform (`PLATFORMS`), not "微信" for all.
"""

from __future__ import annotations

from rongmei.distribution.outbox import Delivery, Outcome

WHAT = {"publish": "请代发", "takedown": "请删除", "correct": "请更正"}

# kind -> (platform name, what a post there is called, an example of a post's link)
PLATFORMS = {
    "assisted": ("微信公众号", "文章", "https://mp.weixin.qq.com/s/…"),
    "channels": ("微信视频号", "视频", "https://channels.weixin.qq.com/…（视频号作品的分享链接）"),
    "toutiao": ("今日头条", "文章", "https://www.toutiao.com/article/…"),
    "xuexi": ("学习强国", "稿件", "https://www.xuexi.cn/…"),
}
NEEDS_VIDEO = ("channels",)
NO_VIDEO = "该稿件还没有审核通过的竖版视频，视频号只能发视频：请在稿件页“视频版本”生成竖版视频并送审，签发后再发布。"


def platform(kind: str) -> tuple[str, str, str]:
    return PLATFORMS.get(kind, PLATFORMS["assisted"])


def deliver(delivery: Delivery) -> Outcome:
    from rongmei.core.services import notify
    from rongmei.distribution import health, video_links

    message = delivery.message
    publication = message.publication
    account = message.account
    name, thing, _ = platform(account.kind)
    people = health.handoff_people(account)
    if not people:
        return Outcome.fail("该账号没有负责人，也没有运营人员可以代发：请在账号设置中指定负责人。")
    if (account.kind in NEEDS_VIDEO and message.action != "takedown"
            and video_links.video_file(publication.story, "vertical") is None):
        return Outcome.fail(NO_VIDEO)
    if not delivery.progress.get("notified"):
        notify(center=account.center, recipients=people,
               title=f"{WHAT[message.action]}（{name}）：{account.name}《{publication.story.headline}》"[:200],
               body=(f"{'视频和文案' if account.kind in NEEDS_VIDEO else '内容'}已备好，可一键复制"
                     f"{'、下载' if account.kind in NEEDS_VIDEO else ''}；完成后请回到该页面确认"
                     f"（发布需填写{name}{thing}的链接）。"),
               url=f"/distribution/publications/{publication.pk}/handoff/", event="handoff")
        delivery.remember(notified=True)
    names = "、".join(p.get_full_name() or p.username for p in people[:3])
    return Outcome.handed_off(f"已通知 {names} 在{name}手工{WHAT[message.action][1:]}，等待确认")
