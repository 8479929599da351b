"""舆情日报 and 一周舆情热点摘要: figures from the selectors, sections pre-written in plain
Chinese from them, edited by the analyst (a stale save is refused, nothing lost), rendered as
DOCX (python-docx) and PDF (WeasyPrint, the machine's Noto CJK fonts, nothing fetched), and
mailed with both attached.

Every change of state is one function here, in one transaction with its audit event:
`generate`, `update`, `send`. The schedule (`run_schedule`) calls the same functions.

A daily report covers one of the center's days; a weekly one Monday to Sunday. Figures are
kept in `Report.figures` as they were at generation, so a report read a month later says what
it said when it was sent."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from rongmei.core.services import record
from rongmei.core.tenancy import scoped
from rongmei.monitor import selectors
from rongmei.monitor.models import Alert, Item, Report, Source

log = logging.getLogger("rongmei.monitor.report")

MAX_SECTIONS = 20
MAX_HEADING = 100
MAX_TEXT = 20_000
MAX_RECIPIENTS = 50
LIST_LIMIT = 20
TONE_LABELS = selectors.TONE_LABELS
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReportConflict(ValidationError):
    """The report changed since the editor opened it (the API answers 409)."""

    api_status = 409


class ReportExists(ValidationError):
    """A report of that kind for that period exists already (the API answers 409)."""

    api_status = 409

    def __init__(self, message, report: Report):
        super().__init__(message)
        self.report = report


# --- Periods -------------------------------------------------------------------------------------------

def period(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days a report of `kind` covers that contain `day`: the day itself, or its Monday to Sunday."""
    if kind == Report.Kind.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


def previous(kind: str, first: dt.date) -> tuple[dt.date, dt.date]:
    days = 7 if kind == Report.Kind.WEEKLY else 1
    return first - dt.timedelta(days=days), first - dt.timedelta(days=1)


