"""The web process loads jieba when it starts (rongmei.wsgi), not on the first search."""

import os
import subprocess
import sys

CHECK = """
import rongmei.wsgi as wsgi
from rongmei.core.search import segment
assert segment._tokenizer is None or wsgi.warmup_thread is not None
wsgi.warmup_thread.join(120)
assert segment._tokenizer is not None, "jieba not loaded by the start path"
print("warm")
"""


def test_web_start_path_warms_the_segmenter():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rongmei.settings"}
    env.pop("RONGMEI_WARM", None)
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and "warm" in done.stdout, done.stderr[-2000:]


def test_warm_up_can_be_turned_off():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rongmei.settings", "RONGMEI_WARM": "0"}
    code = "import rongmei.wsgi as w; assert w.warmup_thread is None; print('off')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and "off" in done.stdout, done.stderr[-2000:]
