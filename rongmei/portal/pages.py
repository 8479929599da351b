"""Every public page as (template, context), built from the database alone (no request, no
user, no CSRF token), so the same page can be written to a static file when something is
published or rendered by a view on demand. Links are made with the center's site base
(`/site/<slug>` or "" on its own domain), so the files work wherever they are served."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils import timezone

from rongmei.core.models import Center
from rongmei.distribution import items as publish_items
from rongmei.distribution import selectors as distribution
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Column
from rongmei.portal import selectors
from rongmei.portal.models import Feature, ServiceEntry

HOME_LATEST = 12
COLUMN_SIZE = 40
FEED_SIZE = 30


@dataclass
class Page:
    path: str            # relative to the center's docroot, e.g. "news/12/index.html"
    template: str
    context: dict
    status: int = 200

    def render(self) -> str:
        return render_to_string(self.template, self.context)


def chrome(center: Center, *, title: str = "", description: str = "", feed: str = "", feed_title: str = "") -> dict:
    """What every page shows: the header's columns, the footer, the feeds to advertise."""
    base = center.site_base
    feeds = [(f"{base}/feed.xml", f"{center.name} RSS", "application/rss+xml"),
             (f"{base}/atom.xml", f"{center.name} Atom", "application/atom+xml")]
    if feed:
        feeds += [(f"{feed}feed.xml", f"{feed_title} RSS", "application/rss+xml"),
                  (f"{feed}atom.xml", f"{feed_title} Atom", "application/atom+xml")]
    return {"center": center, "base": base, "nav_columns": list(selectors.columns(center)),
            "page_title": f"{title} - {center.name}" if title else center.name,
            "description": description or f"{center.name}：本地新闻、政务与便民服务。",
            "feeds": feeds, "year": timezone.localdate().year,
            "api_base": f"/api/public/v1/{center.slug}"}


def absolute(url: str) -> str:
    """Media addresses for share cards and feeds, which need the full URL."""
    from django.conf import settings

    return url if not url or url.startswith(("http://", "https://")) else f"{settings.RONGMEI_BASE_URL}{url}"


def card(publication: Publication) -> dict:
    """An item as lists show it: title, column, date, summary, thumbnail."""
    story = publication.story
    cover = story.cover
    return {"id": story.pk, "title": story.headline, "summary": story.summary, "column": story.column,
            "date": publication.sent_at, "thumb": cover.url_of("thumb") if cover else "",
            "image": cover.web_url if cover else "", "alt": cover.caption if cover else "",
            "corrected": bool(publication.corrected_at)}


def feature_card(feat: Feature) -> dict:
    cover = feat.cover
    return {"slug": feat.slug, "title": feat.title, "summary": feat.summary,
            "thumb": cover.url_of("thumb") if cover else "", "image": cover.web_url if cover else ""}


def home(center: Center) -> Page:
    live = list(selectors.items(center)[: HOME_LATEST + 3])
    with_picture = [p for p in live if p.story.cover][:3]
    rest = [p for p in live if p not in with_picture][:HOME_LATEST]
    blocks = []
    for column in selectors.columns(center):
        entries = list(selectors.column_items(center, column)[:4])
        if entries:
            blocks.append({"column": column, "items": [card(p) for p in entries]})
    context = chrome(center) | {
        "headlines": [card(p) for p in with_picture], "latest": [card(p) for p in rest], "blocks": blocks,
        "features": [feature_card(f) for f in selectors.features(center)[:4]], "live_now": list(selectors.live_now(center)),
        "services": list(selectors.services(center)[:8]),
    }
    return Page("index.html", "portal/home.html", context)


def column(center: Center, col: Column) -> Page:
    entries = [card(p) for p in selectors.column_items(center, col)[:COLUMN_SIZE]]
    base = center.site_base
    context = chrome(center, title=col.name, description=col.description, feed=f"{base}/columns/{col.slug}/",
                      feed_title=f"{center.name} · {col.name}") | {"column": col, "items": entries}
    return Page(f"columns/{col.slug}/index.html", "portal/column.html", context)


def article(publication: Publication) -> Page:
    center = publication.center
    story = publication.story
    item = publish_items.build(publication)
    web = item.rendition
    cover = story.cover
    context = chrome(center, title=item.headline, description=story.summary) | {
        "publication": publication, "story": story, "item": item,
        "body": _with_dateline(web.body if web and web.body else story.body, publication, story),
        "has_header": bool(web and "</header>" in web.body),
        # the web version's own header carries the 引题 already: never print it twice
        "kicker_in_header": bool(web and "</header>" in web.body and 'class="kicker"' in web.body.split("</header>")[0]),
        "videos": [m for m in item.media if m.kind == "video"], "audios": [m for m in item.media if m.kind == "audio"],
        "related": [card(p) for p in selectors.related(publication)],
        "features": [feature_card(f) for f in selectors.features_of(publication)],
        "og": {"type": "article", "title": web.title if web and web.title else item.headline,
               "description": story.summary or item.text[:120], "url": center.site_url(f"/news/{story.pk}/"),
               "image": absolute(cover.web_url) if cover else ""},
        "correction": publication.correction_note if publication.corrected_at else "",
    }
    return Page(f"news/{story.pk}/index.html", "portal/article.html", context)


def _with_dateline(body: str, publication: Publication, story) -> str:
    """The web version brings its own header (headline, byline); the date and place go
    right under it, where readers look for them."""
    if "</header>" not in body:
        return body
    when = timezone.localtime(publication.sent_at or timezone.now())
    place = f" · {escape(story.location)}" if story.location else ""
    line = (f'<p class="dateline"><time datetime="{when.isoformat()}">'
            f'{when.year}年{when.month}月{when.day}日 {when:%H:%M}</time>{place}</p>')
    return body.replace("</header>", line + "</header>", 1)


def gone(publication: Publication) -> Page:
    """The 410 page left where a taken-down piece was: the notice, not the piece."""
    center = publication.center
    notice = distribution.takedown_notice(publication)
    context = chrome(center, title="该稿件已撤稿") | {"headline": publication.story.headline, "notice": notice,
                                                       "when": publication.updated_at}
    return Page(f"news/{publication.story_id}/410.html", "portal/gone.html", context, status=410)


def features(center: Center) -> Page:
    return Page("features/index.html", "portal/features.html",
                chrome(center, title="专题") | {"features": [feature_card(f) for f in selectors.features(center)]})


def feature(center: Center, feat: Feature) -> Page:
    entries = [card(p) for p in selectors.feature_items(feat)]
    context = chrome(center, title=feat.title, description=feat.summary) | {"feature": feature_card(feat), "items": entries}
    return Page(f"features/{feat.slug}/index.html", "portal/feature.html", context)


def live(center: Center) -> Page:
    now = timezone.now()
    streams = list(selectors.live_streams(center).order_by("starts_at"))
    groups = {"live": [], "scheduled": [], "ended": []}
    for stream in streams:
        groups[stream.state(now)].append(stream)
    groups["ended"].reverse()
    return Page("live/index.html", "portal/live.html", chrome(center, title="直播") | {"streams": groups, "now": now})


def services(center: Center) -> Page:
    return Page("services/index.html", "portal/services.html",
                chrome(center, title="便民服务") | {"categories": selectors.services_by_category(center)})


def service(center: Center, entry: ServiceEntry) -> Page:
    return Page(f"services/{entry.slug}/index.html", "portal/service.html",
                chrome(center, title=entry.name, description=entry.description) | {"entry": entry})
