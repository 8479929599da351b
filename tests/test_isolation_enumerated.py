"""The standing isolation and permission suite (issue 11).

Every URL pattern Django's resolver knows (ninja's patterns included) and every operation of
the two OpenAPI documents is requested as every role of the demo center A, as anonymous, and
as people working in the neighbour center B, with real ids of A's objects in the path.

What each identity should get comes from a declaration per route below (`URLS`, `API`) and the
permission table (`rongmei/core/permissions.py`, read through the same backend the views use):
a route declared `Perm("newsroom.view_stories")` must answer every identity holding that
permission in its active center, and refuse everyone else (403/404, or the login page for
anonymous). B's identities get A's ids, so a route that takes an object of A refuses them.

Before the run, CANARY strings are written into A's private data (drafts, leads, topics,
comments, citizens' phone numbers, account names, notifications, tokens); no answer that
anonymous or B gets may contain one, and no A person without "newsroom.view_drafts" may see
a draft's canary unless they wrote it. For B and anonymous, A's object ids must answer exactly
like ids that exist nowhere (no existence oracle). Personal API tokens are tried on the API.

A route without a declaration fails the suite: when you add a URL or an API operation, add
its line here. Each request runs in a savepoint that is rolled back, so POSTs that succeed
change nothing for the requests after them.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Callable

from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from rongmei.core.auth import center_permissions
from rongmei.core.middleware import SESSION_CENTER_KEY
from rongmei.core.models import Membership, User

# --- Rules: who may have an answer ------------------------------------------------------------------


@dataclass
class Identity:
    label: str
    user: User | None
    center: object | None  # the active center (None for anonymous)
    perms: frozenset = frozenset()
    roles: frozenset = frozenset()
    member_of_a: bool = False
    api_only: bool = False  # a personal API token: no session, so only the API knows it
    client: Client | None = None
    cookies: dict = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.user is None


class Rule:
    public = False

    def allows(self, who: Identity, world) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __or__(self, other):
        return AnyOf(self, other)

    def __and__(self, other):
        return AllOf(self, other)


class Public(Rule):
    """Anybody, on the public site, the public API and Open311."""

    public = True

    def allows(self, who, world):
        return True

    def __repr__(self):
        return "public"


class Login(Rule):
    """Any logged-in person (personal pages: password, notifications)."""

    def allows(self, who, world):
        return not who.anonymous

    def __repr__(self):
        return "login"


class Nobody(Rule):
    """Refused to every identity (e.g. WeChat's callback without a valid signature)."""

    def allows(self, who, world):
        return False

    def __repr__(self):
        return "nobody"


class Anything(Rule):
    """Not judged (only crashes and canaries are): logging out answers with the login page."""

    def allows(self, who, world):
        return True

    def __repr__(self):
        return "anything"


class PlatformAdmin(Rule):
    """Django's admin: platform administrators (is_staff) only."""

    def allows(self, who, world):
        return not who.anonymous and who.user.is_active and who.user.is_staff

    def __repr__(self):
        return "platform_admin"


class PlatformSuperuser(PlatformAdmin):
    """The province app's platform administration: `User.is_platform_admin` (an active
    superuser), stricter than Django admin's is_staff."""

    def allows(self, who, world):
        return not who.anonymous and who.user.is_platform_admin

    def __repr__(self):
        return "platform_admin (superuser)"


@dataclass
class Perm(Rule):
    """`perm` in the person's active center, per the role table."""

    perm: str

    def allows(self, who, world):
        return self.perm in who.perms


@dataclass
class UserIs(Rule):
    """One particular person (the owner of a token, the recipient of a notification)."""

    username: str

    def allows(self, who, world):
        wanted = world.value(self.username) if self.username.startswith("@") else self.username
        return not who.anonymous and who.user.username == wanted


@dataclass
class HasRole(Rule):
    """Holds this role in the active center (a review step's assignee)."""

    role: str

    def allows(self, who, world):
        return self.role in who.roles


@dataclass
class StoryAuthor(Rule):
    """Created the story or has a byline on it (world attribute `story`)."""

    story: str

    def allows(self, who, world):
        story = getattr(world, self.story)
        authors = {story.created_by_id} | {b.user_id for b in story.bylines.all()}
        return not who.anonymous and who.user.pk in authors


@dataclass
class InCrew(Rule):
    """On the crew of a live production (world attribute `production`): its page is theirs."""

    production: str

    def allows(self, who, world):
        production = getattr(world, self.production)
        return not who.anonymous and production.crew.filter(person=who.user).exists()


@dataclass
class AnyOf(Rule):
    first: Rule
    second: Rule

    def allows(self, who, world):
        return self.first.allows(who, world) or self.second.allows(who, world)


@dataclass
class AllOf(Rule):
    first: Rule
    second: Rule

    def allows(self, who, world):
        return self.first.allows(who, world) and self.second.allows(who, world)


@dataclass
class Expect:
    """How one route answers. `kwargs(world)` fills the path with real objects of center A;
    `data(world)` is the body of a POST; `query` is added to GETs."""

    rule: Rule
    kwargs: Callable | None = None
    # GET, and POST when the route answers GET with 405. method="POST" asks a page that also
    # takes a form with its (stricter) write permission.
    method: str = "GET"
    data: Callable | None = None
    query: str = ""
    # A route whose path names an object of A refuses people working in B, whatever the rule
    # (public routes excepted). Detected from kwargs; set False for a slug/format-only path.
    a_object: bool | None = None
    as_json: bool = False  # the API: body as JSON
    # The person's own data across centers (their tokens, their notifications): not a leak
    # when someone who also works in A sees it while active in B.
    personal: bool = False
    also_fine: tuple = ()  # statuses that are a normal answer here (healthz: 503 without a worker)
    # Heavy work (rebuilding the site): ask only the first identity that may do it; everyone
    # who may not is still asked.
    allowed_once: bool = False
    absent_path: str = ""  # filled in by the run: the same path with ids that exist nowhere
    note: str = ""


def kw(**values):
    """kwargs from the world: kw(pk="draft_story") -> {"pk": world.draft_story.pk}."""

    def build(world):
        return {name: world.value(ref) for name, ref in values.items()}

    return build


def body(**values):
    def build(world):
        return {name: world.value(ref) if isinstance(ref, str) and ref.startswith("@") else ref
                for name, ref in values.items()}

    return build


VIEW_STORIES = Perm("newsroom.view_stories")
# A story not signed off yet is read by the desk, reviewers, the chief and the center admin
# ("newsroom.view_drafts"), and by its own authors.
READ_DRAFT = VIEW_STORIES & (Perm("newsroom.view_drafts") | StoryAuthor("draft_story"))
# The library: whole for people who write or read drafts; else what readable stories use.
READ_PRIVATE_ASSET = VIEW_STORIES & (Perm("newsroom.view_drafts") | Perm("newsroom.write_story") | UserIs("@asset_uploader"))
CAN_EDIT_REPORTERS_STORY = Perm("newsroom.edit_any_story") | (Perm("newsroom.write_story") & UserIs("reporter"))

PRODUCE = Perm("newsroom.produce_renditions")
MONTH = kw(month="@appraisal_month")
# 有线网络 (issue 18): a work order is read by the desk (cable.view) and by the technician it was sent to.
CABLE_TECHNICIAN = Perm("cable.repair") & UserIs("@order_technician")
CABLE_ORDER = Perm("cable.view") | CABLE_TECHNICIAN  # 绩效考核: an open month of A with a dispute

# --- Declarations: every URL pattern --------------------------------------------------------------
# Keyed by URL name ("namespace:name"); unnamed patterns by their full route.

URLS: dict[str, Expect | list[Expect]] = {
    "healthz": Expect(Public(), also_fine=(503,), note="503 while no task worker runs, as in tests"),
    "favicon": Expect(Public(), note="the site icon browsers ask for at /favicon.ico"),
    # Uploads: a published story's picture is public; a draft's only for who may read it.
    "media": [
        Expect(READ_PRIVATE_ASSET, kwargs=kw(path="asset_path"), a_object=True, personal=True,
               note="the file's own center decides: a member of A reads it while working in B"),
        Expect(Public(), kwargs=kw(path="published_asset_path")),
    ],
    "api:openapi-json": Expect(Login(), note="the staff API's document is for people who work here"),
    "api:openapi-view": Expect(Login()),
    "api:api-root": Expect(Nobody(), note="django-ninja answers 404 at the API's root"),
    "public_api:openapi-json": Expect(Public()),
    "public_api:openapi-view": Expect(Public()),
    "public_api:api-root": Expect(Nobody(), note="django-ninja answers 404 at the API's root"),
    # Open311: public by the standard; submission needs an api_key (refused without one).
    "open311:openapi": Expect(Public()),
    "open311:discovery": Expect(Public(), kwargs=kw(fmt="=json"), a_object=False),
    "open311:services": Expect(Public(), kwargs=kw(fmt="=json"), query="jurisdiction_id=demo", a_object=False),
    "open311:service": Expect(Public(), kwargs=kw(service_code="case_kind", fmt="=json"), query="jurisdiction_id=demo"),
    "open311:requests": Expect(Public(), kwargs=kw(fmt="=json"), query="jurisdiction_id=demo", a_object=False),
    "open311:request": Expect(Public(), kwargs=kw(service_request_id="public_case_code", fmt="=json"),
                              query="jurisdiction_id=demo"),
    "open311:token": Expect(Public(), kwargs=kw(token="public_case_code", fmt="=json"), query="jurisdiction_id=demo"),
    # Inquiry, public side.
    "inquiry_public:index": Expect(Public(), kwargs=kw(center="=demo")),
    "inquiry_public:ask": Expect(Public(), kwargs=kw(center="=demo")),
    "inquiry_public:track": Expect(Public(), kwargs=kw(center="=demo")),
    "inquiry_public:case": [
        Expect(Public(), kwargs=kw(center="=demo", pk="public_case")),
        Expect(Nobody(), kwargs=kw(center="=demo", pk="private_case"), note="a case not made public is a 404"),
    ],
    "inquiry_stats:public_ranking": Expect(Public(), kwargs=kw(center="=demo")),
    # Inquiry, staff side.
    "inquiry_stats:stats": Expect(Perm("inquiry.view_stats")),
    "inquiry_stats:export": Expect(Perm("inquiry.view_stats")),
    "inquiry:queue": Expect(Perm("inquiry.handle")),
    "inquiry:mine": Expect(Perm("inquiry.answer") & HasRole("liaison"),
                           note="a department's work list: a platform admin belongs to no department"),
    "inquiry:settings": Expect(Perm("inquiry.manage")),
    # The liaison's department (住建局) was given this case; other liaisons' are not.
    "inquiry:case": Expect(Perm("inquiry.handle") | UserIs("liaison"), kwargs=kw(pk="liaison_case")),
    "inquiry:contact": Expect(Perm("inquiry.handle"), kwargs=kw(pk="liaison_case"),
                              note="the full phone number: handlers only, liaisons see it masked"),
    "inquiry:action": Expect(Perm("inquiry.handle") | UserIs("liaison"), kwargs=kw(pk="liaison_case"),
                             data=body(action="ask", question="")),
    # Portal, public site.
    "portal:home": Expect(Public(), kwargs=kw(center="=demo")),
    "portal:column": Expect(Public(), kwargs=kw(center="=demo", slug="column_slug")),
    "portal:column_feed": Expect(Public(), kwargs=kw(center="=demo", column="column_slug", kind="=feed")),
    "portal:article": [
        Expect(Public(), kwargs=kw(center="=demo", pk="published_story")),
        Expect(Nobody(), kwargs=kw(center="=demo", pk="draft_story"), note="a draft is not on the site"),
    ],
    "portal:features": Expect(Public(), kwargs=kw(center="=demo")),
    "portal:feature": Expect(Public(), kwargs=kw(center="=demo", slug="feature_slug")),
    "portal:live": Expect(Public(), kwargs=kw(center="=demo")),
    "portal:services": Expect(Public(), kwargs=kw(center="=demo")),
    "portal:service": Expect(Public(), kwargs=kw(center="=demo", slug="service_slug")),
    "portal:search": Expect(Public(), kwargs=kw(center="=demo"), query="q=@seek"),
    "portal:sitemap": Expect(Public(), kwargs=kw(center="=demo")),
    "portal:feed": Expect(Public(), kwargs=kw(center="=demo", kind="=atom")),
    # Portal, staff side.
    "portal_staff:overview": Expect(Perm("portal.manage_site")),
    "portal_staff:rebuild": Expect(Perm("portal.manage_site"), allowed_once=True),
    "portal_staff:new": Expect(Perm("portal.manage_site"), kwargs=kw(kind="=live"), a_object=False),
    "portal_staff:edit": Expect(Perm("portal.manage_site"), kwargs=kw(kind="=features", pk="feature")),
    # Newsroom.
    "newsroom:stories": Expect(VIEW_STORIES),
    "newsroom:story_create": Expect(Perm("newsroom.write_story")),
    "newsroom:story": [
        Expect(READ_DRAFT, kwargs=kw(pk="draft_story")),
        Expect(VIEW_STORIES, kwargs=kw(pk="published_story")),
    ],
    "newsroom:story_edit": Expect(CAN_EDIT_REPORTERS_STORY, kwargs=kw(pk="draft_story")),
    "newsroom:presence": Expect(CAN_EDIT_REPORTERS_STORY, kwargs=kw(pk="draft_story")),
    "newsroom:story_status": Expect(CAN_EDIT_REPORTERS_STORY, kwargs=kw(pk="draft_story"), data=body(action="file")),
    "newsroom:revisions": [
        Expect(READ_DRAFT, kwargs=kw(pk="draft_story")),
        Expect(VIEW_STORIES, kwargs=kw(pk="published_story")),
    ],
    "newsroom:conflict": Expect(CAN_EDIT_REPORTERS_STORY, kwargs=kw(pk="draft_story", number="conflict_number")),
    "newsroom:renditions_generate": Expect(Perm("newsroom.produce_renditions"), kwargs=kw(pk="draft_story"),
                                           data=body(channel="web")),
    "newsroom:rendition": Expect(Perm("newsroom.produce_renditions"), kwargs=kw(pk="rendition_story", channel="=web")),
    "newsroom:renditions_confirm": Expect(Perm("newsroom.produce_renditions"), kwargs=kw(pk="rendition_story")),
    "newsroom:assets": [
        Expect(VIEW_STORIES),
        Expect(VIEW_STORIES & Perm("newsroom.write_story"), method="POST", note="uploading"),
    ],
    "newsroom:asset": [
        Expect(READ_PRIVATE_ASSET, kwargs=kw(pk="asset")),
        Expect(VIEW_STORIES, kwargs=kw(pk="published_asset")),
        Expect(VIEW_STORIES & Perm("newsroom.write_story"), kwargs=kw(pk="published_asset"), method="POST",
               note="changing the caption"),
    ],
    "newsroom:asset_upload": Expect(Perm("newsroom.write_story")),
    "newsroom:asset_picker": Expect(VIEW_STORIES),
    "newsroom:search": Expect(VIEW_STORIES, query="q=@seek"),
    "newsroom:columns": Expect(Perm("newsroom.manage_columns")),
    # Planning.
    # 舆情监测 · 监测方案 and 舆情设置 (rules part)
    "monitor:topics": Expect(Perm("monitor.view")),
    "monitor:topic_new": Expect(Perm("monitor.manage")),
    "monitor:topic_try": Expect(Perm("monitor.view"), note="试一试 saves nothing: for everyone who reads monitoring"),
    "monitor:topic_rematch": Expect(Perm("monitor.manage")),
    "monitor:topic_edit": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_topic")),
    "monitor:topic_action": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_topic"), data=body(action="disable")),
    "monitor:settings": Expect(Perm("monitor.manage")),
    # 监测源 (fetch part): monitor.view reads, monitor.manage changes.
    "monitor:sources": Expect(Perm("monitor.view")),
    "monitor:source_new": Expect(Perm("monitor.manage")),
    "monitor:source": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_source")),
    "monitor:source_edit": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_source")),
    "monitor:source_fetch": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_source")),
    "monitor:source_delete": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_source")),
    # 舆情预警 (alerts part): monitor.view reads alerts, monitor.handle handles them and sends
    # items to the newsroom, monitor.manage sets rules and robots.
    "monitor:alerts": Expect(Perm("monitor.view")),
    "monitor:alert": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_alert")),
    "monitor:alert_action": Expect(Perm("monitor.handle"), kwargs=kw(pk="monitor_alert"),
                                   data=body(action="note", text="隔离测试记录")),
    "monitor:item_lead": Expect(Perm("monitor.handle"), kwargs=kw(pk="monitor_item")),
    "monitor:rules": Expect(Perm("monitor.manage")),
    "monitor:rule_new": Expect(Perm("monitor.manage")),
    "monitor:rule": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_rule")),
    "monitor:rule_delete": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_rule")),
    "monitor:robots": Expect(Perm("monitor.manage")),
    "monitor:robot_new": Expect(Perm("monitor.manage")),
    "monitor:robot": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_robot")),
    "monitor:robot_action": Expect(Perm("monitor.manage"), kwargs=kw(pk="monitor_robot"), data=body(action="test"),
                                   note="the world's robot points at a private address: refused at once, nothing sent"),
    # 舆情概览、信息、热点、方案走势 and 舆情报告 (views part): monitor.view reads; monitor.report
    # generates, edits and sends reports.
    "monitor:dashboard": Expect(Perm("monitor.view")),
    "monitor:items": Expect(Perm("monitor.view"), query="q=@seek"),
    "monitor:item": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_item")),
    "monitor:hot_topics": Expect(Perm("monitor.view")),
    "monitor:hot_topic": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_hot_topic")),
    "monitor:topic_timeline": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_topic")),
    "monitor:reports": Expect(Perm("monitor.view")),
    "monitor:report_generate": Expect(Perm("monitor.report"), data=body(kind="daily", day="2025-01-02")),
    "monitor:report": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_report")),
    "monitor:report_edit": Expect(Perm("monitor.report"), kwargs=kw(pk="monitor_report")),
    "monitor:report_docx": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_report"), allowed_once=True),
    "monitor:report_pdf": Expect(Perm("monitor.view"), kwargs=kw(pk="monitor_report"), allowed_once=True),
    "monitor:report_send": Expect(Perm("monitor.report"), kwargs=kw(pk="monitor_report"), allowed_once=True,
                                  note="mailed to the locmem outbox"),
    # 传播效果 (issue 16): analytics.view reads the dashboards and their downloads; analytics.manage
    # imports figures and sets the transmission index's weights.
    "analytics:overview": Expect(Perm("analytics.view")),
    "analytics:overview_export": Expect(Perm("analytics.view")),
    "analytics:story": Expect(Perm("analytics.view"), kwargs=kw(pk="published_story")),
    "analytics:story_export": Expect(Perm("analytics.view"), kwargs=kw(pk="published_story")),
    "analytics:accounts": Expect(Perm("analytics.view")),
    "analytics:accounts_export": Expect(Perm("analytics.view")),
    "analytics:screen": Expect(Perm("analytics.view")),
    "analytics:screen_data": Expect(Perm("analytics.view")),
    "analytics:imports": Expect(Perm("analytics.manage")),
    "analytics:import_upload": Expect(Perm("analytics.manage"), note="POST without a file: 422 after the permission check"),
    "analytics:import": Expect(Perm("analytics.manage"), kwargs=kw(pk="analytics_import")),
    "analytics:import_run": Expect(Perm("analytics.manage"), kwargs=kw(pk="analytics_import"),
                                   note="the batch is already imported: 409, nothing changes"),
    "analytics:import_template": Expect(Perm("analytics.manage"), kwargs=kw(kind="=pieces", fmt="=xlsx"), a_object=False),
    "analytics:settings": Expect(Perm("analytics.manage")),
    # 绩效考核 (issue 16): view_own one's own month (and disputes), view_all everyone's, rate 优稿,
    # manage the rules, facts, disputes and the close, export the HR files. Months are dates:
    # a route that finds the month's period in the asker's center answers 404 in B (no 2025-01 there).
    "appraisal:rules": Expect(Perm("appraisal.manage")),
    "appraisal:rules_edit": Expect(Perm("appraisal.manage")),
    "appraisal:rule_version": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_ruleset")),
    "appraisal:rule_json": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_ruleset")),
    "appraisal:ratings": Expect(Perm("appraisal.rate")),
    "appraisal:rate_story": Expect(Perm("appraisal.rate"), kwargs=kw(story_id="published_story")),
    "appraisal:pickups": Expect(Perm("appraisal.manage")),
    "appraisal:pickup_new": Expect(Perm("appraisal.manage")),
    "appraisal:pickup": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_pickup")),
    "appraisal:pickup_delete": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_pickup")),
    "appraisal:pickup_import": Expect(Perm("appraisal.manage")),
    "appraisal:pickup_batch": Expect(Perm("appraisal.manage"), kwargs=kw(pk="pickup_import")),
    "appraisal:pickup_template": Expect(Perm("appraisal.manage"), kwargs=kw(fmt="=xlsx"), a_object=False),
    "appraisal:deductions": Expect(Perm("appraisal.manage")),
    "appraisal:deduction_delete": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_deduction")),
    "appraisal:pay": Expect(Perm("appraisal.manage")),
    "appraisal:month": Expect(Perm("appraisal.view_all")),
    "appraisal:me": Expect(Perm("appraisal.view_own")),
    "appraisal:disputes": Expect(Perm("appraisal.manage")),
    "appraisal:dispute_resolve": Expect(Perm("appraisal.manage"), kwargs=kw(pk="appraisal_dispute"),
                                        data=body(decision="reject", resolution="隔离测试")),
    "appraisal:fees": Expect(Perm("appraisal.view_all")),
    "appraisal:month_compute": Expect(Perm("appraisal.manage"), kwargs=MONTH, a_object=False, allowed_once=True,
                                      note="computes the asker's own center's month"),
    "appraisal:month_close": Expect(Perm("appraisal.manage"), kwargs=MONTH, note="GET: the confirmation page"),
    "appraisal:month_adjust": Expect(Perm("appraisal.manage"), kwargs=MONTH,
                                     data=body(user="@appraisal_person", points="1", reason="隔离测试"),
                                     note="an open month: 400 for those who may"),
    "appraisal:person": Expect(Perm("appraisal.view_all"), kwargs=kw(month="@appraisal_month", user_id="appraisal_person")),
    "appraisal:dispute_new": Expect(Perm("appraisal.view_own"), kwargs=MONTH, a_object=False,
                                    data=body(text="隔离测试申诉"), note="raised in the asker's own center's month"),
    "appraisal:export_xlsx": Expect(Perm("appraisal.export"), kwargs=MONTH),
    "appraisal:export_pdf": Expect(Perm("appraisal.export"), kwargs=MONTH, allowed_once=True),
    "appraisal:fees_xlsx": Expect(Perm("appraisal.export"), kwargs=MONTH),
    "planning:board": Expect(Perm("planning.view_board")),
    "planning:screen": Expect(Perm("planning.view_board")),
    "planning:calendar": Expect(Perm("planning.view_board")),
    "planning:leads": Expect(Perm("planning.add_lead")),
    "planning:lead_contact": Expect(Perm("planning.add_lead") & (Perm("inquiry.handle") | UserIs("@lead_creator")),
                                    kwargs=kw(pk="lead"), note="the full number: handlers and whoever typed the lead in"),
    "planning:lead_dismiss": Expect(Perm("planning.triage_lead"), kwargs=kw(pk="lead")),
    "planning:lead_to_topic": Expect(Perm("planning.triage_lead"), kwargs=kw(pk="lead")),
    "planning:topics": [
        Expect(Perm("planning.view_board")),
        Expect(Perm("planning.view_board") & Perm("planning.propose_topic"), method="POST", note="proposing"),
    ],
    "planning:topic": [
        Expect(Perm("planning.view_board"), kwargs=kw(pk="topic")),
        Expect(Perm("planning.view_board") & Perm("planning.decide_topic"), kwargs=kw(pk="topic"), method="POST",
               data=body(action="approve"), note="deciding"),
        Expect(Perm("planning.view_board") & Perm("planning.assign"), kwargs=kw(pk="topic"), method="POST",
               data=body(action="assign"), note="dispatching"),
    ],
    "planning:plan_create": Expect(Perm("planning.decide_topic")),
    "planning:mine": Expect(Perm("planning.take_assignment")),
    "planning:assignment": Expect(Perm("planning.view_board"), kwargs=kw(pk="assignment")),
    # 值班表: the board's people read it; the chief draws it up; swaps are checked in the service.
    "planning:duty": [
        Expect(Perm("planning.view_board")),
        Expect(Perm("planning.view_board") & Perm("planning.manage_duty"), method="POST", note="排班"),
    ],
    "planning:duty_remove": Expect(Perm("planning.manage_duty"), kwargs=kw(pk="duty_shift")),
    "planning:duty_swap": Expect(Perm("planning.view_board"), kwargs=kw(pk="duty_shift"),
                                 note="a shift not one's own is refused with a message (302)"),
    "planning:duty_swap_decide": Expect(Perm("planning.view_board"), kwargs=kw(pk="duty_swap"), data=body(action="agree"),
                                        note="only the asked person / the chief may decide: a message (302)"),
    # Review.
    "review:inbox": Expect(Perm("review.review")),
    "review:review": [
        Expect(VIEW_STORIES & (Perm("newsroom.view_drafts") | StoryAuthor("open_review_story")), kwargs=kw(pk="open_review"),
               note="a story in review is not published yet: its review page is for who may read drafts"),
        Expect(VIEW_STORIES, kwargs=kw(pk="signed_off_review")),
    ],
    # Only whoever holds the role of the review's current step (一审) may edit and approve.
    "review:edit": Expect(Perm("review.review") & HasRole("reviewer1"), kwargs=kw(pk="open_review")),
    "review:workflows": Expect(Perm("review.manage_workflows")),
    "review:workflow": Expect(Perm("review.manage_workflows"), kwargs=kw(pk="workflow")),
    "review:stats": Expect(Perm("review.view_stats")),
    "review:ledger": Expect(Perm("core.view_audit")),
    "review:lists": Expect(Perm("review.manage_lists")),
    "review:export": Expect(Perm("review.manage_lists"), kwargs=kw(kind="=sensitive"), a_object=True,
                            note="B has no list of its own to export: 404 there"),
    "review:story_checks": Expect(Perm("review.run_checks"), kwargs=kw(pk="draft_story")),
    "review:story_link_check": Expect(Perm("review.run_checks"), kwargs=kw(pk="draft_story")),
    "review:submit": Expect(Perm("review.submit"), kwargs=kw(pk="draft_story")),
    # Distribution.
    "distribution:matrix": Expect(Perm("distribution.manage_accounts")),
    "distribution:story": Expect(Perm("distribution.publish"), kwargs=kw(pk="published_story")),
    "distribution:takedown": Expect(Perm("distribution.publish"), kwargs=kw(pk="published_story")),
    "distribution:correct": Expect(Perm("distribution.publish"), kwargs=kw(pk="published_story")),
    "distribution:publication": Expect(Perm("distribution.publish"), kwargs=kw(pk="publication")),
    "distribution:handoff": Expect(Perm("distribution.publish") | UserIs("@publication_responsible"),
                                   kwargs=kw(pk="publication")),
    "distribution:handoffs": Expect(Login()),
    "distribution:account_new": Expect(Perm("distribution.manage_accounts")),
    "distribution:account_edit": Expect(Perm("distribution.manage_accounts"), kwargs=kw(pk="account")),
    "distribution:group_new": Expect(Perm("distribution.manage_accounts")),
    "distribution:rundown": Expect(Perm("distribution.publish"), kwargs=kw(pk="broadcast_account")),
    "distribution:webhooks": Expect(Perm("distribution.manage_webhooks")),
    "distribution:webhook_new": Expect(Perm("distribution.manage_webhooks")),
    "distribution:webhook": Expect(Perm("distribution.manage_webhooks"), kwargs=kw(pk="webhook")),
    "distribution:webhook_action": Expect(Perm("distribution.manage_webhooks"), kwargs=kw(pk="webhook")),
    "distribution:wechat_callback": Expect(Nobody(), kwargs=kw(pk="wechat_account"),
                                           note="unsigned: refused to everyone, signed requests are tested in distribution"),
    # Core.
    "core:home": Expect(Login()),
    "core:login": Expect(Public()),
    "core:logout": Expect(Anything(), note="POST only; answers with the login page"),
    "core:switch_center": Expect(Login(), data=body(center="@center_b")),
    "core:org": [
        Expect(Perm("core.view_org")),
        Expect(Perm("core.view_org") & Perm("core.manage_org"), method="POST", note="adding a department"),
    ],
    "core:department": Expect(Perm("core.view_org"), kwargs=kw(pk="department")),
    "core:people": Expect(Perm("core.manage_people")),
    "core:person_create": Expect(Perm("core.manage_people")),
    "core:person": Expect(Perm("core.manage_people"), kwargs=kw(pk="person")),
    # A shared account (editor works in A and B): each center's admin decides, so B's admin
    # reaches this person too, deliberately.
    "core:person_change_approve": Expect(Perm("core.manage_people"), kwargs=kw(pk="shared_person", change_id="change"),
                                         a_object=False),
    "core:person_change_refuse": Expect(Perm("core.manage_people"), kwargs=kw(pk="shared_person", change_id="change"),
                                        a_object=False),
    "core:person_set_active": Expect(Perm("core.manage_people"), kwargs=kw(pk="person"), data=body(active="1")),
    "core:audit": Expect(Perm("core.view_audit")),
    "core:audit_detail": Expect(Perm("core.view_audit"), kwargs=kw(pk="audit_event")),
    "core:tokens": Expect(Perm("core.use_api_tokens"), personal=True),
    "core:token_revoke": Expect(UserIs("editor"), kwargs=kw(pk="editor_token"), personal=True),
    "core:password": Expect(Login()),
    "core:notifications": Expect(Login(), personal=True),
    "core:notification_badge": Expect(Login(), personal=True),
    "core:notification_open": Expect(UserIs("editor"), kwargs=kw(pk="editor_notification"), personal=True),
    # Django's admin beyond the generic rule (admin_expectation): what the platform admin is refused too.
    "admin:logout": Expect(Anything(), note="POST only; answers with the login page"),
    "admin:autocomplete": Expect(Nobody(), note="without a model field that autocompletes, refused to all"),
    "admin:view_on_site": Expect(Nobody(), kwargs=lambda world: world.admin_kwargs(Route("", "djadmin/r/", "")),
                                 note="stories have no public URL of their own in the admin"),
    "admin:core_auditevent_add": Expect(Nobody(), note="the audit log is read-only"),
    "admin:core_auditevent_delete": Expect(Nobody(), kwargs=lambda world: world.admin_kwargs(Route("", "djadmin/core/auditevent/", "")),
                                           note="the audit log is read-only"),
    "admin:axes_accessattempt_add": Expect(Nobody(), note="axes' records are read-only"),
    "admin:axes_accesslog_add": Expect(Nobody(), note="axes' records are read-only"),
    "admin:axes_accessfailurelog_add": Expect(Nobody(), note="axes' records are read-only"),
    "djadmin/(?P<url>.*)$": Expect(Nobody(), kwargs=lambda world: {"url": "nothing-here/"},
                                   note="admin's catch-all: 404 for staff, the admin login for others"),
    # -- issue 17 --------------------------------------------------------------------------------------
    # 视频版本: the story's readers see its video versions; making, cancelling and choosing the
    # cover is "newsroom.produce_renditions" (the permission that edits channel versions).
    "newsroom:video_jobs": [
        Expect(VIEW_STORIES, kwargs=kw(pk="video_story")),
        Expect(VIEW_STORIES & PRODUCE, kwargs=kw(pk="video_story"), method="POST", data=body(shape="diagonal"),
               note="a bad shape: 400 with the form again, nothing queued"),
    ],
    "newsroom:video_starter": Expect(VIEW_STORIES & PRODUCE, kwargs=kw(pk="video_story")),
    "newsroom:video_job": Expect(VIEW_STORIES, kwargs=kw(pk="video_story", job="video_job")),
    "newsroom:video_progress": Expect(VIEW_STORIES, kwargs=kw(pk="video_story", job="video_job")),
    "newsroom:video_cancel": Expect(VIEW_STORIES & PRODUCE, kwargs=kw(pk="video_story", job="video_job"),
                                    data=body(version="0"), note="a finished job: a message, nothing changes"),
    "newsroom:video_retry": Expect(VIEW_STORIES & PRODUCE, kwargs=kw(pk="video_story", job="video_job"),
                                   data=body(version="0"), note="a finished job: a message, nothing changes"),
    "newsroom:video_cover": Expect(VIEW_STORIES & PRODUCE, kwargs=kw(pk="video_story", job="video_job"),
                                   data=body(cover_time="0.5", version="0"), allowed_once=True,
                                   note="a stale version: refused with a message"),
    "newsroom:video_cover_preview": Expect(VIEW_STORIES, kwargs=kw(pk="video_story", job="video_job"), query="cover_time=0.5"),
    "newsroom:video_frame": Expect(VIEW_STORIES, kwargs=kw(pk="video_story", job="video_job"), query="t=0.5",
                                   allowed_once=True, note="one ffmpeg frame per allowed ask: once is enough"),
    # The province's receipts: signed with the account's key, so an unsigned POST is refused
    # to everyone (401); the signed path is tested in distribution/tests/test_province.py.
    "distribution:province_callback": Expect(Nobody(), kwargs=kw(key="province_callback_key"), a_object=False),
    # The province fetches the video by a signed, expiring link: no login, for anyone holding it.
    "distribution:video_link": [
        Expect(Public(), kwargs=kw(token="video_link_token", filename="=video.mp4")),
        Expect(Nobody(), kwargs=kw(token="=not-a-signed-token", filename="=video.mp4"), a_object=False),
    ],
    # The 视频号 hand-post's download: as the package page (the account's responsible person or an operator).
    "distribution:handoff_media": Expect(Perm("distribution.publish") | UserIs("@video_publication_responsible"),
                                         kwargs=kw(pk="video_publication", what="=video")),
    # 问政短信 settings: the inquiry desk's managers.
    "inquiry:sms_settings": Expect(Perm("inquiry.manage")),
    "inquiry:sms_template": Expect(Perm("inquiry.manage"), kwargs=kw(pk="sms_template")),
    # 通知设置 (everyone's own), 消息渠道 / 人员账号 / 发送记录 (the center's org admin).
    "core:notify_settings": Expect(Perm("core.view_dashboard")),
    "core:notify_test": Expect(Perm("core.view_dashboard"), note="POST: queued or a message why not"),
    "core:notify_channels": Expect(Perm("core.manage_org")),
    "core:notify_channel_new": Expect(Perm("core.manage_org")),
    "core:notify_channel": Expect(Perm("core.manage_org"), kwargs=kw(pk="message_channel")),
    "core:notify_channel_action": Expect(Perm("core.manage_org"), kwargs=kw(pk="message_channel"), data=body(action="test"),
                                         note="the test message is queued (rolled back)"),
    "core:notify_bindings": Expect(Perm("core.manage_org")),
    "core:notify_deliveries": Expect(Perm("core.manage_org")),
    "core:notify_delivery_action": Expect(Perm("core.manage_org"), kwargs=kw(pk="message_delivery"),
                                          data=body(action="cancel")),
    # -- issue 18 (经营创收) -------------------------------------------------------------------------------
    # 广告经营: ads.view reads; ads.sell keeps clients, contracts, bookings, proofs and payments;
    # ads.approve reviews an ad's content; ads.manage the inventory, prices and revenue. Writes are
    # sent a stale version where they take one (409 for who may), else a body the service refuses.
    "ads:bookings": Expect(Perm("ads.view")),
    "ads:booking": Expect(Perm("ads.view"), kwargs=kw(pk="ads_booking")),
    "ads:booking_content": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_booking"), data=body(title="", version="987654")),
    "ads:booking_approve": Expect(Perm("ads.approve"), kwargs=kw(pk="ads_booking"), data=body(version="987654")),
    "ads:booking_return": Expect(Perm("ads.approve"), kwargs=kw(pk="ads_booking"), data=body(note="", version="987654")),
    "ads:booking_cancel": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_booking"), data=body(version="987654")),
    "ads:proof_add": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_booking"), note="POST without a file: 400"),
    "ads:review": Expect(Perm("ads.approve")),
    "ads:proofs": Expect(Perm("ads.view")),
    "ads:slots": Expect(Perm("ads.view")),
    "ads:slot_new": Expect(Perm("ads.manage")),
    "ads:slot": Expect(Perm("ads.manage"), kwargs=kw(pk="ads_slot"), note="the slot's form: prices are the manager's"),
    "ads:clients": Expect(Perm("ads.view")),
    "ads:client_new": Expect(Perm("ads.sell")),
    "ads:client": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_client")),
    "ads:contracts": Expect(Perm("ads.view")),
    "ads:contract_new": Expect(Perm("ads.sell")),
    "ads:contract": Expect(Perm("ads.view"), kwargs=kw(pk="ads_contract")),
    "ads:contract_edit": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_contract")),
    "ads:contract_status": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_contract"), data=body(status="", version="987654")),
    "ads:contract_file": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_contract"), note="POST without a file: 400"),
    "ads:payment_add": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_contract"), note="an empty form: 400"),
    "ads:booking_new": Expect(Perm("ads.sell"), kwargs=kw(pk="ads_contract")),
    "ads:payments": Expect(Perm("ads.view")),
    "ads:calendar": Expect(Perm("ads.view")),
    "ads:revenue": Expect(Perm("ads.manage")),
    "ads:revenue_xlsx": Expect(Perm("ads.manage"), kwargs=kw(year="this_year"), a_object=False,
                               note="the asker's own center's year"),
    # 活动运营: events.view reads every tab; events.manage creates, edits and writes on the tabs (a
    # view-only person's POST there is a 403). A task's status: its owner or a manager; anyone
    # else who reads events gets the tasks page back with a message (302).
    "events:list": Expect(Perm("events.view")),
    "events:calendar": Expect(Perm("events.view")),
    "events:new": Expect(Perm("events.manage")),
    "events:event": Expect(Perm("events.view"), kwargs=kw(pk="event")),
    "events:edit": Expect(Perm("events.manage"), kwargs=kw(pk="event")),
    "events:budget": [
        Expect(Perm("events.view"), kwargs=kw(pk="event")),
        Expect(Perm("events.manage"), kwargs=kw(pk="event"), method="POST", data=body(action="none"),
               note="an unknown action: back to the budget with a message"),
    ],
    "events:budget_xlsx": Expect(Perm("events.view"), kwargs=kw(pk="event")),
    "events:tasks": [
        Expect(Perm("events.view"), kwargs=kw(pk="event")),
        Expect(Perm("events.manage"), kwargs=kw(pk="event"), method="POST", data=body(title=""), note="an empty task: 400"),
    ],
    "events:documents": [
        Expect(Perm("events.view"), kwargs=kw(pk="event")),
        Expect(Perm("events.manage"), kwargs=kw(pk="event"), method="POST", data=body(title=""), note="no file: 400"),
    ],
    "events:coverage": [
        Expect(Perm("events.view"), kwargs=kw(pk="event")),
        Expect(Perm("events.manage"), kwargs=kw(pk="event"), method="POST", data=body(action="none"),
               note="an unknown action: back with a message"),
    ],
    "events:task_status": Expect(Perm("events.view"), kwargs=kw(pk="event_task"), data=body(status="doing", version="987654"),
                                 note="not the owner nor a manager, or stale: back to the tasks with a message (302)"),
    # 直播制作: live.view reads; live.produce books, staffs, runs and publishes; live.manage keeps
    # the equipment and the streaming server's addresses. A production's page is also for its crew.
    "live:list": Expect(Perm("live.view")),
    "live:new": Expect(Perm("live.produce")),
    "live:stats": Expect(Perm("live.view")),
    "live:stats_xlsx": Expect(Perm("live.view"), kwargs=kw(year="this_year"), a_object=False,
                              note="the asker's own center's year"),
    "live:equipment": Expect(Perm("live.manage")),
    "live:equipment_edit": Expect(Perm("live.manage"), kwargs=kw(pk="live_equipment")),
    "live:settings": Expect(Perm("live.manage")),
    "live:detail": Expect(Perm("live.view") | InCrew("production"), kwargs=kw(pk="production"),
                          note="the crew (reporters, editors…) open the production they work on"),
    "live:edit": Expect(Perm("live.produce"), kwargs=kw(pk="production")),
    "live:crew_add": Expect(Perm("live.produce"), kwargs=kw(pk="production"), data=body(role=""), note="no person: 400"),
    "live:crew_remove": Expect(Perm("live.produce"), kwargs=kw(pk="production", crew_id="live_crew")),
    "live:equipment_add": Expect(Perm("live.produce"), kwargs=kw(pk="production"), note="no equipment: 400"),
    "live:equipment_remove": Expect(Perm("live.produce"), kwargs=kw(pk="production", item_id="live_kit")),
    "live:segment_add": Expect(Perm("live.produce"), kwargs=kw(pk="production"), note="an empty segment: 400"),
    "live:segment_remove": Expect(Perm("live.produce"), kwargs=kw(pk="production", segment_id="live_segment")),
    "live:check_add": Expect(Perm("live.produce"), kwargs=kw(pk="production"), note="an empty item: 400"),
    "live:check_tick": Expect(Perm("live.produce"), kwargs=kw(pk="production", item_id="live_check")),
    "live:replay": Expect(Perm("live.produce"), kwargs=kw(pk="production"), data=body(version="987654")),
    "live:transition": Expect(Perm("live.produce"), kwargs=kw(pk="production", action="=start"), data=body(version="987654"),
                              note="a stale version: 409"),
    # 有线网络: cable.view reads; cable.counter the counter's business; cable.hotline calls and
    # dispatch; cable.repair a technician's own orders; cable.manage packages, devices, time limits
    # and the statistics. A work order is for who reads the desk and for its technician.
    "cable:subscribers": Expect(Perm("cable.view")),
    "cable:subscriber_new": Expect(Perm("cable.counter")),
    "cable:subscriber": Expect(Perm("cable.view"), kwargs=kw(pk="cable_subscriber")),
    "cable:subscriber_action": Expect(Perm("cable.counter"), kwargs=kw(pk="cable_subscriber", action="=payment"),
                                      data=body(months="", version="987654"), note="a stale version / no months: refused"),
    "cable:transactions": Expect(Perm("cable.view")),
    "cable:calls": Expect(Perm("cable.view")),
    "cable:call_new": Expect(Perm("cable.hotline")),
    "cable:call_close": Expect(Perm("cable.hotline"), kwargs=kw(pk="cable_call"),
                               note="back to the open calls, with a message when refused"),
    "cable:orders": Expect(Perm("cable.view")),
    "cable:mine": Expect(Perm("cable.repair")),
    "cable:order": Expect(CABLE_ORDER, kwargs=kw(pk="cable_order")),
    "cable:order_action": Expect(CABLE_ORDER & (Perm("cable.hotline") | Perm("cable.manage") | CABLE_TECHNICIAN),
                                 kwargs=kw(pk="cable_order", action="=confirm"), data=body(version="987654"),
                                 note="用户确认: the hotline, the manager or the order's technician; an open order: 400"),
    "cable:stats": Expect(Perm("cable.manage")),
    "cable:stats_export": Expect(Perm("cable.manage")),
    "cable:setup": Expect(Perm("cable.manage")),
    "cable:setup_action": Expect(Perm("cable.manage"), kwargs=kw(action="=package"), a_object=False, data=body(name=""),
                                 note="a package without a name: 400"),
    "cable:package_toggle": Expect(Perm("cable.manage"), kwargs=kw(pk="cable_package")),
    "cable:device_status": Expect(Perm("cable.manage"), kwargs=kw(pk="cable_device"), data=body(status=""),
                                  note="no status: 400"),
    # 省级平台 (issue 19): 中心管理 is the platform admin's; 下级中心统计 is province.view (a county
    # such as A gets its empty state). Requests run in rolled-back savepoints: a quota saved as
    # "no limit" changes nothing that stays.
    "province:centers": Expect(PlatformSuperuser()),
    "province:center_new": Expect(PlatformSuperuser()),
    "province:center": Expect(PlatformSuperuser(), kwargs=kw(pk="center_b"), a_object=False),
    "province:center_action": Expect(PlatformSuperuser(), kwargs=kw(pk="center_b", action="=quotas"),
                                     data=body(quota_staff="", quota_storage_mb=""), a_object=False),
    "province:platform_stats": Expect(PlatformSuperuser()),
    "province:platform_stats_export": Expect(PlatformSuperuser()),
    "province:ranking": Expect(Perm("province.view")),
    "province:ranking_export": Expect(Perm("province.view")),
    # 上下级稿件流转: A is a county — it receives pushes and submits up; it has no pushes of its
    # own and receives no submissions, so those routes only meet ids that exist nowhere (404).
    "sharing:inbox": Expect(Perm("sharing.receive")),
    "sharing:received": Expect(Perm("sharing.receive"), kwargs=kw(pk="sharing_received")),
    "sharing:received_action": Expect(Perm("sharing.receive"), kwargs=kw(pk="sharing_received", action="=decline"),
                                      data=body(reason=""), note="declining without a reason: 400"),
    "sharing:incoming": Expect(Nobody(), kwargs=kw(pk="=987654"), a_object=False, note="no submission: 404"),
    "sharing:incoming_action": Expect(Nobody(), kwargs=kw(pk="=987654", action="=not_used"), a_object=False,
                                      data=body(reason=""), note="no submission: 404"),
    "sharing:sent": Expect(Perm("sharing.push") | Perm("sharing.submit")),
    "sharing:push": Expect(Nobody(), kwargs=kw(pk="=987654"), a_object=False, note="no push: 404"),
    "sharing:push_new": Expect(Nobody(), note="A is a county, with nobody below it: 403 for all"),
    "sharing:submit": Expect(Perm("sharing.submit")),
}

DIST_READ = Perm("distribution.manage_accounts") | Perm("distribution.publish")


def _account_group(world):
    from rongmei.distribution.models import AccountGroup

    return {"group_id": AccountGroup.objects.filter(center=world.a).order_by("pk").first().pk}


# --- Declarations: every operation of the OpenAPI documents ------------------------------------------

# Keyed "METHOD /path/{param}" as the document writes it. Path params are filled from PATH_PARAMS.

API: dict[str, Expect | list[Expect]] = {
    "GET /api/v1/me": Expect(Login()),
    "GET /api/v1/departments": Expect(Perm("core.view_org")),
    "GET /api/v1/departments/{department_id}": Expect(Perm("core.view_org")),
    "GET /api/v1/org-units": Expect(Perm("core.view_org")),
    "GET /api/v1/audit-events": Expect(Perm("core.view_audit")),
    "GET /api/v1/stories": Expect(VIEW_STORIES),
    "POST /api/v1/stories": Expect(Perm("newsroom.write_story"), data=body(headline="接口测试稿"), as_json=True),
    "GET /api/v1/stories/{story_id}": [
        Expect(READ_DRAFT),
        Expect(VIEW_STORIES, kwargs=kw(story_id="published_story")),
    ],
    "PUT /api/v1/stories/{story_id}": Expect(CAN_EDIT_REPORTERS_STORY, data=body(headline="接口测试稿", version=1), as_json=True),
    "POST /api/v1/stories/{story_id}/status": Expect(CAN_EDIT_REPORTERS_STORY, data=body(action="file"), as_json=True),
    "POST /api/v1/assets": Expect(Perm("newsroom.write_story"),
                                  data=lambda world: {"file": SimpleUploadedFile("a.txt", b"x", "text/plain")}),
    "GET /api/v1/assets/{asset_id}": [
        Expect(READ_PRIVATE_ASSET),
        Expect(VIEW_STORIES, kwargs=kw(asset_id="published_asset")),
    ],
    "GET /api/v1/stories/{story_id}/renditions": Expect(READ_DRAFT),
    "GET /api/v1/search": Expect(VIEW_STORIES, query="q=@seek"),
    "POST /api/v1/stories/{story_id}/renditions": Expect(Perm("newsroom.produce_renditions"), data=lambda world: ["web"],
                                                         as_json=True),
    "GET /api/v1/assignments/mine": Expect(Perm("planning.take_assignment")),
    "GET /api/v1/assignments/{assignment_id}": Expect(Perm("planning.view_board")),
    "POST /api/v1/assignments/{assignment_id}/accept": Expect(Perm("planning.take_assignment")),
    "POST /api/v1/assignments/{assignment_id}/story": Expect(Perm("planning.take_assignment")),
    "POST /api/v1/leads": Expect(Perm("planning.add_lead"), data=body(title="接口线索", content="内容"), as_json=True),
    # Review (issue 14), as the review pages: the open review waits at 一审. The actions are sent a
    # stale seen_hash, so whoever may act gets 409 (an answer) and changes nothing; everyone else 403/404.
    "GET /api/v1/reviews/inbox": Expect(Perm("review.review")),
    "GET /api/v1/reviews/{review_id}": [
        Expect(VIEW_STORIES & (Perm("newsroom.view_drafts") | StoryAuthor("open_review_story")),
               kwargs=kw(review_id="open_review")),
        Expect(VIEW_STORIES, kwargs=kw(review_id="signed_off_review")),
    ],
    "POST /api/v1/reviews/{review_id}/approve": Expect(VIEW_STORIES & HasRole("reviewer1"), kwargs=kw(review_id="open_review"),
                                                       data=body(seen_hash="stale"), as_json=True),
    "POST /api/v1/reviews/{review_id}/edit-approve": Expect(Perm("review.review") & HasRole("reviewer1"),
                                                            kwargs=kw(review_id="open_review"),
                                                            data=body(seen_hash="stale", version=1), as_json=True),
    "POST /api/v1/reviews/{review_id}/send-back": Expect(VIEW_STORIES & HasRole("reviewer1"), kwargs=kw(review_id="open_review"),
                                                         data=body(seen_hash="stale", reason="接口退回"), as_json=True),
    "POST /api/v1/reviews/{review_id}/reassign": Expect(Perm("review.reassign"), kwargs=kw(review_id="open_review"),
                                                        data=body(seen_hash="stale", target="role:reviewer2"), as_json=True),
    "GET /api/v1/stories/{story_id}/checks": Expect(Perm("review.run_checks") & READ_DRAFT),
    "POST /api/v1/stories/{story_id}/submit": Expect(Perm("review.submit") & READ_DRAFT, data=body(channels=["web"]),
                                                     as_json=True),
    "GET /api/v1/stories/{story_id}/signoffs": [
        Expect(READ_DRAFT),
        Expect(VIEW_STORIES, kwargs=kw(story_id="published_story")),
    ],
    # Planning (issue 14): the same permissions as the planning screens.
    "GET /api/v1/leads": Expect(Perm("planning.add_lead")),
    "GET /api/v1/leads/{lead_id}": Expect(Perm("planning.add_lead")),
    "POST /api/v1/leads/{lead_id}/contact": Expect(Perm("planning.add_lead") & (Perm("inquiry.handle") | UserIs("@lead_creator")),
                                                   note="the full number: handlers and whoever typed the lead in"),
    "POST /api/v1/leads/{lead_id}/dismiss": Expect(Perm("planning.triage_lead"), data=body(reason="重复"), as_json=True),
    "POST /api/v1/leads/{lead_id}/topic": Expect(Perm("planning.triage_lead"), data=body(title="接口选题"), as_json=True),
    "GET /api/v1/topics": Expect(Perm("planning.view_board")),
    "POST /api/v1/topics": Expect(Perm("planning.view_board") & Perm("planning.propose_topic"), data=body(title="接口选题"),
                                  as_json=True),
    "GET /api/v1/topics/{topic_id}": Expect(Perm("planning.view_board")),
    "POST /api/v1/topics/{topic_id}/comments": Expect(Perm("planning.view_board"), data=body(body="接口意见"), as_json=True),
    "POST /api/v1/topics/{topic_id}/approve": Expect(Perm("planning.view_board") & Perm("planning.decide_topic"),
                                                     data=body(note=""), as_json=True),
    "POST /api/v1/topics/{topic_id}/reject": Expect(Perm("planning.view_board") & Perm("planning.decide_topic"),
                                                    data=body(note="本周已有同类报道"), as_json=True),
    "GET /api/v1/plans": Expect(Perm("planning.view_board")),
    "POST /api/v1/plans": Expect(Perm("planning.decide_topic"), data=body(title="接口策划"), as_json=True),
    "GET /api/v1/plans/{plan_id}": Expect(Perm("planning.view_board")),
    "GET /api/v1/assignments": Expect(Perm("planning.view_board")),
    "POST /api/v1/assignments": Expect(Perm("planning.view_board") & Perm("planning.assign"), data=body(title="接口任务"),
                                       as_json=True),
    "POST /api/v1/assignments/{assignment_id}/status": Expect(Perm("planning.view_board") & Perm("planning.assign"),
                                                              data=body(action="cancel"), as_json=True,
                                                              note="cancelling: only the dispatcher, members get 403"),
    "GET /api/v1/board": Expect(Perm("planning.view_board")),
    "GET /api/v1/duty-shifts": Expect(Perm("planning.view_board")),
    # Distribution (issue 14): the same permissions as the distribution screens. Reading the
    # matrix: who manages accounts or publishes (the publish screen lists them); state refusals
    # (resend a sent one, confirm one not waiting) are 409, an answer.
    "GET /api/v1/accounts": Expect(DIST_READ),
    "POST /api/v1/accounts": Expect(Perm("distribution.manage_accounts"), data=body(kind="broadcast", name="接口账号"),
                                    as_json=True),
    "GET /api/v1/accounts/{account_id}": Expect(DIST_READ, kwargs=kw(account_id="account")),
    "PATCH /api/v1/accounts/{account_id}": Expect(Perm("distribution.manage_accounts"), kwargs=kw(account_id="account"),
                                                  data=body(is_active=True), as_json=True),
    "POST /api/v1/accounts/{account_id}/deactivate": Expect(Perm("distribution.manage_accounts"),
                                                            kwargs=kw(account_id="account")),
    "GET /api/v1/account-groups": Expect(DIST_READ),
    "POST /api/v1/account-groups": Expect(Perm("distribution.manage_accounts"), data=body(name="接口分组"), as_json=True),
    "GET /api/v1/account-groups/{group_id}": Expect(DIST_READ, kwargs=_account_group),
    "PUT /api/v1/account-groups/{group_id}/accounts": Expect(Perm("distribution.manage_accounts"), kwargs=_account_group,
                                                             data=body(account_ids=[]), as_json=True),
    "GET /api/v1/publications": Expect(Perm("distribution.publish")),
    "GET /api/v1/publications/{publication_id}": Expect(Perm("distribution.publish"), kwargs=kw(publication_id="publication")),
    "POST /api/v1/publications/{publication_id}/resend": Expect(Perm("distribution.publish"),
                                                                kwargs=kw(publication_id="publication")),
    "POST /api/v1/publications/{publication_id}/cancel": Expect(Perm("distribution.publish"),
                                                                kwargs=kw(publication_id="publication")),
    "POST /api/v1/publications/{publication_id}/handoff": Expect(
        Perm("distribution.publish") | UserIs("@publication_responsible"), kwargs=kw(publication_id="publication"),
        data=body(url=""), as_json=True),
    "GET /api/v1/stories/{story_id}/publications": Expect(Perm("distribution.publish"), kwargs=kw(story_id="published_story")),
    "POST /api/v1/stories/{story_id}/publish": Expect(Perm("distribution.publish"), kwargs=kw(story_id="published_story"),
                                                      data=body(account_ids=[]), as_json=True),
    "POST /api/v1/stories/{story_id}/takedown": Expect(Perm("distribution.publish"), kwargs=kw(story_id="published_story"),
                                                       data=body(note=""), as_json=True, note="no note: 422, nothing taken down"),
    "POST /api/v1/stories/{story_id}/correction": Expect(Perm("distribution.publish"), kwargs=kw(story_id="published_story"),
                                                         data=body(note=""), as_json=True),
    # Inquiry, staff (issue 14), as the case page: handlers see every case, the liaison the ones
    # given to their department (住建局: liaison_case); steps are sent bodies the service refuses
    # (422, an answer) or succeed inside the rolled-back savepoint.
    "GET /api/v1/inquiry/cases": Expect(Perm("inquiry.handle") | HasRole("liaison")),
    "GET /api/v1/inquiry/cases/{case_id}": Expect(Perm("inquiry.handle") | UserIs("liaison")),
    "POST /api/v1/inquiry/cases/{case_id}/contact": Expect(Perm("inquiry.handle"),
                                                          note="the full phone number: handlers only, audited"),
    "POST /api/v1/inquiry/cases/{case_id}/accept": Expect(Perm("inquiry.handle"), data=body(department_ids=[]), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/reject": Expect(Perm("inquiry.handle"), data=body(reason=""), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/merge": Expect(Perm("inquiry.handle"), data=body(into_id="@public_case"),
                                                        as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/replies/{reply_id}/approve": Expect(
        Perm("inquiry.handle"), kwargs=lambda w: {"case_id": w.inquiry_reply.case_id, "reply_id": w.inquiry_reply.pk},
        as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/replies/{reply_id}/return": Expect(
        Perm("inquiry.handle"), kwargs=lambda w: {"case_id": w.inquiry_reply.case_id, "reply_id": w.inquiry_reply.pk},
        data=body(note=""), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/extensions/{extension_id}/decide": Expect(
        Perm("inquiry.handle"),
        kwargs=lambda w: {"case_id": w.inquiry_extension.case_id, "extension_id": w.inquiry_extension.pk},
        data=body(approve=False), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/publish": Expect(Perm("inquiry.handle"), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/unpublish": Expect(Perm("inquiry.handle"), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/close": Expect(Perm("inquiry.handle"), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/resume": Expect(Perm("inquiry.handle"), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/ask": Expect(Perm("inquiry.handle") | UserIs("liaison"), data=body(question=""),
                                                      as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/replies": Expect(UserIs("liaison"), data=body(text=""), as_json=True,
                                                          note="the department given the case; handlers only review"),
    "POST /api/v1/inquiry/cases/{case_id}/extensions": Expect(UserIs("liaison"), data=body(days=0, reason=""), as_json=True),
    "POST /api/v1/inquiry/cases/{case_id}/hand-back": Expect(UserIs("liaison"), data=body(reason=""), as_json=True),
    # Notifications (issue 14): one's own only (another center's too, for who works in both).
    "GET /api/v1/notifications": Expect(Login(), personal=True),
    "POST /api/v1/notifications/read-all": Expect(Login(), personal=True),
    "POST /api/v1/notifications/{notification_id}/read": Expect(UserIs("editor"), personal=True),
    "GET /api/v1/webhooks": Expect(Perm("distribution.manage_webhooks")),
    "POST /api/v1/webhooks": Expect(Perm("distribution.manage_webhooks"), as_json=True,
                                    data=body(name="接口测试接收方", url="https://hooks.example.com/rm", kinds=["story.signed_off"])),
    "GET /api/v1/webhooks/{webhook_id}": Expect(Perm("distribution.manage_webhooks")),
    "PUT /api/v1/webhooks/{webhook_id}": Expect(Perm("distribution.manage_webhooks"), as_json=True,
                                                data=body(name="接口测试接收方", url="https://hooks.example.com/rm",
                                                          kinds=["story.signed_off"], is_active=False, version=1)),
    "DELETE /api/v1/webhooks/{webhook_id}": Expect(Perm("distribution.manage_webhooks")),
    "POST /api/v1/webhooks/{webhook_id}/rotate-secret": Expect(Perm("distribution.manage_webhooks")),
    "POST /api/v1/webhooks/{webhook_id}/ping": Expect(Perm("distribution.manage_webhooks")),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": Expect(Perm("distribution.manage_webhooks")),
    "POST /api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend": Expect(Perm("distribution.manage_webhooks")),
    # 舆情预警 (alerts part)
    "GET /api/v1/monitor/alerts": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/alerts/{alert_id}": Expect(Perm("monitor.view")),
    "POST /api/v1/monitor/alerts/{alert_id}/acknowledge": Expect(Perm("monitor.handle"), as_json=True),
    "POST /api/v1/monitor/alerts/{alert_id}/assign": Expect(Perm("monitor.handle"), data=body(assignee_id="@person"),
                                                            as_json=True),
    "POST /api/v1/monitor/alerts/{alert_id}/notes": Expect(Perm("monitor.handle"), data=body(text="隔离测试记录"),
                                                           as_json=True),
    "POST /api/v1/monitor/alerts/{alert_id}/close": Expect(Perm("monitor.handle"), data=body(resolution="隔离测试"),
                                                           as_json=True),
    "POST /api/v1/monitor/alerts/{alert_id}/reopen": Expect(Perm("monitor.handle"), data=body(reason=""), as_json=True),
    "POST /api/v1/monitor/alerts/{alert_id}/lead": Expect(Perm("monitor.handle"), data=body(note=""), as_json=True),
    "POST /api/v1/monitor/items/{item_id}/lead": Expect(Perm("monitor.handle"), data=body(note=""), as_json=True),
    "GET /api/v1/monitor/rules": Expect(Perm("monitor.manage")),
    "POST /api/v1/monitor/rules": Expect(Perm("monitor.manage"), data=body(name="隔离测试新规则", kind="negative"), as_json=True),
    "GET /api/v1/monitor/rules/{rule_id}": Expect(Perm("monitor.manage")),
    "PUT /api/v1/monitor/rules/{rule_id}": Expect(Perm("monitor.manage"), data=body(name="隔离测试规则", kind="burst"),
                                                  as_json=True),
    "DELETE /api/v1/monitor/rules/{rule_id}": Expect(Perm("monitor.manage")),
    "GET /api/v1/monitor/robots": Expect(Perm("monitor.manage")),
    "POST /api/v1/monitor/robots": Expect(Perm("monitor.manage"), as_json=True, data=body(
        name="隔离测试新机器人", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=isolation")),
    "GET /api/v1/monitor/robots/{robot_id}": Expect(Perm("monitor.manage")),
    "PUT /api/v1/monitor/robots/{robot_id}": Expect(Perm("monitor.manage"), data=body(name="隔离测试机器人", kind="wecom"),
                                                    as_json=True),
    "DELETE /api/v1/monitor/robots/{robot_id}": Expect(Perm("monitor.manage")),
    "POST /api/v1/monitor/robots/{robot_id}/test": Expect(Perm("monitor.manage"), as_json=True,
                                                          note="a private address: refused at once, nothing sent"),
    # 舆情监测 · 监测方案 and 舆情设置 (rules part): the same permissions as the screens.
    "GET /api/v1/monitor/topics": Expect(Perm("monitor.view")),
    "POST /api/v1/monitor/topics": Expect(Perm("monitor.manage"), data=body(name="隔离测试新方案", expression="奉化 & 积水"),
                                          as_json=True),
    "POST /api/v1/monitor/topics/test": Expect(Perm("monitor.view"), data=body(expression="奉化 & 积水"), as_json=True),
    "POST /api/v1/monitor/topics/rematch": Expect(Perm("monitor.manage"), as_json=True),
    "GET /api/v1/monitor/topics/{topic_id}": Expect(Perm("monitor.view"), kwargs=kw(topic_id="monitor_topic")),
    "PATCH /api/v1/monitor/topics/{topic_id}": Expect(Perm("monitor.manage"), kwargs=kw(topic_id="monitor_topic"),
                                                      data=body(enabled=False), as_json=True),
    "DELETE /api/v1/monitor/topics/{topic_id}": Expect(Perm("monitor.manage"), kwargs=kw(topic_id="monitor_topic")),
    "GET /api/v1/monitor/settings": Expect(Perm("monitor.manage")),
    "PATCH /api/v1/monitor/settings": Expect(Perm("monitor.manage"), data=body(cluster_threshold=0.4), as_json=True),
    # 舆情监测 · 监测源 (fetch part)
    "GET /api/v1/monitor/sources": Expect(Perm("monitor.view")),
    "POST /api/v1/monitor/sources": Expect(Perm("monitor.manage"), as_json=True,
                                           data=body(name="隔离测试新监测源", kind="rss", url="https://news.example.cn/feed.xml")),
    "GET /api/v1/monitor/sources/{source_id}": Expect(Perm("monitor.view")),
    "PATCH /api/v1/monitor/sources/{source_id}": Expect(Perm("monitor.manage"), data=body(enabled=False), as_json=True),
    "DELETE /api/v1/monitor/sources/{source_id}": Expect(Perm("monitor.manage")),
    "POST /api/v1/monitor/sources/{source_id}/fetch": Expect(Perm("monitor.manage"), as_json=True),
    "GET /api/v1/monitor/sources/{source_id}/runs": Expect(Perm("monitor.view")),
    # 舆情信息、热点、概览、方案走势、报告 (views part)
    "GET /api/v1/monitor/items": Expect(Perm("monitor.view"), query="q=@seek"),
    "GET /api/v1/monitor/items/{item_id}": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/hot-topics": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/hot-topics/{hot_topic_id}": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/dashboard": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/topics/{topic_id}/timeline": Expect(Perm("monitor.view"), kwargs=kw(topic_id="monitor_topic")),
    "GET /api/v1/monitor/reports": Expect(Perm("monitor.view")),
    "GET /api/v1/monitor/reports/{report_id}": Expect(Perm("monitor.view")),
    "POST /api/v1/monitor/reports": Expect(Perm("monitor.report"), data=body(kind="daily", day="2025-01-03"), as_json=True),
    "PUT /api/v1/monitor/reports/{report_id}": Expect(Perm("monitor.report"), as_json=True,
                                                      data=body(version="@monitor_report_version", title="隔离测试报告改")),
    "POST /api/v1/monitor/reports/{report_id}/send": Expect(Perm("monitor.report"), as_json=True, allowed_once=True,
                                                            note="mailed to the locmem outbox"),
    # 传播效果 (issue 16): analytics.view reads, analytics.manage syncs, imports and sets weights.
    "GET /api/v1/analytics/overview": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/stories/{story_id}/reach": Expect(Perm("analytics.view"), kwargs=kw(story_id="published_story")),
    "GET /api/v1/analytics/accounts": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/exports/overview": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/exports/accounts": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/exports/stories/{story_id}": Expect(Perm("analytics.view"),
                                                              kwargs=kw(story_id="published_story")),
    "GET /api/v1/analytics/pieces": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/accounts/{account_id}/followers": Expect(Perm("analytics.view"), kwargs=kw(account_id="account")),
    "GET /api/v1/analytics/indices/wci": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/indices/transmission": Expect(Perm("analytics.view")),
    "GET /api/v1/analytics/settings": Expect(Perm("analytics.view")),
    "PUT /api/v1/analytics/settings": Expect(Perm("analytics.manage"), data=body(weights={"wechat": 100}, version=1),
                                             as_json=True),
    "GET /api/v1/analytics/sync-runs": Expect(Perm("analytics.view")),
    "POST /api/v1/analytics/sync-runs": Expect(Perm("analytics.manage"), data=body(day_from="2025-01-01",
                                                                                   day_to="2025-01-01"),
                                               as_json=True, allowed_once=True, note="the portal's reads: no network"),
    "GET /api/v1/analytics/imports": Expect(Perm("analytics.manage")),
    "POST /api/v1/analytics/imports": Expect(Perm("analytics.manage"), note="no file: 422 after the permission check"),
    "GET /api/v1/analytics/imports/{import_id}": Expect(Perm("analytics.manage"), kwargs=kw(import_id="analytics_import")),
    "POST /api/v1/analytics/imports/{import_id}/run": Expect(Perm("analytics.manage"), kwargs=kw(import_id="analytics_import"),
                                                            data=body(valid_only=True), as_json=True),
    "GET /api/v1/analytics/import-templates/{kind}": Expect(Perm("analytics.manage"), kwargs=kw(kind="=pieces")),
    # 绩效考核 (issue 16): view_own one's own month, view_all everyone's, rate 优稿, manage the
    # rules, facts, disputes and the close, export the HR files.
    "GET /api/v1/appraisal/months": Expect(Perm("appraisal.view_all")),
    "GET /api/v1/appraisal/months/{month}": Expect(Perm("appraisal.view_all"), kwargs=MONTH, a_object=False,
                                                   note="a month is a date: each center sees its own"),
    "GET /api/v1/appraisal/months/{month}/scorecards": Expect(Perm("appraisal.view_all"), kwargs=MONTH),
    "GET /api/v1/appraisal/me": Expect(Perm("appraisal.view_own")),
    "GET /api/v1/appraisal/months/{month}/people/{user_id}": Expect(
        Perm("appraisal.view_all"), kwargs=kw(month="@appraisal_month", user_id="appraisal_person")),
    "POST /api/v1/appraisal/months/{month}/compute": Expect(Perm("appraisal.manage"), kwargs=MONTH, a_object=False,
                                                           data=body(), as_json=True, allowed_once=True,
                                                           note="computes the asker's own center's month"),
    "POST /api/v1/appraisal/months/{month}/close": Expect(Perm("appraisal.manage"), kwargs=MONTH, data=body(),
                                                         as_json=True, allowed_once=True),
    "GET /api/v1/appraisal/disputes": Expect(Perm("appraisal.manage")),
    "POST /api/v1/appraisal/months/{month}/disputes": Expect(Perm("appraisal.view_own"), kwargs=MONTH, a_object=False,
                                                            data=body(text="隔离测试申诉"), as_json=True,
                                                            note="raised in the asker's own center's month"),
    "POST /api/v1/appraisal/disputes/{dispute_id}/resolve": Expect(
        Perm("appraisal.manage"), kwargs=kw(dispute_id="appraisal_dispute"),
        data=body(accepted=False, resolution="隔离测试"), as_json=True),
    "POST /api/v1/appraisal/months/{month}/adjustments": Expect(
        Perm("appraisal.manage"), kwargs=MONTH, data=body(user_id="@appraisal_person", points="1", reason="隔离测试"),
        as_json=True, note="an open month: 422 for those who may"),
    "GET /api/v1/appraisal/months/{month}/fees": Expect(Perm("appraisal.view_all"), kwargs=MONTH),
    "GET /api/v1/appraisal/rules": Expect(Perm("appraisal.manage")),
    "GET /api/v1/appraisal/rules/versions": Expect(Perm("appraisal.manage")),
    "GET /api/v1/appraisal/rules/versions/{ruleset_id}": Expect(Perm("appraisal.manage"),
                                                               kwargs=kw(ruleset_id="appraisal_ruleset")),
    "POST /api/v1/appraisal/rules": Expect(Perm("appraisal.manage"), data=body(month="2031-01", rules={}), as_json=True,
                                           note="an empty document: 422 for those who may"),
    "GET /api/v1/appraisal/ratings": Expect(Perm("appraisal.rate")),
    "GET /api/v1/appraisal/ratings/unrated": Expect(Perm("appraisal.rate")),
    "POST /api/v1/appraisal/ratings": Expect(Perm("appraisal.rate"), a_object=True, as_json=True,
                                             data=body(story_id="@published_story", level="A", reason="隔离测试"),
                                             note="A's story: another center's editors get 404"),
    "PUT /api/v1/appraisal/ratings/{rating_id}": Expect(Perm("appraisal.rate"), kwargs=kw(rating_id="appraisal_rating"),
                                                       data=body(level="A", reason="隔离测试"), as_json=True),
    "POST /api/v1/appraisal/ratings/{rating_id}/withdraw": Expect(
        Perm("appraisal.rate"), kwargs=kw(rating_id="appraisal_rating"), data=body(reason=""), as_json=True),
    "GET /api/v1/appraisal/pickups": Expect(Perm("appraisal.manage")),
    "POST /api/v1/appraisal/pickups": Expect(Perm("appraisal.manage"), as_json=True, data=body(
        story_id="@published_story", outlet_name="隔离测试晚报", level="county", used_on="2025-01-03"),
        note="another center's admin: 422, no such story of theirs"),
    "GET /api/v1/appraisal/pickups/{pickup_id}": Expect(Perm("appraisal.manage"), kwargs=kw(pickup_id="appraisal_pickup")),
    "PUT /api/v1/appraisal/pickups/{pickup_id}": Expect(Perm("appraisal.manage"), kwargs=kw(pickup_id="appraisal_pickup"),
                                                       as_json=True, data=body(story_id="@published_story",
                                                                               outlet_name="隔离测试日报", level="central",
                                                                               used_on="2025-01-02")),
    "DELETE /api/v1/appraisal/pickups/{pickup_id}": Expect(Perm("appraisal.manage"),
                                                          kwargs=kw(pickup_id="appraisal_pickup")),
    "GET /api/v1/appraisal/pickup-imports": Expect(Perm("appraisal.manage")),
    "POST /api/v1/appraisal/pickup-imports": Expect(Perm("appraisal.manage"), note="no file: 422 after the permission check"),
    "GET /api/v1/appraisal/pickup-imports/{import_id}": Expect(Perm("appraisal.manage"), kwargs=kw(import_id="pickup_import")),
    "POST /api/v1/appraisal/pickup-imports/{import_id}/run": Expect(
        Perm("appraisal.manage"), kwargs=kw(import_id="pickup_import"), data=body(valid_only=True), as_json=True),
    "GET /api/v1/appraisal/pickup-import-template": Expect(Perm("appraisal.manage")),
    "GET /api/v1/appraisal/deductions": Expect(Perm("appraisal.manage")),
    "POST /api/v1/appraisal/deductions": Expect(Perm("appraisal.manage"), as_json=True, data=body(
        month="2025-01", kind="other", user_id="@appraisal_person", points="1", reason="隔离测试"),
        note="another center's admin: 422, not a person of theirs"),
    "DELETE /api/v1/appraisal/deductions/{deduction_id}": Expect(Perm("appraisal.manage"),
                                                                kwargs=kw(deduction_id="appraisal_deduction")),
    "GET /api/v1/appraisal/pay-profiles": Expect(Perm("appraisal.manage")),
    "PUT /api/v1/appraisal/pay-profiles/{user_id}": Expect(Perm("appraisal.manage"), kwargs=kw(user_id="appraisal_person"),
                                                          data=body(base_amount="3000"), as_json=True),
    "GET /api/v1/appraisal/adjustments": Expect(Perm("appraisal.view_all")),
    "GET /api/v1/appraisal/months/{month}/fee-statements": Expect(Perm("appraisal.view_all"), kwargs=MONTH),
    "GET /api/v1/appraisal/months/{month}/exports/pay-xlsx": Expect(Perm("appraisal.export"), kwargs=MONTH),
    "GET /api/v1/appraisal/months/{month}/exports/pay-pdf": Expect(Perm("appraisal.export"), kwargs=MONTH),
    "GET /api/v1/appraisal/months/{month}/exports/fees-xlsx": Expect(Perm("appraisal.export"), kwargs=MONTH),
    # The public read API: published items of any center, to anybody.
    "GET /api/public/v1/{center}/items": Expect(Public()),
    "GET /api/public/v1/{center}/items/{id}": [
        Expect(Public()),
        Expect(Nobody(), kwargs=kw(center="=demo", id="draft_story"), note="a draft is not an item"),
    ],
    "GET /api/public/v1/{center}/columns": Expect(Public()),
    "GET /api/public/v1/{center}/features": Expect(Public()),
    "GET /api/public/v1/{center}/features/{slug}": Expect(Public()),
    "GET /api/public/v1/{center}/live": Expect(Public()),
    "GET /api/public/v1/{center}/services": Expect(Public()),
    "GET /api/public/v1/{center}/reads": Expect(Public(), query="item=@published_story"),
    "POST /api/public/v1/{center}/reads": Expect(Public(), query="item=@published_story"),
    # -- issue 17 --------------------------------------------------------------------------------------
    "GET /api/v1/stories/{story_id}/videos": Expect(VIEW_STORIES, kwargs=kw(story_id="video_story")),
    "POST /api/v1/stories/{story_id}/videos": Expect(VIEW_STORIES & PRODUCE, kwargs=kw(story_id="video_story"),
                                                     data=body(subtitles="1\n不是时间轴\n"), as_json=True,
                                                     note="a bad SRT: 422 naming the cue, nothing queued"),
    "GET /api/v1/stories/{story_id}/videos/{job_id}": Expect(VIEW_STORIES, kwargs=kw(story_id="video_story",
                                                                                     job_id="video_job")),
    "POST /api/v1/stories/{story_id}/videos/{job_id}/cancel": Expect(
        VIEW_STORIES & PRODUCE, kwargs=kw(story_id="video_story", job_id="video_job"), data=body(version=987654),
        as_json=True, note="a stale version: 409 (a finished job: 422), nothing changes"),
    "GET /api/v1/notify/preferences": Expect(Login()),
    "PUT /api/v1/notify/preferences": Expect(Login(), data=body(events={}, version=987654), as_json=True,
                                             note="a stale version: 409, nothing saved"),
    "POST /api/v1/notify/test": Expect(Login(), as_json=True, note="202 queued, or 422 saying why nothing can reach them"),
    "GET /api/v1/notify/channels": Expect(Perm("core.manage_org")),
    "POST /api/v1/notify/channels": Expect(Perm("core.manage_org"), as_json=True,
                                           data=body(kind="feishu_robot", name="隔离测试渠道", webhook_url="ftp://x"),
                                           note="a bad robot address: 422"),
    "GET /api/v1/notify/channels/{channel_id}": Expect(Perm("core.manage_org"), kwargs=kw(channel_id="message_channel")),
    "PUT /api/v1/notify/channels/{channel_id}": Expect(Perm("core.manage_org"), kwargs=kw(channel_id="message_channel"),
                                                       data=body(name="隔离测试渠道", version=987654), as_json=True,
                                                       note="a stale version: 409"),
    "POST /api/v1/notify/channels/{channel_id}/test": Expect(Perm("core.manage_org"), kwargs=kw(channel_id="message_channel"),
                                                             as_json=True),
    "GET /api/v1/notify/deliveries": Expect(Perm("core.manage_org")),
    "POST /api/v1/notify/deliveries/{delivery_id}/retry": Expect(Perm("core.manage_org"),
                                                                 kwargs=kw(delivery_id="message_delivery"), as_json=True,
                                                                 note="a pending message: 422"),
    "POST /api/v1/notify/deliveries/{delivery_id}/cancel": Expect(Perm("core.manage_org"),
                                                                  kwargs=kw(delivery_id="message_delivery"), as_json=True),
    # -- issue 18 (经营创收): the same permissions as the screens ------------------------------------------
    # 广告经营
    "GET /api/v1/ads/slots": Expect(Perm("ads.view")),
    "POST /api/v1/ads/slots": Expect(Perm("ads.manage"), data=body(name="", kind="lamp_post", list_price="1"), as_json=True,
                                     note="no name: 422"),
    "GET /api/v1/ads/slots/{slot_id}": Expect(Perm("ads.view")),
    "PUT /api/v1/ads/slots/{slot_id}": Expect(Perm("ads.manage"), data=body(name="隔离测试", kind="lamp_post", list_price="1",
                                                                            version=987654), as_json=True, note="stale: 409"),
    "GET /api/v1/ads/clients": Expect(Perm("ads.view")),
    "POST /api/v1/ads/clients": Expect(Perm("ads.sell"), data=body(name=""), as_json=True, note="no name: 422"),
    "GET /api/v1/ads/clients/{client_id}": Expect(Perm("ads.view")),
    "PUT /api/v1/ads/clients/{client_id}": Expect(Perm("ads.sell"), data=body(name="隔离测试", version=987654), as_json=True),
    "GET /api/v1/ads/contracts": Expect(Perm("ads.view")),
    "POST /api/v1/ads/contracts": Expect(Perm("ads.sell"), data=body(client_id="@ads_client", number="", title="", amount="1",
                                                                     start="2026-01-01", end="2026-01-02"), as_json=True,
                                         note="no number or title: 422 (B's sellers: not their client, 422/404)"),
    "GET /api/v1/ads/contracts/{contract_id}": Expect(Perm("ads.view")),
    "PUT /api/v1/ads/contracts/{contract_id}": Expect(Perm("ads.sell"), data=body(
        client_id="@ads_client", number="", title="", amount="1", start="2026-01-01", end="2026-01-02", version=987654),
        as_json=True),
    "POST /api/v1/ads/contracts/{contract_id}/status": Expect(Perm("ads.sell"), data=body(status="", version=987654),
                                                              as_json=True),
    "GET /api/v1/ads/bookings": Expect(Perm("ads.view")),
    "POST /api/v1/ads/bookings": Expect(Perm("ads.sell"), data=body(contract_id="@ads_contract", slot_id="@ads_slot",
                                                                    start="2026-01-01", end="2026-01-02", title=""),
                                        as_json=True, note="no title: 422"),
    "GET /api/v1/ads/bookings/{booking_id}": Expect(Perm("ads.view")),
    "PUT /api/v1/ads/bookings/{booking_id}/content": Expect(Perm("ads.sell"), data=body(title="隔离测试", version=987654),
                                                            as_json=True),
    "POST /api/v1/ads/bookings/{booking_id}/approve": Expect(Perm("ads.approve"), data=body(version=987654), as_json=True),
    "POST /api/v1/ads/bookings/{booking_id}/return": Expect(Perm("ads.approve"), data=body(note="", version=987654),
                                                            as_json=True),
    "POST /api/v1/ads/bookings/{booking_id}/cancel": Expect(Perm("ads.sell"), data=body(version=987654), as_json=True),
    "GET /api/v1/ads/proofs": Expect(Perm("ads.view")),
    "POST /api/v1/ads/bookings/{booking_id}/proofs": Expect(
        Perm("ads.sell"), data=lambda world: {"run_on": "2026-01-01", "file": SimpleUploadedFile("a.txt", b"x", "text/plain")},
        note="not a picture or PDF: 422"),
    "GET /api/v1/ads/payments": Expect(Perm("ads.view")),
    "POST /api/v1/ads/contracts/{contract_id}/payments": Expect(Perm("ads.sell"), data=body(amount="1", paid_on="2026-01-01",
                                                                                                method="no-such-way"),
                                                                as_json=True, note="an unknown method: 422"),
    "GET /api/v1/ads/revenue": Expect(Perm("ads.manage"), query="year=2026"),
    # 活动运营
    "GET /api/v1/events": Expect(Perm("events.view")),
    "POST /api/v1/events": Expect(Perm("events.manage"), data=body(name="", kind="gala", starts_on="2026-01-01",
                                                                   ends_on="2026-01-02", manager_id="@event_manager"),
                                  as_json=True, note="no name: 422"),
    "GET /api/v1/events/{event_id}": Expect(Perm("events.view")),
    "PUT /api/v1/events/{event_id}": Expect(Perm("events.manage"), data=body(
        name="隔离测试", kind="gala", starts_on="2026-01-01", ends_on="2026-01-02", manager_id="@event_manager", version=987654),
        as_json=True, note="stale: 409"),
    "GET /api/v1/events/{event_id}/budget-lines": Expect(Perm("events.view")),
    "POST /api/v1/events/{event_id}/budget-lines": Expect(Perm("events.manage"), data=body(name="", planned="1"), as_json=True),
    "POST /api/v1/events/budget-lines/{line_id}/changes": Expect(Perm("events.manage"), data=body(planned="1", reason=""),
                                                                 as_json=True, note="no reason: 422"),
    "GET /api/v1/events/{event_id}/entries": Expect(Perm("events.view")),
    "POST /api/v1/events/budget-lines/{line_id}/entries": Expect(Perm("events.manage"), data=body(
        date="2026-01-01", party="", amount="0"), as_json=True, note="nothing: 422"),
    "GET /api/v1/events/{event_id}/tasks": Expect(Perm("events.view")),
    "POST /api/v1/events/{event_id}/tasks": Expect(Perm("events.manage"), data=body(title="", owner_id="@event_manager",
                                                                                    due_on="2026-01-01"), as_json=True),
    "POST /api/v1/events/tasks/{task_id}/complete": Expect(Perm("events.view") & (Perm("events.manage") | UserIs("@task_owner")),
                                                           data=body(version=987654), as_json=True,
                                                           note="its owner or a manager; stale: 409"),
    "GET /api/v1/events/{event_id}/documents": Expect(Perm("events.view")),
    "POST /api/v1/events/{event_id}/documents": Expect(Perm("events.manage"), data=lambda world: {"title": ""},
                                                       note="no file: 422"),
    "POST /api/v1/events/{event_id}/plan": Expect(Perm("events.manage"), data=body(title=""), as_json=True),
    # 直播制作
    "GET /api/v1/live/productions": Expect(Perm("live.view")),
    "POST /api/v1/live/productions": Expect(Perm("live.produce"), data=body(
        title="", kind="event", place="", planned_start="2026-01-01T10:00:00+08:00", planned_end="2026-01-01T11:00:00+08:00"),
        as_json=True, note="no title: 422"),
    "GET /api/v1/live/productions/{production_id}": Expect(Perm("live.view")),
    "PUT /api/v1/live/productions/{production_id}": Expect(Perm("live.produce"), data=body(
        title="隔离测试", kind="event", place="演播厅", planned_start="2026-01-01T10:00:00+08:00",
        planned_end="2026-01-01T11:00:00+08:00", version=987654), as_json=True, note="stale: 409"),
    "GET /api/v1/live/productions/{production_id}/crew": Expect(Perm("live.view")),
    "POST /api/v1/live/productions/{production_id}/crew": Expect(Perm("live.produce"), data=body(person_id="@person", role=""),
                                                                 as_json=True, note="no role: 422"),
    "DELETE /api/v1/live/productions/{production_id}/crew/{crew_id}": Expect(Perm("live.produce")),
    "GET /api/v1/live/productions/{production_id}/equipment": Expect(Perm("live.view")),
    "POST /api/v1/live/productions/{production_id}/equipment": Expect(Perm("live.produce"),
                                                                      data=body(equipment_id="@live_kit_equipment"), as_json=True,
                                                                      note="already on this production: 409/422"),
    "DELETE /api/v1/live/productions/{production_id}/equipment/{kit_id}": Expect(Perm("live.produce")),
    "GET /api/v1/live/productions/{production_id}/segments": Expect(Perm("live.view")),
    "POST /api/v1/live/productions/{production_id}/segments": Expect(Perm("live.produce"), data=body(
        offset_minutes=0, length_minutes=1, content=""), as_json=True, note="no content: 422"),
    "DELETE /api/v1/live/productions/{production_id}/segments/{segment_id}": Expect(Perm("live.produce")),
    "GET /api/v1/live/productions/{production_id}/checklist": Expect(Perm("live.view")),
    "POST /api/v1/live/productions/{production_id}/checklist/{check_item_id}": Expect(Perm("live.produce"), data=body(ticked=True),
                                                                                      as_json=True),
    "POST /api/v1/live/productions/{production_id}/start": Expect(Perm("live.produce"), data=body(version=987654), as_json=True),
    "POST /api/v1/live/productions/{production_id}/end": Expect(Perm("live.produce"), data=body(version=987654), as_json=True),
    "POST /api/v1/live/productions/{production_id}/cancel": Expect(Perm("live.produce"), data=body(reason="", version=987654),
                                                                   as_json=True),
    "POST /api/v1/live/productions/{production_id}/replay": Expect(Perm("live.produce"), data=body(version=987654), as_json=True),
    "GET /api/v1/live/stats/{year}": Expect(Perm("live.view"), a_object=False, note="the asker's own center's year"),
    "GET /api/v1/live/equipment": Expect(Perm("live.view")),
    "POST /api/v1/live/equipment": Expect(Perm("live.manage"), data=body(kind="camera", name="", asset_number=""), as_json=True),
    "PUT /api/v1/live/equipment/{equipment_id}": Expect(Perm("live.manage"), data=body(kind="camera", name="", asset_number=""),
                                                        as_json=True),
    "GET /api/v1/live/settings": Expect(Perm("live.manage")),
    "PUT /api/v1/live/settings": Expect(Perm("live.manage"), data=body(version=987654), as_json=True, note="stale: 409"),
    # 有线网络
    "GET /api/v1/cable/subscribers": Expect(Perm("cable.view")),
    "POST /api/v1/cable/subscribers": Expect(Perm("cable.counter"), data=body(
        name="", phone="", township_id="@cable_township", address="", package_id="@cable_package", device_serial=""),
        as_json=True, note="nothing filled in: 422"),
    "GET /api/v1/cable/subscribers/{subscriber_id}": Expect(Perm("cable.view")),
    "POST /api/v1/cable/subscribers/{subscriber_id}/transactions": Expect(Perm("cable.counter"),
                                                                          data=body(kind="payment", version=987654),
                                                                          as_json=True, note="stale: 409"),
    "GET /api/v1/cable/transactions": Expect(Perm("cable.view")),
    "GET /api/v1/cable/packages": Expect(Perm("cable.view")),
    "GET /api/v1/cable/devices": Expect(Perm("cable.view")),
    "GET /api/v1/cable/calls": Expect(Perm("cable.view")),
    "POST /api/v1/cable/calls": Expect(Perm("cable.hotline"), data=body(subscriber_id="@cable_subscriber", kind="consult", notes=""),
                                       as_json=True, note="no notes: 422"),
    "GET /api/v1/cable/orders": Expect(Perm("cable.view") | Perm("cable.repair"), note="a technician: their own"),
    "GET /api/v1/cable/orders/{order_id}": Expect(CABLE_ORDER),
    "POST /api/v1/cable/orders/{order_id}/status": Expect(CABLE_ORDER & (Perm("cable.manage") | CABLE_TECHNICIAN),
                                                          data=body(status="on_site", version=987654), as_json=True,
                                                          note="the order's technician or the manager; stale: 409"),
    "POST /api/v1/cable/orders/{order_id}/confirm": Expect(
        CABLE_ORDER & (Perm("cable.hotline") | Perm("cable.manage") | CABLE_TECHNICIAN),
        data=body(satisfaction="satisfied", version=987654), as_json=True),
    "POST /api/v1/cable/orders/{order_id}/reassign": Expect(CABLE_ORDER & (Perm("cable.hotline") | Perm("cable.manage")),
                                                            data=body(technician_id="@order_technician_id", version=987654),
                                                            as_json=True),
    "GET /api/v1/cable/stats/{year}": Expect(Perm("cable.manage"), a_object=False, note="the asker's own center's year"),
    # 省级平台 (issue 19)
    "GET /api/v1/province/centers": Expect(PlatformSuperuser()),
    "GET /api/v1/province/centers/{center_id}": Expect(PlatformSuperuser(), a_object=False),
    "POST /api/v1/province/centers": Expect(PlatformSuperuser(), data=body(name="隔离测试县", slug="iso-x", level="county",
                                                                       admin_username="iso_x_admin", admin_name="测试",
                                                                       admin_password="123"), as_json=True,
                                            note="a password too weak: 422, nothing created"),
    "POST /api/v1/province/centers/{center_id}/suspend": Expect(PlatformSuperuser(), data=body(reason=""), as_json=True,
                                                                a_object=False, note="no reason: 422"),
    "POST /api/v1/province/centers/{center_id}/resume": Expect(PlatformSuperuser(), a_object=False,
                                                               note="B is running: 422"),
    "PUT /api/v1/province/centers/{center_id}/quotas": Expect(PlatformSuperuser(), data=body(), as_json=True, a_object=False),
    "GET /api/v1/province/stats": Expect(PlatformSuperuser()),
    "GET /api/v1/province/ranking": Expect(Perm("province.view")),
    # 上下级稿件流转 (see the screens above)
    "GET /api/v1/sharing/pushes": Expect(Perm("sharing.push")),
    "POST /api/v1/sharing/pushes": Expect(Perm("sharing.push"), data=body(story_id="@published_story", scope="all",
                                                                          rights="free"), as_json=True, a_object=True,
                                          note="A is a county, with nobody below it: 422; B's editors: not their story, 404"),
    "GET /api/v1/sharing/pushes/{push_id}": Expect(Nobody(), a_object=False, note="no push: 404"),
    "GET /api/v1/sharing/received": Expect(Perm("sharing.receive")),
    "GET /api/v1/sharing/received/{received_id}": Expect(Perm("sharing.receive")),
    "POST /api/v1/sharing/received/{received_id}/accept": Expect(Perm("sharing.receive"), data=body(**{"as": "lead"}),
                                                                 as_json=True),
    "POST /api/v1/sharing/received/{received_id}/decline": Expect(Perm("sharing.receive"), data=body(reason=""),
                                                                  as_json=True, note="no reason: 422"),
    "GET /api/v1/sharing/submissions": Expect(Perm("sharing.submit")),
    "POST /api/v1/sharing/submissions": Expect(Perm("sharing.submit"), data=body(story_id="@published_story",
                                                                                to_center_ids=[987654]), as_json=True,
                                               a_object=True,
                                               note="a center that is not above A: 422; B's editors: not their story, 404"),
    "GET /api/v1/sharing/incoming": Expect(Perm("sharing.receive")),
    "GET /api/v1/sharing/incoming/{submission_id}": Expect(Nobody(), a_object=False, note="no submission: 404"),
    "POST /api/v1/sharing/incoming/{submission_id}/used": Expect(Nobody(), data=body(), as_json=True, a_object=False,
                                                                 note="no submission: 404"),
    "POST /api/v1/sharing/incoming/{submission_id}/not-used": Expect(Nobody(), data=body(reason=""), as_json=True,
                                                                     a_object=False, note="no submission: 404"),
    "POST /api/v1/sharing/incoming/{submission_id}/take-in": Expect(Nobody(), data=body(), as_json=True, a_object=False,
                                                                    note="no submission: 404"),
}

# Path parameters of the API by name (the same name means the same kind of object everywhere).
PATH_PARAMS = {
    "department_id": "department", "story_id": "draft_story", "asset_id": "asset", "assignment_id": "assignment",
    "lead_id": "lead", "topic_id": "topic", "plan_id": "plan",
    "case_id": "liaison_case", "notification_id": "editor_notification",
    "center": "=demo", "id": "published_story", "slug": "feature_slug",
    "webhook_id": "webhook", "delivery_id": "webhook_delivery",
    "source_id": "monitor_source",
    "alert_id": "monitor_alert", "rule_id": "monitor_rule", "robot_id": "monitor_robot", "item_id": "monitor_item",
    "hot_topic_id": "monitor_hot_topic", "report_id": "monitor_report",
    # issue 18
    "slot_id": "ads_slot", "client_id": "ads_client", "contract_id": "ads_contract", "booking_id": "ads_booking",
    "event_id": "event", "line_id": "event_line", "task_id": "event_task",
    "production_id": "production", "crew_id": "live_crew", "kit_id": "live_kit", "segment_id": "live_segment",
    "check_item_id": "live_check", "equipment_id": "live_equipment", "year": "this_year",
    "subscriber_id": "cable_subscriber", "order_id": "cable_order",
    # issue 19
    "center_id": "center_b", "received_id": "sharing_received", "push_id": "=987654", "submission_id": "=987654",
}

ADMIN_PUBLIC = {"admin:login"}


# --- Enumeration ------------------------------------------------------------------------------------


@dataclass
class Route:
    key: str  # the name ("ns:name") or, unnamed, the route
    route: str  # the full route, e.g. "stories/<int:pk>/edit/"
    name: str


def url_routes() -> list[Route]:
    """Every URL pattern of the project, walked recursively through includes."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace) if x)
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
                found.append(Route(key=name or route, route=route, name=name))

    walk(get_resolver().url_patterns, "", "")
    return found


def api_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the staff and public OpenAPI documents."""
    from rongmei.api import api
    from rongmei.portal.api import public_api

    ops = []
    for ninja_api, prefix in ((api, "/api"), (public_api, "/api/public/v1")):
        schema = ninja_api.get_openapi_schema(path_prefix=prefix)
        for path, methods in schema["paths"].items():
            for method in methods:
                ops.append((method.upper(), path))
    return ops


def is_api_operation_route(route: Route, operations) -> bool:
    """API patterns are checked per operation (with their methods), not as plain URLs:
    'api/v1/stories/<story_id>' is the operations on '/api/v1/stories/{story_id}'."""
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route)
    return any(p == path for _, p in operations)


def admin_expectation(route: Route) -> Expect | None:
    """Django's admin site: its login page is public, everything else is for platform admins.
    Declared here as one rule so that a model registered later is checked too."""
    if not route.route.startswith("djadmin/"):
        return None
    if route.name in ADMIN_PUBLIC:
        return Expect(Public())
    return Expect(PlatformAdmin(), kwargs=lambda world, r=route: world.admin_kwargs(r), a_object=False)


def expectation(route: Route) -> list[Expect] | None:
    found = URLS.get(route.key) or admin_expectation(route)
    if found is None:
        return None
    return found if isinstance(found, list) else [found]


def fill(route: str, values: dict) -> str:
    """A concrete path from a route (path converters and regex groups alike)."""

    def value(match):
        name = match.group("name")
        if name not in values:
            raise KeyError(f"{route}: no value for <{name}>")
        return str(values[name])

    path = re.sub(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)", value, route)
    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", value, path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    return "/" + path


# --- The world: center A's objects, canaries, identities ----------------------------------------------


class World:
    def __init__(self, demo):
        from rongmei.core.models import AuditEvent, Department, Notification
        from rongmei.distribution.models import ChannelAccount, Publication
        from rongmei.inquiry.models import Case
        from rongmei.newsroom.models import Asset, Column, Story
        from rongmei.planning.models import Assignment, Lead, Topic
        from rongmei.portal.models import Feature, ServiceEntry
        from rongmei.review.models import Review, Workflow

        self.a, self.b = demo["demo"], demo["linxian"]
        a = self.a
        self.canary = f"CANARY-A-{secrets.token_hex(5)}"
        self.phone_canary = f"139{secrets.randbelow(10**8):08d}"  # citizens' phone numbers are never public
        # In stories not signed off: also kept from A's people who may not read drafts.
        self.draft_canary = f"CANARYD{secrets.token_hex(6)}"
        self.seek = f"SEEK{secrets.token_hex(4)}"  # searched for: the answer echoes it, the canary must not
        user = User.objects.get
        self.draft_story = Story.objects.filter(center=a, status="draft", created_by=user(username="reporter")).first()
        publication = Publication.objects.filter(center=a, status="sent").select_related("story", "account").first()
        self.publication, self.published_story = publication, publication.story
        self.publication_responsible = publication.account.responsible.username if publication.account.responsible else ""
        signed_off = Story.objects.filter(center=a, status="signed_off")
        self.published_asset = Asset.objects.filter(center=a, story_links__story__in=signed_off).first()
        from rongmei.portal.models import Feature, LiveStream

        # Not in a signed-off story, nor on the public site as a live-stream poster or feature cover.
        on_site = [*LiveStream.objects.values_list("poster_id", flat=True), *Feature.objects.values_list("cover_id", flat=True)]
        private = Asset.objects.filter(center=a).exclude(story_links__story__in=signed_off).exclude(pk__in=[p for p in on_site if p])
        shared = {sha for sha in Asset.objects.values_list("sha256", flat=True)
                  if Asset.objects.filter(sha256=sha).count() > 1}
        self.asset = (private.exclude(sha256__in=shared).first()
                      or Asset.objects.create(center=a, kind="document", file="assets/iso-test.txt", original_name="iso.txt",
                                              mime="text/plain", size=1, uploaded_by=user(username="editor")))
        self.asset_uploader = self.asset.uploaded_by.username if self.asset.uploaded_by else ""
        self.asset_path = self.asset.file.name
        self.published_asset_path = self.published_asset.file.name
        self.rendition_story = (Story.objects.filter(center=a, renditions__channel="web").exclude(status="signed_off")
                                .first())
        self.column_slug = Column.objects.filter(center=a, is_active=True).first().slug
        self.feature = Feature.objects.filter(center=a, is_active=True).first()
        self.feature_slug = self.feature.slug
        self.service_slug = ServiceEntry.objects.filter(center=a, kind="page", is_enabled=True).first().slug
        self.public_case = Case.objects.filter(center=a, is_public=True).first()
        self.public_case_code = self.public_case.code
        self.case_kind = self.public_case.kind
        self.private_case = Case.objects.filter(center=a, is_public=False).exclude(status="merged").first()
        liaison = Membership.objects.get(user__username="liaison", center=a, role="liaison")
        self.liaison_case = Case.objects.filter(center=a, assignments__department=liaison.department).first()
        from rongmei.inquiry.models import Extension, Reply

        self.inquiry_reply = Reply.objects.filter(case__center=a).order_by("pk").first()
        self.inquiry_extension = (Extension.objects.filter(case__center=a).order_by("pk").first()
                                  or Extension.objects.create(case=self.liaison_case, department=liaison.department, days=3,
                                                              reason="接口测试延期", requested_by=user(username="liaison")))
        self.lead = Lead.objects.filter(center=a, status="new", topic__isnull=True).first()
        self.lead_creator = self.lead.created_by.username if self.lead.created_by else ""
        self.topic = Topic.objects.filter(center=a).first()
        from rongmei.monitor.models import Topic as MonitorTopic

        self.monitor_topic = (MonitorTopic.objects.filter(center=a).order_by("pk").first()
                              or MonitorTopic.objects.create(center=a, name="隔离测试方案", expression="奉化 & 积水"))
        from rongmei.monitor.models import Source as MonitorSource

        self.monitor_source = (MonitorSource.objects.filter(center=a).order_by("pk").first()
                               or MonitorSource.objects.create(center=a, name="隔离测试监测源", kind="rss",
                                                               url="https://news.example.cn/rss.xml"))
        self._monitor_alerts(a)
        self._monitor_views(a)
        self._reach_and_appraisal(a)
        self._issue17(a)
        self._issue18(a)
        from rongmei.planning.models import Plan

        self.plan = Plan.objects.filter(center=a).first()
        self.assignment = Assignment.objects.filter(center=a).first()
        from rongmei.planning.models import DutySwap

        self.duty_swap = DutySwap.objects.filter(center=a, status="pending").first()
        self.duty_shift = self.duty_swap.shift
        self.open_review = Review.objects.filter(center=a, status="in_review", current_step=0).first()
        self.open_review_story = self.open_review.story
        self.signed_off_review = Review.objects.filter(center=a, status="signed_off").first()
        assert self.open_review.steps[0]["role"] == "reviewer1", "the declaration of review:edit assumes 一审 first"
        self.workflow = Workflow.objects.filter(center=a).first()
        self.account = ChannelAccount.objects.filter(center=a).exclude(kind="own_site").first()
        self.broadcast_account = ChannelAccount.objects.filter(center=a, kind=ChannelAccount.Kind.BROADCAST).first()
        self.wechat_account = ChannelAccount.objects.filter(center=a, kind=ChannelAccount.Kind.WECHAT).first()
        self.department = Department.objects.filter(center=a).first()
        from rongmei.distribution.models import WebhookEndpoint

        self.webhook = WebhookEndpoint.objects.filter(center=a).first()
        self.webhook_delivery = self.webhook.deliveries.first()
        self.person = User.objects.get(username="analyst")
        from rongmei.core.models import AccountChangeRequest

        self.shared_person = User.objects.get(username="editor")
        self.change = AccountChangeRequest.objects.create(person=self.shared_person, action="deactivate",
                                                          requested_by=user(username="admin"), requested_in=a)
        self.audit_event = AuditEvent.objects.filter(center=a).first()
        self.editor_notification = Notification.objects.filter(center=a, recipient__username="editor").first()
        self.center_b = self.b
        self._plant_canaries()

    def _monitor_alerts(self, a) -> None:
        """舆情预警 (alerts part): an item, an alert about it, a rule and a robot of A. The
        robot points at a private address, so 发送测试消息 is refused before anything is sent."""
        from django.utils import timezone

        from rongmei.monitor.models import Alert, AlertRule, Item, RobotHook

        self.monitor_item, _ = Item.objects.get_or_create(
            center=a, source=self.monitor_source, external_id="isolation-item",
            defaults={"title": "隔离测试舆情", "text": "隔离测试舆情正文", "content_hash": "isolation-item",
                      "published_at": timezone.now()})
        self.monitor_rule, _ = AlertRule.objects.get_or_create(center=a, name="隔离测试规则", defaults={"kind": "negative"})
        self.monitor_robot, _ = RobotHook.objects.get_or_create(
            center=a, name="隔离测试机器人",
            defaults={"kind": "wecom", "url": "https://10.255.255.1/cgi-bin/webhook/send?key=isolation"})
        self.monitor_alert, _ = Alert.objects.get_or_create(
            center=a, fold_key="isolation", defaults={"kind": "negative", "title": "隔离测试预警", "rule": self.monitor_rule})
        self.monitor_alert.items.add(self.monitor_item)

    def _monitor_views(self, a) -> None:
        """舆情 views part: a hot topic and a report of A, the report carrying the canary (A's
        analysts read it; nobody in B or anonymous may)."""
        import datetime as dt

        from rongmei.monitor.models import HotTopic, Report

        self.monitor_hot_topic = HotTopic.objects.create(center=a, title=f"隔离测试热点 {self.canary}", item_count=1)
        self.monitor_item.hot_topic = self.monitor_hot_topic
        self.monitor_item.save(update_fields=["hot_topic"])
        self.monitor_report = Report.objects.create(
            center=a, kind="daily", period_start=dt.date(2024, 12, 31), period_end=dt.date(2024, 12, 31),
            title="隔离测试日报", sections=[{"heading": "总体情况", "text": self.canary}], recipients="iso@example.com",
            figures={"kind": "daily", "period": {"text": "2024年12月31日"}})
        from rongmei.monitor.report import version_of

        self.monitor_report_version = version_of(self.monitor_report)

    def _reach_and_appraisal(self, a) -> None:
        """传播效果 and 绩效考核 (issue 16): an import batch of each kind, a rule set, a 优稿 rating,
        a 外宣 pickup, a deduction on a person of A only, and an open month with a dispute."""
        import datetime as dt
        from decimal import Decimal

        from rongmei.analytics.models import ImportBatch
        from rongmei.appraisal import periods
        from rongmei.appraisal.models import Deduction, Dispute, Pickup, Rating, RuleSet
        from rongmei.appraisal.rules import DEFAULT_RULES

        admin = User.objects.get(username="admin")
        self.analytics_import = ImportBatch.objects.create(center=a, kind="pieces", original_name="隔离测试.csv",
                                                           status="imported", uploaded_by=admin)
        self.pickup_import = ImportBatch.objects.create(center=a, kind="pickups", original_name="隔离测试外宣.csv",
                                                        status="imported", uploaded_by=admin)
        self.appraisal_ruleset = (RuleSet.objects.filter(center=a).order_by("pk").first()
                                  or RuleSet.objects.create(center=a, month=dt.date(2024, 1, 1), rules=DEFAULT_RULES,
                                                            created_by=admin))
        self.appraisal_person = User.objects.create_user(username="iso_appraisal_person", display_name="隔离测试考核对象",
                                                         password=secrets.token_urlsafe())
        Membership.objects.create(user=self.appraisal_person, center=a, role="reporter")
        story = self.published_story
        self.appraisal_rating = (Rating.objects.filter(center=a, story=story).first()
                                 or Rating.objects.create(center=a, story=story, month=dt.date(2025, 1, 1), level="A",
                                                          reason="隔离测试", awarded_by=admin))
        self.appraisal_pickup, _ = Pickup.objects.get_or_create(
            center=a, story=story, outlet_name="隔离测试日报", used_on=dt.date(2025, 1, 2),
            defaults={"month": dt.date(2025, 1, 1), "level": "county"})
        self.appraisal_deduction = Deduction.objects.create(center=a, month=dt.date(2025, 1, 1), kind="other",
                                                            user=self.appraisal_person, points=Decimal(1),
                                                            reason="隔离测试", created_by=admin)
        self.appraisal_month = "2025-01"
        period = periods.get_or_open(a, dt.date(2025, 1, 1))
        self.appraisal_dispute = Dispute.objects.create(center=a, period=period, raised_by=self.appraisal_person,
                                                        text="隔离测试申诉")

    def _issue17(self, a) -> None:
        """Issue 17: the demo's finished video version and its story, a 视频号 hand-post of it
        (its download and the province's signed link), the province account's callback key,
        a message channel and a pending delivery of A, an SMS template of A."""
        from django.utils import timezone

        from rongmei.core.messaging import enqueue
        from rongmei.core.models import MessageChannel, MessageDelivery
        from rongmei.distribution import video_links
        from rongmei.distribution.models import ChannelAccount, Publication
        from rongmei.inquiry.models import SmsTemplate
        from rongmei.newsroom.models import VideoJob
        from rongmei.newsroom.selectors import video_file

        self.video_job = VideoJob.objects.filter(center=a, status="done").order_by("pk").first()
        assert self.video_job is not None, "the demo has a finished video version (newsroom demo)"
        self.video_story = self.video_job.story
        assert self.video_story.status == "signed_off", "the declarations assume the demo's video story is signed off"
        channels = ChannelAccount.objects.filter(center=a, kind="channels").order_by("pk").first()
        self.video_publication = Publication.objects.create(
            center=a, story=self.video_story, account=channels, channel="short_video", status="awaiting",
            handoff="publish", story_version=self.video_story.version, content_hash="isolation",
            created_by=User.objects.get(username="operator"), sent_at=timezone.now())
        self.video_publication_responsible = channels.responsible.username if channels.responsible else ""
        vf = video_file(self.video_story, "vertical")
        assert vf is not None, "the demo's video story has its signed vertical video"
        self.video_link_token = video_links.signed_link(self.video_publication, "video", "vertical", vf).split("/")[-2]
        province = ChannelAccount.objects.filter(center=a, kind="province").order_by("pk").first()
        self.province_callback_key = province.callback_key
        self.message_channel = MessageChannel.objects.filter(center=a).order_by("pk").first()
        self.message_delivery = (MessageDelivery.objects.filter(center=a, status="pending").order_by("pk").first()
                                 or enqueue(center=a, kind="email", address="iso@example.com", title="隔离测试",
                                            key=f"isolation-{secrets.token_hex(4)}"))
        self.sms_template = SmsTemplate.objects.filter(center=a).order_by("pk").first()

    def _issue18(self, a) -> None:
        """Issue 18 (经营创收): an ad slot, client, contract and booking; an event with a budget
        line and a task; a live production with its crew, equipment, run-sheet segment and check
        item; a cable subscriber, call, work order (with its technician), package and device.
        A's canary goes into each room's private text."""
        import datetime as dt

        from rongmei.ads.models import Booking, Client, Contract, Slot
        from rongmei.cable.models import Call, Device, Package, Subscriber, WorkOrder
        from rongmei.events.models import BudgetLine, Event, Task
        from rongmei.live.models import CheckItem, CrewAssignment, Equipment, EquipmentAssignment, Production, Segment

        self.this_year = str(dt.date.today().year)
        self.ads_booking = Booking.objects.filter(center=a).order_by("pk").first()
        self.ads_contract = self.ads_booking.contract
        self.ads_client = self.ads_contract.client
        self.ads_slot = self.ads_booking.slot
        assert Slot.objects.filter(center=a).exists() and Contract.objects.filter(center=a).exists()
        self.event = Event.objects.filter(center=a, tasks__isnull=False, budget_lines__isnull=False).order_by("pk").first()
        self.event_manager = self.event.manager
        self.event_line = BudgetLine.objects.filter(event=self.event).order_by("pk").first()
        self.event_task = Task.objects.filter(event=self.event).order_by("pk").first()
        self.task_owner = self.event_task.owner.username
        productions = Production.objects.filter(center=a)
        self.production = (productions.filter(crew__isnull=False, equipment__isnull=False, segments__isnull=False,
                                              checks__isnull=False).order_by("pk").first() or productions.order_by("pk").first())
        p = self.production
        self.live_crew = (CrewAssignment.objects.filter(production=p).order_by("pk").first()
                          or CrewAssignment.objects.create(center=a, production=p, person=User.objects.get(username="editor"),
                                                           role=CrewAssignment.Role.choices[0][0]))
        self.live_equipment = Equipment.objects.filter(center=a).order_by("pk").first()
        self.live_kit = (EquipmentAssignment.objects.filter(production=p).order_by("pk").first()
                         or EquipmentAssignment.objects.create(center=a, production=p, equipment=self.live_equipment))
        self.live_kit_equipment = self.live_kit.equipment
        self.live_segment = (Segment.objects.filter(production=p).order_by("pk").first()
                             or Segment.objects.create(center=a, production=p, offset_minutes=0, length_minutes=5,
                                                       content="隔离测试开场"))
        self.live_check = (CheckItem.objects.filter(production=p).order_by("pk").first()
                           or CheckItem.objects.create(center=a, production=p, label="隔离测试检查"))
        technician = User.objects.get(username="technician")
        self.cable_order = WorkOrder.objects.filter(center=a, technician=technician).order_by("pk").first()
        assert self.cable_order is not None, "the demo has work orders sent to the technician 吕强"
        self.order_technician = technician.username
        self.order_technician_id = technician
        self.cable_subscriber = self.cable_order.subscriber
        self.cable_township = self.cable_subscriber.township
        self.cable_package = self.cable_subscriber.package
        self.cable_call = Call.objects.filter(center=a).order_by("pk").first()
        self.cable_device = Device.objects.filter(center=a).order_by("pk").first()
        from rongmei.sharing.models import PushTarget

        self.sharing_received = PushTarget.objects.filter(center=a).order_by("pk").first()
        assert self.sharing_received is not None, "the demo has the province's push waiting in 示例县"
        assert Package.objects.filter(center=a).exists()
        # A's private text in each room: clients' notes, the event's description, the production's
        # note, the subscriber's address and the hotline's notes.
        c = self.canary
        Client.objects.filter(pk=self.ads_client.pk).update(note=c)
        Event.objects.filter(pk=self.event.pk).update(description=c)
        Production.objects.filter(pk=p.pk).update(note=c)
        Subscriber.objects.filter(pk=self.cable_subscriber.pk).update(address=c)
        Call.objects.filter(pk=self.cable_call.pk).update(notes=c)

    def _plant_canaries(self) -> None:
        """Unique strings in A's private data; none may reach anonymous or B."""
        from rongmei.core import services as core_services
        from rongmei.core.models import Notification
        from rongmei.core.search import indexing
        from rongmei.distribution.models import ChannelAccount
        from rongmei.inquiry.models import Case, Reply
        from rongmei.newsroom.models import Byline, Rendition, Story, StoryRevision
        from rongmei.planning.models import Assignment, Lead, Plan, Topic, TopicComment
        from rongmei.review.models import ReviewComment

        c, d, a = self.canary, self.draft_canary, self.a
        private_stories = Story.objects.filter(center=a).exclude(status="signed_off")
        for story in private_stories:
            headline = f"{d} {story.headline}"[:100]
            Story.objects.filter(pk=story.pk).update(headline=headline, summary=d, body=f"<p>{d} {self.seek}</p>")
            indexing.index(a, "story", story.pk, title=headline, body=f"{d} {self.seek}", status=story.status,
                           author_ids=[story.created_by_id])
        Rendition.objects.filter(story__in=private_stories).update(title=d, body=d)
        self.draft_authors = set(private_stories.values_list("created_by_id", flat=True)) | set(
            Byline.objects.filter(story__in=private_stories, user__isnull=False).values_list("user_id", flat=True))
        self.draft_story.refresh_from_db()
        last = self.draft_story.revisions.order_by("-number").first()
        self.conflict_number = (last.number if last else 0) + 1
        StoryRevision.objects.create(story=self.draft_story, number=self.conflict_number, is_conflict=True,
                                     snapshot={"headline": c, "body": c}, author=User.objects.get(username="editor"))
        Lead.objects.filter(center=a).update(content=c, contact=c)
        Topic.objects.filter(center=a).update(description=c)
        TopicComment.objects.filter(topic__center=a).update(body=c)
        Assignment.objects.filter(center=a).update(brief=c)
        from rongmei.planning.models import DutySwap

        DutySwap.objects.filter(center=a).update(reason=c)
        Case.objects.filter(center=a).update(phone=self.phone_canary, email=f"x.{c}@example.com")
        Case.objects.filter(center=a, is_public=False).update(text=c, title=c)
        Case.objects.filter(center=a, show_name=False).update(name=c)
        Reply.objects.filter(case__center=a).exclude(status=Reply.Status.APPROVED).update(text=c)
        Plan.objects.filter(center=a).update(description=c)
        from rongmei.monitor.models import Topic as MonitorTopic

        for topic in MonitorTopic.objects.filter(center=a):  # 监测方案 are the center's own
            MonitorTopic.objects.filter(pk=topic.pk).update(name=f"{c} {topic.pk}")
        from rongmei.monitor.models import Source as MonitorSource

        for source in MonitorSource.objects.filter(center=a):  # 监测源 (names, errors) are the center's own
            MonitorSource.objects.filter(pk=source.pk).update(name=f"{c} {source.pk}"[:100], last_error=c)
        for account in ChannelAccount.objects.filter(center=a).exclude(kind="own_site"):
            ChannelAccount.objects.filter(pk=account.pk).update(name=f"{c} {account.pk}")
        Notification.objects.filter(center=a).update(body=c)
        from rongmei.distribution.models import WebhookEndpoint

        for hook in WebhookEndpoint.objects.filter(center=a):
            WebhookEndpoint.objects.filter(pk=hook.pk).update(name=f"{c} {hook.pk}"[:80])
        from rongmei.monitor.models import Alert as MonitorAlert
        from rongmei.monitor.models import AlertNote

        MonitorAlert.objects.filter(center=a).update(summary=c, resolution=c)
        AlertNote.objects.create(center=a, alert=self.monitor_alert, text=c)
        ReviewComment.objects.create(review=self.open_review, author=User.objects.get(username="reviewer1"), field="body",
                                     start=0, end=1, quote=c, body=c, story_version=1)
        # issue 17: subtitles, message channels, people's WeCom ids, the delivery log, SMS templates
        from rongmei.core.models import MessageChannel, MessageDelivery, PersonChannel
        from rongmei.inquiry.models import SmsTemplate
        from rongmei.newsroom.models import VideoJob

        VideoJob.objects.filter(center=a).update(subtitles=f"1\n00:00:00,000 --> 00:00:01,000\n{c}\n")
        for channel in MessageChannel.objects.filter(center=a):
            MessageChannel.objects.filter(pk=channel.pk).update(name=f"{c} {channel.pk}")
        PersonChannel.objects.filter(center=a).update(wecom_userid=c)
        MessageDelivery.objects.filter(center=a).update(title=c, body=c)
        SmsTemplate.objects.filter(center=a).update(template_code=c)
        token, _ = core_services.create_api_token(user=User.objects.get(username="editor"), center=a, name=c[:40])
        self.editor_token = token

    def value(self, ref):
        if isinstance(ref, str) and ref.startswith("="):
            return ref[1:]
        if isinstance(ref, str) and ref.startswith("@"):
            ref = ref[1:]
        obj = getattr(self, ref)
        return getattr(obj, "pk", obj)

    def admin_kwargs(self, route: Route) -> dict:
        from django.contrib.contenttypes.models import ContentType

        from rongmei.newsroom.models import Story

        values = {"url": "nothing-here/", "app_label": "core",
                  "content_type_id": ContentType.objects.get_for_model(Story).pk, "object_id": self.published_story.pk,
                  "id": User.objects.get(username="editor").pk}
        match = re.match(r"djadmin/(\w+)/(\w+)/", route.route)
        if match:
            for model in admin.site._registry:
                if (model._meta.app_label, model._meta.model_name) == match.groups():
                    qs = model._default_manager.all()
                    if any(f.name == "center" for f in model._meta.fields):
                        qs = qs.filter(center=self.a)
                    obj = qs.order_by("pk").first()
                    values["object_id"] = obj.pk if obj else 1
        return values


IDENTITIES = [
    # (label, username or None, center "a"/"b")
    ("reporter", "reporter", "a"), ("editor", "editor", "a"), ("reviewer1", "reviewer1", "a"),
    ("reviewer2", "reviewer2", "a"), ("reviewer3", "reviewer3", "a"), ("proofreader", "proofreader", "a"),
    ("operator", "operator", "a"), ("analyst", "analyst", "a"), ("coordinator", "coordinator", "a"),
    ("liaison", "liaison", "a"), ("appraiser", "appraiser", "a"), ("admin", "admin", "a"),
    # 经营创收 (issue 18)
    ("adsales", "adsales", "a"), ("business", "business", "a"), ("events", "events", "a"), ("director", "director", "a"),
    ("cableclerk", "cableclerk", "a"), ("cableagent", "cableagent", "a"), ("technician", "technician", "a"),
    ("cablemanager", "cablemanager", "a"),
    ("a_center_admin", "iso_a_admin", "a"),
    ("anonymous", None, None),
    ("lx_reporter", "lx_reporter", "b"), ("lx_center_admin", "iso_b_admin", "b"),
    ("editor@linxian", "editor", "b"),
    # Personal API tokens (bound to one center), for the API operations only.
    ("reporter (token)", "reporter", "a-token"), ("lx_reporter (token)", "lx_reporter", "b-token"),
]


def make_identities(world: World) -> list[Identity]:
    from rongmei.core import services as core_services

    for username, center in (("iso_a_admin", world.a), ("iso_b_admin", world.b)):
        person = User.objects.create_user(username=username, display_name=username, password=secrets.token_urlsafe())
        Membership.objects.create(user=person, center=center, role="center_admin")
    people = []
    for number, (label, username, which) in enumerate(IDENTITIES):
        client = Client(REMOTE_ADDR=f"10.77.0.{number + 1}")
        if username is None:
            people.append(Identity(label, None, None, client=client))
            continue
        user = User.objects.get(username=username)
        center = world.a if which.startswith("a") else world.b
        if which.endswith("-token"):
            _, plaintext = core_services.create_api_token(user=user, center=center, name="isolation suite")
            client = Client(REMOTE_ADDR=f"10.77.0.{number + 1}", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        else:
            client.force_login(user)
            session = client.session
            session[SESSION_CENTER_KEY] = center.pk
            session.save()
        roles = frozenset(Membership.objects.filter(user=user, center=center).values_list("role", flat=True))
        member_of_a = Membership.objects.filter(user=user, center=world.a).exists()
        people.append(Identity(label, user, center, perms=center_permissions(user, center), roles=roles,
                               member_of_a=member_of_a, api_only=which.endswith("-token"), client=client,
                               cookies={k: v.value for k, v in client.cookies.items()}))
    return people


# --- Asking and judging -------------------------------------------------------------------------------


def _is_login_redirect(response) -> bool:
    location = response.get("Location", "")
    return response.status_code in (301, 302, 303) and ("/login/" in location)


def outcome(response) -> str:
    """'allowed', 'refused' or 'error' (a crash, or a method the route does not take)."""
    status = response.status_code
    if status >= 500 or status == 405:
        return "error"
    if status in (401, 403, 404) or _is_login_redirect(response):
        return "refused"
    return "allowed"


def content_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def ask(who: Identity, method: str, path: str, query: str = "", data=None, as_json: bool = False):
    """One request in a savepoint rolled back afterwards, with the identity's own cookies."""
    client = who.client
    client.cookies = SimpleCookie()
    for key, value in who.cookies.items():
        client.cookies[key] = value
    url = f"{path}?{query}" if query else path
    with transaction.atomic():
        try:
            if method == "GET":
                response = client.get(url)
            elif as_json:
                response = client.generic(method, url, data=json.dumps(data or {}),
                                          content_type="application/json")
            elif method == "POST":
                response = client.post(url, data or {})
            else:
                response = client.generic(method, url, data="")
        except Exception as exc:  # noqa: BLE001 - every crash is a finding
            response = None
            error = f"{type(exc).__name__}: {exc}"
        transaction.set_rollback(True)
    if response is None:
        class Crash:
            status_code = 500
            content = error.encode()
            streaming = False

            def get(self, key, default=""):
                return default

        return Crash()
    return response


@dataclass
class Findings:
    tried: int = 0
    seconds: dict = field(default_factory=dict)
    done_once: set = field(default_factory=set)
    seen_inside: set = field(default_factory=set)  # canaries A's own people were shown (the check is not vacuous)
    leaks: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)

    def report(self) -> str:
        lines = [f"{self.tried} requests; {len(self.leaks)} canary leaks; {len(self.unexpected)} unexpected answers"]
        slow = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:8]
        lines.append("slowest routes (s, all identities): " + ", ".join(f"{k} {v:.1f}" for k, v in slow))
        lines += [f"LEAK {x}" for x in self.leaks[:60]]
        lines += [f"UNEXPECTED {x}" for x in self.unexpected[:200]]
        return "\n".join(lines)


def _compare_with_absent(findings, who, expect, method, absent_path, query, data, response, where) -> None:
    """Someone outside A must not learn that A's object exists: the answer for its id is the
    answer for an id that exists nowhere (same status, same redirect)."""
    other = ask(who, method, absent_path, query, data, expect.as_json)
    findings.tried += 1

    def shape(r):
        return r.status_code, r.get("Location", "").split("?")[0]

    if shape(other) != shape(response):
        findings.leaks.append(f"{where}: answers {shape(response)} for A's object but {shape(other)} for one that "
                              f"does not exist ({absent_path}): that tells an outsider the object exists")


def judge(findings: Findings, world: World, who: Identity, expect: Expect, key: str, method: str, path: str,
          query: str, data, kwargs: dict) -> None:
    a_object = expect.a_object if expect.a_object is not None else bool(set(kwargs) - {"center", "fmt", "kind"})
    wanted = expect.rule.allows(who, world)
    if a_object and not expect.rule.public and who.center != world.a and not (expect.personal and who.member_of_a):
        wanted = False
    if wanted and expect.allowed_once:
        if id(expect) in findings.done_once:
            return
        findings.done_once.add(id(expect))
    started = time.perf_counter()
    response = ask(who, method, path, query, data, expect.as_json)
    if response.status_code == 405 and method == "GET":
        method = "POST"
        response = ask(who, method, path, query, data, expect.as_json)
    findings.tried += 1
    findings.seconds[key] = findings.seconds.get(key, 0) + time.perf_counter() - started
    got = outcome(response)
    where = f"{key} {method} {path}{'?' + query if query else ''} as {who.label}"
    if response.status_code in expect.also_fine or isinstance(expect.rule, Anything) and got == "refused":
        got = "allowed"
    if got == "error":
        findings.unexpected.append(f"{where}: {response.status_code} {content_of(response)[:200]!r}")
    elif got != ("allowed" if wanted else "refused"):
        findings.unexpected.append(
            f"{where}: {response.status_code} {response.get('Location', '')} — declared {expect.rule!r} "
            f"so expected {'allowed' if wanted else 'refused'}")
    if a_object and not expect.rule.public and who.center != world.a and not expect.personal and expect.absent_path:
        _compare_with_absent(findings, who, expect, method, expect.absent_path, query, data, response, where)
    content = content_of(response)
    outsider = who.anonymous or who.center != world.a and not (expect.personal and who.member_of_a)
    for canary in (world.canary, world.phone_canary, world.draft_canary):
        if canary.encode() in content:
            if outsider and canary != world.draft_canary:
                findings.leaks.append(f"{where}: {response.status_code} contains {canary}")
            elif not outsider:
                findings.seen_inside.add(canary)
    no_drafts = outsider or ("newsroom.view_drafts" not in who.perms and who.user.pk not in world.draft_authors)
    if no_drafts and world.draft_canary.encode() in content:
        findings.leaks.append(f"{where}: {response.status_code} shows a draft ({world.draft_canary})")


# --- The tests ------------------------------------------------------------------------------------------


def test_every_url_pattern_has_a_declared_expectation():
    operations = api_operations()
    missing = [r.route + (f"  (name {r.name})" if r.name else "") for r in url_routes()
               if not is_api_operation_route(r, operations) and expectation(r) is None]
    assert not missing, (
        "These URL patterns have no declared expectation. Add each to URLS in "
        "tests/test_isolation_enumerated.py (who may have it: Public(), Login(), Perm('app.perm'), ...):\n  "
        + "\n  ".join(missing))
    stale = set(URLS) - {r.key for r in url_routes()}
    assert not stale, f"Declared URL expectations whose pattern no longer exists (remove them): {sorted(stale)}"


def test_every_api_operation_has_a_declared_expectation():
    missing = [f"{m} {p}" for m, p in api_operations() if f"{m} {p}" not in API]
    assert not missing, (
        "These API operations have no declared expectation. Add each to API in "
        "tests/test_isolation_enumerated.py:\n  " + "\n  ".join(missing))
    stale = set(API) - {f"{m} {p}" for m, p in api_operations()}
    assert not stale, f"Declared API operations that no longer exist: {sorted(stale)}"


def test_every_route_answers_every_identity_as_declared(demo, settings):
    settings.RONGMEI_DEMO = True
    # Thousands of deliberate 403/404s: keep Django's request log quiet; findings say it all.
    request_log = logging.getLogger("django.request")
    level, request_log.level = request_log.level, logging.CRITICAL
    try:
        _run_suite(demo)
    finally:
        request_log.level = level


def _run_suite(demo):
    world = World(demo)
    people = make_identities(world)
    findings = Findings()
    operations = api_operations()
    # Pages and their POST-only actions, then the API (every request is rolled back anyway).
    for route in url_routes():
        if is_api_operation_route(route, operations):
            continue
        for expect in expectation(route) or []:
            kwargs = expect.kwargs(world) if expect.kwargs else {}
            path = fill(route.route, kwargs)
            expect.absent_path = _absent(fill(route.route, {k: ABSENT if isinstance(v, int) else v
                                                            for k, v in kwargs.items()}), path)
            data = expect.data(world) if expect.data else None
            query = _query(expect.query, world)
            for who in people:
                if not who.api_only:
                    judge(findings, world, who, expect, route.key, expect.method, path, query, data, kwargs)
    for method, api_path in operations:
        declared = API[f"{method} {api_path}"]
        for expect in declared if isinstance(declared, list) else [declared]:
            names = re.findall(r"{(\w+)}", api_path)
            kwargs = expect.kwargs(world) if expect.kwargs else {n: world.value(PATH_PARAMS[n]) for n in names}
            path = re.sub(r"{(\w+)}", lambda m: str(kwargs[m.group(1)]), api_path)
            expect.absent_path = _absent(re.sub(r"{(\w+)}", lambda m: str(ABSENT if isinstance(kwargs[m.group(1)], int)
                                                                          else kwargs[m.group(1)]), api_path), path)
            for who in people:
                data = expect.data(world) if expect.data else None
                judge(findings, world, who, expect, f"{method} {api_path}", method, path, _query(expect.query, world),
                      data, kwargs)
    print(findings.report())
    assert findings.seen_inside == {world.canary, world.phone_canary, world.draft_canary}, (
        f"the canaries were planted where no page shows them: only {findings.seen_inside} were seen by A's own people")
    assert not findings.leaks and not findings.unexpected, findings.report()


ABSENT = 987654321  # an id no object has


def _absent(absent_path: str, path: str) -> str:
    return absent_path if absent_path != path else ""


def _query(query: str, world: World) -> str:
    return re.sub(r"@(\w+)", lambda m: str(world.value(m.group(1))), query)
