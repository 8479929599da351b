"""外宣 pickups from a spreadsheet: the 外宣 desk keeps its register in Excel (which outlet
carried which of our pieces, at what level, when), so it can be uploaded as it is.

The flow is the analytics imports' one (ImportBatch kind "pickups"): upload → every row
checked (the cells by core.tabular, then ours: the story exists in this center, the month is
still open, the date is not in the future, no row repeats another) → a page naming each bad
row and why → "导入", refused while errors exist unless the person ticks "只导入有效行".
The file is kept with the batch and read again at import time, so what is imported is
checked against the state of that moment (a month closed in between is still refused).

Importing is idempotent: a row whose (story, outlet, date) is already registered updates
that registration (level, link, long piece) instead of adding a second one, so uploading
the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from rongmei.analytics.models import ImportBatch
from rongmei.appraisal import facts_services
from rongmei.appraisal.models import Pickup
from rongmei.core import tabular
from rongmei.core.models import Center, User
from rongmei.core.services import record

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

LEVELS = {label: code for code, label in Pickup.Level.choices} | {code: code for code in Pickup.Level.values} | {
    "县级": "county", "市级": "prefecture", "地级": "prefecture", "地市": "prefecture", "省": "provincial",
    "中央": "central", "国家级": "central", "中央级及以上": "central", "省级及以上": "provincial",
}
YES_NO = {"是": "1", "否": "0", "长篇": "1", "短篇": "0", "yes": "1", "no": "0", "y": "1", "n": "0", "1": "1", "0": "0",
          "true": "1", "false": "0"}

COLUMNS = [
    tabular.Column("story_id", "稿件编号", "int", aliases=("稿件ID", "story_id", "编号"),
                   help="融媒系统里的稿件编号（稿件页地址 /stories/编号/ 中的数字）；不填则按“本中心发布链接”查找"),
    tabular.Column("our_link", "本中心发布链接", "text", aliases=("我方链接", "原文链接", "our_link"), max_length=500,
                   help="本站文章地址（/site/…/news/编号/）或稿件在微信、微博等渠道发布后的链接"),
    tabular.Column("outlet_name", "采用媒体", "text", required=True, aliases=("媒体", "采用单位", "outlet"), max_length=100,
                   help="如：人民日报客户端、浙江日报、市电视台"),
    tabular.Column("level", "级别", "choice", required=True, choices=LEVELS, aliases=("采用级别", "level"),
                   help="县市级、地市级、省级、中央级"),
    tabular.Column("used_on", "采用日期", "date", required=True, aliases=("日期", "刊播日期", "used_on")),
    tabular.Column("url", "采用链接", "url", aliases=("链接", "url"), max_length=500, help="对方刊发页面的网址（选填）"),
    tabular.Column("is_long", "长篇", "choice", choices=YES_NO, aliases=("是否长篇", "is_long"),
                   help="深度报道、专版等长篇填“是”（按长篇分值计分），否则留空或填“否”"),
]
EXAMPLES = [
    {"story_id": 1024, "outlet_name": "浙江日报", "level": "省级", "used_on": "2026-12-03", "url": "https://zjrb.example.cn/a/1",
     "is_long": "否"},
    {"our_link": "https://www.example.gov.cn/site/demo/news/1025/", "outlet_name": "人民日报客户端", "level": "中央级",
     "used_on": "2026-12-05", "is_long": "是"},
]


def template_xlsx() -> bytes:
    return tabular.template_xlsx(COLUMNS, title="外宣采用登记", example_rows=EXAMPLES)


def template_csv() -> bytes:
    return tabular.template_csv(COLUMNS, EXAMPLES)


@dataclass
class Checked:
    """A file's rows after every check: valid ones ready to save, errors as the batch keeps them."""

    rows: list[tuple[int, facts_services.PickupData]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total: int = 0
    fatal: str = ""


def _label(key: str) -> str:
    return next((c.label for c in COLUMNS if c.key == key), key)


def check_file(center: Center, upload) -> Checked:
    table = tabular.read_table(upload, COLUMNS, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    if table.fatal:
        return Checked(fatal=table.fatal)
    out = Checked(errors=[{"row": e.row, "field": e.field, "message": e.message} for e in table.errors])
    out.total = len({n for n, _ in table.rows} | {e.row for e in table.errors})
    seen: dict[tuple, int] = {}
    closed: dict[dt.date, bool] = {}
    for number, values in table.rows:
        data = facts_services.PickupData(
            outlet_name=values.get("outlet_name") or "", level=values.get("level") or "", used_on=values.get("used_on"),
            story_id=values.get("story_id") or None, our_link=values.get("our_link") or "", url=values.get("url") or "",
            is_long=values.get("is_long") == "1")
        try:
            story, cleaned = facts_services.check_pickup(center, data)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                out.errors += [{"row": number, "field": _label(name), "message": m} for m in messages]
            continue
        month = cleaned["month"]
        if month not in closed:
            closed[month] = facts_services.is_closed(center, month)
        if closed[month]:
            out.errors.append({"row": number, "field": "采用日期",
                               "message": f"{month:%Y年%m月}已结算锁定，不能再登记这个月的外宣采用。"})
            continue
        key = (story.pk, cleaned["outlet_name"], cleaned["used_on"])
        if key in seen:
            out.errors.append({"row": number, "field": "采用媒体",
                               "message": f"与第 {seen[key]} 行重复（同一稿件、同一媒体、同一天）。"})
            continue
        seen[key] = number
        data.story_id, data.our_link = story.pk, ""
        out.rows.append((number, data))
    out.errors.sort(key=lambda e: e["row"])
    return out


def upload(*, center: Center, user: User, file) -> ImportBatch:
    """Keep the uploaded file as a batch and check every row (nothing is imported yet)."""
    name = (getattr(file, "name", "") or "外宣采用.xlsx").rsplit("/", 1)[-1][:200]
    content = file.read(MAX_BYTES + 1)
    result = check_file(center, content)
    with transaction.atomic():
        batch = ImportBatch(center=center, kind=ImportBatch.Kind.PICKUPS, original_name=name, uploaded_by=user,
                            status=ImportBatch.Status.REFUSED if result.fatal else ImportBatch.Status.CHECKED,
                            rows_total=result.total, rows_valid=len(result.rows),
                            errors=[{"row": 0, "field": "", "message": result.fatal}] if result.fatal else result.errors)
        if not result.fatal:
            batch.file.save(f"pickups-{center.slug}.{'xlsx' if content.startswith(b'PK') else 'csv'}",
                            ContentFile(content), save=False)
        batch.save()
        record("appraisal.pickup_upload", actor=user, center=center, obj=batch,
               after={"file": name, "rows": result.total, "valid": len(result.rows), "errors": len(result.errors)})
    return batch


def run(*, batch: ImportBatch, user: User, valid_only: bool = False) -> int:
    """Import a checked batch: all rows when it has no errors, else its valid rows only when
    `valid_only`. Returns how many rows were saved (added or updated)."""
    if batch.kind != ImportBatch.Kind.PICKUPS:
        raise ValidationError("这不是外宣采用的导入文件。")
    if batch.status != ImportBatch.Status.CHECKED:
        raise ValidationError(f"这个文件{batch.get_status_display()}，不能再次导入；如需重新导入请重新上传。")
    center = batch.center
    with batch.file.open("rb") as handle:
        result = check_file(center, handle.read())
    if result.fatal:
        raise ValidationError(result.fatal)
    if result.errors and not valid_only:
        raise ValidationError(f"文件中有 {len({e['row'] for e in result.errors})} 行有错误：改正后重新上传，"
                              "或勾选“只导入有效行”先导入其余各行。")
    saved = added = 0
    with transaction.atomic():
        locked = type(batch).objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.CHECKED:
            raise ValidationError("这个文件刚刚已被导入。")
        for _, data in result.rows:
            existing = Pickup.objects.filter(center=center, story_id=data.story_id, outlet_name=data.outlet_name.strip(),
                                             used_on=data.used_on).first()
            if existing is not None and (existing.level, existing.url, existing.is_long) == (
                    data.level, data.url.strip(), bool(data.is_long)):
                saved += 1
                continue
            facts_services.save_pickup(center=center, user=user, data=data, pickup=existing,
                                       source=Pickup.Source.IMPORT)
            saved += 1
            added += existing is None
        locked.errors = result.errors
        locked.rows_valid = len(result.rows)
        locked.rows_imported = saved
        locked.status = ImportBatch.Status.PARTIAL if result.errors else ImportBatch.Status.IMPORTED
        locked.imported_at = timezone.now()
        locked.save(update_fields=["errors", "rows_valid", "rows_imported", "status", "imported_at"])
        record("appraisal.pickup_import", actor=user, center=center, obj=locked,
               after={"imported": saved, "added": added, "skipped_rows": len({e["row"] for e in result.errors})})
    batch.refresh_from_db()
    return saved
