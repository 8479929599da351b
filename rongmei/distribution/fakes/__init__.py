"""Local fake WeChat Official Account and Weibo API servers.

They answer the documented requests with the documented answers and error codes, keep
their state in memory behind one lock, and can be steered through a control API under
``/__fake__/`` (tokens expiring, rate limits, content rejection, publish outcomes, HTTP
errors, hangs, dropped connections, latency) — for the distribution tests, the crash test
and the demo's sandbox accounts. Pure standard library; no Django needed.

In-process::

    from rongmei.distribution.fakes import start_fake

    with start_fake("wechat") as wechat:
        ...  # point the adapter at wechat.url
        wechat.expire_tokens("wx123")
        assert wechat.successful_publishes("wx123", "标题") == 1

As a separate process (demo, crash tests)::

    python -m rongmei.distribution.fakes --wechat-port 8901 --weibo-port 8902

See README.md in this folder for the control API and the codes implemented.
"""

from .controls import (
    ControlCallError,
    Controls,
    RemoteFake,
    RemoteWeChatFake,
    RemoteWeiboFake,
    WeChatControls,
    WeiboControls,
    connect_fake,
)
from .core import Fault, FakeEngine, Request, Response
from .server import FakeServer, WeChatFakeServer, WeiboFakeServer, start_fake
from .wechat import WeChatFake, WeChatLimits
from .weibo import WeiboFake, WeiboLimits, weibo_length

__all__ = [
    "ControlCallError",
    "Controls",
    "FakeEngine",
    "FakeServer",
    "Fault",
    "RemoteFake",
    "RemoteWeChatFake",
    "RemoteWeiboFake",
    "Request",
    "Response",
    "WeChatControls",
    "WeChatFake",
    "WeChatFakeServer",
    "WeChatLimits",
    "WeiboControls",
    "WeiboFake",
    "WeiboFakeServer",
    "WeiboLimits",
    "connect_fake",
    "start_fake",
    "weibo_length",
]
