"""Warm what a web process otherwise loads on its first request, so the first search after
a start answers as fast as the second: jieba's dictionary (the query cutter, ~0.5–2.5 s),
the URL configuration with every view module behind it, and the page templates.

Called from `rongmei.wsgi` (the web process start path, each gunicorn worker), in a
background thread so the worker starts serving at once; a search arriving during the
warm-up simply waits for the same lock. Not at import of anything else: the test suite
and management commands do not pay for it. RONGMEI_WARM=0 turns it off."""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger("rongmei.warmup")


def warm() -> None:
    started = time.perf_counter()
    from django.urls import get_resolver

    get_resolver().url_patterns  # imports every room's views
    from rongmei.core.search import segment

    segment.parse_query("县城积水")  # builds the jieba tokenizer
    from django.template.loader import get_template

    for name in ("base.html", "newsroom/search.html"):  # compiled once, kept by the cached loader
        get_template(name)
    log.info("warm-up done in %.2f s", time.perf_counter() - started)


def warm_in_background() -> threading.Thread | None:
    if os.environ.get("RONGMEI_WARM", "1") == "0":
        return None
    thread = threading.Thread(target=_safely_warm, name="rongmei-warmup", daemon=True)
    thread.start()
    return thread


def _safely_warm() -> None:
    try:
        warm()
    except Exception:  # a failed warm-up only means a slower first request
        log.exception("warm-up failed")