def _d(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(kind: str, first: dt.date, last: dt.date) -> str:
    if kind == Report.Kind.DAILY:
        return _d(first)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else _d(last)
    return f"{_d(first)}至{tail}"


def title_for(center, kind: str, first: dt.date, last: dt.date) -> str:
    label = dict(Report.Kind.choices)[kind]
    return f"{center.name}{label}（{period_text(kind, first, last)}）"[:200]


# --- Figures -----------------------------------------------------------------------------------------

def _iso(moment: dt.datetime | None, center) -> str:
    return moment.astimezone(selectors.zone(center)).strftime("%Y-%m-%d %H:%M") if moment else ""


def figures(center, kind: str, first: dt.date, last: dt.date) -> dict:
    """Everything the report says, as plain JSON: volume and change against the previous
    period, tone split, the volume series, top sources, top hot topics with heat and summary,
    negative items on watched topics, alerts and their handling, items sent to the newsroom."""
    start, end = selectors.day_range(center, first, last)
    prev_first, prev_last = previous(kind, first)
    prev_start, prev_end = selectors.day_range(center, prev_first, prev_last)
    window = scoped(Item, center).filter(published_at__gte=start, published_at__lt=end)
    before = scoped(Item, center).filter(published_at__gte=prev_start, published_at__lt=prev_end)
    tone = selectors.tone_split(window)
    prev_tone = selectors.tone_split(before)
    reposts = window.filter(is_repost=True).count()
    unit = "hour" if kind == Report.Kind.DAILY else "day"
    series = selectors.volume(center, start, end, unit=unit)

    hot = selectors.hot_topics_in(center, start, end, limit=10)
    leading = {}
    if hot:
        for row in (window.filter(hot_topic_id__in=[h["topic"].pk for h in hot]).order_by("-level", "published_at", "pk")
                    .values("hot_topic_id", "title", "source__name")):
            leading.setdefault(row["hot_topic_id"], row)
    hot_rows = []
    for h in hot:
        t = h["topic"]
        words = [w[0] for w in (t.keywords or [])[:5] if isinstance(w, (list, tuple)) and w]
        lead = leading.get(t.pk)
        summary = f"本期 {h['count']} 条" + (f"，其中负面 {h['negative']} 条" if h["negative"] else "")
        if lead:
            summary += f"；代表性报道：{lead['source__name']}《{lead['title']}》"
        if words:
            summary += f"；关键词：{'、'.join(words)}"
        hot_rows.append({"id": t.pk, "title": t.title, "heat": round(t.heat, 1), "count": h["count"], "negative": h["negative"],
                         "total": t.item_count, "keywords": words, "summary": summary})

    negative = (window.filter(tone=Item.Tone.NEGATIVE, matches__topic__watched=True).distinct()
                .select_related("source").prefetch_related("matches__topic").order_by("tone_score", "-level", "-published_at"))
    negative_total = negative.count()
    negative_rows = [{
        "id": i.pk, "title": i.title, "source": i.source.name, "url": i.url, "published_at": _iso(i.published_at, center),
        "tone_score": round(i.tone_score, 2), "repost": i.is_repost,
        "topics": sorted({m.topic.name for m in i.matches.all() if m.topic.watched}),
    } for i in negative[:LIST_LIMIT]]

    alerts = (scoped(Alert, center).filter(Q(created_at__gte=start, created_at__lt=end) | Q(last_raised_at__gte=start, last_raised_at__lt=end))
              .select_related("assignee").order_by("-severity", "-last_raised_at", "-pk"))
    alert_list = list(alerts[:100])
    by_status = Counter(a.status for a in alert_list)
    alert_rows = [{
        "id": a.pk, "title": a.title, "kind": a.kind, "kind_label": a.get_kind_display(), "status": a.status,
        "status_label": a.get_status_display(), "severity_label": a.get_severity_display(), "times_raised": a.times_raised,
        "assignee": str(a.assignee) if a.assignee else "", "resolution": a.resolution,
        "created_at": _iso(a.created_at, center),
    } for a in alert_list[:LIST_LIMIT * 2]]

    sent = (scoped(Item, center).filter(lead__created_at__gte=start, lead__created_at__lt=end)
            .select_related("lead", "source").order_by("lead__created_at", "pk"))
    lead_rows = [{"item_id": i.pk, "title": i.title, "source": i.source.name, "lead_id": i.lead_id,
                  "lead_status": i.lead.get_status_display()} for i in sent[:LIST_LIMIT]]

    return {
        "kind": kind,
        "period": {"first": first.isoformat(), "last": last.isoformat(), "previous_first": prev_first.isoformat(),
                   "previous_last": prev_last.isoformat(), "text": period_text(kind, first, last)},
        "volume": {"total": tone["total"], "originals": tone["total"] - reposts, "reposts": reposts,
                   "previous": prev_tone["total"], "change": _change(tone["total"], prev_tone["total"]),
                   "change_text": selectors.change_text(tone["total"], prev_tone["total"],
                                                        "前一日" if kind == Report.Kind.DAILY else "前一周")},
        "tone": tone,
        "previous_tone": prev_tone,
        "series": {"unit": unit, "points": series},
        "top_sources": selectors.top_sources(window, limit=10),
        "hot_topics": hot_rows,
        "negative_watched": {"total": negative_total, "items": negative_rows},
        "alerts": {"total": len(alert_list), "by_status": {s: by_status.get(s, 0) for s in Alert.Status.values},
                   "closed": by_status.get(Alert.Status.CLOSED, 0), "items": alert_rows},
        "leads": {"total": sent.count(), "items": lead_rows},
        "generated_at": _iso(timezone.now(), center),
    }


def _change(now: int, before: int) -> float | None:
    return round((now - before) / before, 4) if before else None


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "0%"


# --- Sections -------------------------------------------------------------------------------------

def write_sections(figs: dict) -> list[dict]:
    """The report's text, pre-written from the figures in plain Chinese, for the analyst to edit."""
    kind = figs["kind"]
    when = "本日" if kind == Report.Kind.DAILY else "本周"
    vol, tone = figs["volume"], figs["tone"]
    total = vol["total"]
    sections = []
    overview = [(f"{figs['period']['text']}，共监测到相关信息 {total} 条（原发 {vol['originals']} 条，转载 {vol['reposts']} 条），"
                 f"{vol['change_text']}（{'前一日' if kind == Report.Kind.DAILY else '前一周'} {vol['previous']} 条）。")]
    if total:
        overview.append(f"从倾向看，正面 {tone['positive']} 条（{_pct(tone['positive'], total)}），中性 {tone['neutral']} 条"
                        f"（{_pct(tone['neutral'], total)}），负面 {tone['negative']} 条（{_pct(tone['negative'], total)}）。")
    if figs["top_sources"]:
        top = "、".join(f"{s['name']}（{s['count']} 条）" for s in figs["top_sources"][:5])
        overview.append(f"信息主要来自：{top}。")
    sections.append({"heading": "一、总体情况", "text": "\n".join(overview)})

    if figs["hot_topics"]:
        lines = [f"{n}. {h['title']}（热度 {h['heat']}）：{h['summary']}。" for n, h in enumerate(figs["hot_topics"][:5], 1)]
        hot_text = f"{when}主要热点话题如下：\n" + "\n".join(lines)
    else:
        hot_text = f"{when}未形成明显的热点话题。"
    sections.append({"heading": "二、热点话题", "text": hot_text})

    neg = figs["negative_watched"]
    if neg["total"]:
        lines = [f"{n}. {i['source']}《{i['title']}》（{i['published_at']}，涉及：{'、'.join(i['topics'])}）"
                 for n, i in enumerate(neg["items"][:10], 1)]
        more = f"\n另有 {neg['total'] - len(lines)} 条，详见系统。" if neg["total"] > len(lines) else ""
        neg_text = f"重点关注方案中出现负面信息 {neg['total']} 条：\n" + "\n".join(lines) + more
    else:
        neg_text = "重点关注方案中未发现负面信息。"
    sections.append({"heading": "三、负面信息与重点关注", "text": neg_text})

    alerts = figs["alerts"]
    if alerts["total"]:
        st = alerts["by_status"]
        lines = [(f"{when}触发预警 {alerts['total']} 起，其中已办结 {st.get('closed', 0)} 起，处置中 {st.get('handling', 0)} 起，"
                  f"已确认待处置 {st.get('acknowledged', 0)} 起，待确认 {st.get('new', 0)} 起。")]
        for a in alerts["items"][:10]:
            line = f"· {a['title']}（{a['kind_label']}，{a['severity_label']}）：{a['status_label']}"
            if a["assignee"]:
                line += f"，处置人 {a['assignee']}"
            if a["resolution"]:
                line += f"，处置结果：{a['resolution']}"
            lines.append(line + "。")
        alert_text = "\n".join(lines)
    else:
        alert_text = f"{when}未触发预警。"
    sections.append({"heading": "四、预警与处置", "text": alert_text})

    leads = figs["leads"]
    if leads["total"]:
        lines = [f"· {i['source']}《{i['title']}》（线索状态：{i['lead_status']}）" for i in leads["items"][:10]]
        lead_text = f"{when}有 {leads['total']} 条信息转为新闻线索：\n" + "\n".join(lines)
    else:
        lead_text = f"{when}没有信息转为新闻线索。"
    sections.append({"heading": "五、转为新闻线索", "text": lead_text})

    advice = []
    if neg["total"]:
        topics = Counter(t for i in neg["items"] for t in i["topics"]).most_common(3)
        advice.append(f"负面信息集中在{'、'.join(t for t, _ in topics)}方面，建议相关部门关注、核实并及时回应群众关切。")
    if vol["change"] is not None and vol["change"] >= 0.5:
        advice.append(f"信息量较{'前一日' if kind == Report.Kind.DAILY else '前一周'}明显增加，建议持续跟踪热点话题的发展。")
    open_alerts = alerts["total"] - alerts["closed"]
    if open_alerts:
        advice.append(f"尚有 {open_alerts} 起预警未办结，建议抓紧处置。")
    if not advice:
        advice.append("本期舆情总体平稳，未发现需要重点处置的负面信息，建议继续做好日常监测。")
    sections.append({"heading": "六、研判与建议", "text": "\n".join(advice)})
    return sections


# --- Changes of state ----------------------------------------------------------------------------------

def generate(*, center, kind: str, day: dt.date, user=None) -> Report:
    """Generate the report of `kind` for the period containing `day`. Refused (ReportExists)
    when that period's report exists already: it is edited, not generated twice."""
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": "报告类型应为日报（daily）或周报（weekly）。"})
    today = selectors.local_now(center).date()
    first, last = period(kind, day)
    if first > today:
        raise ValidationError({"day": "不能为还没有到来的日期生成报告。"})
    existing = scoped(Report, center).filter(kind=kind, period_start=first).first()
    if existing is not None:
        raise ReportExists(f"{existing.title}已经生成过，可以直接打开编辑。", existing)
    figs = figures(center, kind, first, last)
    now = timezone.now()
    try:
        with transaction.atomic():
            report = Report.objects.create(
                center=center, kind=kind, period_start=first, period_end=last, title=title_for(center, kind, first, last),
                sections=write_sections(figs), figures=figs, created_by=user if user is not None and user.pk else None,
                created_at=now, updated_at=now)
            record("monitor.report_generate", actor=user, center=center, obj=report,
                   after={"kind": kind, "period_start": first.isoformat(), "period_end": last.isoformat()})
    except IntegrityError:  # generated by someone else in between
        existing = scoped(Report, center).get(kind=kind, period_start=first)
        raise ReportExists(f"{existing.title}已经生成过，可以直接打开编辑。", existing) from None
    return report


def version_of(report: Report) -> str:
    """The token an editor sends back: the time of the last change, to the microsecond."""
    return report.updated_at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def clean_sections(sections) -> list[dict]:
    """[{heading, text}] checked: 1–20 sections, a heading of 1–100 characters, text up to 20,000."""
    if not isinstance(sections, list) or not sections:
        raise ValidationError({"sections": "报告至少要有一节。"})
    if len(sections) > MAX_SECTIONS:
        raise ValidationError({"sections": f"报告最多 {MAX_SECTIONS} 节。"})
    out = []
    for number, section in enumerate(sections, 1):
        heading = str(section.get("heading", "") if isinstance(section, dict) else "").strip()
        text = str(section.get("text", "") if isinstance(section, dict) else "").replace("\r\n", "\n").replace("\x00", "").strip()
        if not heading and not text:
            continue
        if not heading:
            raise ValidationError({"sections": f"第 {number} 节缺少标题。"})
        if len(heading) > MAX_HEADING:
            raise ValidationError({"sections": f"第 {number} 节的标题最多 {MAX_HEADING} 个字。"})
        if len(text) > MAX_TEXT:
            raise ValidationError({"sections": f"第 {number} 节的正文最多 {MAX_TEXT} 个字。"})
        out.append({"heading": heading, "text": text})
    if not out:
        raise ValidationError({"sections": "报告至少要有一节。"})
    return out


def clean_recipients(text: str) -> str:
    """One address per line (commas, semicolons and spaces also separate); each must be valid."""
    parts = [p.strip() for p in (text or "").replace(",", "\n").replace("，", "\n").replace(";", "\n").replace("；", "\n").split()]
    parts = list(dict.fromkeys(p for p in parts if p))
    if len(parts) > MAX_RECIPIENTS:
        raise ValidationError({"recipients": f"接收人最多 {MAX_RECIPIENTS} 个。"})
    for address in parts:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"recipients": f"“{address[:60]}”不是有效的邮箱地址。"}) from None
    return "\n".join(parts)


