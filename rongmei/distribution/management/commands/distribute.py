import signal

from django.core.management.base import BaseCommand

from rongmei.distribution.outbox import DEFAULT_THREADS, Worker


class Command(BaseCommand):
    help = ("启动发布投递进程：认领到期的发布任务，按账号顺序投递，失败按退避重试。"
            "可同时运行多个（同一台或多台机器），每条任务只会被其中一个进程认领。")

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="并发投递线程数（不同账号并行，同一账号按顺序）")
        parser.add_argument("--idle-sleep", type=float, default=0.2, help="没有待投递任务时，隔多少秒再查一次")
        parser.add_argument("--batch-writes", choices=["auto", "on", "off"], default="auto",
                            help="数据库写入合并提交（auto：SQLite 上开启，PostgreSQL 上关闭）")

    def handle(self, *args, threads, idle_sleep, batch_writes, **options):
        worker = Worker(threads=threads, idle_sleep=idle_sleep,
                        batch_writes={"auto": None, "on": True, "off": False}[batch_writes])
        signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
        signal.signal(signal.SIGINT, lambda *_: worker.stop.set())
        worker.run()
