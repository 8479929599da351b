"""The standing XSS suite's payload corpus and its seeding (issue 11).

Every payload calls `__xss(ID)` (or `parent.__xss(ID)` inside a frame) when it runs; the
browser test defines that function in every frame and fails on any call or dialog. `seed()`
runs inside an installation (`rongmei shell -c`), puts the payloads into every text and URL
field of the objects staff and citizens create — through the services and forms, as people
do — publishes what the public sees, and prints a JSON manifest: which (field, payload)
pairs were stored or refused, and which pages show them, per role."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import traceback
from html.parser import HTMLParser

# Markup and script payloads: one id each; `{n}` is replaced by the id.
TEXT_PAYLOADS = [
    "<script>__xss({n})</script>",
    "<img src=x onerror=__xss({n})>",
    "<svg onload=__xss({n})>",
    '"><script>__xss({n})</script>',
    "'-__xss({n})-'",
    '";__xss({n});//',
    "<a href=\"javascript:__xss({n})\">点我</a>",
    "<iframe srcdoc=\"<script>parent.__xss({n})</script>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss({n})>",
    "<p style=\"background:url(javascript:__xss({n}))\">x</p>",
    "<div style=\"width:expression(__xss({n}))\">",
    "{{{{7*7}}}}${{__xss({n})}}{{% debug %}}",
    "</textarea><script>__xss({n})</script>",
    "</script><script>__xss({n})</script>",
    "\" autofocus onfocus=\"__xss({n})\" x=\"",
    "' autofocus onfocus='__xss({n})' x='",
    "<details open ontoggle=__xss({n})>",
    "<input autofocus onfocus=__xss({n})>",
    "<div x-data x-init=\"__xss({n})\"></div>",
    "<body onload=__xss({n})>",
    "<object data=\"javascript:__xss({n})\">",
    "<embed src=\"javascript:__xss({n})\">",
    "<meta http-equiv=refresh content=\"0;url=javascript:__xss({n})\">",
    "＜script＞__xss({n})＜/script＞\u2028\u2029",
    "<img src=`x`onerror=__xss({n})>",
    "<svg><animate onbegin=__xss({n}) attributeName=x dur=1s>",
    "<a href=\"java&#x09;script:__xss({n})\">t</a>",
    "<noscript><p title=\"</noscript><img src=x onerror=__xss({n})>\">",
]

# Addresses for URL fields: each must be refused where it is typed in.
URL_PAYLOADS = [
    "javascript:__xss({n})",
    "JaVaScRiPt:__xss({n})",
    " javascript:__xss({n})",
    "java\tscript:__xss({n})",
    "java&#x09;script:__xss({n})",
    "&#106;avascript:__xss({n})",
    "\x01javascript:__xss({n})",
    "data:text/html,<script>__xss({n})</script>",
    "vbscript:__xss({n})",
    "//evil.example/{n}",
    "/\\evil.example/{n}",
    "file:///etc/passwd#{n}",
]


def payloads() -> list[tuple[int, str]]:
    return [(i, p.format(n=i)) for i, p in enumerate(TEXT_PAYLOADS, 1)]


def url_payloads() -> list[tuple[int, str]]:
    base = len(TEXT_PAYLOADS)
    return [(base + i, p.format(n=base + i)) for i, p in enumerate(URL_PAYLOADS, 1)]


def chunks(max_len: int) -> list[tuple[str, list[int]]]:
    """The text payloads packed into values of at most `max_len` characters (a payload that
    does not fit on its own is left out of that field)."""
    out: list[tuple[str, list[int]]] = []
    value, ids = "", []
    for pid, text in payloads():
        if len(text) > max_len:
            continue
        if len(value) + len(text) > max_len:
            out.append((value, ids))
            value, ids = "", []
        value, ids = value + text, ids + [pid]
    if value:
        out.append((value, ids))
    return out


def everything() -> str:
    return "\n".join(text for _, text in payloads())


# --- what counts as live markup -------------------------------------------------------------

_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "base", "meta", "form", "style", "svg", "math", "link"}


class _LiveMarkup(HTMLParser):
    """Finds what would run if an HTML fragment (a feed item, an API body) were rendered."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name == "srcdoc":
                self.found.append(f"{tag} {name}")
            elif name in ("href", "src", "action", "formaction", "data", "xlink:href") and unsafe_link(tag, name, value):
                self.found.append(f"{tag} {name}={value[:40]}")
            elif name == "style" and re.search(r"expression\(|javascript:|url\(", value, re.I):
                self.found.append(f"{tag} style={value[:40]}")


def live_markup(html: str) -> list[str]:
    parser = _LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def unsafe_link(tag: str, name: str, value: str) -> bool:
    """Whether following/loading this address would run script or open a data: document."""
    plain = _INVISIBLE.sub("", value or "").lower()
    if plain.startswith(("javascript:", "vbscript:", "livescript:")):
        return True
    if plain.startswith("data:"):
        return not (tag in ("img", "source", "link") and plain.startswith("data:image/"))
    return False