def last_editor(report: Report) -> str:
    from rongmei.core.models import AuditEvent

    event = (AuditEvent.objects.filter(center=report.center_id, object_type="monitor.report", object_id=str(report.pk))
             .order_by("-created_at", "-pk").first())
    return event.actor_repr if event else ""


def update(*, report: Report, user, version: str, sections=None, title: str | None = None,
           recipients: str | None = None) -> Report:
    """Save the analyst's edit. `version` is what `version_of` gave when they opened the
    report; if someone saved since, ReportConflict is raised and nothing is changed."""
    sections = clean_sections(sections) if sections is not None else None
    recipients = clean_recipients(recipients) if recipients is not None else None
    if title is not None:
        title = title.strip()
        if not title or len(title) > 200:
            raise ValidationError({"title": "标题应为 1 到 200 个字。"})
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report.pk, center=report.center_id)
        if version_of(current) != (version or "").strip():
            who = last_editor(current)
            raise ReportConflict(
                f"这份报告在您打开之后已被{who or '他人'}于 {_iso(current.updated_at, current.center)} 修改，您的修改没有保存。"
                "请对照最新内容后再保存（您填写的内容仍保留在表单中）。")
        before = {"sections": current.sections, "title": current.title, "recipients": current.recipients}
        if sections is not None:
            current.sections = sections
        if title is not None:
            current.title = title
        if recipients is not None:
            current.recipients = recipients
        current.updated_at = timezone.now()
        current.save(update_fields=["sections", "title", "recipients", "updated_at"])
        changed = [k for k in before if before[k] != getattr(current, k)]
        record("monitor.report_edit", actor=user, center=current.center, obj=current, after={"changed": changed})
    report.__dict__.update({k: getattr(current, k) for k in ("sections", "title", "recipients", "updated_at")})
    return current


