"""监测方案 and 舆情设置 in the staff API: topics (list, one, create, change, delete), testing
an expression before saving it, re-matching recent items, and the center's settings. The
same services as the screens, with the same permissions: monitor.view to read, monitor.manage
to change; another center's topic is a 404.

An expression that does not compile answers 422 with ``errors.expression`` (the Chinese
message, "第 N 个字符处…") and ``position`` (N, 1-based) as a field of its own."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from rongmei.core.api import require
from rongmei.core.api_kit import (
    ERRORS,
    CursorQuery,
    ErrorOut,
    LimitQuery,
    field_errors,
    page_of,
    paginate,
)
from rongmei.core.ids import Id
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.monitor import rules, settings_store, topic_services
from rongmei.monitor.models import Topic

router = Router(tags=["舆情监测"])

TopicCategory = Literal["county", "leader", "enterprise", "issue", "other"]


class MonitorExpressionErrorOut(ErrorOut):
    position: int | None = Field(None, description="表达式出错的位置：第几个字符（从 1 开始）；不是表达式的错误时为 null")


EXPRESSION_ERRORS = {**ERRORS, 422: MonitorExpressionErrorOut}


class MonitorTopicOut(Schema):
    id: int
    name: str
    category: str = Field(..., description="county 本县及地名 / leader 领导干部 / enterprise 重点企业 / issue 民生热点问题 / other 其他")
    category_label: str
    expression: str
    terms: list[str] = Field(..., description="表达式中的词（按出现顺序，不重复）")
    watched: bool = Field(..., description="重点关注：负面信息命中时预警")
    enabled: bool
    recent_matches: int = Field(..., description="近 7 天（按发布时间）命中的信息条数")
    created_at: dt.datetime
    updated_at: dt.datetime


class MonitorTopicIn(Schema):
    name: str = Field(..., max_length=50)
    expression: str = Field(..., max_length=rules.MAX_LENGTH, description="如 (奉化 | 宁波) & (积水 | 内涝) & !演练，见文档")
    category: TopicCategory = "other"
    watched: bool = True
    enabled: bool = True


class MonitorTopicPatchIn(Schema):
    name: str | None = Field(None, max_length=50)
    expression: str | None = Field(None, max_length=rules.MAX_LENGTH)
    category: TopicCategory | None = None
    watched: bool | None = None
    enabled: bool | None = None


class MonitorTopicDeletedOut(Schema):
    id: int
    matches_deleted: int = Field(..., description="随方案删除的命中记录条数")


class MonitorTopicTestIn(Schema):
    expression: str = Field(..., max_length=rules.MAX_LENGTH)
    title: str = Field("", max_length=300, description="试一试的标题（可不填）")
    text: str = Field("", max_length=20000, description="试一试的正文（可不填）")


class MonitorTextMatchOut(Schema):
    matched: bool
    terms: list[str]
    snippet: str


class MonitorTestItemOut(Schema):
    item_id: int
    title: str
    source: str
    published_at: dt.datetime
    terms: list[str]
    snippet: str


class MonitorTopicTestOut(Schema):
    expression: str = Field(..., description="规范写法")
    terms: list[str]
    text: MonitorTextMatchOut | None = Field(None, description="所给标题和正文的结果；都没给时为 null")
    looked_at: int = Field(..., description="看了本中心近 7 天的多少条信息（最新的至多 500 条）")
    matched: int = Field(..., description="其中命中的条数")
    items: list[MonitorTestItemOut] = Field(..., description="命中的信息（至多 50 条，最新在前）")


class MonitorQueuedOut(Schema):
    queued: bool
    days: int


class MonitorSettingsOut(Schema):
    county_words: list[str] = Field(..., description="本地词典：分词时保持完整的词")
    report_recipients: list[str]
    daily_report_hour: int = Field(..., description="日报生成时间（时，0–23，北京时间）")
    weekly_report_weekday: int = Field(..., description="周报生成日，1=周一 … 7=周日")
    send_reports: bool = Field(..., description="生成后不经编辑直接发送")
    cluster_window_hours: int
    cluster_threshold: float


class MonitorSettingsIn(Schema):
    county_words: list[str] | None = Field(None, max_length=settings_store.MAX_COUNTY_WORDS)
    report_recipients: list[str] | None = Field(None, max_length=settings_store.MAX_RECIPIENTS)
    daily_report_hour: int | None = None
    weekly_report_weekday: int | None = None
    send_reports: bool | None = None
    cluster_window_hours: int | None = None
    cluster_threshold: float | None = None


def _recent_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=topic_services.RECENT_DAYS)


def _topics(center):
    return scoped(Topic, center).annotate(recent=Count("matches", filter=Q(matches__item__published_at__gte=_recent_since())))


def _out(t: Topic) -> MonitorTopicOut:
    return MonitorTopicOut(id=t.pk, name=t.name, category=t.category, category_label=t.get_category_display(),
                           expression=t.expression, terms=rules.terms_of(t.expression), watched=t.watched,
                           enabled=t.enabled, recent_matches=t.recent, created_at=t.created_at, updated_at=t.updated_at)


def _topic(request, topic_id: int) -> Topic:
    return get_scoped_or_404(_topics(request.center), request.center, pk=topic_id)


def _refused(exc: ValidationError):
    errors = field_errors(exc)
    position = topic_services.position_of(exc)
    detail = errors["expression"][0] if position is not None else "提交的内容有误。"
    return Status(422, {"detail": detail, "errors": errors, "position": position})


@router.get("/monitor/topics", response={200: page_of(MonitorTopicOut), **ERRORS}, summary="监测方案列表",
            description="按类别、名称排列；可按类别、是否启用、名称或表达式中的文字筛选。")
def monitor_list_topics(request, category: TopicCategory | None = None, enabled: bool | None = None,
                        q: str = Query("", max_length=100, description="名称或表达式包含的文字"),
                        cursor: str | None = CursorQuery, limit: int = LimitQuery):
    require(request, "monitor.view")
    qs = _topics(request.center)
    if category:
        qs = qs.filter(category=category)
    if enabled is not None:
        qs = qs.filter(enabled=enabled)
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(expression__icontains=q.strip()))
    return paginate(qs, cursor=cursor, limit=limit, order=("category", "name", "pk"), out=_out)


@router.post("/monitor/topics", response={201: MonitorTopicOut, **EXPRESSION_ERRORS}, summary="新建监测方案",
             description="表达式有误时 422，errors.expression 说明原因，position 指出第几个字符。")
def monitor_create_topic(request, payload: MonitorTopicIn):
    require(request, "monitor.manage")
    try:
        topic = topic_services.create_topic(center=request.center, user=request.user, name=payload.name,
                                            expression=payload.expression, category=payload.category,
                                            watched=payload.watched, enabled=payload.enabled)
    except ValidationError as exc:
        return _refused(exc)
    return Status(201, _out(_topic(request, topic.pk)))


@router.post("/monitor/topics/test", response={200: MonitorTopicTestOut, **EXPRESSION_ERRORS},
             summary="试一试表达式（不保存）",
             description="对所给的标题、正文和本中心近 7 天的信息试一个表达式，什么也不改。表达式有误时 422，position 指出第几个字符。")
def monitor_test_topic_expression(request, payload: MonitorTopicTestIn):
    require(request, "monitor.view")
    try:
        tried = topic_services.try_expression(center=request.center, expression=payload.expression,
                                              title=payload.title, text=payload.text)
    except ValidationError as exc:
        return _refused(exc)
    text = None
    if payload.title.strip() or payload.text.strip():
        found = tried.text_match
        text = MonitorTextMatchOut(matched=found is not None, terms=found.terms if found else [],
                                   snippet=found.snippet if found else "")
    return MonitorTopicTestOut(
        expression=tried.rule.standard, terms=list(tried.rule.terms), text=text, looked_at=tried.looked_at,
        matched=tried.matched,
        items=[MonitorTestItemOut(item_id=item.pk, title=item.title, source=item.source.name,
                                  published_at=item.published_at, terms=r.terms, snippet=r.snippet)
               for item, r in tried.items])


@router.post("/monitor/topics/rematch", response={202: MonitorQueuedOut, **ERRORS},
             summary="对近 7 天信息重新匹配全部启用的方案",
             description="交给后台任务：新增或修改方案后，近 7 天的信息按现在的方案补上或去掉命中记录（不再预警）。")
def monitor_rematch_topics(request):
    require(request, "monitor.manage")
    topic_services.request_rematch(center=request.center, user=request.user)
    return Status(202, MonitorQueuedOut(queued=True, days=topic_services.RECENT_DAYS))


@router.get("/monitor/topics/{topic_id}", response={200: MonitorTopicOut, **ERRORS}, summary="一个监测方案")
def monitor_get_topic(request, topic_id: Id):
    require(request, "monitor.view")
    return _out(_topic(request, topic_id))


@router.patch("/monitor/topics/{topic_id}", response={200: MonitorTopicOut, **EXPRESSION_ERRORS},
              summary="修改监测方案（只改所给的字段）",
              description="表达式有误时 422，position 指出第几个字符，方案不变。")
def monitor_update_topic(request, topic_id: Id, payload: MonitorTopicPatchIn):
    require(request, "monitor.manage")
    topic = _topic(request, topic_id)
    try:
        topic_services.update_topic(topic=topic, user=request.user, **payload.dict(exclude_none=True))
    except ValidationError as exc:
        return _refused(exc)
    return _out(_topic(request, topic_id))


@router.delete("/monitor/topics/{topic_id}", response={200: MonitorTopicDeletedOut, **ERRORS}, summary="删除监测方案",
               description="已有命中记录的方案要带 with_matches=true 才能删除（命中记录一起删除），否则 409；"
                           "只想暂停请改 enabled=false。")
def monitor_delete_topic(request, topic_id: Id,
                         with_matches: bool = Query(False, description="连同命中记录一起删除")):
    require(request, "monitor.manage")
    topic = _topic(request, topic_id)
    pk = topic.pk
    gone = topic_services.delete_topic(topic=topic, user=request.user, with_matches=with_matches)
    return MonitorTopicDeletedOut(id=pk, matches_deleted=gone)


def _settings_out(s) -> MonitorSettingsOut:
    return MonitorSettingsOut(
        county_words=[w for w in s.county_words.splitlines() if w.strip()],
        report_recipients=[w for w in s.report_recipients.splitlines() if w.strip()],
        daily_report_hour=s.daily_report_hour, weekly_report_weekday=s.weekly_report_weekday, send_reports=s.send_reports,
        cluster_window_hours=s.cluster_window_hours, cluster_threshold=s.cluster_threshold)


@router.get("/monitor/settings", response={200: MonitorSettingsOut, **ERRORS}, summary="舆情设置")
def monitor_get_settings(request):
    require(request, "monitor.manage")
    return _settings_out(settings_store.get_settings(request.center))


@router.patch("/monitor/settings", response={200: MonitorSettingsOut, **ERRORS}, summary="修改舆情设置（只改所给的字段）",
              description="本地词典每个词 2 到 20 个字、不含空格和标点；有一项不合格时 422，什么也不改。")
def monitor_update_settings(request, payload: MonitorSettingsIn):
    require(request, "monitor.manage")
    changes = payload.dict(exclude_none=True)
    for name in ("county_words", "report_recipients"):
        if name in changes:
            changes[name] = "\n".join(changes[name])
    saved = settings_store.update_settings(center=request.center, user=request.user, **changes)
    return _settings_out(saved)
