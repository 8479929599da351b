from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rongmei.core import backup


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class Command(BaseCommand):
    help = ("备份整个安装：数据库（SQLite 在线备份，PostgreSQL 用 pg_dump）、媒体文件和校验清单，"
            "写成一个 .tar 文件。网站运行时也可以备份。")

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="备份文件存放的目录（默认 ./backups）")
        parser.add_argument("--keep", type=int, default=None,
                            help="只保留最新的 N 个备份，更早的删除（只删本命令生成的 rongmei-backup-*.tar）")

    def handle(self, *args, **options):
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1。")
        try:
            result = backup.create_backup(Path(options["output"]), keep=keep)
        except backup.BackupError as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        self.stdout.write(f"已写入备份：{result.path}")
        self.stdout.write(f"  大小 {_size(result.size)}；数据库 {result.tables} 张表、{result.rows} 行；"
                          f"媒体文件 {result.files} 个（{_size(result.media_bytes)}）；用时 {result.seconds:.1f} 秒")
        from django.conf import settings

        backend = settings.STORAGES.get("default", {}).get("BACKEND", "")
        if not backend.endswith("FileSystemStorage"):
            self.stdout.write("  ! 媒体文件存放在对象存储（S3）上，不在这份备份里：请用对象存储自身的版本管理或复制功能备份"
                              "（见 docs/backup.md）。")
        for path in result.removed:
            self.stdout.write(f"  已删除旧备份：{path.name}")