def recipients_of(report: Report) -> list[str]:
    from rongmei.monitor.settings_store import get_settings

    text = report.recipients.strip() or get_settings(report.center).report_recipients
    return [line.strip() for line in text.replace(",", "\n").split() if line.strip()]


def send(*, report: Report, user=None, recipients: list[str] | None = None) -> Report:
    """Mail the report (its text in the body, DOCX and PDF attached) to its recipients, or
    the center's report recipients; mark it sent. Refused without a valid recipient."""
    to = recipients if recipients is not None else recipients_of(report)
    to = clean_recipients("\n".join(to)).split("\n") if to else []
    to = [a for a in to if a]
    if not to:
        raise ValidationError({"recipients": "没有接收人：请在报告或舆情设置中填写接收人的邮箱。"})
    if not django_settings.EMAIL_ENABLED:
        raise ValidationError("本系统还没有配置发信服务器（EMAIL_URL），报告无法发出；可以先下载 Word 或 PDF 版本。")
    docx_bytes, pdf_bytes = render_docx(report), render_pdf(report)
    body = "\n\n".join([report.title, *(f"{s['heading']}\n{s['text']}" for s in report.sections),
                        "附件为本报告的 Word 和 PDF 版本。", "—— 融媒工作平台 舆情监测"])
    message = EmailMessage(subject=report.title, body=body, to=to)
    stem = filename_stem(report)
    message.attach(f"{stem}.docx", docx_bytes, DOCX_TYPE)
    message.attach(f"{stem}.pdf", pdf_bytes, "application/pdf")
    message.send(fail_silently=False)
    with transaction.atomic():
        now = timezone.now()
        Report.objects.filter(pk=report.pk).update(status=Report.Status.SENT, sent_at=now)
        report.status, report.sent_at = Report.Status.SENT, now
        record("monitor.report_send", actor=user, center=report.center, obj=report, after={"to": to})
    return report


