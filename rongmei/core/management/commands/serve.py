import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

class Command(BaseCommand):
    help = "启动网站（gunicorn）、任务消费者和发布投递进程；任一进程退出则全部停止。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="监听地址（默认 127.0.0.1）")
        parser.add_argument("--port", type=int, default=settings.CONFIG.port, help="端口（默认 8000，或环境变量 PORT）")
        parser.add_argument("--web-workers", type=int, default=2, help="网站进程数")
        parser.add_argument("--threads", type=int, default=4, help="每个网站进程的线程数")
        parser.add_argument("--no-worker", action="store_true", help="不启动任务消费者")

    def handle(self, *args, host, port, web_workers, threads, no_worker, **options):
        children: list[subprocess.Popen] = []
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "rongmei", "worker"]))
            children.append(subprocess.Popen([sys.executable, "-m", "rongmei", "distribute"]))
        if settings.RONGMEI_SANDBOX:
            sandbox = settings.CONFIG.sandbox_port
            # Every platform fake (WeChat, Weibo, 抖音, 快手, the province, 企业微信, 钉钉, 飞书,
            # SMS) at its port from the sandbox's; the demo's accounts and channels point there.
            children.append(subprocess.Popen([sys.executable, "-m", "rongmei.distribution.fakes", "--sandbox", str(sandbox)],
                                             stdout=subprocess.DEVNULL))
            # 舆情监测's sandbox news sources (the demo's RSS, Atom, web list and JSON feed).
            children.append(subprocess.Popen([sys.executable, "-m", "rongmei.monitor.demo_feeds", "--port", str(sandbox + 2)],
                                             stdout=subprocess.DEVNULL))
        children.append(subprocess.Popen([
            sys.executable, "-m", "gunicorn", "rongmei.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60", "--graceful-timeout", "10",
            "--access-logfile", "-" if settings.DEBUG else "/dev/null", "--log-level", "warning",
        ]))
        self.stdout.write(f"融媒 Rongmei 已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        if settings.RONGMEI_DEMO:
            self.stdout.write(f"示例网站：http://{host}:{port}/site/demo/   公开接口：http://{host}:{port}/api/public/v1/docs")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        exit_code = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(f"进程 {child.args[2]} 意外退出（代码 {child.returncode}），正在停止其余进程。")
                    exit_code = child.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(exit_code)
