"""舆情报告 in the staff API: the list, one report (sections and figures), generating one,
saving an edit with a version check (a stale version → 409, nothing changed), and sending it
by email. monitor.view reads; monitor.report generates, edits and sends.

The Word and PDF files are downloads of the staff screens (``/monitor/reports/{id}/docx/``
and ``/pdf/``, same session or login): the API answers JSON only; each report gives their
addresses in ``docx_url`` and ``pdf_url``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from rongmei.core.api import require
from rongmei.core.api_kit import (
    ERRORS,
    CursorQuery,
    ErrorOut,
    LimitQuery,
    page_of,
    paginate,
)
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.monitor import report as reports
from rongmei.monitor.models import Report

router = Router(tags=["舆情监测"])

ReportKind = Literal["daily", "weekly"]


class MonitorReportSectionOut(Schema):
    heading: str
    text: str


class MonitorReportSectionIn(Schema):
    heading: str = Field(..., max_length=reports.MAX_HEADING)
    text: str = Field("", max_length=reports.MAX_TEXT)


class MonitorReportOut(Schema):
    id: int
    kind: str = Field(..., description="daily 舆情日报 / weekly 一周舆情热点摘要")
    kind_label: str
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str = Field(..., description="draft 草稿 / sent 已发送")
    status_label: str
    recipients: list[str] = Field(..., description="本报告的接收人；为空时发送给舆情设置中的报告接收人")
    created_by: str | None = Field(None, description="生成人；自动生成时为 null")
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None
    version: str = Field(..., description="修改时原样传回，用于发现他人在此期间的修改")
    docx_url: str
    pdf_url: str


class MonitorReportDetailOut(MonitorReportOut):
    sections: list[MonitorReportSectionOut]
    figures: dict[str, Any] = Field(..., description="生成时的统计数据：信息量及环比、倾向、来源、热点、负面信息、预警、转线索")


class MonitorReportGenerateIn(Schema):
    kind: ReportKind
    day: dt.date = Field(..., description="日报：该日；周报：该日所在的周一至周日")


class MonitorReportUpdateIn(Schema):
    version: str = Field(..., max_length=64, description="读取报告时得到的 version")
    title: str | None = Field(None, max_length=200)
    sections: list[MonitorReportSectionIn] | None = Field(None, max_length=reports.MAX_SECTIONS)
    recipients: list[str] | None = Field(None, max_length=reports.MAX_RECIPIENTS, description="接收人邮箱")


class MonitorReportSendIn(Schema):
    recipients: list[str] | None = Field(None, max_length=reports.MAX_RECIPIENTS,
                                         description="只发给这些邮箱（不改报告）；不传则用报告或舆情设置中的接收人")


def report_out(report: Report, detail: bool = False):
    data = {
        "id": report.pk, "kind": report.kind, "kind_label": report.get_kind_display(), "title": report.title,
        "period_start": report.period_start, "period_end": report.period_end, "status": report.status,
        "status_label": report.get_status_display(), "recipients": [r for r in report.recipients.split() if r],
        "created_by": str(report.created_by) if report.created_by_id else None, "created_at": report.created_at,
        "updated_at": report.updated_at, "sent_at": report.sent_at, "version": reports.version_of(report),
        "docx_url": f"/monitor/reports/{report.pk}/docx/", "pdf_url": f"/monitor/reports/{report.pk}/pdf/",
    }
    if detail:
        return MonitorReportDetailOut(**data, sections=[MonitorReportSectionOut(heading=s.get("heading", ""),
                                                                               text=s.get("text", "")) for s in report.sections],
                                      figures=report.figures or {})
    return MonitorReportOut(**data)


def _report(request, report_id: int) -> Report:
    return get_scoped_or_404(Report.objects.select_related("created_by", "center"), request.center, pk=report_id)


@router.get("/monitor/reports", response={200: page_of(MonitorReportOut), **ERRORS}, summary="舆情报告列表",
            description="最近的时段在前。需要“查看舆情信息”权限。")
def monitor_reports(request, kind: ReportKind | None = Query(None, description="只列这一类"),
                    cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    qs = scoped(Report, request.center).select_related("created_by")
    if kind:
        qs = qs.filter(kind=kind)
    return paginate(qs, cursor=cursor, limit=limit, order=("-period_end", "-pk"), out=report_out)


@router.get("/monitor/reports/{report_id}", response={200: MonitorReportDetailOut, **ERRORS}, summary="一份舆情报告")
def monitor_report(request, report_id: Id):
    require(request, "monitor.view")
    return report_out(_report(request, report_id), detail=True)


@router.post("/monitor/reports", response={201: MonitorReportDetailOut, **ERRORS}, summary="生成舆情报告",
             description="按所给日期生成日报或周报（正文为根据数据写成的初稿）。该时段的报告已存在时返回 409。"
                         "需要“生成、编辑和发送舆情报告”权限。")
def monitor_report_generate(request, payload: MonitorReportGenerateIn):
    require(request, "monitor.report")
    report = reports.generate(center=request.center, kind=payload.kind, day=payload.day, user=request.user)
    return Status(201, report_out(report, detail=True))


@router.put("/monitor/reports/{report_id}", response={200: MonitorReportDetailOut, **ERRORS}, summary="修改舆情报告",
            description="修改标题、各节正文或接收人（只改所给的字段）。version 必须是读取时得到的值：他人在此期间保存过时返回 409，"
                        "什么也不改。")
def monitor_report_update(request, report_id: Id, payload: MonitorReportUpdateIn):
    require(request, "monitor.report")
    report = _report(request, report_id)
    reports.update(report=report, user=request.user, version=payload.version, title=payload.title,
                   sections=[s.model_dump() for s in payload.sections] if payload.sections is not None else None,
                   recipients="\n".join(payload.recipients) if payload.recipients is not None else None)
    return report_out(_report(request, report_id), detail=True)


@router.post("/monitor/reports/{report_id}/send", response={200: MonitorReportOut, **ERRORS, 502: ErrorOut}, summary="发送舆情报告",
             description="以邮件发送报告（正文为报告文字，附 Word 和 PDF），并标记为已发送。没有接收人时返回 422。")
def monitor_report_send(request, report_id: Id, payload: MonitorReportSendIn | None = None):
    require(request, "monitor.report")
    report = _report(request, report_id)
    try:
        reports.send(report=report, user=request.user, recipients=payload.recipients if payload else None)
    except OSError as exc:
        raise HttpError(502, f"邮件没有发出：{exc.__class__.__name__}。请检查邮件服务器设置后重试。") from exc
    return report_out(_report(request, report_id))
