from django.core.management.base import BaseCommand

from rongmei.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "载入演示数据：示例县融媒体中心及各角色演示账号。可重复执行：已有数据不会被改动或重复。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="不打印演示账号")

    def handle(self, *args, quiet=False, **options):
        summary = load_demo()
        self.stdout.write(f"演示数据就绪：新建 {summary['created']} 条，已存在 {summary['existing']} 条。")
        if not quiet:
            self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}，仅在演示模式 RONGMEI_DEMO=1 下可登录）：")
            for username, label in summary["logins"]:
                self.stdout.write(f"  {username:<12} {label}")