class Manifest:
    def __init__(self):
        self.stored: set[tuple[str, int]] = set()
        self.refused: set[tuple[str, int]] = set()
        self.accepted_unsafe: list[str] = []
        self.errors: list[str] = []
        self.pages: dict[str, list[str]] = {}
        self.public: list[str] = []
        self.feeds: list[str] = []
        self.json: list[str] = []
        self._stories: list = []   # made by the newsroom step, reviewed by the review step
        self._signed: list = []    # signed off by the review step, published by distribution

    def detail(self, role: str, kind: str, path: str, limit: int = 3) -> None:
        """A detail page, at most `limit` per kind (the lists show every object)."""
        seen = self.__dict__.setdefault("_details", {})
        if seen.get((role, kind), 0) < limit:
            seen[(role, kind)] = seen.get((role, kind), 0) + 1
            self.page(role, path)

    def page(self, role: str, *paths: str) -> None:
        self.pages.setdefault(role, []).extend(p for p in paths if p not in self.pages.get(role, []))

    def value(self, field: str, max_len: int | None, index: int) -> str:
        """The index-th packed value for a field; remembers which payloads it holds."""
        if max_len is None:
            for pid, _ in payloads():
                self.stored.add((field, pid))
            return everything()
        packed = chunks(max_len)
        if not packed:
            return ""  # too short for any payload (e.g. a WeChat author, 8 characters)
        value, ids = packed[index % len(packed)]
        for pid in ids:
            self.stored.add((field, pid))
        return value

    def rounds(self, **fields: int | None) -> int:
        """How many objects it takes to put every fitting payload into each field."""
        return max(len(chunks(n)) if n else 1 for n in fields.values())

    def expect_refused(self, field: str, call) -> None:
        """Try every URL payload in `call(value)`; each must raise ValidationError."""
        from django.core.exceptions import ValidationError

        for pid, url in url_payloads():
            try:
                call(url)
            except ValidationError:
                self.refused.add((field, pid))
            except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
                self.errors.append(f"{field} {url!r}: {type(exc).__name__}: {exc}")
            else:
                self.accepted_unsafe.append(f"{field}: {url!r}")

    def step(self, label: str, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception:  # noqa: BLE001
            self.errors.append(f"{label}: {traceback.format_exc(limit=3)}")
            return None

    def as_dict(self) -> dict:
        fields = {f for f, _ in self.stored} | {f for f, _ in self.refused}
        return {"stored": len(self.stored), "refused": len(self.refused), "fields": len(fields),
                "field_names": sorted(fields), "accepted_unsafe": self.accepted_unsafe, "errors": self.errors,
                "pages": self.pages, "public": self.public, "feeds": self.feeds, "json": self.json}


def _png(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64 + seed, 48), (seed * 7 % 256, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def seed(center_slug: str = "demo") -> dict:
    """Put the corpus everywhere in `center_slug` and print the manifest as JSON."""
    from rongmei.core.models import Center, User

    m = Manifest()
    center = Center.objects.get(slug=center_slug)
    who = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    for part in (_core, _api, _planning, _newsroom, _review, _distribution, _portal, _inquiry, _monitor, _monitor_alerts,
                 _video, _province_receipts, _notify, _sms, _ads, _events, _live, _cable):
        m.step(part.__name__, part, m, center, who)
    result = m.as_dict()
    print("XSS-MANIFEST " + json.dumps(result, ensure_ascii=False))
    return result


# --- per room -------------------------------------------------------------------------------------

def _core(m: Manifest, center, who) -> None:
    from rongmei.core import services

    admin = who["admin"]
    for i in range(m.rounds(name=100, short=30, leader=50)):
        dept = m.step("department", services.create_department, center=center, actor=admin,
                      name=m.value("部门.名称", 96, i) + f"#{i}", short_name=m.value("部门.简称", 30, i),
                      responsible_leader=m.value("部门.分管负责人", 50, i))
        if dept:
            m.detail("admin", "dept", f"/org/departments/{dept.pk}/")
    for i in range(m.rounds(name=50)):
        person = m.step("person", services.create_person, center=center, username=f"xss{i}", roles=["reporter"],
                        display_name=m.value("人员.姓名", 50, i), password="Xss-demo-Pass-2026!", actor=admin,
                        is_demo=True)
        if person:
            m.detail("admin", "person", f"/people/{person.pk}/")
    for i in range(m.rounds(title=200, body=500)):
        services.notify(center=center, recipients=[who["editor"]], title=m.value("通知.标题", 200, i),
                        body=m.value("通知.内容", 500, i), url="/stories/")
    m.page("admin", "/org/", "/people/", "/audit/", "/audit/?q=xss")
    m.page("editor", "/notifications/", "/")


def _api(m: Manifest, center, who) -> None:
    """The staff API as a client uses it: a personal token (its name a payload too), JSON bodies."""
    from django.test import Client

    from rongmei.core import services

    for username, label in (("reporter", "reporter"), ("editor", "editor")):
        _, token = services.create_api_token(user=who[username], center=center, name=m.value("API令牌.名称", 40, 0),
                                             actor=who[username])
        m.page(label, "/account/tokens/")
        client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        for i in range(m.rounds(title=100, contact=50)):
            if username == "reporter":
                body = {"title": m.value("API.线索.标题", 100, i), "content": m.value("API.线索.内容", None, i),
                        "contact": m.value("API.线索.联系方式", 50, i)}
                path = "/api/v1/leads"
            else:
                body = {"headline": m.value("API.稿件.主标题", 100, i), "summary": m.value("API.稿件.摘要", 300, i),
                        "body": everything(), "location": m.value("API.稿件.地点", 100, i)}
                path = "/api/v1/stories"
            answer = client.post(path, json.dumps(body), content_type="application/json")
            if answer.status_code != 201:
                m.errors.append(f"{path}: {answer.status_code} {answer.content[:300]!r}")
            elif username == "editor" and i == 0:
                m.page("editor", f"/stories/{answer.json()['id']}/")


def _planning(m: Manifest, center, who) -> None:
    from rongmei.planning import services

    reporter, editor = who["reporter"], who["editor"]
    leads = []
    for i in range(m.rounds(title=100, contact=50, ref=64)):
        lead = m.step("lead", services.create_lead, center=center, created_by=reporter,
                      title=m.value("线索.标题", 100, i), content=m.value("线索.内容", None, i),
                      contact=m.value("线索.联系方式", 50, i), source_ref=m.value("线索.来源编号", 64, i))
        if lead:
            leads.append(lead)
    if leads:
        m.step("dismiss", services.dismiss_lead, lead=leads[0], user=editor, reason=m.value("线索.不予采用原因", 200, 0))
    plan = m.step("plan", services.create_plan, center=center, user=editor, title=m.value("策划.名称", 100, 0),
                  description=m.value("策划.说明", None, 0), starts_on=dt.date.today(),
                  ends_on=dt.date.today() + dt.timedelta(days=7))
    for i in range(m.rounds(title=100, note=200)):
        topic = m.step("topic", services.propose_topic, center=center, user=reporter, title=m.value("选题.标题", 100, i),
                       description=m.value("选题.内容与角度", None, i), plan=plan, planned_for=dt.date.today())
        if not topic:
            continue
        m.step("comment", services.comment_topic, topic=topic, user=editor, body=m.value("选题.意见", None, i))
        m.step("decide", services.decide_topic, topic=topic, user=editor, approve=bool(i % 2),
               note=m.value("选题.审批意见", 200, i))
        m.detail("editor", "topic", f"/planning/topics/{topic.pk}/")
    from django.utils import timezone

    for i in range(m.rounds(title=100, location=100)):
        task = m.step("assignment", services.create_assignment, center=center, user=editor,
                      title=m.value("任务.标题", 100, i), brief=m.value("任务.要求", None, i),
                      location=m.value("任务.地点", 100, i), starts_at=timezone.now() + dt.timedelta(hours=1),
                      deadline=timezone.now() + dt.timedelta(hours=6), members=[(reporter, "reporter")])
        if task:
            m.detail("reporter", "task", f"/planning/assignments/{task.pk}/")
    m.page("editor", "/planning/", "/planning/screen/", "/planning/calendar/", "/planning/leads/", "/planning/topics/")
    m.page("reporter", "/planning/mine/")
    _duty(m, center, who)


def _duty(m: Manifest, center, who) -> None:
    """值班表: swap reasons and answers show on the roster and on both people's 工作台."""
    from rongmei.planning import services

    asker, other, chief = who["reviewer1"], who["reviewer2"], who["reviewer3"]
    for i in range(m.rounds(reason=200, note=200)):
        shift = m.step("duty", services.assign_duty, center=center, user=chief, person=asker, desk="night",
                       date=dt.date.today() + dt.timedelta(days=30 + i), quiet=True)
        if not shift:
            continue
        swap = m.step("swap", services.request_swap, shift=shift, user=asker, counterpart=other,
                      reason=m.value("换班.原因", 200, i))
        if swap and i % 2:
            m.step("swap answer", services.answer_swap, swap=swap, user=other, agree=False, note=m.value("换班.意见", 200, i))
    m.page("reviewer2", "/", "/planning/duty/")
    m.page("reviewer1", "/", "/planning/duty/")
    m.page("reviewer3", "/", "/planning/duty/")
    m.page("reporter", "/")


def _story_data(m: Manifest, i: int, column_id, asset_ids=None):
    from rongmei.newsroom.services.stories import BylineData, StoryData

    body = "".join(f"<p>{text}</p>" for _, text in payloads())
    body += "".join(f'<p><a href="{url}">链接{pid}</a><img src="{url}" alt="图{pid}"></p>' for pid, url in url_payloads())
    for pid, _ in payloads():
        m.stored.add(("稿件.正文（富文本）", pid))
    for pid, _ in url_payloads():
        m.stored.add(("稿件.正文链接", pid))
    tags = [text for _, text in payloads() if len(text) <= 20][i % 2::2][:20]
    for pid, text in payloads():
        if text in tags:
            m.stored.add(("稿件.标签", pid))
    return StoryData(headline=m.value("稿件.主标题", 100, i), kicker=m.value("稿件.引题", 100, i + 1),
                     subheadline=m.value("稿件.副标题", 100, i + 2), summary=m.value("稿件.摘要", 300, i), body=body,
                     column_id=column_id, tags=tags, location=m.value("稿件.地点", 100, i),
                     source=m.value("稿件.来源", 100, i + 3),
                     bylines=[BylineData(name=m.value("稿件.署名", 50, i), role="reporter")], asset_ids=asset_ids)


def _newsroom(m: Manifest, center, who) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rongmei.core.tenancy import scoped
    from rongmei.newsroom.models import Column
    from rongmei.newsroom.services import assets, renditions, stories

    editor = who["editor"]
    column = scoped(Column, center).order_by("pk").first()
    asset_ids = []
    for i in range(m.rounds(caption=300, credit=100, name=150)):
        name = m.value("素材.原文件名", 150, i).replace("/", "_") + ".png"
        upload = SimpleUploadedFile(name, _png(i), content_type="image/png")
        asset = m.step("asset", assets.upload, center=center, user=editor, upload=upload,
                       caption=m.value("素材.图片说明", 300, i), credit=m.value("素材.作者来源", 100, i))
        if asset:
            asset_ids.append(asset.pk)
            m.detail("editor", "asset", f"/assets/{asset.pk}/")
    made = []
    for i in range(m.rounds(headline=100, summary=300, byline=50)):
        story = m.step("story", stories.create_story, center=center, user=editor,
                       data=_story_data(m, i, column.pk if column else None, asset_ids[i % len(asset_ids):][:1] or None))
        if not story:
            continue
        made.append(story)
        for kind, path in (("story", ""), ("edit", "edit/"), ("revisions", "revisions/"), ("checks", "checks/")):
            m.detail("editor", kind, f"/stories/{story.pk}/{path}")
    for story in made[:4]:
        m.step("renditions", renditions.generate, story=story, user=editor, channels=None)
        for rendition in story.renditions.all():
            fields = {row["name"]: m.value(f"渠道稿.{rendition.channel}.{row['name']}", row["limit"] or 200, 0)
                      for row in renditions.editable_fields(rendition) if row["name"] != "source_url"}
            if rendition.channel == "wechat":  # 原文链接: an address, so every URL payload is refused
                m.expect_refused("渠道稿.wechat.原文链接", lambda url, r=rendition, f=fields: renditions.save(
                    rendition=r, user=editor, base_version=r.version, title="原文链接", body="<p>x</p>",
                    fields={**f, "source_url": url}))
            body = ("<section>" + "".join(f"<p>{t}</p>" for _, t in payloads()) + "</section>"
                    if rendition.channel in ("web", "wechat") else everything())
            for pid, _ in payloads():
                m.stored.add((f"渠道稿.{rendition.channel}.正文", pid))
            title_limit = renditions.TITLE_LIMITS.get(rendition.channel, 100)
            m.step(f"rendition {rendition.channel}", renditions.save, rendition=rendition, user=editor,
                   base_version=rendition.version, title=m.value(f"渠道稿.{rendition.channel}.标题", title_limit, 0),
                   body=body, fields=fields)
            if story == made[0] or rendition.channel in ("web", "wechat"):
                m.page("editor", f"/stories/{story.pk}/renditions/{rendition.channel}/")
    m._stories = made  # for the review and distribution rooms
    m.page("editor", "/stories/", "/assets/", "/columns/", "/search/?q=script", "/search/?q=xss", "/search/?q=onerror",
           "/search/?q=img", "/search/?q=%3Cscript%3E")


def _review(m: Manifest, center, who) -> None:
    from rongmei.review import engine, services
    from rongmei.review.models import Review, ReviewComment, Workflow
    from rongmei.core.services import record

    stories = m._stories
    rows = ["wrong,right,note"]
    for pid, text in payloads():
        if "," not in text and '"' not in text and "\n" not in text and "\u2028" not in text:
            if text[0] not in "=+-@":
                rows.append(f"{text[:20]},正确写法{pid},{text[:30]}")
            m.stored.add(("词表.易错字词", pid))
    m.step("typos", services.import_list, center=center, kind="typos", data="\n".join(rows) + "\n", user=who["admin"])
    for i in range(m.rounds(name=60, description=200)):
        workflow = Workflow(center=center, name=m.value("审核流程.名称", 56, i) + f"#{i}",
                            description=m.value("审核流程.说明", 200, i), is_default=False)
        before = len(m.errors)
        m.step("workflow", workflow.full_clean)
        if len(m.errors) == before:
            workflow.save()
            m.detail("reviewer3", "wf", f"/review/workflows/{workflow.pk}/")
    reviews = []
    from rongmei.newsroom.services import stories as story_services

    for story in stories[:4]:
        for action in ("file", "ready"):
            m.step(action, story_services.change_status, story=story, user=who["editor"], action=action)
        story.refresh_from_db()
        channels = list(story.renditions.values_list("channel", flat=True))
        review = m.step("submit", engine.submit, story=story, user=who["editor"], channels=channels)
        if review:
            reviews.append(review)
    if reviews:
        review = reviews[0]
        reviewer = next((u for u in who.values() if engine.may_act(u, review)), None)
        if reviewer:
            quote = review.story.headline[:20]
            for i in range(m.rounds(body=2000)):
                comment = ReviewComment.objects.create(review=review, author=reviewer, field="headline", start=0,
                                                       end=len(quote), quote=quote, body=m.value("审核.批注", None, i),
                                                       story_version=review.story.version)
                record("review.comment", actor=reviewer, center=center, obj=review, after={"comment": comment.pk})
        # 改派 (issue 13): the supervisor's reason shows in the sign-off trail
        m.step("reassign", engine.reassign, review=review, user=who["admin"], target="role:reviewer2",
               reason=m.value("审核.改派原因", 300, 0))
        for r in reviews:
            m.page("reviewer1", f"/review/{r.pk}/")
            m.page("reviewer2", f"/review/{r.pk}/")
            m.page("reviewer3", f"/review/{r.pk}/")
    if len(reviews) > 1:
        back = reviews[1]
        sender = next((u for u in who.values() if engine.may_act(u, back)), None)
        if sender:
            m.step("send_back", engine.send_back, review=back, user=sender, reason=m.value("审核.退回原因", None, 0))
    m._signed = [s for s in (_sign_off(m, r, who) for r in reviews[2:4]) if s]
    m.page("reviewer1", "/review/")
    m.page("admin", "/review/ledger/", "/review/lists/", "/review/stats/")
    m.page("reviewer3", "/review/workflows/", "/review/")


def _sign_off(m: Manifest, review, who):
    from django.core.exceptions import ValidationError

    from rongmei.review import engine
    from rongmei.review.models import Review

    for _ in range(12):
        review.refresh_from_db()
        if review.status != Review.Status.IN_REVIEW:
            break
        for person in who.values():
            if not engine.may_act(person, review):
                continue
            try:
                engine.approve(review=review, user=person, seen_hash=review.content_hash,
                               reason="XSS 测试放行", override_blocking=True)
            except ValidationError:
                continue
            break
    review.refresh_from_db()
    if review.status != Review.Status.SIGNED_OFF:
        m.errors.append(f"review {review.pk} not signed off: {review.status}")
        return None
    return review.story


def _distribution(m: Manifest, center, who) -> None:
    from rongmei.distribution import outbox, services
    from rongmei.distribution.models import ChannelAccount

    operator = who["operator"]
    accounts = []
    for i in range(m.rounds(name=80, program=100)):
        account = m.step("account", services.create_account, center=center, user=operator, kind="assisted",
                         name=m.value("账号.名称", 76, i) + f"#{i}", responsible=who["reporter"],
                         options={"program": m.value("账号.设置", 100, i)})
        if account:
            accounts.append(account)
            m.detail("operator", "account", f"/distribution/accounts/{account.pk}/")
    m.expect_refused("账号.接口地址", lambda url: services.create_account(
        center=center, user=operator, kind="http_push", name="坏接口", base_url=url))
    m.expect_refused("账号.设置中的链接", lambda url: services.create_account(
        center=center, user=operator, kind="http_push", name="坏设置", base_url="https://ok.example/",
        options={"landing_url": url}))
    for i in range(m.rounds(name=60)):
        m.step("group", services.create_group, center=center, user=operator, name=m.value("账号分组.名称", 56, i) + f"#{i}")
    own = ChannelAccount.objects.filter(center=center, kind="own_site").first()
    signed = m._signed
    for story in signed:
        ids = [a.pk for a in [own, *accounts[:1]] if a]
        m.step("publish", services.publish, story=story, user=operator, account_ids=ids)
        for _ in range(5):
            for message in outbox.claim("xss", limit=20):
                outbox.process(message, "xss")
        m.page("operator", f"/distribution/stories/{story.pk}/")
        m.public.append(f"/site/{center.slug}/news/{story.pk}/")
        m.json.append(f"/api/public/v1/{center.slug}/items/{story.pk}")
        for publication in story_publications(story):
            if publication.status == "awaiting":
                m.page("operator", f"/distribution/publications/{publication.pk}/handoff/")
                m.page("reporter", f"/distribution/publications/{publication.pk}/handoff/")
                m.expect_refused("代发确认.文章链接", lambda url, p=publication: services.confirm_handoff(
                    publication=p, user=operator, url=url))
    if len(signed) > 1:
        m.step("take_down", services.take_down, story=signed[1], user=operator,
               reason=m.value("发布.撤稿内部说明", 500, 0), notice=m.value("发布.撤稿公开说明", 200, 0))
        m.page("operator", f"/distribution/stories/{signed[1].pk}/takedown/")
        m.json.remove(f"/api/public/v1/{center.slug}/items/{signed[1].pk}")  # gone now
        for _ in range(3):
            for message in outbox.claim("xss", limit=20):
                outbox.process(message, "xss")
    m.page("operator", "/distribution/", "/distribution/handoffs/")
    _distribution_api(m, center, who)
    _webhooks(m, center, who)


def _distribution_api(m: Manifest, center, who) -> None:
    """The distribution API (a personal token, JSON): account and group names shown on the
    matrix; every unsafe endpoint address refused with 422."""
    from django.core.exceptions import ValidationError
    from django.test import Client

    from rongmei.core import services

    operator = who["operator"]
    _, token = services.create_api_token(user=operator, center=center, name="分发接口", actor=operator)
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def post(path, body):
        return client.post(path, json.dumps(body), content_type="application/json")

    for i in range(m.rounds(name=76)):
        answer = post("/api/v1/accounts", {"kind": "assisted", "name": m.value("API.账号.名称", 72, i) + f"#a{i}",
                                           "responsible_id": who["reporter"].pk})
        if answer.status_code != 201:
            m.errors.append(f"/api/v1/accounts: {answer.status_code} {answer.content[:300]!r}")
        elif i == 0:
            m.detail("operator", "account", f"/distribution/accounts/{answer.json()['id']}/")
    answer = post("/api/v1/account-groups", {"name": m.value("API.账号分组.名称", 56, 0) + "#a"})
    if answer.status_code != 201:
        m.errors.append(f"/api/v1/account-groups: {answer.status_code} {answer.content[:300]!r}")

    def refused_by_api(url):
        answer = post("/api/v1/accounts", {"kind": "http_push", "name": "坏接口（API）", "base_url": url, "secret": "k"})
        if answer.status_code == 422:
            raise ValidationError(answer.json()["detail"])
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code} {answer.content[:200]!r}")

    m.expect_refused("API.账号.接口地址", refused_by_api)


def _webhooks(m: Manifest, center, who) -> None:
    """Webhook receivers: the name on the list and the detail page; every unsafe URL refused."""
    from rongmei.distribution import webhooks

    admin = who["admin"]
    for i in range(m.rounds(name=80)):
        made = m.step("webhook", webhooks.create_endpoint, center=center, user=admin,
                      name=m.value("Webhook.名称", 76, i) + f"#{i}", url="https://hooks.example.com/rongmei",
                      kinds=["story.signed_off"], is_active=False)
        if made:
            m.detail("admin", "webhook", f"/distribution/webhooks/{made[0].pk}/")
    m.expect_refused("Webhook.接收地址", lambda url: webhooks.create_endpoint(
        center=center, user=admin, name="坏地址", url=url, kinds=["story.signed_off"]))
    m.page("admin", "/distribution/webhooks/")


def story_publications(story):
    from rongmei.distribution.models import Publication

    return list(Publication.objects.filter(story=story))


def _portal(m: Manifest, center, who) -> None:
    from rongmei.portal import publishing
    from rongmei.portal.forms import FeatureForm, LiveStreamForm, ServiceEntryForm

    def save(form_class, data, label):
        form = form_class(data, center=center)
        if not form.is_valid():
            m.errors.append(f"{label}: {form.errors.as_text()}")
            return None
        obj = form.save(commit=False)
        obj.center = center
        obj.save()
        form.save_m2m()
        return obj

    now = dt.datetime.now()
    for i in range(m.rounds(title=80, summary=300)):
        feature = save(FeatureForm, {"title": m.value("专题.名称", 80, i), "slug": f"xss-{i}",
                                     "summary": m.value("专题.导语", 300, i), "order": i, "is_active": "on"}, "feature")
        if feature:
            m.detail("operator", "feature", f"/portal/features/{feature.pk}/")
            if i < 3:
                m.public.append(f"/site/{center.slug}/features/xss-{i}/")
    for i in range(m.rounds(title=100, summary=300)):
        ended = i % 2 == 0
        start = now - dt.timedelta(hours=5) if ended else now - dt.timedelta(minutes=30)
        stream = save(LiveStreamForm, {"title": m.value("直播.标题", 100, i), "summary": m.value("直播.简介", 300, i),
                                       "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                                       "ends_at": (start + dt.timedelta(hours=2 if ended else 3)).strftime("%Y-%m-%dT%H:%M"),
                                       "player": "embed" if i % 3 == 1 else "video",
                                       "player_url": "https://live.example.cn/a.m3u8",
                                       "replay_url": "https://live.example.cn/replay.mp4", "is_active": "on"}, "live")
        if stream:
            m.detail("operator", "live", f"/portal/live/{stream.pk}/")

    def live_with(field):
        def attempt(url):
            base = {"title": "坏地址直播", "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T10:00",
                    "player": "video", "player_url": "https://live.example.cn/a.m3u8", "is_active": "on"}
            form = LiveStreamForm({**base, field: url}, center=center)
            from django.core.exceptions import ValidationError

            if not form.is_valid():
                raise ValidationError(form.errors.as_text())
            form.instance.center = center
            form.save()
        return attempt

    m.expect_refused("直播.回放地址", live_with("replay_url"))
    m.expect_refused("直播.播放地址", live_with("player_url"))
    for i in range(m.rounds(name=40, description=120)):
        entry = save(ServiceEntryForm, {"category": "other", "name": m.value("便民服务.名称", 40, i), "slug": f"xss-{i}",
                                        "kind": "page" if i % 2 else "link", "url": "https://svc.example.cn/",
                                        "body": everything(), "icon": "doc", "description": m.value("便民服务.说明", 120, i),
                                        "order": i, "is_enabled": "on"}, "service")
        if entry:
            m.detail("operator", "service", f"/portal/services/{entry.pk}/")
            if entry.kind == "page" and i < 6:
                m.public.append(f"/site/{center.slug}/services/xss-{i}/")
    for pid, _ in payloads():
        m.stored.add(("便民服务.页面内容", pid))

    def service_with(url):
        from django.core.exceptions import ValidationError

        form = ServiceEntryForm({"category": "other", "name": "坏链接", "slug": "bad-url", "kind": "link", "url": url,
                                 "icon": "doc", "order": 1}, center=center)
        if not form.is_valid():
            raise ValidationError(form.errors.as_text())
        form.instance.center = center
        form.save()

    m.expect_refused("便民服务.地址", service_with)
    publishing.build_site(center)
    slug = center.slug
    m.public += [f"/site/{slug}/", f"/site/{slug}/live/", f"/site/{slug}/services/", f"/site/{slug}/features/",
                 f"/site/{slug}/search/?q=script", f"/site/{slug}/search/?q=xss"]
    m.feeds += [f"/site/{slug}/feed.xml", f"/site/{slug}/atom.xml", f"/site/{slug}/sitemap.xml"]
    m.json += [f"/api/public/v1/{slug}/items", f"/api/public/v1/{slug}/live", f"/api/public/v1/{slug}/services",
               f"/api/public/v1/{slug}/features"]
    m.page("operator", "/portal/")


def _inquiry(m: Manifest, center, who) -> None:
    from rongmei.core.models import Department
    from rongmei.inquiry import services
    from rongmei.inquiry.services import Submission

    coordinator = who["coordinator"]
    cases = []
    for i in range(m.rounds(title=60, name=30, address=200)):
        sub = Submission(kind="suggest", title=m.value("问政.标题", 60, i), text=m.value("问政.内容", None, i) + f" {i}",
                         phone=f"1390000{i:04d}", name=m.value("问政.称呼", 30, i), show_name=True,
                         address=m.value("问政.地点", 200, i), email=f"c{i}@example.cn", client=f"xss-{i}")
        case = m.step("case", services.submit, center=center, sub=sub)
        if case:
            cases.append(case)
            m.detail("coordinator", "case", f"/inquiry/cases/{case.pk}/")
    liaison = who.get("liaison")
    department = services.department_of(liaison, center) if liaison else None
    department = department or Department.objects.filter(center=center).first()
    for i, case in enumerate(cases[:2]):
        m.step("accept", services.accept, case=case, user=coordinator, departments=[department], lead=department)
        case.refresh_from_db()
        reply = m.step("reply", services.reply, case=case, user=liaison, text=m.value("问政.答复", None, i),
                       confirm_flags=True)
        if reply and reply.status == "pending":
            m.step("approve_reply", services.approve_reply, reply_obj=reply, user=coordinator)
        case.refresh_from_db()
        m.step("publish_case", services.publish, case=case, user=coordinator)
        m.step("rate", services.rate, case=case, rating="satisfied", comment=m.value("问政.评价意见", 300, i))
        m.public.append(f"/site/{center.slug}/wenzheng/cases/{case.pk}/")
        if liaison:
            m.page("liaison", f"/inquiry/cases/{case.pk}/")
    if len(cases) > 2:
        m.step("reject", services.reject, case=cases[2], user=coordinator, reason=m.value("问政.不予受理原因", 300, 0))
    if len(cases) > 3:
        m.step("accept", services.accept, case=cases[3], user=coordinator, departments=[department], lead=department)
        m.step("ask", services.ask_citizen, case=cases[3], user=coordinator, question=m.value("问政.补充询问", None, 0))
    if liaison and len(cases) > 3:
        _inquiry_api(m, center, liaison, cases[3])
    m.page("coordinator", "/inquiry/", "/inquiry/stats/", "/inquiry/settings/")
    m.page("liaison", "/inquiry/mine/")
    m.public += [f"/site/{center.slug}/wenzheng/", f"/site/{center.slug}/wenzheng/ranking/"]


def _inquiry_api(m: Manifest, center, liaison, case) -> None:
    """The department's side through the staff API (a personal token, JSON): an extension
    reason the coordinator reads on the case page."""
    from django.test import Client

    from rongmei.core import services

    _, token = services.create_api_token(user=liaison, center=center, name="问政接口", actor=liaison)
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/inquiry/cases/{case.pk}/extensions"
    answer = client.post(path, json.dumps({"days": 3, "reason": m.value("API.问政.延期理由", 300, 0)}),
                         content_type="application/json")
    if answer.status_code != 201:
        m.errors.append(f"{path}: {answer.status_code} {answer.content[:300]!r}")
    m.page("coordinator", f"/inquiry/cases/{case.pk}/")


def _monitor(m: Manifest, center, who) -> None:
    """舆情监测: what outsiders write — a feed's titles, text and authors, readers' comments —
    goes through the real pipeline (`pipeline.ingest`) and on into alerts, hot topics, the
    newsroom lead and the daily report; the analyst's own words (source and topic names,
    handling notes, the report's sections) through the services."""
    from django.utils import timezone

    from rongmei.monitor import pipeline, report, services, source_services, topic_services
    from rongmei.monitor.models import Alert, HotTopic, Source
    from rongmei.monitor.types import RawItem

    analyst = who["analyst"]
    topic = m.step("monitor topic", topic_services.create_topic, center=center, user=analyst,
                   name=m.value("监测方案.名称", 40, 0) + "#x", expression="示例县 & XSS测试", category="issue")
    sources = []
    for i in range(m.rounds(name=90)):
        source = m.step("monitor source", source_services.create_source, center=center, user=analyst, data={
            "name": m.value("监测源.名称", 90, i) + f"#{i}", "kind": "rss", "url": f"https://feeds.example.cn/xss-{i}.xml",
            "level": Source.Level.CENTRAL, "region": m.value("监测源.地域", 40, i), "interval_minutes": 30, "enabled": True,
            "config": {}})
        if source:
            sources.append(source)
    m.expect_refused("监测源.网址", lambda url: source_services.create_source(center=center, user=analyst, data={
        "name": "XSS 网址", "kind": "rss", "url": url, "level": Source.Level.LOCAL, "region": "", "interval_minutes": 30,
        "enabled": True, "config": {}}))
    if not sources:
        return
    # What a fetch records from a hostile site (fetch part): entry links and error texts that
    # quote the site's addresses, shown on the source's page.
    from rongmei.monitor.models import FetchRun

    for i in range(m.rounds(url=500)):
        m.step("monitor fetch run", FetchRun.objects.create, center=center, source=sources[0], outcome="error",
               error=m.value("抓取记录.错误", 500, i),
               item_errors=[{"url": m.value("抓取记录.条目网址", 500, i), "error": m.value("抓取记录.条目错误", 300, 0)}])
    Source.objects.filter(pk=sources[0].pk).update(last_error=m.value("监测源.最近错误", 500, 0), consecutive_failures=1)
    m.page("analyst", "/monitor/sources/", f"/monitor/sources/{sources[0].pk}/", f"/monitor/sources/{sources[0].pk}/edit/")
    items = []
    for i in range(m.rounds(title=250, author=90)):
        raw = RawItem(title=m.value("舆情信息.标题", 250, i) + " 示例县XSS测试", author=m.value("舆情信息.作者", 90, i),
                      text=m.value("舆情信息.正文", None, i) + f"\n示例县XSS测试第{i}条：群众投诉强烈不满，问题严重。",
                      url=f"https://news.example.cn/xss/{i}.html", external_id=f"xss-{i}", published_at=timezone.now())
        result = m.step("monitor ingest", pipeline.ingest, sources[i % len(sources)], [raw])
        if result:
            items.extend(result.items)
    from rongmei.monitor import search as monitor_search

    monitor_search.index_pending(center)  # the search page must render the hostile titles too
    for item in items[:3]:
        m.detail("analyst", "monitor item", f"/monitor/items/{item.pk}/")
    if items:
        m.step("monitor lead", services.send_to_newsroom, item=items[0], user=analyst, note=m.value("转线索.说明", 500, 0))
    alerts = list(Alert.objects.filter(center=center, items__in=items).distinct()[:2])
    for i, alert in enumerate(alerts):
        m.step("alert note", services.add_note, alert=alert, user=analyst, text=m.value("预警.处置记录", 2000, i))
        m.step("alert assign", services.assign, alert=alert, user=analyst, assignee=analyst,
               note=m.value("预警.指派说明", 500, i))
        if i == 0:
            m.step("alert close", services.close, alert=alert, user=analyst, resolution=m.value("预警.处置结果", 2000, i))
        m.page("analyst", f"/monitor/alerts/{alert.pk}/")
    for hot in HotTopic.objects.filter(center=center, items__in=items).distinct()[:2]:
        m.page("analyst", f"/monitor/hot/{hot.pk}/")
    daily = m.step("monitor report", report.generate, center=center, kind="daily", day=timezone.localdate(), user=analyst)
    if daily:
        m.step("monitor report edit", report.update, report=daily, user=analyst, version=report.version_of(daily),
               sections=[{"heading": m.value("舆情报告.小标题", 100, 0), "text": m.value("舆情报告.正文", None, 0)}])
        m.page("analyst", f"/monitor/reports/{daily.pk}/", f"/monitor/reports/{daily.pk}/edit/")
    if topic:
        m.page("analyst", f"/monitor/topics/{topic.pk}/", f"/monitor/topics/{topic.pk}/timeline/")
    m.page("analyst", "/", "/monitor/", "/monitor/items/", "/monitor/items/?q=XSS测试", "/monitor/hot/", "/monitor/alerts/",
           "/monitor/topics/", "/monitor/rules/", "/monitor/reports/")
    m.page("reviewer3", "/monitor/alerts/", "/")
    m.page("editor", "/planning/leads/")


def _monitor_alerts(m: Manifest, center, who) -> None:
    """预警规则 and 群机器人 (alerts part): their names on the lists and pages; every unsafe
    robot address refused. Saved disabled, so the demo's alerts are not changed by them."""
    from rongmei.monitor import services

    analyst = who["analyst"]
    for i in range(m.rounds(name=50)):
        robot = m.step("monitor robot", services.save_robot, center=center, user=analyst,
                       name=m.value("群机器人.名称", 46, i) + f"#{i}", kind="wecom",
                       url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=xss-test", enabled=False)
        rule = m.step("monitor alert rule", services.save_rule, center=center, user=analyst,
                      name=m.value("预警规则.名称", 46, i) + f"#{i}", kind="negative", emails="", enabled=False)
        if robot:
            m.detail("analyst", "monitor robot", f"/monitor/robots/{robot.pk}/")
        if rule:
            m.detail("analyst", "monitor rule", f"/monitor/rules/{rule.pk}/")
    m.expect_refused("群机器人.地址", lambda url: services.save_robot(center=center, user=analyst, name="坏地址", kind="wecom",
                                                                 url=url, enabled=False))
    m.page("analyst", "/monitor/robots/", "/monitor/rules/")


# --- issue 17 -----------------------------------------------------------------------------------------

def _video(m: Manifest, center, who) -> None:
    """视频版本: the SRT the editor types (every payload a cue), shown on the job page and in
    the story's video box. The job is recorded, not rendered (no ffmpeg work in the seed)."""
    from rongmei.newsroom.models import Asset, Story
    from rongmei.newsroom.video import jobs

    editor = who["editor"]
    story = (Story.objects.filter(center=center, story_assets__asset__kind=Asset.Kind.VIDEO).order_by("pk").first()
             or Story.objects.filter(center=center, story_assets__asset__kind=Asset.Kind.IMAGE).order_by("pk").first())
    if story is None:
        m.errors.append("video: no story with footage or photos in the demo")
        return
    cues = []
    for n, (pid, text) in enumerate(payloads(), 1):
        cues.append(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\n{text}")
        m.stored.add(("视频版本.字幕", pid))
    job = m.step("video job", jobs.create, story=story, user=editor, enqueue=False, data={
        "shape": "horizontal", "subtitles": "\n\n".join(cues) + "\n", "subtitles_mode": "side", "cover_time": 0.5})
    if job:
        m.page("editor", f"/stories/{story.pk}/", f"/stories/{story.pk}/videos/", f"/stories/{story.pk}/videos/{job.pk}/")


def _province_receipts(m: Manifest, center, who) -> None:
    """The province's 采用 receipts are written by another system: the outlet's name is shown
    on the board as it came; its link must be refused unless it is http(s)."""
    import json as _json

    from django.utils import timezone

    from rongmei.distribution import province, services
    from rongmei.distribution.formatters.push import sign
    from rongmei.distribution.models import Publication

    operator = who["operator"]
    story = m._signed[0] if m._signed else None
    if story is None:
        m.errors.append("province: no signed-off story to push")
        return
    key = "xss-province-shared-key"
    account = m.step("province account", services.create_account, center=center, user=operator, kind="province",
                     name="XSS 省平台", base_url="https://province.example.cn/ninjs", secret=key)
    if account is None:
        return
    m.step("province publish", services.publish, story=story, user=operator, account_ids=[account.pk])
    Publication.objects.filter(account=account).update(status=Publication.Status.SENT, sent_at=timezone.now())
    account.refresh_from_db()

    def callback(event_id: str, used_by: str, url: str = ""):
        body = _json.dumps({"event_id": event_id, "event": "used", "uri": f"urn:rongmei:{center.slug}:story:{story.pk}",
                            "version": 1, "at": timezone.now().isoformat(), "used_by": used_by, "level": "provincial",
                            "url": url}, ensure_ascii=False).encode("utf-8")
        return province.receive(account, body, sign(body, key))

    for i in range(m.rounds(used_by=100)):
        m.step("province receipt", callback, f"xss-used-{i}", m.value("省平台回执.采用单位", 100, i))
    for pid, url in url_payloads():
        try:
            callback(f"xss-url-{pid}", "省广播电视台", url)
        except province.CallbackError:
            m.refused.add(("省平台回执.链接", pid))
        except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
            m.errors.append(f"省平台回执.链接 {url!r}: {type(exc).__name__}: {exc}")
        else:
            m.accepted_unsafe.append(f"省平台回执.链接: {url!r}")
    m.page("operator", f"/distribution/stories/{story.pk}/", "/distribution/")
    m.page("editor", f"/stories/{story.pk}/")


def _notify(m: Manifest, center, who) -> None:
    """通知设置 and 消息渠道: the admin's channel names (a robot per desk) and every unsafe robot
    address refused; markup refused as a person's WeCom id; the delivery log shows the seeded
    notifications' titles (from _core)."""
    from rongmei.core import notify_services as ns

    admin = who["admin"]
    for i in range(m.rounds(name=60)):
        channel = m.step("message channel", ns.save_channel, center=center, user=admin, kind="feishu_robot",
                         name=m.value("消息渠道.名称", 56, i) + f"#{i}", is_active=False,
                         webhook_url="https://open.feishu.cn/open-apis/bot/v2/hook/xss-test", events=["review_pending"])
        if channel:
            m.detail("admin", "message channel", f"/notify/channels/{channel.pk}/")
    m.expect_refused("消息渠道.机器人地址", lambda url: ns.save_channel(
        center=center, user=admin, kind="wecom_robot", name="XSS 坏地址", webhook_url=url, is_active=False))
    from django.core.exceptions import ValidationError

    reporter = who["reporter"]
    for pid, text in payloads():  # a userid is letters, digits and _ . @ -: markup is refused, not stored
        try:
            ns.save_settings(user=reporter, center=center, actor=reporter, wecom_userid=text[:64])
        except ValidationError:
            m.refused.add(("通知设置.企业微信账号", pid))
        except Exception as exc:  # noqa: BLE001 - reported, the test fails on it
            m.errors.append(f"通知设置.企业微信账号 {text!r}: {type(exc).__name__}: {exc}")
        else:
            m.accepted_unsafe.append(f"通知设置.企业微信账号: {text!r}")
    m.page("reporter", "/account/notifications/")
    m.page("admin", "/notify/channels/", "/notify/people/", "/notify/deliveries/", "/notify/channels/new/")


def _sms(m: Manifest, center, who) -> None:
    """问政短信: the signature (签名) is free text on the settings page (kept switched off, so
    no citizen is texted); template codes and variables are letters and digits only."""
    from rongmei.inquiry import sms

    coordinator = who["coordinator"]
    current = sms.setting_for(center)
    m.step("sms setting", sms.save_setting, center=center, user=coordinator, enabled=False,
           sign_name=m.value("问政短信.签名", 40, 0), daily_limit=5, version=current.version if current.pk else None)
    m.page("coordinator", "/inquiry/settings/sms/")


# --- issue 18: 经营创收 ---------------------------------------------------------------------------------

def _upload(name: str, data: bytes, mime: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, mime)


def _ads(m: Manifest, center, who) -> None:
    """广告经营: the manager's slots (name, location, township, page, channel, time slot, note),
    the salesperson's clients, contracts, bookings (title, copy), the reviewer's return reason,
    proofs' notes and payments' receipt numbers and notes."""
    from decimal import Decimal

    from django.utils import timezone

    from rongmei.ads import services

    seller, manager = who["adsales"], who["business"]
    today = timezone.localdate()
    slots, contracts, bookings = [], [], []
    for i in range(m.rounds(name=96, address=200, township=50, page=30, channel=50, time_slot=50, note=300)):
        slot = m.step("ad slot", services.save_slot, center=center, actor=manager, data={
            "name": m.value("广告资源.名称", 96, i) + f"#{i}", "kind": "lamp_post", "address": m.value("广告资源.位置", 200, i),
            "township": m.value("广告资源.乡镇", 50, i), "page": m.value("广告资源.版面", 30, i),
            "channel": m.value("广告资源.频道", 50, i), "time_slot": m.value("广告资源.时段", 50, i), "size": "",
            "seconds": None, "unit": "day", "list_price": Decimal("100"), "is_active": True,
            "note": m.value("广告资源.备注", 300, i)})
        if slot:
            slots.append(slot)
            m.detail("business", "ad slot", f"/ads/slots/{slot.pk}/")
    for i in range(m.rounds(name=96, contact=50, address=200, note=300)):
        client = m.step("ad client", services.save_client, center=center, actor=seller, data={
            "name": m.value("广告客户.名称", 96, i) + f"#{i}", "kind": "company", "contact": m.value("广告客户.联系人", 50, i),
            "phone": "13800001234", "address": m.value("广告客户.地址", 200, i), "credit_code": "",
            "salesperson": seller, "note": m.value("广告客户.备注", 300, i), "is_active": True})
        if client is None:
            continue
        m.detail("adsales", "ad client", f"/ads/clients/{client.pk}/")
        contract = m.step("ad contract", services.save_contract, center=center, actor=seller, data={
            "client": client, "number": f"XSS-{i}-" + m.value("广告合同.编号", 30, i), "title": m.value("广告合同.名称", 120, i),
            "amount": Decimal("1000000"), "discount": Decimal("1"), "start": today, "end": today + dt.timedelta(days=60),
            "salesperson": seller, "status": "signed", "signed_on": today, "note": m.value("广告合同.备注", 300, i)})
        if contract:
            contracts.append(contract)
            m.detail("adsales", "ad contract", f"/ads/contracts/{contract.pk}/")
    for i, slot in enumerate(slots):
        if not contracts:
            break
        booking = m.step("ad booking", services.create_booking, center=center, actor=seller,
                         contract=contracts[i % len(contracts)], slot=slot, start=today, end=today + dt.timedelta(days=6),
                         title=m.value("广告排期.标题", 100, i), text=m.value("广告排期.文案", None, i))
        if booking:
            bookings.append(booking)
            m.detail("adsales", "ad booking", f"/ads/bookings/{booking.pk}/")
            m.detail("business", "ad booking", f"/ads/bookings/{booking.pk}/")
    for i, booking in enumerate(bookings[:2]):
        m.step("ad return", services.return_for_changes, booking=booking, actor=manager, note=m.value("广告排期.退回原因", 300, i))
    for booking in bookings[2:3]:
        if m.step("ad approve", services.approve, booking=booking, actor=manager):
            m.step("ad proof", services.add_proof, booking=booking, actor=seller, run_on=today,
                   upload=_upload("proof.png", _png(3), "image/png"), note=m.value("刊播证明.说明", 200, 0))
    for i in range(m.rounds(receipt=36, note=200)):
        if contracts:
            m.step("ad payment", services.add_payment, contract=contracts[i % len(contracts)], actor=seller, amount="10",
                   paid_on=today, receipt_no=m.value("回款.收据号", 36, i), note=m.value("回款.备注", 200, i))
    month = today.strftime("%Y-%m")
    m.page("adsales", "/", "/ads/", "/ads/slots/", "/ads/clients/", "/ads/contracts/", "/ads/payments/", "/ads/proofs/",
           f"/ads/calendar/?kind=lamp_post&month={month}")
    m.page("business", "/", "/ads/review/", "/ads/revenue/", "/ads/", "/ads/slots/")


def _events(m: Manifest, center, who) -> None:
    """活动运营: the event (name, venue, description), budget lines, a budget raise's reason,
    entries (party, note), tasks (title, note), documents' titles and the coverage plan's title."""
    from django.utils import timezone

    from rongmei.events import services

    manager = who["events"]
    today = timezone.localdate()
    for i in range(m.rounds(name=100, venue=100)):
        event = m.step("event", services.create_event, center=center, user=manager, data=services.EventData(
            name=m.value("活动.名称", 100, i), kind="gala", starts_on=today + dt.timedelta(days=20),
            ends_on=today + dt.timedelta(days=21), manager=manager, venue=m.value("活动.地点", 100, i),
            description=m.value("活动.说明", None, i)))
        if event is None:
            continue
        m.page("events", f"/events/{event.pk}/")
        if i:
            continue
        base = f"/events/{event.pk}"
        for j in range(m.rounds(name=60, note=200)):
            line = m.step("event line", services.add_line, event=event, user=manager, direction="expense",
                          name=m.value("活动预算.项目", 60, j), planned="100000", note=m.value("活动预算.说明", 200, j))
            if line is None:
                continue
            m.step("event raise", services.change_budget, line=line, user=manager, planned="200000",
                   reason=m.value("活动预算.调整原因", 200, j))
            m.step("event entry", services.add_entry, line=line, user=manager, date=today, party=m.value("活动收支.对方", 100, j),
                   amount="10", note=m.value("活动收支.备注", 200, j))
        for j in range(m.rounds(title=100, note=300)):
            m.step("event task", services.add_task, event=event, user=manager, title=m.value("活动任务.任务", 100, j),
                   owner=manager, due_on=today + dt.timedelta(days=3), note=m.value("活动任务.说明", 300, j))
        for j in range(m.rounds(title=100)):
            m.step("event document", services.upload_document, event=event, user=manager, kind="plan",
                   title=m.value("活动文件.名称", 100, j), upload=_upload(f"plan{j}.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))
        m.step("event plan", services.create_plan, event=event, user=manager, title=m.value("活动.报道策划", 100, 0))
        m.page("events", f"{base}/budget/", f"{base}/tasks/", f"{base}/documents/", f"{base}/coverage/")
        m.page("business", f"{base}/")
    m.page("events", "/", "/events/", "/events/calendar/")


def _live(m: Manifest, center, who) -> None:
    """直播制作: the booking (title, summary, place, contact, note), the cancel reason, run-sheet
    segments (content, who), checklist items, equipment (name, note); unsafe streaming-server
    addresses refused."""
    from django.utils import timezone

    from rongmei.live import services

    from rongmei.core.models import Department

    director = who["director"]
    department = Department.objects.filter(center=center).order_by("pk").first()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=200)
    for i in range(m.rounds(title=100, summary=300, place=200, contact=100)):
        begins = start + dt.timedelta(days=i)
        production = m.step("live booking", services.book, center=center, user=director, data=services.BookingData(
            title=m.value("直播.标题", 100, i), kind="event", place=m.value("直播.地点", 200, i), planned_start=begins,
            planned_end=begins + dt.timedelta(hours=2), summary=m.value("直播.简介", 300, i),
            contact=m.value("直播.联系人", 100, i), contact_phone="13800001234", note=m.value("直播.备注", None, i),
            department_id=department.pk if department else None))
        if production is None:
            continue
        m.detail("director", "live", f"/live/{production.pk}/")
        if i == 0:
            for j in range(m.rounds(content=500, who=100)):
                m.step("live segment", services.add_segment, production, user=director, offset_minutes=j * 5,
                       length_minutes=5, content=m.value("串词单.内容", 500, j), who=m.value("串词单.负责人", 100, j))
            for j in range(m.rounds(label=100)):
                value = m.value("播前检查.检查项", 100, j)  # (step's own first argument is called label)
                m.step("live check", lambda: services.add_check(production, user=director, label=value))
            m.page("events", f"/live/{production.pk}/")
        elif i == 1:
            m.step("live cancel", services.cancel, production, user=director, reason=m.value("直播.取消原因", 200, 0))
    for i in range(m.rounds(name=100, note=200)):
        kit = m.step("live equipment", services.save_equipment, center=center, user=director, data=services.EquipmentData(
            kind="camera", name=m.value("直播设备.名称", 100, i), asset_number=f"XSS-CAM-{i}", note=m.value("直播设备.备注", 200, i)))
        if kit:
            m.detail("director", "live equipment", f"/live/equipment/{kit.pk}/")
    current = services.settings_of(center)
    m.expect_refused("推拉流设置.推流地址", lambda url: services.save_settings(
        center=center, user=director, push_base=url, pull_base="https://live.example.cn/hls",
        expected_version=current.version if current else None))
    m.expect_refused("推拉流设置.拉流地址", lambda url: services.save_settings(
        center=center, user=director, push_base="rtmp://live.example.cn/live", pull_base=url,
        expected_version=current.version if current else None))
    m.page("director", "/", "/live/", "/live/stats/", "/live/equipment/", "/live/settings/")
    m.page("business", "/live/")


def _cable(m: Manifest, center, who) -> None:
    """有线网络: the manager's packages and device models, the counter's accounts (name, address)
    and notes, the hotline's call notes and answer, the technician's result, the customer's
    comment on an unsatisfactory repair."""
    from rongmei.cable import services
    from rongmei.cable.models import Subscriber

    clerk, agent, manager, technician = who["cableclerk"], who["cableagent"], who["cablemanager"], who["technician"]
    township = Subscriber.objects.filter(center=center).order_by("pk").first().township
    packages = []
    for i in range(m.rounds(name=46)):
        package = m.step("cable package", services.add_package, center, manager, name=m.value("有线套餐.名称", 46, i) + f"#{i}",
                         monthly_fee="25", definition="hd", channels=m.value("有线套餐.频道", 200, i))
        if package:
            packages.append(package)
    rounds = m.rounds(name=50, address=200)
    serials = [f"XSS{i:05d}" for i in range(rounds)]
    m.step("cable devices", services.add_devices, center, manager, serials="\n".join(serials), model=m.value("机顶盒.型号", 50, 0),
           definition="hd")
    subscribers = []
    for i in range(rounds):
        if not packages:
            break
        sub = m.step("cable account", services.open_account, center, clerk, name=m.value("有线用户.户主", 50, i),
                     phone="13800001234", township=township, address=m.value("有线用户.地址", 200, i),
                     package=packages[i % len(packages)], device=serials[i])
        if sub:
            subscribers.append(sub)
            m.detail("cableclerk", "subscriber", f"/cable/subscribers/{sub.pk}/")
    if not subscribers:
        return
    sub = subscribers[0]
    m.step("cable stop", services.stop, sub, clerk, note=m.value("营业厅业务.停机原因", 200, 0))
    call = m.step("cable call", services.take_call, center, agent, subscriber=sub.pk, kind="fault",
                  notes=m.value("热线.来电内容", 1000, 0), technician=technician.pk)
    m.step("cable consult", services.take_call, center, agent, subscriber=sub.pk, kind="consult",
           notes=m.value("热线.来电内容", 1000, 1), answer=m.value("热线.答复", 500, 0))
    from rongmei.cable.models import WorkOrder

    order = WorkOrder.objects.filter(call=call).first() if call is not None else None
    if order is not None:
        m.step("cable arrive", services.arrive, order, technician)
        m.step("cable finish", services.finish, order, technician, fixed=False, result=m.value("维修工单.处理结果", 500, 0))
        m.step("cable confirm", services.confirm, order, agent, satisfaction="unsatisfied",
               note=m.value("维修工单.评价说明", 300, 0))
        for role in ("cableagent", "technician", "cablemanager"):
            m.page(role, f"/cable/orders/{order.pk}/")
    m.page("cableclerk", "/", "/cable/", "/cable/transactions/", f"/cable/subscribers/{sub.pk}/")
    m.page("cableagent", "/", "/cable/calls/", "/cable/orders/?state=all")
    m.page("technician", "/", "/cable/orders/mine/")
    m.page("cablemanager", "/", "/cable/setup/", "/cable/stats/", "/cable/orders/?state=all")
