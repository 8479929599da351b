"""RSS 2.0 and Atom feeds (Django's feedgenerator) and sitemap.xml, per center and per
column, written as static files beside the pages."""

from __future__ import annotations

from html import escape  # quotes too: values go into attributes (issue 11)

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from rongmei.core.models import Center
from rongmei.newsroom.models import Column
from rongmei.portal import selectors
from rongmei.portal.pages import FEED_SIZE, absolute


def _feed(kind, center: Center, title: str, link_path: str, self_path: str, publications) -> str:
    feed = kind(title=title, link=center.site_url(link_path), description=f"{title}：最新发布",
                language="zh-cn", feed_url=center.site_url(self_path), author_name=center.name)
    for publication in publications:
        story = publication.story
        cover = story.cover
        feed.add_item(
            title=story.headline, link=center.site_url(f"/news/{story.pk}/"),
            description=_content(story, cover) or story.headline, unique_id=f"urn:rongmei:{center.slug}:story:{story.pk}",
            unique_id_is_permalink=False, pubdate=publication.sent_at, updateddate=publication.corrected_at or publication.sent_at,
            categories=[story.column.name] if story.column_id else [],
            author_name=story.source or center.name,
        )
    return feed.writeString("utf-8")


def _content(story, cover) -> str:
    picture = f'<p><img src="{escape(absolute(cover.web_url))}" alt="{escape(cover.caption)}"></p>' if cover else ""
    return picture + (f"<p>{escape(story.summary)}</p>" if story.summary else "")


def center_feeds(center: Center) -> dict[str, str]:
    latest = list(selectors.items(center)[:FEED_SIZE])
    return {"feed.xml": _feed(Rss201rev2Feed, center, center.name, "/", "/feed.xml", latest),
            "atom.xml": _feed(Atom1Feed, center, center.name, "/", "/atom.xml", latest)}


def column_feeds(center: Center, column: Column) -> dict[str, str]:
    latest = list(selectors.column_items(center, column)[:FEED_SIZE])
    title, here = f"{center.name} · {column.name}", f"/columns/{column.slug}/"
    return {f"columns/{column.slug}/feed.xml": _feed(Rss201rev2Feed, center, title, here, f"{here}feed.xml", latest),
            f"columns/{column.slug}/atom.xml": _feed(Atom1Feed, center, title, here, f"{here}atom.xml", latest)}


def sitemap(center: Center) -> str:
    """Every live page with its last change (sitemaps.org 0.9)."""
    urls = [(center.site_url("/"), None)]
    urls += [(center.site_url(f"/columns/{c.slug}/"), None) for c in selectors.columns(center)]
    urls += [(center.site_url(f"/features/{f.slug}/"), f.updated_at) for f in selectors.features(center)]
    urls += [(center.site_url("/live/"), None), (center.site_url("/services/"), None)]
    urls += [(center.site_url(f"/news/{p.story_id}/"), p.corrected_at or p.sent_at) for p in selectors.items(center)]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for loc, modified in urls:
        last = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
        lines.append(f"<url><loc>{escape(loc)}</loc>{last}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
