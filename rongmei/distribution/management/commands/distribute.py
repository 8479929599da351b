import signal

from django.core.management.base import BaseCommand

from rongmei.distribution.outbox import DEFAULT_THREADS, Worker


class Command(BaseCommand):
    help = "启动发布投递进程：认领到期的发布任务，按账号顺序投递，失败按退避重试。可同时运行多个。"

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="并发投递线程数（不同账号并行，同一账号按顺序）")

    def handle(self, *args, threads, **options):
        worker = Worker(threads=threads)
        signal.signal(signal.SIGTERM, lambda *_: worker.stop.set())
        signal.signal(signal.SIGINT, lambda *_: worker.stop.set())
        worker.run()