def filename_stem(report: Report) -> str:
    label = "舆情日报" if report.kind == Report.Kind.DAILY else "一周舆情热点摘要"
    return f"{label}-{report.period_start.isoformat()}"


# --- DOCX and PDF -----------------------------------------------------------------------------------------

BODY_FONT = "宋体"       # what a leader's Word has; LibreOffice substitutes Noto Serif CJK
HEADING_FONT = "黑体"


def _east_asia(run, font: str) -> None:
    from docx.oxml.ns import qn

    run.font.name = font
    properties = run._element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def render_docx(report: Report) -> bytes:
    """The report as a Word document: title, period, each section, then the figures' tables.
    Chinese text is set in 宋体 (headings 黑体) through w:eastAsia."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    for style_name, font in (("Normal", BODY_FONT), ("Title", HEADING_FONT), ("Heading 1", HEADING_FONT),
                             ("Heading 2", HEADING_FONT)):
        style = document.styles[style_name]
        style.font.name = font
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), font)
    document.styles["Normal"].font.size = Pt(12)

    title = document.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _east_asia(title.add_run(report.title), HEADING_FONT)
    figs = report.figures or {}
    info = document.add_paragraph()
    info.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _east_asia(info.add_run(f"{report.center.name}  ·  统计时段：{(figs.get('period') or {}).get('text', '')}"), BODY_FONT)
    for section in report.sections:
        heading = document.add_heading(level=1)
        _east_asia(heading.add_run(section["heading"]), HEADING_FONT)
        for line in (section.get("text") or "").split("\n"):
            _east_asia(document.add_paragraph().add_run(line), BODY_FONT)

    tables = _tables(figs)
    if tables:
        heading = document.add_heading(level=1)
        _east_asia(heading.add_run("附：统计数据"), HEADING_FONT)
    for caption, header, rows in tables:
        sub = document.add_heading(level=2)
        _east_asia(sub.add_run(caption), HEADING_FONT)
        table = document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = ""
            _east_asia(cell.paragraphs[0].add_run(text), HEADING_FONT)
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = ""
                _east_asia(cell.paragraphs[0].add_run(str(value)), BODY_FONT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _tables(figs: dict) -> list[tuple[str, list[str], list[list]]]:
    """The figures as (caption, header, rows), shared by the DOCX, the PDF and the page."""
    if not figs:
        return []
    tone = figs.get("tone", {})
    total = tone.get("total", 0)
    out = [("倾向分布", ["倾向", "条数", "占比"],
            [[TONE_LABELS[t], tone.get(t, 0), _pct(tone.get(t, 0), total)] for t in selectors.TONES])]
    if figs.get("top_sources"):
        out.append(("主要来源", ["来源", "级别", "条数", "负面"],
                    [[s["name"], s.get("level_label", ""), s["count"], s.get("negative", 0)] for s in figs["top_sources"]]))
    if figs.get("hot_topics"):
        out.append(("热点话题", ["话题", "热度", "本期条数", "负面"],
                    [[h["title"], h["heat"], h["count"], h["negative"]] for h in figs["hot_topics"]]))
    series = (figs.get("series") or {}).get("points") or []
    if series and figs.get("kind") == Report.Kind.WEEKLY:
        out.append(("每日信息量", ["日期", "信息量", "负面"], [[p["t"], p["count"], p["negative"]] for p in series]))
    return out


def tables(report: Report) -> list[tuple[str, list[str], list[list]]]:
    return _tables(report.figures or {})


def render_pdf(report: Report) -> bytes:
    """The report as PDF through WeasyPrint, set in the machine's Noto CJK fonts (by family
    name); nothing is fetched, not even a local file."""
    from rongmei.core.pdf import html_to_pdf

    html = render_to_string("monitor/report_print.html", {"report": report, "tables": tables(report),
                                                          "figures": report.figures or {}})
    return html_to_pdf(html)


# --- The schedule ---------------------------------------------------------------------------------------------

def due_reports(center, now: dt.datetime) -> list[tuple[str, dt.date]]:
    """(kind, a day in its period) of the reports due at `now` by the center's settings: from
    the daily report hour on, yesterday's daily report; on the weekly report day, from that
    hour on, the previous week's (Monday to Sunday)."""
    from rongmei.monitor.settings_store import get_settings

    settings = get_settings(center)
    local = selectors.local_now(center, now)
    if local.hour < settings.daily_report_hour:
        return []
    due = [(Report.Kind.DAILY, local.date() - dt.timedelta(days=1))]
    if local.isoweekday() == settings.weekly_report_weekday:
        due.append((Report.Kind.WEEKLY, local.date() - dt.timedelta(days=7)))
    return due


