from django.core.management.base import BaseCommand

from rongmei.core.search.indexing import reindex_terms


class Command(BaseCommand):
    help = ("按当前的分词规则重算全文检索的索引词（只改写有变化的条目，可重复运行）。"
            "升级时由数据库迁移 core.0010 自动执行一次；以后分词规则再变时手动运行。")

    def handle(self, *args, **options):
        changed = reindex_terms()
        self.stdout.write(f"检索索引：{changed} 条已按新规则重建。" if changed else "检索索引已是最新，无需重建。")
