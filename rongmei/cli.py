"""The `rongmei` command: serve, worker, demo, createcenter, check, and every Django
management command (migrate, createsuperuser, ...)."""

from __future__ import annotations

import os
import sys

USAGE = """用法：rongmei <命令> [参数]

  serve          启动网站和任务消费者（http://127.0.0.1:8000，PORT 可改端口）
  worker         只启动任务消费者
  demo           载入演示数据（可重复执行，不会重复或丢失数据）
  createcenter   新建一个融媒体中心及其管理员
  check          检查配置、数据库和任务队列，并给出修改建议
  build-site     重新生成网站静态页面（可指定中心标识）
  monitor        舆情：tone FILE（倾向）、dedupe FILE（转载归组）、fetch [监测源]（立即抓取）
  analytics      传播效果：sync [--days N] [--account ID] [--center 中心]（立即同步微信、微博数据统计与本站阅读数）
  migrate        升级数据库结构
  backup         备份数据库和媒体文件：--output 目录 [--keep 份数]（见 docs/backup.md）
  restore        从备份文件恢复：restore 备份文件 [--yes]（先校验，恢复后逐表核对）
  其他           Django 管理命令，见 rongmei help
"""


def _check() -> int:
    """Configuration first (no Django needed to say what is wrong), then connections."""
    from rongmei import config

    cfg = config.load()
    if cfg.problems:
        print("配置检查未通过：")
        for problem in cfg.problems:
            print(f"  ✗ {problem.setting}：{problem.message}")
        return 1
    print("✓ 环境变量格式正确")
    print(f"  数据库：{_safe_url(cfg.database_url)}")
    print(f"  任务队列：{'Redis ' + _safe_url(cfg.redis_url) if cfg.redis_url else 'SQLite（' + str(cfg.var_dir / 'huey.sqlite3') + '）'}")
    print(f"  数据目录：{cfg.var_dir}")
    print(f"  密钥来源：{cfg.secret_key_source}")
    if cfg.demo:
        print("  ! 演示模式已开启（RONGMEI_DEMO=1）：演示账号可以登录，正式使用前请关闭。")
    print(f"  HTTPS：{'开启' if cfg.https else '未开启'}；信任的代理：{', '.join(cfg.trusted_proxies) or '无'}")
    for warning in config.warnings(cfg):
        print(f"  ! {warning.setting}：{warning.message}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    from rongmei.core.health import database_status
    from rongmei.core.taskqueue import queue_status

    failed = False
    try:
        call_command("check", verbosity=0)
        print("✓ Django 系统检查通过")
    except Exception as exc:  # SystemCheckError carries the readable list
        print(f"✗ Django 系统检查未通过：\n{exc}")
        failed = True

    db = database_status()
    if db["ok"]:
        print(f"✓ 数据库可访问（{db['vendor']}）")
        from django.db import connection

        pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
        if pending:
            # Not a warning: code newer than the schema fails on the first page that reads a new
            # column, so a unit whose ExecStartPre is this check must not start (docs/deploy.md).
            print(f"✗ 有 {len(pending)} 个数据库迁移尚未执行：请先运行 rongmei migrate，再启动网站和任务消费者。")
            failed = True
    else:
        print(f"✗ {db['detail']}：请检查 DATABASE_URL 以及数据库服务是否已启动。")
        failed = True

    queue = queue_status()
    if queue["pending"] is None:
        print(f"✗ {queue['detail']}：请检查 REDIS_URL 以及 Redis 服务是否已启动。")
        failed = True
    elif queue["ok"]:
        print(f"✓ 任务队列可访问，消费者运行中（待处理 {queue['pending']} 个）")
    else:
        print(f"  ! 任务队列可访问，但{queue['detail']}：请运行 rongmei worker 或 rongmei serve。")

    media = cfg.media_root
    if cfg.s3 is not None:
        return 1 if (_check_bucket(cfg) or failed) else 0
    try:
        media.mkdir(parents=True, exist_ok=True)
        probe = media / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        print(f"✓ 媒体目录可写（{media}）")
    except OSError as exc:
        print(f"✗ MEDIA_ROOT：目录 {media} 不可写（{exc.strerror}）。")
        failed = True
    return 1 if failed else 0


def _check_bucket(cfg) -> bool:
    """MEDIA_STORAGE=s3: write, read and delete one small object. True when it failed."""
    from rongmei.core.storage_s3 import probe_bucket

    where = f"{cfg.s3.get('endpoint_url') or 'AWS'} / {cfg.s3['bucket_name']}"
    problem = probe_bucket(cfg.s3)
    if problem:
        print(f"✗ S3_BUCKET：对象存储 {where} 不可用（{problem}）。请检查地址、存储桶名称和访问密钥。")
        return True
    print(f"✓ 对象存储可读写（{where}）")
    return False


def _safe_url(url: str | None) -> str:
    from urllib.parse import urlparse

    if not url:
        return ""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        sys.exit(0)
    if argv[0] == "build-site":
        argv[0] = "build_site"
    if argv[0] == "check":
        sys.exit(_check())

    from rongmei.config import ConfigError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["rongmei", *argv])
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        print("运行 rongmei check 查看完整检查结果。", file=sys.stderr)
        sys.exit(2)
