"""``python -m rongmei.distribution.fakes``: serve the fake WeChat and Weibo APIs.

With no port option both are served (WeChat on 8901, Weibo on 8902); with one or both
options only those are. Port 0 picks a free port. When the servers are ready one JSON line
``{"wechat": "http://127.0.0.1:8901", "weibo": "http://127.0.0.1:8902"}`` is printed, so a
parent process (crash test, demo) can read the URLs; then it serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .controls import ControlCallError
from .server import DEMO_PORTS, MODULES, SANDBOX_OFFSETS, FakeServer, WeChatFakeServer, WeiboFakeServer, start_fake


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rongmei.distribution.fakes",
        description="Local fake WeChat Official Account and Weibo API servers (control API under /__fake__/).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--wechat-port", type=int, help="serve the fake WeChat API on this port")
    parser.add_argument("--weibo-port", type=int, help="serve the fake Weibo API on this port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API call")
    parser.add_argument("--publish-delay", type=float, default=0.2,
                        help="seconds a WeChat publish job stays 'publishing' (default 0.2)")
    parser.add_argument("--wechat-app", action="append", default=[], metavar="APPID:SECRET",
                        help="register a WeChat app (default secret of any appid: secret-<appid>)")
    parser.add_argument("--wechat-limit", action="append", default=[], metavar="NAME=N",
                        help="change a WeChat limit, e.g. title_chars=64")
    parser.add_argument("--weibo-account", action="append", default=[], metavar="ACCOUNT[:TOKEN]",
                        help="create a Weibo account (default token of any account: token-<account>)")
    parser.add_argument("--weibo-safe-domain", action="append", default=None, metavar="DOMAIN",
                        help="only accept Weibo statuses linking to this domain (repeatable)")
    parser.add_argument("--serve", action="append", default=[], metavar="KIND[:PORT]",
                        help="also serve another fake (douyin, kuaishou, province, wecom, dingtalk, feishu, sms); "
                             "the port defaults to the demo's (8904…8910), 0 picks a free one")
    parser.add_argument("--sandbox", type=int, metavar="PORT",
                        help="serve every fake at the demo sandbox's ports: WeChat on PORT, Weibo on PORT+1 and "
                             "the others at their offsets (server.SANDBOX_OFFSETS); what `rongmei serve` starts")
    return parser


def _limits(pairs: Sequence[str]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value.strip().isdigit():
            raise SystemExit(f"bad --wechat-limit {pair!r}: use NAME=N")
        limits[name.strip()] = int(value)
    return limits


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.sandbox is not None:
        args.wechat_port, args.weibo_port = args.sandbox, args.sandbox + 1
        args.serve = [*args.serve, *(f"{kind}:{args.sandbox + offset}" for kind, offset in SANDBOX_OFFSETS.items())]
    serve_both = args.wechat_port is None and args.weibo_port is None and not args.serve
    servers: dict[str, FakeServer] = {}
    try:
        if serve_both or args.wechat_port is not None:
            wechat = start_fake("wechat", host=args.host, port=8901 if serve_both else args.wechat_port,
                                latency=args.latency, publish_delay=args.publish_delay)
            servers["wechat"] = wechat
            _configure_wechat(wechat, args)
        if serve_both or args.weibo_port is not None:
            weibo = start_fake("weibo", host=args.host, port=8902 if serve_both else args.weibo_port,
                               latency=args.latency)
            servers["weibo"] = weibo
            _configure_weibo(weibo, args)
        for item in args.serve:
            kind, _, port = item.partition(":")
            if kind not in MODULES:
                raise ControlCallError(f"bad --serve {item!r}: kind is one of {', '.join(MODULES)}")
            servers[kind] = start_fake(kind, host=args.host, port=int(port) if port.isdigit() else DEMO_PORTS[kind],
                                       latency=args.latency, publish_delay=args.publish_delay)
    except (OSError, ControlCallError) as exc:
        for server in servers.values():
            server.stop()
        print(f"cannot start the fake servers: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(json.dumps({kind: server.url for kind, server in servers.items()}), flush=True)
    while not stop.wait(0.5):
        pass
    for server in servers.values():
        server.stop()
    return 0


def _configure_wechat(server: WeChatFakeServer, args: argparse.Namespace) -> None:
    for pair in args.wechat_app:
        appid, sep, secret = pair.partition(":")
        if not sep or not appid or not secret:
            raise ControlCallError(f"bad --wechat-app {pair!r}: use APPID:SECRET")
        server.add_app(appid, secret)
    if args.wechat_limit:
        server.set_limits(**_limits(args.wechat_limit))


def _configure_weibo(server: WeiboFakeServer, args: argparse.Namespace) -> None:
    for item in args.weibo_account:
        account, _, token = item.partition(":")
        server.add_account(account, token=token or None)
    if args.weibo_safe_domain is not None:
        server.set_safe_domains(args.weibo_safe_domain)


if __name__ == "__main__":
    sys.exit(main())
