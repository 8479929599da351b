"""`rongmei analytics sync [--days N] [--account ID] [--center SLUG]`: fetch reach now, in
this process, for the last N days up to yesterday (default 7: what the daily schedule
fetches); one line per run; exit 1 if any run failed."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

MAX_DAYS = 366


class Command(BaseCommand):
    help = "传播效果：sync（立即同步微信、微博数据统计与本站阅读数）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{sync}")
        run = sub.add_parser("sync", help="同步截至昨天的最近 N 天数据（默认 7 天）")
        run.add_argument("--days", type=int, default=7, help=f"同步天数（1–{MAX_DAYS}，默认 7）")
        run.add_argument("--account", type=int, default=None, help="只同步这个账号（账号编号）")
        run.add_argument("--center", default="", help="只同步这个中心（中心标识）")

    def handle(self, *args, action, days, account, center, **options):
        from rongmei.analytics import sync
        from rongmei.analytics.models import SyncRun
        from rongmei.core.models import Center

        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days 应在 1 到 {MAX_DAYS} 之间。")
        day_to = sync.yesterday()
        day_from = day_to - dt.timedelta(days=days - 1)
        centers = Center.objects.filter(is_active=True).order_by("id")
        if center:
            centers = centers.filter(slug=center)
            if not centers.exists():
                raise CommandError(f"没有标识为 {center} 的中心。")
        runs = []
        if account is not None:
            target = None
            for each in centers:
                target = sync.syncable_accounts(each).filter(pk=account).first()
                if target is not None:
                    break
            if target is None:
                raise CommandError(f"没有编号为 {account} 的启用的微信公众号或微博账号。")
            runs = sync.sync_account_runs(target, day_from, day_to)
        else:
            for each in centers:
                runs += sync.sync_center(each, day_from, day_to)
        for run in runs:
            who = run.account.name if run.account else "本站阅读数"
            outcome = f"成功，写入 {run.rows} 条" if run.status == SyncRun.Status.OK else f"失败：{run.error}"
            self.stdout.write(f"[{run.center.slug}] {who} · {run.get_kind_display()} {run.day_from}～{run.day_to}：{outcome}")
        if not runs:
            self.stdout.write("没有可同步的中心或账号。")
        if any(run.status == SyncRun.Status.FAILED for run in runs):
            raise SystemExit(1)
