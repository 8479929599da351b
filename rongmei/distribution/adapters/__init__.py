"""One adapter per channel kind: a formatter (what shape) and a transmitter (how it travels).

An adapter has `deliver(delivery) -> Outcome`. It must be safe to call again for the same
message: everything the platform already holds is in `delivery.progress`, and when
`delivery.recovering` is true a previous attempt may have reached the platform without its
answer being recorded, so the adapter asks the platform before acting again.
"""

from __future__ import annotations

from importlib import import_module

MODULES = {
    "own_site": "rongmei.distribution.adapters.own_site",
    "http_push": "rongmei.distribution.adapters.http_push",
    "weibo": "rongmei.distribution.adapters.weibo",
    "wechat": "rongmei.distribution.adapters.wechat",
    "email": "rongmei.distribution.adapters.email",
    "newspaper": "rongmei.distribution.adapters.newspaper",
    "broadcast": "rongmei.distribution.adapters.broadcast",
    "assisted": "rongmei.distribution.adapters.assisted",
    "douyin": "rongmei.distribution.adapters.douyin",
    "kuaishou": "rongmei.distribution.adapters.kuaishou",
    # 视频号, 今日头条, 学习强国: no usable publishing API for a county account — assisted.
    "channels": "rongmei.distribution.adapters.assisted",
    "toutiao": "rongmei.distribution.adapters.assisted",
    "xuexi": "rongmei.distribution.adapters.assisted",
    "province": "rongmei.distribution.adapters.province",
}


def adapter_for(kind: str):
    if kind not in MODULES:
        raise LookupError(f"没有“{kind}”类型账号的发布接口。")
    return import_module(MODULES[kind])
