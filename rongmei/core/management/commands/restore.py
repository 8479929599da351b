from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rongmei.core import backup


class Command(BaseCommand):
    help = ("从 rongmei backup 生成的备份文件恢复数据库和媒体文件。先完整校验备份文件，"
            "有任何问题都不改动现有数据；恢复后逐表核对行数和校验值。")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份文件（rongmei-backup-*.tar）")
        parser.add_argument("--yes", action="store_true", help="确认覆盖已有数据的数据库和媒体目录")

    def handle(self, *args, **options):
        try:
            result = backup.restore(Path(options["archive"]), overwrite=options["yes"])
        except backup.MismatchError as exc:
            raise CommandError(f"恢复失败：{exc} 请保留这份备份文件，换一份较早的备份再试，或联系技术支持。") from exc
        except backup.BackupError as exc:
            raise CommandError(f"没有恢复，现有数据未改动：{exc}") from exc
        manifest = result.manifest
        self.stdout.write(f"已恢复 {manifest['created_at']} 的备份（融媒 {manifest['rongmei_version']}，"
                          f"{backup.ENGINE_LABEL[manifest['database']['engine']]}）。")
        self.stdout.write(f"  核对通过：{result.tables} 张表、{result.rows} 行的行数和校验值与备份一致；"
                          f"媒体文件 {result.files} 个。用时 {result.seconds:.1f} 秒")
        for table in result.dropped:
            self.stdout.write(f"  已删除备份之后才有的表 {table}")
        self.stdout.write("  下一步：运行 rongmei migrate（备份来自旧版本时升级数据库结构），再启动网站和任务进程。")
