"""Serving the public site's static files in the embedded mode (nginx does it in
production: deploy/nginx/rongmei-site.conf).

A request for a center's site, `/site/<slug>/…`, is answered from the center's docroot when
the file is there,
through WhiteNoise (ETag, Last-Modified, 304, HEAD, ranges), before sessions and
authentication run. An article taken down has `410.html` instead of `index.html` and is
answered with status 410. Anything else (no file yet, search) falls through to the views. A center on its own
domain (`Center.site_origin`) is served by nginx, which passes what is dynamic to the app
under /site/<slug>/ (see the sample config).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpResponse
from whitenoise.base import WhiteNoise
from whitenoise.middleware import WhiteNoiseMiddleware

DYNAMIC = ("/search/", "/wenzheng/")
_CACHE_SECONDS = 30
SUSPENDED_PAGE = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>网站暂停访问</title></head>'
                  '<body><h1>网站暂停访问</h1><p>本网站所属的融媒体中心已暂停服务，请稍后再来。</p></body></html>')


class PortalSiteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._centers: set[str] = set()
        self._loaded = 0.0
        self._files: dict[str, WhiteNoise] = {}

    def _slugs(self) -> set[str]:
        if time.monotonic() - self._loaded >= _CACHE_SECONDS:
            from rongmei.core.models import Center

            self._centers = set(Center.objects.filter(is_active=True).values_list("slug", flat=True))
            self._suspended = set(Center.objects.filter(is_active=False).values_list("slug", flat=True))
            self._loaded = time.monotonic()
        return self._centers

    def _suspended_site(self, request):
        """A suspended center's site (the platform admin's 停用) answers 503 with a notice."""
        path = request.path_info
        if not path.startswith("/site/"):
            return None
        self._slugs()
        slug = path[len("/site/"):].partition("/")[0]
        if slug not in getattr(self, "_suspended", ()):
            return None
        response = HttpResponse(SUSPENDED_PAGE, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = "3600"
        response["Cache-Control"] = "no-store"
        return response

    def _site_of(self, request) -> tuple[str | None, str]:
        path = request.path_info
        if path.startswith("/site/"):
            slug, _, rest = path[len("/site/"):].partition("/")
            if slug in self._slugs():
                return slug, "/" + rest
        return None, path

    def __call__(self, request):
        suspended = self._suspended_site(request)
        if suspended is not None:
            return suspended
        slug, rest = self._site_of(request)
        if slug and settings.RONGMEI_PORTAL_STATIC and request.method in ("GET", "HEAD") and not rest.startswith(DYNAMIC):
            response = self._static(slug, rest, request)
            if response is not None:
                # Answered before XFrameOptionsMiddleware runs; CSP, nosniff and
                # Referrer-Policy come from the middleware outside this one (settings).
                response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
                return response
        return self.get_response(request)

    def _static(self, slug: str, rest: str, request):
        from rongmei.portal.publishing import site_dir

        if ".." in rest or "\x00" in rest:
            return None
        root = site_dir(slug)
        if rest.startswith("/news/") and rest.endswith("/"):
            gone = root / rest.strip("/") / "410.html"
            if gone.is_file() and not (root / rest.strip("/") / "index.html").is_file():
                response = HttpResponse(gone.read_bytes(), status=410, content_type="text/html; charset=utf-8")
                response["Cache-Control"] = "public, max-age=60"
                return response
        files = self._files.get(slug)
        if files is None:
            files = self._files[slug] = WhiteNoise(None, root=str(root), autorefresh=True, index_file=True, max_age=60)
        static_file = files.find_file(rest)
        if static_file is None:
            return None
        return WhiteNoiseMiddleware.serve(static_file, request)
