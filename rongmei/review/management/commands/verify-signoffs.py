from django.core.management.base import BaseCommand

from rongmei.review import ledger


class Command(BaseCommand):
    help = "检查每个中心的签字哈希链，指出被改动、删除或插入的记录。发现问题时退出码为 1。"

    def handle(self, *args, **options):
        results = ledger.verify()
        broken = False
        for center, problems in results.items():
            if problems:
                broken = True
                self.stdout.write(self.style.ERROR(f"✗ {center}：发现 {len(problems)} 处问题"))
                for problem in problems:
                    self.stdout.write(f"    - {problem}")
            else:
                self.stdout.write(self.style.SUCCESS(f"✓ {center}：签字链完整"))
        if broken:
            raise SystemExit(1)
