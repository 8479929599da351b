"""A Redis cache that keeps the web up while Redis is away.

Django's RedisCache raises on every call when Redis cannot be reached, so each page that
touches the cache (and every rate-limited view) would answer 500. `ResilientRedisCache`
catches the connection error and answers from a per-process local-memory cache instead:
pages keep working, and rate limits keep counting (per process, so looser, never absent)
until Redis answers again. After a failure Redis is left alone for RETRY_SECONDS, so an
outage does not cost a connection attempt on every call."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("rongmei.cache")

RETRY_SECONDS = 2.0


def _errors():
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError)


def _guarded(name: str):
    def method(self, *args, **kwargs):
        if time.monotonic() >= self._retry_at:
            try:
                return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
            except _errors() as exc:
                self._retry_at = time.monotonic() + RETRY_SECONDS
                log.warning("cache %s: Redis unreachable (%s); using process memory for %.0f s",
                            name, exc.__class__.__name__, RETRY_SECONDS)
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        # A host that is down must not hold a request for long.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 2)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._retry_at = 0.0
        self._fallback = LocMemCache(f"resilient-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300),
                                                               "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                                                               "VERSION": params.get("VERSION", 1)})

    add = _guarded("add")
    get = _guarded("get")
    set = _guarded("set")
    touch = _guarded("touch")
    delete = _guarded("delete")
    get_many = _guarded("get_many")
    has_key = _guarded("has_key")
    incr = _guarded("incr")
    set_many = _guarded("set_many")
    delete_many = _guarded("delete_many")
    clear = _guarded("clear")
