import threading

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from rongmei.core import taskleases
from rongmei.core.taskqueue import start_heartbeat


class Command(RunHuey):
    help = "启动任务消费者（Huey），并每隔几秒写入心跳供 /healthz 检查。"

    def handle(self, *args, **options):
        taskleases.install()  # a task whose worker dies runs again (Huey on Redis)
        stop = threading.Event()
        start_heartbeat(stop)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
