"""Accounts without an API (most village WeChat accounts are run by a village clerk from a
phone): the delivery prepares a ready-to-paste package and tells the account's
responsible person; the publication then waits until that person says "posted, here is
the link" (or "deleted", "corrected"). Waiting publications are chased
(`health.chase_handoffs`) and shown on the board as 待人工确认.

The package is the account's channel version (the WeChat version for a village WeChat
account) as plain title and text plus the pictures; a takedown asks to delete the post at
its recorded link, a correction asks to replace it with the corrected text and its notice.
"""

from __future__ import annotations

from rongmei.distribution.outbox import Delivery, Outcome

WHAT = {"publish": "请代发", "takedown": "请删除", "correct": "请更正"}


def deliver(delivery: Delivery) -> Outcome:
    from rongmei.core.services import notify
    from rongmei.distribution import health

    message = delivery.message
    publication = message.publication
    account = message.account
    people = health.handoff_people(account)
    if not people:
        return Outcome.fail("该账号没有负责人，也没有运营人员可以代发：请在账号设置中指定负责人。")
    if not delivery.progress.get("notified"):
        notify(center=account.center, recipients=people,
               title=f"{WHAT[message.action]}：{account.name}《{publication.story.headline}》"[:200],
               body="内容已备好，可一键复制；完成后请回到该页面确认（发布需填写链接）。",
               url=f"/distribution/publications/{publication.pk}/handoff/")
        delivery.remember(notified=True)
    names = "、".join(p.get_full_name() or p.username for p in people[:3])
    return Outcome.handed_off(f"已通知 {names} 手工{WHAT[message.action][1:]}，等待确认")
