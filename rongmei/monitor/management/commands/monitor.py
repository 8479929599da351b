"""`rongmei monitor tone FILE`, `rongmei monitor dedupe FILE`, `rongmei monitor fetch [SOURCE]`:
operators re-run parts of the pipeline on files, and run a fetch now."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "舆情监测：tone FILE（逐行判断倾向）、dedupe FILE（转载归组）、fetch [监测源]（立即抓取）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{tone,dedupe,fetch}")
        tone = sub.add_parser("tone", help="读取 JSON Lines（每行 {\"text\": ...}），逐行加上 tone 与 score 输出")
        tone.add_argument("file", help="输入文件，- 表示标准输入")
        dedupe = sub.add_parser("dedupe", help="读取 JSON Lines（每行 {\"id\": ..., \"text\": ...}），输出 {\"id\": ..., \"group\": ...}")
        dedupe.add_argument("file", help="输入文件，- 表示标准输入")
        fetch = sub.add_parser("fetch", help="立即抓取一个监测源（名称或编号；不给则抓取全部启用的监测源）")
        fetch.add_argument("source", nargs="?", default="", help="监测源名称或编号")
        fetch.add_argument("--center", default="", help="中心标识（有多个中心时用来区分同名监测源）")

    def handle(self, *args, action, **options):
        try:
            if action == "tone":
                from rongmei.monitor.tone import cli as run
            elif action == "dedupe":
                from rongmei.monitor.dedupe import cli as run
            else:
                from rongmei.monitor.fetching import cli as run
            code = run(options, stdin=sys.stdin, stdout=self.stdout, stderr=self.stderr)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if code:
            raise SystemExit(code)
