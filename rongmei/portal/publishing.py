"""Static publishing: when a piece is published, corrected or taken down on the own site,
the pages it appears on (its article, its column, the features holding it, home, feeds,
sitemap) are rendered to files under the center's docroot, each written atomically (a
temporary file in the same folder, then rename), so a reader gets the old page or the
new one, never half of one. A taken-down article's file is replaced by `410.html`, which
the servers answer with status 410. The item's ninjs document for the app API is kept
beside them (`api/items/<id>.json`), so the API answers it without building it again. `build_site` renders everything (`rongmei build-site`).

Renders of one center are serialised by a file lock, so two workers finishing deliveries
at once cannot leave an older home page on top of a newer one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from rongmei.core.models import Center
from rongmei.distribution.models import Publication
from rongmei.portal import feeds, pages, selectors


def site_dir(slug: str) -> Path:
    return Path(settings.RONGMEI_SITE_ROOT) / slug


def docroot(center: Center) -> Path:
    return site_dir(center.slug)


def write_atomic(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(center: Center):
    root = docroot(center)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_pages(root: Path, made: Iterable[pages.Page]) -> list[str]:
    written = []
    for page in made:
        write_atomic(root / page.path, page.render())
        written.append(page.path)
    return written


def _write_files(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        write_atomic(root / name, text)
    return list(files)


def _shared(center: Center, root: Path, column=None) -> list[str]:
    """Home, feeds and sitemap: every change touches these."""
    written = _write_pages(root, [pages.home(center)])
    written += _write_files(root, feeds.center_feeds(center) | {"sitemap.xml": feeds.sitemap(center)})
    if column is not None:
        written += _write_pages(root, [pages.column(center, column)])
        written += _write_files(root, feeds.column_feeds(center, column))
    return written


def publication_changed(publication: Publication, action: str) -> list[str]:
    """Render what a publish, correction or takedown of `publication` changes; returns the
    paths written (relative to the docroot)."""
    center = publication.center
    story = publication.story
    if action != "takedown":
        with selectors.going_live(publication), _locked(center) as root:
            return _render_change(center, story, publication, action, root)
    with _locked(center) as root:
        return _render_change(center, story, publication, action, root)


def item_document_path(root: Path, story_id: int) -> Path:
    """Where the item's ninjs document is kept for the app API (answered from the file)."""
    return root / "api" / "items" / f"{story_id}.json"


def item_document(publication: Publication) -> bytes:
    return json.dumps(selectors.to_ninjs(publication), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _render_change(center: Center, story, publication: Publication, action: str, root: Path) -> list[str]:
    folder = root / "news" / str(story.pk)
    if action == "takedown":
        written = _write_pages(root, [pages.gone(Publication.objects.get(pk=publication.pk))])
        (folder / "index.html").unlink(missing_ok=True)
        item_document_path(root, story.pk).unlink(missing_ok=True)
    else:
        written = _write_pages(root, [pages.article(publication)])
        (folder / "410.html").unlink(missing_ok=True)
        write_atomic(item_document_path(root, story.pk), item_document(publication))
    for feature in selectors.features_of(publication):
        written += _write_pages(root, [pages.feature(center, feature)])
    return written + _shared(center, root, story.column if story.column_id else None)


def features_changed(center: Center) -> list[str]:
    with _locked(center) as root:
        made = [pages.features(center)] + [pages.feature(center, f) for f in selectors.features(center)]
        return _write_pages(root, made) + _shared(center, root)


def live_changed(center: Center) -> list[str]:
    with _locked(center) as root:
        return _write_pages(root, [pages.live(center)]) + _write_pages(root, [pages.home(center)])


def services_changed(center: Center) -> list[str]:
    with _locked(center) as root:
        folder = root / "services"
        keep = {e.slug for e in selectors.services(center) if e.kind == "page"}
        if folder.exists():
            for child in folder.iterdir():
                if child.is_dir() and child.name not in keep:
                    shutil.rmtree(child)
        made = [pages.services(center)] + [pages.service(center, e) for e in selectors.services(center) if e.kind == "page"]
        return _write_pages(root, made) + _write_pages(root, [pages.home(center)])


def build_site(center: Center) -> list[str]:
    """Render the whole site from the database (first start, template change, recovery).
    Pages of items no longer live are removed; taken-down items keep their 410 page."""
    from rongmei.distribution.selectors import taken_down_from_own_site

    with _locked(center) as root:
        written = []
        live = list(selectors.items(center))
        live_ids = {p.story_id for p in live}
        written += _write_pages(root, [pages.article(p) for p in live])
        for publication in live:
            write_atomic(item_document_path(root, publication.story_id), item_document(publication))
        documents = root / "api" / "items"
        for stale in documents.glob("*.json") if documents.exists() else []:
            if stale.stem.isdigit() and int(stale.stem) not in live_ids:
                stale.unlink()
        taken = (taken_down_from_own_site(center).exclude(story_id__in=live_ids)
                 .select_related("story").order_by("story_id", "-id"))
        gone_ids = set()
        for publication in taken:
            if publication.story_id not in gone_ids:
                gone_ids.add(publication.story_id)
                written += _write_pages(root, [pages.gone(publication)])
        news = root / "news"
        if news.exists():
            for child in news.iterdir():
                if child.is_dir() and child.name.isdigit():
                    number = int(child.name)
                    if number not in live_ids:
                        (child / "index.html").unlink(missing_ok=True)
                    if number not in gone_ids:
                        (child / "410.html").unlink(missing_ok=True)
        for column in selectors.columns(center):
            written += _write_pages(root, [pages.column(center, column)])
            written += _write_files(root, feeds.column_feeds(center, column))
        written += _write_pages(root, [pages.features(center)] + [pages.feature(center, f) for f in selectors.features(center)])
        written += _write_pages(root, [pages.live(center), pages.services(center)])
        written += _write_pages(root, [pages.service(center, e) for e in selectors.services(center) if e.kind == "page"])
        written += _shared(center, root)
        return written
