"""Reach figures from a spreadsheet, for the outlets without an API (抖音, 头条, 快手, the
newspaper, broadcast ratings …) and for any figure a platform's back office shows but its
API does not give.

Two steps, so nothing half-right lands in the figures: `check` reads the uploaded file,
names every bad row and keeps the file (an ImportBatch, status "checked"); `run` reads it
again and writes the rows — refused while errors exist unless the person chose "只导入有效行".
Writing is an upsert on (center, key, day): the same piece (or account) on the same day
replaces what was there, so importing a file twice, or a corrected file, never doubles a
figure. A row is linked to our story when its link is a Publication's remote_url or an
address of our own site (/news/<story id>/), or when it names the story id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from rongmei.analytics.models import (
    AccountMetric,
    ImportBatch,
    MetricSource,
    Outlet,
    PieceMetric,
)
from rongmei.analytics.outlets import outlet_for_account, outlet_for_publication
from rongmei.core.tabular import (
    Column,
    RowError,
    Table,
    read_table,
    template_csv,
    template_xlsx,
)

KINDS = (ImportBatch.Kind.PIECES, ImportBatch.Kind.ACCOUNTS)
MAX_ROWS = 20000
MAX_BYTES = 10 * 1024 * 1024
MAX_STORED_ERRORS = 2000  # a file of 20,000 bad rows is named by its first errors; counts stay exact
EARLIEST = dt.date(2000, 1, 1)

# Outlet names people type: the labels, the codes and the usual short names.
OUTLET_CHOICES: dict[str, str] = {**{label: code for code, label in Outlet.choices}, **{code: code for code in Outlet.values},
                                  "公众号": "wechat", "微信": "wechat", "新浪微博": "weibo", "头条": "toutiao",
                                  "头条号": "toutiao", "微信视频号": "channels", "学习强国号": "xuexi", "网站": "web",
                                  "app": "app", "客户端": "app", "报刊": "newspaper", "电台": "radio", "电视台": "tv"}

_FIGURE_HELP = "当天新增的数量（不是累计数）"
PIECE_COLUMNS = [
    Column("outlet", "平台", "choice", required=True, choices=OUTLET_CHOICES, aliases=("渠道", "媒体")),
    Column("day", "日期", "date", required=True, aliases=("统计日期", "数据日期"), help="数据所属的那一天"),
    Column("title", "标题", max_length=200, aliases=("作品标题", "内容标题", "文章标题")),
    Column("url", "链接", "url", max_length=500, aliases=("网址", "作品链接", "文章链接", "url"),
           help="内容的网址；与本中心发布记录或本站稿件网址一致时自动关联稿件"),
    Column("external_id", "平台内容编号", max_length=200, aliases=("内容编号", "作品ID", "内容ID", "视频ID", "文章ID", "id"),
           help="平台上的作品或文章编号；链接和编号至少填一项"),
    Column("story_id", "稿件编号", "int", aliases=("稿件ID",), help="本系统的稿件编号，填写后直接关联该稿件"),
    Column("account", "账号", max_length=80, aliases=("账号名称", "发布账号"),
           help="账号矩阵中的账号名称；填写后计入该账号（微信公众号的 WCI 按账号计算）"),
    Column("reads", "阅读/播放", "int", required=True, aliases=("阅读", "阅读数", "阅读量", "播放", "播放量", "播放数", "收听/收视"),
           help=_FIGURE_HELP),
    Column("likes", "点赞", "int", aliases=("点赞数", "赞"), help=_FIGURE_HELP),
    Column("shares", "转发/分享", "int", aliases=("转发", "分享", "转发数", "分享数"), help=_FIGURE_HELP),
    Column("comments", "评论", "int", aliases=("评论数", "留言", "留言数"), help=_FIGURE_HELP),
    Column("looks", "在看/收藏", "int", aliases=("在看", "收藏", "在看数", "收藏数"), help=_FIGURE_HELP),
]
ACCOUNT_COLUMNS = [
    Column("outlet", "平台", "choice", required=True, choices=OUTLET_CHOICES, aliases=("渠道", "媒体")),
    Column("account", "账号名称", required=True, max_length=80, aliases=("账号",)),
    Column("day", "日期", "date", required=True, aliases=("统计日期", "数据日期")),
    Column("followers", "粉丝总数", "int", aliases=("粉丝数", "关注人数", "累计关注", "累计粉丝"), help="当天结束时的粉丝总数"),
    Column("new_followers", "新增关注", "int", aliases=("新增粉丝", "新关注"), help="当天新增的关注人数"),
    Column("lost_followers", "取消关注", "int", aliases=("取关", "取消关注人数", "掉粉"), help="当天取消关注的人数"),
]
COLUMNS = {ImportBatch.Kind.PIECES: PIECE_COLUMNS, ImportBatch.Kind.ACCOUNTS: ACCOUNT_COLUMNS}
FIGURES = ("reads", "likes", "shares", "comments", "looks")

EXAMPLES = {
    ImportBatch.Kind.PIECES: [
        {"outlet": "抖音", "day": dt.date(2026, 12, 1), "title": "示例县冬季旅游季开幕", "external_id": "7312345678901234567",
         "account": "", "reads": 12800, "likes": 356, "shares": 41, "comments": 27, "looks": 18},
        {"outlet": "今日头条", "day": dt.date(2026, 12, 1), "title": "示例县冬季旅游季开幕",
         "url": "https://www.toutiao.com/article/7312345678901234568/", "reads": 5230, "likes": 88, "shares": 12,
         "comments": 9, "looks": 4},
        {"outlet": "广播", "day": dt.date(2026, 12, 1), "title": "《示例新闻》12月1日", "external_id": "示例新闻-20261201",
         "reads": 23000},
    ],
    ImportBatch.Kind.ACCOUNTS: [
        {"outlet": "抖音", "account": "示例县融媒", "day": dt.date(2026, 12, 1), "followers": 85321, "new_followers": 212,
         "lost_followers": 35},
        {"outlet": "今日头条", "account": "示例县发布", "day": dt.date(2026, 12, 1), "followers": 23456,
         "new_followers": 40, "lost_followers": 6},
    ],
}
TITLES = {ImportBatch.Kind.PIECES: "内容传播数据", ImportBatch.Kind.ACCOUNTS: "账号粉丝数据"}


def template(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the documented template of `kind` as xlsx or csv."""
    columns, examples, title = COLUMNS[kind], EXAMPLES[kind], TITLES[kind]
    if fmt == "xlsx":
        return (template_xlsx(columns, title=title, example_rows=examples), f"{title}导入模板.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return template_csv(columns, examples), f"{title}导入模板.csv", "text/csv; charset=utf-8"


# --- Checking ---------------------------------------------------------------------------

@dataclass
class Checked:
    """A file read and checked: the rows to write (model instances, unsaved) and the errors."""

    table: Table
    objects: list

    @property
    def errors(self) -> list[RowError]:
        return self.table.errors


def check_rows(center, kind: str, data: bytes, *, today: dt.date | None = None) -> Checked:
    """Read `data` as an import of `kind` and check every row against the center's stories,
    publications and accounts; nothing is written."""
    table = read_table(data, COLUMNS[kind], max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    if table.fatal:
        return Checked(table, [])
    today = today or timezone.localdate()
    linker = _Linker(center)
    objects: list = []
    seen: dict[tuple[str, dt.date], int] = {}
    valid: list[tuple[int, dict]] = []
    for number, values in table.rows:
        problems: list[tuple[str, str]] = []
        day = values["day"]
        if day > today:
            problems.append(("日期", f"{day:%Y-%m-%d} 还没有到：只能导入今天及以前的数据。"))
        elif day < EARLIEST:
            problems.append(("日期", f"{day:%Y-%m-%d} 太早了：请检查年份。"))
        if kind == ImportBatch.Kind.PIECES:
            obj = _piece(center, values, linker, problems)
        else:
            obj = _account(center, values, linker, problems)
        if obj is not None and not problems:
            first = seen.setdefault((obj.key, day), number)
            if first != number:
                problems.append(("日期", f"与第 {first} 行是同一内容（账号）的同一天，请合并为一行。"))
        if problems:
            table.errors.extend(RowError(number, field, message) for field, message in problems)
        else:
            valid.append((number, values))
            objects.append(obj)
    table.rows = valid
    table.errors.sort(key=lambda e: e.row)
    return Checked(table, objects)


class _Linker:
    """Finds the center's publication, story or account a row names (one query per kind of
    lookup, cached for the file)."""

    def __init__(self, center):
        from django.conf import settings as django_settings

        self.center = center
        self._by_url: dict[str, object] | None = None
        self._by_remote_id: dict[str, list] | None = None
        self._accounts: dict[tuple[str, str], object] | None = None
        self._stories: dict[int, bool] = {}
        self._base_url = (django_settings.RONGMEI_BASE_URL or "").rstrip("/").lower()

    def _publications(self):
        from rongmei.distribution.models import Publication

        if self._by_url is None:
            self._by_url, self._by_remote_id = {}, {}
            rows = (Publication.objects.filter(center=self.center).exclude(remote_url="", remote_id="")
                    .select_related("account").order_by("id"))
            for pub in rows:
                if pub.remote_url:
                    self._by_url[_url_key(pub.remote_url)] = pub
                if pub.remote_id:
                    self._by_remote_id.setdefault(pub.remote_id, []).append(pub)
        return self._by_url, self._by_remote_id

    def publication(self, url: str | None, external_id: str | None, outlet: str):
        by_url, by_remote_id = self._publications()
        if url and _url_key(url) in by_url:
            return by_url[_url_key(url)]
        for pub in by_remote_id.get(external_id or "", []):
            if outlet_for_publication(pub) == outlet:
                return pub
        return None

    def own_story_id(self, url: str | None) -> int | None:
        """The story id in an address of our own site (…/news/<id>/), else None."""
        if not url:
            return None
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        own_origin = (self.center.site_origin or "").rstrip("/").lower()
        if own_origin and origin == own_origin:
            base = ""  # the center's own domain
        elif origin == self._base_url:
            base = f"/site/{self.center.slug}"
        else:
            return None
        path = parts.path
        match = re.match(re.escape(base) + r"/news/(\d+)/?$", path)
        return int(match.group(1)) if match else None

    def story_exists(self, story_id: int) -> bool:
        from rongmei.newsroom.models import Story

        if story_id not in self._stories:
            self._stories[story_id] = Story.objects.filter(center=self.center, pk=story_id).exists()
        return self._stories[story_id]

    def account(self, outlet: str, name: str):
        from rongmei.distribution.models import ChannelAccount

        if self._accounts is None:
            self._accounts = {}
            for account in ChannelAccount.objects.filter(center=self.center).order_by("id"):
                self._accounts.setdefault((outlet_for_account(account.kind, account.options), account.name.strip()), account)
        return self._accounts.get((outlet, name.strip()))


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _short(text: str, prefix: str) -> str:
    """A key part that fits the 120-character key: the text itself, or a digest of a long one."""
    if len(text) <= 80:
        return text
    return prefix + hashlib.sha1(text.encode()).hexdigest()[:32]


def _piece(center, values: dict, linker: _Linker, problems: list) -> PieceMetric | None:
    outlet, url, external_id, story_id = values["outlet"], values["url"], values["external_id"], values["story_id"]
    if not (url or external_id or story_id):
        problems.append(("链接", "链接、平台内容编号、稿件编号至少填一项，才能认出是哪条内容。"))
        return None
    account = None
    if values["account"]:
        account = linker.account(outlet, values["account"])
        if account is None:
            problems.append(("账号", f"账号矩阵中没有{Outlet(outlet).label}账号“{values['account']}”（不确定可留空）。"))
    publication = linker.publication(url, external_id, outlet)
    if publication is not None:
        pub_outlet = outlet_for_publication(publication)
        if pub_outlet != outlet:
            problems.append(("平台", (f"链接是本中心发到“{publication.account.name}”（{Outlet(pub_outlet).label}）"
                                      f"的发布记录，与填写的平台“{Outlet(outlet).label}”不一致。")))
        if story_id and story_id != publication.story_id:
            problems.append(("稿件编号", f"链接对应的是稿件 {publication.story_id}，与填写的稿件编号 {story_id} 不一致。"))
        if account is not None and account.pk != publication.account_id:
            problems.append(("账号", f"链接是发到“{publication.account.name}”的发布记录，与填写的账号不一致。"))
        key, story, account = f"pub:{publication.pk}", publication.story_id, publication.account
        if outlet in (Outlet.WEB, Outlet.APP):
            key = f"story:{story}:{outlet}"  # the portal counts the own site and app per story
    else:
        own = linker.own_story_id(url)
        if own is not None and outlet not in (Outlet.WEB, Outlet.APP):
            problems.append(("平台", "这是本站的稿件网址，平台应填“网站”或“客户端”。"))
        if own is not None and story_id and own != story_id:
            problems.append(("稿件编号", f"链接对应的是稿件 {own}，与填写的稿件编号 {story_id} 不一致。"))
        story = own or story_id
        if story is not None and not linker.story_exists(story):
            field = "稿件编号" if story_id else "链接"
            problems.append((field, f"本中心没有编号为 {story} 的稿件。"))
        if own is not None or (story_id and not (url or external_id)):
            key = f"story:{story}:{outlet}"
        else:
            key = f"ext:{outlet}:" + (_short(external_id, "h:") if external_id else _short(_url_key(url), "u:"))
    if problems:
        return None
    return PieceMetric(center=center, key=key, day=values["day"], outlet=outlet, story_id=story,
                       publication=publication, account=account, external_id=external_id or "",
                       title=values["title"] or "", url=url or "", source=MetricSource.IMPORT,
                       **{f: values[f] or 0 for f in FIGURES})


def _account(center, values: dict, linker: _Linker, problems: list) -> AccountMetric | None:
    if values["followers"] is None and values["new_followers"] is None and values["lost_followers"] is None:
        problems.append(("粉丝总数", "粉丝总数、新增关注、取消关注至少填一项。"))
        return None
    outlet, name = values["outlet"], values["account"]
    account = linker.account(outlet, name)
    key = f"acct:{account.pk}" if account is not None else f"ext:{outlet}:{_short(name, 'h:')}"
    return AccountMetric(center=center, key=key, day=values["day"], outlet=outlet, account=account, account_name=name,
                         followers=values["followers"], new_followers=values["new_followers"] or 0,
                         lost_followers=values["lost_followers"] or 0, source=MetricSource.IMPORT)


def _errors_json(errors: list[RowError]) -> list[dict]:
    return [{"row": e.row, "field": e.field, "message": e.message} for e in errors[:MAX_STORED_ERRORS]]


# --- The two steps ----------------------------------------------------------------------

def _read_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def check(*, center, user, kind: str, upload, name: str = "") -> ImportBatch:
    """Keep the uploaded file and check it: a batch listing every bad row (status checked),
    or "refused" with the reason when the file cannot be read at all. Nothing is imported."""
    from rongmei.core.services import record

    if kind not in KINDS:
        raise ValueError(kind)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    name = (name or getattr(upload, "name", "") or "upload")[-200:]
    checked = check_rows(center, kind, data)
    table = checked.table
    batch = ImportBatch(center=center, kind=kind, original_name=name, uploaded_by=user)
    if table.fatal:
        batch.status = ImportBatch.Status.REFUSED
        batch.errors = [{"row": 0, "field": "", "message": table.fatal}]
    else:
        batch.rows_total = len(table.rows) + len(table.bad_rows)
        batch.rows_valid = len(table.rows)
        batch.errors = _errors_json(table.errors)
        batch.file.save(_stored_name(name), ContentFile(data), save=False)
    batch.save()
    record("analytics.import_check", actor=user, center=center, obj=batch,
           after={"kind": kind, "file": name, "status": batch.status, "rows": batch.rows_total, "valid": batch.rows_valid})
    return batch


def _stored_name(name: str) -> str:
    suffix = ".xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    return f"analytics-{timezone.now():%Y%m%d%H%M%S}{suffix}"


class ImportRefused(Exception):
    """The import cannot run; the message is for the user."""


@transaction.atomic
def run(*, center, user, batch_id: int, valid_only: bool = False) -> ImportBatch:
    """Write a checked batch's rows (upserting on key and day). Refused when the file has
    errors and `valid_only` is not chosen, or when the batch was already imported."""
    from rongmei.core.services import record

    batch = ImportBatch.objects.select_for_update().get(center=center, pk=batch_id, kind__in=KINDS)
    if batch.status != ImportBatch.Status.CHECKED:
        raise ImportRefused(f"这个文件{batch.get_status_display()}，不能再导入；如需更新数据，请重新上传文件。")
    try:
        data = _read_file(batch)
    except OSError:
        raise ImportRefused("上传的文件已找不到，请重新上传。") from None
    checked = check_rows(center, batch.kind, data)
    if checked.table.fatal:
        raise ImportRefused(checked.table.fatal)
    if checked.errors and not valid_only:
        raise ImportRefused(f"文件中有 {len(checked.table.bad_rows)} 行有错误，没有导入任何数据。"
                            "请改正后重新上传，或勾选“只导入有效行”。")
    written = write(batch.kind, checked.objects)
    batch.status = ImportBatch.Status.PARTIAL if checked.errors else ImportBatch.Status.IMPORTED
    batch.rows_valid = len(checked.objects)
    batch.rows_imported = written
    batch.errors = _errors_json(checked.errors)
    batch.imported_at = timezone.now()
    stored, storage = batch.file.name, batch.file.storage
    batch.file = ""  # the figures are in; the upload is not kept (it may hold more than we import)
    batch.save()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
    record("analytics.import_run", actor=user, center=center, obj=batch,
           after={"kind": batch.kind, "file": batch.original_name, "status": batch.status, "imported": written,
                  "skipped_rows": len(checked.table.bad_rows)})
    return batch


_UPDATE = {
    ImportBatch.Kind.PIECES: ["outlet", "story", "publication", "account", "external_id", "title", "url", *FIGURES,
                              "source", "updated_at"],
    ImportBatch.Kind.ACCOUNTS: ["outlet", "account", "account_name", "followers", "new_followers", "lost_followers",
                                "source", "updated_at"],
}


def write(kind: str, objects: list) -> int:
    """Upsert the rows: one statement per 1,000 rows; a (center, key, day) already there is
    replaced, so a file imported twice leaves the same figures."""
    model = PieceMetric if kind == ImportBatch.Kind.PIECES else AccountMetric
    now = timezone.now()
    for obj in objects:
        obj.updated_at = now
    for start in range(0, len(objects), 1000):
        model.objects.bulk_create(objects[start:start + 1000], update_conflicts=True,
                                  unique_fields=["center", "key", "day"], update_fields=_UPDATE[kind])
    return len(objects)


def history(center, kind: str | None = None):
    rows = ImportBatch.objects.filter(center=center, kind__in=KINDS).select_related("uploaded_by")
    return rows.filter(kind=kind) if kind else rows


# --- Demo -------------------------------------------------------------------------------

DEMO_PIECES = "示例：抖音、头条、视频号近两周传播数据.xlsx"
DEMO_ACCOUNTS = "示例：抖音、头条账号粉丝数据.xlsx"
_DEMO_ITEMS = [  # outlet, external id, title, reads on its first day
    ("douyin", "7400000000000000001", "示例县冬季旅游季开幕：冰雪乐园迎客", 18600),
    ("douyin", "7400000000000000002", "60 秒看示例县新建的乡村客运站", 9400),
    ("toutiao", "7400000000000000101", "示例县 12 个重点项目集中开工", 5300),
    ("channels", "export-demo-201", "村晚彩排：百姓舞台百姓演", 3100),
    ("radio", "示例新闻-早间", "《示例新闻》早间版", 21000),
]


def load_demo(center) -> tuple[int, int]:
    """Two imported files' worth of figures for the demo center's outlets without an API,
    over the last 14 days, so 数据导入 has history and the dashboards show those outlets.
    Run again: nothing is added (the batches are found by name, the figures upserted)."""
    from rongmei.core.models import User

    if center.slug != "demo":
        return 0, 0
    user = User.objects.filter(username="operator").first()
    if user is None or ImportBatch.objects.filter(center=center, original_name=DEMO_PIECES).exists():
        return 0, 1
    today = timezone.localdate()
    pieces, accounts = [], []
    for number, (outlet, external_id, title, first) in enumerate(_DEMO_ITEMS):
        start = today - dt.timedelta(days=13 - 2 * number)
        for age in range((today - start).days):
            reads = max(first // (age + 1) ** 2, 20)  # most reads come on the first days
            pieces.append(PieceMetric(center=center, key=f"ext:{outlet}:{external_id}", day=start + dt.timedelta(days=age),
                                      outlet=outlet, external_id=external_id, title=title, source=MetricSource.IMPORT,
                                      reads=reads, likes=reads // 30, shares=reads // 120, comments=reads // 200,
                                      looks=reads // 150))
    for outlet, name, total in (("douyin", "示例县融媒抖音号", 85000), ("toutiao", "示例县发布头条号", 23000)):
        for age in range(14, 0, -1):
            day = today - dt.timedelta(days=age)
            accounts.append(AccountMetric(center=center, key=f"ext:{outlet}:{name}", day=day, outlet=outlet,
                                          account_name=name, followers=total - age * 37, new_followers=45,
                                          lost_followers=8, source=MetricSource.IMPORT))
    with transaction.atomic():
        for kind, name, objects in ((ImportBatch.Kind.PIECES, DEMO_PIECES, pieces),
                                    (ImportBatch.Kind.ACCOUNTS, DEMO_ACCOUNTS, accounts)):
            written = write(kind, objects)
            ImportBatch.objects.create(center=center, kind=kind, original_name=name, uploaded_by=user,
                                       status=ImportBatch.Status.IMPORTED, rows_total=written, rows_valid=written,
                                       rows_imported=written, imported_at=timezone.now())
    return 2, 0
