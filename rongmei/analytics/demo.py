"""传播效果 demo, for the dashboards: daily figures for the outlets the platforms' statistics
APIs do not reach (抖音, 视频号, the county paper, the TV news), for the demo's published
stories, and the followers of the matrix's village and department WeChat accounts and of
the center's 视频号, over the last 60 days — so the overview, an item's page, the ranking
and the big screen all have content in `make run`.

The figures go the way a center's own figures would: written as the CSV a person would
upload (the documented import template's columns) and read, checked and linked to the
stories by analytics.imports (`check_rows`, then `write`, its upsert), with an ImportBatch
in 数据导入's history. AF's loader brings WeChat/Weibo through their fakes and AI's a few
imported items outside the matrix; this one adds what those leave empty.

Deterministic (no randomness: the same center gets the same figures) and idempotent: once
its batch exists, it does nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

from django.db import transaction
from django.utils import timezone

DAYS = 60
PIECES_FILE = "示例：抖音、视频号、报纸、电视近 60 天传播数据.csv"
ACCOUNTS_FILE = "示例：村社与部门公众号、视频号近 60 天粉丝数据.csv"
CHANNELS_ACCOUNT = "示例县融媒视频号"

# outlet, share of stories that go there (by story id), first-day reads (scaled per story), days of tail
OUTLETS = [
    ("douyin", 3, 2, 9000, 10),  # 2 of every 3 stories
    ("channels", 2, 1, 2600, 8),  # 1 of every 2
    ("newspaper", 2, 1, 12000, 1),  # the paper: its circulation on the print day
    ("tv", 3, 1, 36000, 1),  # the evening news: viewers on the air day
]


def _scale(story_id: int) -> float:
    return 0.5 + ((story_id * 37) % 100) / 80  # 0.5 … 1.7, fixed per story


def _piece_rows(stories: list[tuple[int, str, dt.date]], today: dt.date) -> list[list]:
    rows = []
    first_day = today - dt.timedelta(days=DAYS - 1)
    for story_id, headline, sent in stories:
        for outlet, every, of, first, tail in OUTLETS:
            if story_id % every >= of:
                continue
            start = max(sent, first_day)
            for age in range(tail):
                day = start + dt.timedelta(days=age)
                if day > today:
                    break
                reads = int(first * _scale(story_id) / (1 + age) ** 1.6)
                if reads < 30:
                    break
                interact = outlet in ("douyin", "channels")
                rows.append(["抖音" if outlet == "douyin" else "视频号" if outlet == "channels" else
                             "报纸" if outlet == "newspaper" else "电视", day.isoformat(), headline[:200], story_id,
                             reads, reads // 25 if interact else 0, reads // 90 if interact else 0,
                             reads // 160 if interact else 0, reads // 120 if interact else 0])
    return rows


def _account_rows(accounts: list[tuple[str, int]], today: dt.date) -> list[list]:
    rows = []
    for name, base in accounts:
        total = base
        for age in range(DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=age)
            wave = 1 + 0.5 * math.sin((base + age) / 4)
            new = int(base / 400 * wave) + 3
            lost = int(new * 0.3)
            total += new - lost
            rows.append(["视频号" if name == CHANNELS_ACCOUNT else "微信公众号", name, day.isoformat(), total, new, lost])
    return rows


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def load(center) -> tuple[int, int]:
    from rongmei.analytics import imports
    from rongmei.analytics.models import AccountMetric, ImportBatch
    from rongmei.core.models import User
    from rongmei.distribution import selectors as distribution

    if center.slug != "demo":
        return 0, 0
    user = User.objects.filter(username="operator").first()
    if user is None or ImportBatch.objects.filter(center=center, original_name=PIECES_FILE).exists():
        return 0, 1
    today = timezone.localdate()
    seen: dict[int, tuple[int, str, dt.date]] = {}
    for p in distribution.publications(center).filter(sent_at__isnull=False).order_by("sent_at"):
        seen.setdefault(p.story_id, (p.story_id, p.story.headline, timezone.localtime(p.sent_at).date()))
    pieces = _piece_rows(list(seen.values()), today)
    # The matrix's WeChat accounts that no fetch has given followers yet (villages, departments).
    known = set(AccountMetric.objects.filter(center=center).values_list("account_id", flat=True))
    wechat = [a for a in distribution.accounts(center, kind="wechat") if a.pk not in known and a.owner != "center"]
    followers = [(a.name, 800 + (a.pk * 613) % 4000) for a in wechat] + [(CHANNELS_ACCOUNT, 15000)]
    accounts = _account_rows(followers, today)
    made = 0
    with transaction.atomic():
        for kind, name, data in (
                (ImportBatch.Kind.PIECES, PIECES_FILE,
                 _csv(["平台", "日期", "标题", "稿件编号", "阅读/播放", "点赞", "转发/分享", "评论", "在看/收藏"], pieces)),
                (ImportBatch.Kind.ACCOUNTS, ACCOUNTS_FILE,
                 _csv(["平台", "账号名称", "日期", "粉丝总数", "新增关注", "取消关注"], accounts))):
            checked = imports.check_rows(center, kind, data, today=today)
            written = imports.write(kind, checked.objects)
            ImportBatch.objects.create(
                center=center, kind=kind, original_name=name, uploaded_by=user,
                status=ImportBatch.Status.PARTIAL if checked.errors else ImportBatch.Status.IMPORTED,
                rows_total=written + len(checked.table.bad_rows), rows_valid=written, rows_imported=written,
                errors=[{"row": e.row, "field": e.field, "message": e.message} for e in checked.errors[:50]],
                imported_at=timezone.now())
            made += 1
    return made, 0