def run_schedule(now: dt.datetime | None = None) -> dict:
    """The hourly task: for each active center that watches sources, generate the reports
    that are due and not generated yet (once: the period is unique per center and kind), and
    send them when the settings say so. One center's failure does not stop the others."""
    from rongmei.core.models import Center
    from rongmei.monitor.settings_store import get_settings

    now = now or timezone.now()
    done = {"generated": [], "sent": [], "failed": []}
    watching = Source.objects.values("center_id").distinct()
    for center in Center.objects.filter(is_active=True, pk__in=watching).order_by("pk"):
        for kind, day in due_reports(center, now):
            first, _ = period(kind, day)
            if scoped(Report, center).filter(kind=kind, period_start=first).exists():
                continue
            try:
                report = generate(center=center, kind=kind, day=day)
            except ReportExists:
                continue
            except Exception:  # a defect in one center's data must not stop the rest
                log.exception("report %s %s for %s failed", kind, day, center.slug)
                done["failed"].append(f"{center.slug}:{kind}:{first}")
                continue
            done["generated"].append(report.pk)
            if get_settings(center).send_reports:
                try:
                    send(report=report)
                    done["sent"].append(report.pk)
                except ValidationError as exc:
                    log.warning("report %s not sent: %s", report.pk, "；".join(exc.messages))
                    done["failed"].append(f"{center.slug}:send:{report.pk}")
                except Exception:
                    log.exception("report %s could not be mailed", report.pk)
                    done["failed"].append(f"{center.slug}:send:{report.pk}")
    return done
