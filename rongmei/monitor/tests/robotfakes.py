"""The WeCom, DingTalk and Feishu group-robot receivers 舆情's tests post to: since issue 17
these are the platform fakes of rongmei.distribution.fakes (wecom, dingtalk, feishu), which
check each request as the platform documents it; this wrapper starts the three, registers
one robot on each and keeps the small interface the alert tests were written against.

`mode` makes every answer a 500 ("error500") or a rate-limit error code ("ratelimit").
"""

from __future__ import annotations

from typing import Self

from rongmei.distribution.fakes.server import start_fake


class RobotFakes:
    def __init__(self, *, wecom_key: str = "wkKEY5m2n8z", dingtalk_token: str = "dtTOKEN8f3k2", dingtalk_secret: str = "",
                 feishu_hook: str = "fsHOOK9x7q1", feishu_secret: str = ""):
        self.wecom_key, self.dingtalk_token, self.dingtalk_secret = wecom_key, dingtalk_token, dingtalk_secret
        self.feishu_hook, self.feishu_secret = feishu_hook, feishu_secret
        self._mode = ""
        self.servers: dict = {}

    def __enter__(self) -> Self:
        self.servers = {kind: start_fake(kind) for kind in ("wecom", "dingtalk", "feishu")}
        self.servers["wecom"].add_robot(self.wecom_key)
        self.servers["dingtalk"].add_robot(self.dingtalk_token, self.dingtalk_secret)
        self.servers["feishu"].add_hook(self.feishu_hook, self.feishu_secret)
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers.values():
            server.stop()

    def wecom_url(self, key: str | None = None) -> str:
        return f"{self.servers['wecom'].url}/cgi-bin/webhook/send?key={key or self.wecom_key}"

    def dingtalk_url(self) -> str:
        return f"{self.servers['dingtalk'].url}/robot/send?access_token={self.dingtalk_token}"

    def feishu_url(self) -> str:
        return f"{self.servers['feishu'].url}/open-apis/bot/v2/hook/{self.feishu_hook}"

    def _collect(self, field: str) -> list[dict]:
        rows = []
        for kind, server in self.servers.items():
            for row in server.state()[field]:
                rows.append({"platform": row.get("platform", kind), **row})
        return sorted(rows, key=lambda r: r["at"])

    @property
    def received(self) -> list[dict]:
        """Accepted messages, oldest first: {"platform", "body"}."""
        return self._collect("robot_messages")

    @property
    def refused(self) -> list[dict]:
        return self._collect("refused")

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        self._mode = value
        for server in self.servers.values():
            server.clear_faults()
            server.clear_failures()
        if value == "error500":
            for server in self.servers.values():
                server.add_fault("error", count=10_000, status=500)
        elif value == "ratelimit":
            self.servers["wecom"].fail_next(10_000, errcode=45009, path="/cgi-bin/webhook/send")
            self.servers["dingtalk"].fail_next(10_000, errcode=130101, path="/robot/send")
            self.servers["feishu"].fail_next(10_000, code=11232)
