"""Review use cases of this increment: keep a center's check lists, run the checks."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.review import checks
from rongmei.review.models import CheckList

PARSERS = {
    CheckList.Kind.SENSITIVE: (checks.parse_lexicon, checks.export_lexicon),
    CheckList.Kind.WORDING: (checks.parse_wording, checks.export_wording),
    CheckList.Kind.OFFICIALS: (checks.parse_officials, checks.export_officials),
    CheckList.Kind.TYPOS: (checks.parse_typos, checks.export_typos),
}
MAX_BYTES = 20 * 1024 * 1024
log = logging.getLogger("rongmei.linkcheck")


@transaction.atomic
def import_list(*, center: Center, kind: str, data: bytes | str, user: User | None) -> CheckList:
    """Replace one of the center's lists with an imported file. All or nothing: a bad line
    raises ValidationError naming the line, and the list in force stays as it was."""
    if kind not in PARSERS:
        raise ValidationError({"kind": ["未知的词表类型。"]})
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": [f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请拆分后导入。"]})
    parse, export = PARSERS[kind]
    try:
        items = parse(data)
    except checks.LexiconError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    canonical = export(items)
    checklist, _ = CheckList.objects.select_for_update().get_or_create(center=center, kind=kind)
    before = checklist.entry_count
    CheckList.objects.filter(pk=checklist.pk).update(
        content=canonical, entry_count=len(list(items)), version=F("version") + 1, updated_by=user)
    checklist.refresh_from_db()
    record("checklist.import", actor=user, center=center, obj=checklist,
           before={"entries": before}, after={"entries": checklist.entry_count, "version": checklist.version})
    return checklist


def export_list(checklist: CheckList) -> str:
    """The list as CSV to download, written afresh (lists stored before exports neutralised
    formula-like cells come out neutralised too)."""
    parse, export = PARSERS[checklist.kind]
    return export(parse(checklist.content).items)


@dataclass
class StoryCheck:
    findings: list
    fields: dict[str, str]
    blocking: bool

    def highlighted(self) -> list[dict]:
        """Each checked field with its marked-up text, for the review screen."""
        return [{"name": name, "html": checks.highlight_html(text, self.findings, name),
                 "count": sum(1 for f in self.findings if f.field == name)}
                for name, text in self.fields.items()]


def check_text(center: Center, fields: dict[str, str], *, lists: tuple[str, ...] | None = None) -> list:
    """The automatic checks on text that is not a story (an ad's words, a department's reply):
    `fields` maps a name to plain text; the center's lists, all of them or only those named in
    `lists` ("lexicon", "wording", "officials", "typos"; the shipped typo list stands in for a
    center without its own); no images, no links. Findings as `checks.run_checks` gives them,
    with their labels in `checks.CHECK_LABELS`."""
    from django.utils import timezone

    from rongmei.review import selectors

    found = selectors.check_lists(center)
    if lists is not None:
        found = {name: value for name, value in found.items() if name in lists}
    return checks.run_checks(fields, as_of=timezone.localdate(), **found)


def check_story(*, story) -> StoryCheck:
    """Run every automatic check on a story's text, captions and images, and on its
    renditions, with the center's lists. Links are asked separately, in the task queue
    (`check_story_links`)."""
    from rongmei.review import selectors

    images, fields = _story_fields(story)
    lists = selectors.check_lists(story.center)
    from django.utils import timezone

    findings = checks.run_checks(fields, images=images, check_links=False, as_of=timezone.localdate(),
                                 links=checks.links_in_html(story.body), **lists)
    return StoryCheck(findings=findings, fields=fields, blocking=checks.has_blocking(findings))


def _story_fields(story) -> tuple[list, dict[str, str]]:
    """The story's images and every checked text field (captions and renditions too)."""
    images = [checks.ImageRef(asset_id=link.asset.pk, caption=link.asset.caption, credit=link.asset.credit)
              for link in story.story_assets.select_related("asset") if link.asset.kind == "image"]
    fields = checks.story_fields(story.headline, story.body, subheadline=story.subheadline,
                                 summary=story.summary, images=images)
    if story.kicker:
        fields = {"kicker": story.kicker, **fields}
    for rendition in story.renditions.all():
        fields[f"rendition:{rendition.channel}"] = rendition.preview_text
        fields.update(_published_words(story, rendition))
    return images, fields


# Published fields that are not in the version's text: the WeChat title, author and digest;
# a long Weibo version's post (its teaser). A short post, the short-video caption and tags
# are the version's text itself and are checked there.
CHECKED_PUBLISHED = {"wechat": ("title", "author", "digest"), "weibo": ("text",)}


def _published_words(story, rendition) -> dict[str, str]:
    """The short fields a channel publishes besides its text (the Weibo teaser as posted,
    the WeChat digest …): public words, checked like the rest. The post's own link is left
    out (it is the story's address, not a link to ask)."""
    from rongmei.newsroom.published import published_fields

    channel = rendition.channel
    if channel == "weibo" and rendition.fields.get("mode") != "long":
        return {}
    keys = CHECKED_PUBLISHED.get(channel, ())
    return {f"rendition:{channel}:{f.key}": re.sub(r"\s*https?://\S+", "", f.text)
            for f in published_fields(story, channel) if f.key in keys and f.text}


