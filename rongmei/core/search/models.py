"""The search index: one row per indexed object, shared by every room.

The full-text part lives beside this table and is kept in step by the database itself
(migration 0003): on SQLite an external-content FTS5 table `core_searchentry_fts` plus
triggers, on PostgreSQL a generated `search_vector` tsvector column with a GIN index.
Neither is declared here, because each exists on one database only.

Careful with future migrations: on SQLite, Django alters a table by rebuilding it, which
drops its triggers and its hand-made indexes. A migration that alters `core_searchentry`
must re-create the three `core_searchentry_fts_*` triggers and the indexes
`core_searchentry_fts_filter` (copy them from 0003) and `core_searchentry_walk` (0010), then run
`INSERT INTO core_searchentry_fts(core_searchentry_fts) VALUES('rebuild')`.
`tests/test_schema.py` fails if any of them is missing.
"""

from __future__ import annotations

from django.db import models

from rongmei.core.models import TenantModel


class SearchEntry(TenantModel):
    """What the search page knows about one story, rendition, asset, inquiry...

    `title_terms` and `body_terms` hold the index terms (see `segment.index_terms`) of
    the title and the body separately, so that a match in the title can weigh more.

    `author_ids` is the text "|3|17|": an entry has one to three authors, the filter is
    only ever applied to rows the full-text match already picked (a LIKE over a few
    short strings), and keeping it in the row makes an update one UPSERT statement with
    nothing to delete and re-insert. Listing an author's work without search words is
    the newsroom's job, on its own indexed tables.
    """

    kind = models.CharField("类型", max_length=30)
    object_id = models.CharField("对象编号", max_length=64)
    title = models.CharField("标题", max_length=300)
    body = models.TextField("正文", blank=True)
    title_terms = models.TextField("标题索引词", blank=True, editable=False)
    body_terms = models.TextField("正文索引词", blank=True, editable=False)
    status = models.CharField("状态", max_length=30, blank=True)
    column_id = models.IntegerField("栏目", null=True, blank=True)
    author_ids = models.TextField("作者", blank=True, editable=False)
    date = models.DateTimeField("日期", null=True, blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    updated_at = models.DateTimeField("索引时间", auto_now=True)

    class Meta:
        app_label = "core"
        db_table = "core_searchentry"
        verbose_name = "检索条目"
        verbose_name_plural = "检索条目"
        constraints = [
            models.UniqueConstraint(fields=["center", "kind", "object_id"], name="searchentry_unique_object"),
        ]
        indexes = [models.Index(fields=["center", "date"], name="searchentry_center_date")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"
