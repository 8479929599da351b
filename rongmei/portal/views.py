"""The public site's views. Static pages are normally answered from files by
`middleware.PortalSiteMiddleware`; these views render the same pages when no file is there
(or when RONGMEI_PORTAL_STATIC=0) and serve what must stay dynamic: search."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from rongmei.core import search as fulltext
from rongmei.core.models import Center
from rongmei.portal import feeds, pages, selectors
from rongmei.portal.models import ServiceEntry


def _center(slug: str) -> Center:
    center = Center.objects.filter(slug=slug, is_active=True).first()
    if center is None:
        raise Http404("没有这个网站。")
    return center


def _page(page: pages.Page) -> HttpResponse:
    response = HttpResponse(page.render(), status=page.status)
    response["Cache-Control"] = "public, max-age=60"
    return response


def not_found(center: Center, what: str) -> HttpResponse:
    context = pages.chrome(center, title="页面不存在") | {"what": what}
    return render(None, "portal/404.html", context, status=404)


def home(request, center: str):
    return _page(pages.home(_center(center)))


def column(request, center: str, slug: str):
    site = _center(center)
    col = selectors.columns(site).filter(slug=slug).first()
    if col is None:
        return not_found(site, "栏目")
    return _page(pages.column(site, col))


def article(request, center: str, pk: int):
    site = _center(center)
    publication = selectors.item(site, pk)
    if publication is not None:
        return _page(pages.article(publication))
    gone = selectors.gone(site, pk)
    if gone is not None:
        return _page(pages.gone(gone))
    return not_found(site, "稿件")


def features(request, center: str):
    return _page(pages.features(_center(center)))


def feature(request, center: str, slug: str):
    site = _center(center)
    feat = selectors.features(site).filter(slug=slug).first()
    if feat is None:
        return not_found(site, "专题")
    return _page(pages.feature(site, feat))


def live(request, center: str):
    return _page(pages.live(_center(center)))


def services(request, center: str):
    return _page(pages.services(_center(center)))


def service(request, center: str, slug: str):
    site = _center(center)
    entry = selectors.services(site).filter(slug=slug, kind=ServiceEntry.Kind.PAGE).first()
    if entry is None:
        return not_found(site, "服务")
    return _page(pages.service(site, entry))


def _xml(text: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


def feed(request, center: str, kind: str, column: str | None = None):
    site = _center(center)
    if column is None:
        files = feeds.center_feeds(site)
        name = f"{kind}.xml"
    else:
        col = selectors.columns(site).filter(slug=column).first()
        if col is None:
            return not_found(site, "栏目")
        files = feeds.column_feeds(site, col)
        name = f"columns/{col.slug}/{kind}.xml"
    return _xml(files[name], "application/rss+xml" if kind == "feed" else "application/atom+xml")


def sitemap(request, center: str):
    return _xml(feeds.sitemap(_center(center)), "application/xml")


def search(request, center: str):
    """Search the live items (dynamic: never a static file)."""
    site = _center(center)
    query = (request.GET.get("q") or "").strip()[:50]
    hits = []
    if query:
        live = {str(p.story_id): p for p in selectors.items(site)}
        results = fulltext.search(site, query, kinds=["story"], status="signed_off", limit=50)
        hits = [{"hit": h, "card": pages.card(live[h.object_id])} for h in results.hits if h.object_id in live]
    context = pages.chrome(site, title=f"搜索：{query}" if query else "搜索") | {"query": query, "hits": hits}
    response = render(request, "portal/search.html", context)
    response["Cache-Control"] = "no-cache"
    return response