def link_policy() -> checks.Policy:
    """Public addresses only, plus the intranet sites of RONGMEI_LINKCHECK_ALLOW."""
    from django.conf import settings

    return checks.Policy.parse(getattr(settings, "RONGMEI_LINKCHECK_ALLOW", []))


def story_link_urls(story) -> list[str]:
    """Every http(s) link of a story: written out in its text or behind an <a> in the body."""
    refs = [*checks.links_in_html(story.body), *checks.links_in_fields(_story_fields(story)[1])]
    return list(dict.fromkeys(ref.url for ref in refs if checks.links.is_checkable(ref.url)))


def check_story_links(*, story, timeout: float = 3.0) -> dict:
    """Ask every link of a story (see checks.links for what is refused). Runs in the task
    queue, never in a request. The answer says per link only 可以访问 / 无法访问（状态码）/
    无法访问, so it tells nobody what is behind an address the check refused."""
    from django.utils import timezone

    urls = story_link_urls(story)
    results = checks.fetch_all(urls, timeout=timeout, policy=link_policy())
    for url, result in results.items():
        if result.error:  # for the operator (an intranet site to allow?), never for the page
            log.info("story %s: %s: %s", story.pk, url, result.error)
    links = [{"url": url, "state": checks.link_state(results[url]), "ok": checks.link_state(results[url]) == checks.links.REACHABLE}
             for url in urls]
    return {"story": story.pk, "version": story.version, "checked_at": timezone.now().isoformat(), "links": links}


@transaction.atomic
def save_workflow_steps(*, workflow, user: User, rows: list[dict]):
    """Replace a workflow's steps. Pieces already in review keep the steps they started with."""
    from rongmei.core.permissions import ROLES
    from rongmei.review.models import WorkflowStep

    if not rows:
        raise ValidationError("流程至少需要一个环节。")
    problems = []
    for i, row in enumerate(rows, start=1):
        if row["role"] not in ROLES:
            problems.append(f"第 {i} 个环节“{row['name']}”没有选择办理角色。")
        if row["supervisor_role"] and row["supervisor_role"] not in ROLES:
            problems.append(f"第 {i} 个环节的督办角色无效。")
        if row["kind"] not in WorkflowStep.Kind.values:
            problems.append(f"第 {i} 个环节的类型无效。")
        to = row["send_back_to"]
        if to not in ("author", "previous") and not (to.isdigit() and 1 <= int(to) < i):
            problems.append(f"第 {i} 个环节“退回到”应为 author、previous 或更早环节的序号。")
        try:
            hours = int(row["time_limit_hours"])
            if not 1 <= hours <= 720:
                raise ValueError
            row["time_limit_hours"] = hours
        except (TypeError, ValueError):
            problems.append(f"第 {i} 个环节的时限应为 1 到 720 小时。")
        if len(row["name"]) > 20:
            problems.append(f"第 {i} 个环节名称最多 20 个字。")
    if problems:
        raise ValidationError(problems)
    before = [s.name for s in workflow.steps.order_by("order")]
    workflow.steps.all().delete()
    WorkflowStep.objects.bulk_create([WorkflowStep(workflow=workflow, order=i, **row) for i, row in enumerate(rows, start=1)])
    workflow.save(update_fields=["updated_at"])
    record("workflow.save", actor=user, center=workflow.center, obj=workflow, before={"steps": before},
           after={"steps": [r["name"] for r in rows]})
    return workflow


@transaction.atomic
def add_rule(*, center: Center, user: User, workflow_id: int, column_id: int | None, channel: str):
    from rongmei.newsroom.models import Column, Rendition
    from rongmei.review.models import Workflow, WorkflowRule

    workflow = Workflow.objects.filter(center=center, pk=workflow_id).first()
    if workflow is None:
        raise ValidationError("流程不存在。")
    if column_id is not None and not Column.objects.filter(center=center, pk=column_id).exists():
        raise ValidationError("栏目不属于本中心。")
    if channel and channel not in Rendition.Channel.values:
        raise ValidationError("渠道无效。")
    if column_id is None and not channel:
        raise ValidationError("请至少选择栏目或渠道；都不选的情况由默认流程处理。")
    if WorkflowRule.objects.filter(center=center, column_id=column_id, channel=channel).exists():
        raise ValidationError("同样条件的规则已经存在。")
    rule = WorkflowRule.objects.create(center=center, workflow=workflow, column_id=column_id, channel=channel)
    record("workflow.rule_add", actor=user, center=center, obj=workflow, after={"column": column_id, "channel": channel})
    return rule


@transaction.atomic
def delete_rule(*, center: Center, user: User, rule_id: int) -> None:
    from rongmei.review.models import WorkflowRule

    rule = WorkflowRule.objects.filter(center=center, pk=rule_id).select_related("workflow").first()
    if rule is None:
        raise ValidationError("规则不存在。")
    record("workflow.rule_delete", actor=user, center=center, obj=rule.workflow,
           before={"column": rule.column_id, "channel": rule.channel})
    rule.delete()
