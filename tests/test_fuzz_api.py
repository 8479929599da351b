"""The standing fuzz suite (issue 11, "Fuzzing"): schemathesis reads the staff API's, the
public API's and Open311's OpenAPI documents from a running installation and sends every
operation a bounded number of generated requests over real HTTP — valid ones (positive) and
ones that break the schema on purpose (negative: wrong types, out-of-range numbers, missing
fields, odd strings). Then the first valid request that worked is sent again with each of
its integers (and ids in the path) in turn replaced by 0, -1, 2^31, 2^63 and 10^30 — what the
audit's fuzzing found 500s with. No answer may be a 5xx; successful answers to valid
requests must match their documented schema.

On the code before issue 11 this finds the audit's two 500s (POST /api/v1/stories with ids
>= 2^63, PUT /api/v1/stories/{id} with a negative version).

Reproducible: Hypothesis is derandomized (the same cases on every run) and keeps no example
database. A fresh installation (own database) is used, because POSTs create stories, leads
and cases. Open311's per-IP look-up limit answers 429 after a while: that is not a 5xx.

Figures (operations × cases tried, 5xx found) are printed at the end (`pytest -s`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import shutil
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import response_schema_conformance

from rongmei.testing.live import Instance

pytestmark = pytest.mark.slow

# Bounded per operation: ~100 staff operations × 18 cases keep the run near a minute.
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
FIGURES: Counter = Counter()


@pytest.fixture(scope="module")
def fuzz_server():
    """A fresh demo installation served by gunicorn, with an API token and an Open311 key."""
    inst = Instance().prepare(demo=True)
    # One shell for all of it (each process start costs seconds): keys, token, real ids.
    code = ("from rongmei.core import services; from rongmei.core.models import Center, Department, User; "
            "from rongmei.inquiry import open311_keys; from rongmei.newsroom.models import Asset, Story; "
            "from rongmei.planning.models import Assignment, Lead, Plan, Topic; from rongmei.inquiry.models import Case; "
            "from rongmei.review.models import Review; "
            "from rongmei.distribution.models import AccountGroup, ChannelAccount, Publication, WebhookEndpoint; "
            "from rongmei.monitor import models as mm; "
            "from rongmei.appraisal import models as am; from rongmei.analytics.models import ImportBatch; "
            "from rongmei.newsroom.models import VideoJob; from rongmei.core.models import MessageChannel, MessageDelivery; "
            "from rongmei.ads import models as ad; from rongmei.events import models as ev; "
            "from rongmei.live import models as lv; from rongmei.cable import models as cb; "
            "from rongmei.sharing import models as sh; "
            "c = Center.objects.get(slug='demo'); "
            "first = lambda m: m.objects.filter(center=c).order_by('pk').values_list('pk', flat=True).first() or 1; "
            "print(open311_keys.create_key(c, 'fuzz'), "
            "services.create_api_token(user=User.objects.get(username='admin'), center=c, name='fuzz')[1], "
            "*(first(m) for m in (Story, Asset, Assignment, Department, Lead, Topic, Plan, Case, Review, "
            "ChannelAccount, AccountGroup, Publication, WebhookEndpoint, mm.Source, mm.Alert, mm.AlertRule, "
            "mm.RobotHook, mm.Item, mm.HotTopic, mm.Report, ImportBatch, am.RuleSet, am.Rating, am.Pickup, "
            "am.Deduction, am.Dispute, VideoJob, MessageChannel, MessageDelivery, "
            "ad.Slot, ad.Client, ad.Contract, ad.Booking, ev.Event, ev.BudgetLine, ev.Task, lv.Production, "
            "lv.CrewAssignment, lv.EquipmentAssignment, lv.Segment, lv.CheckItem, lv.Equipment, cb.Subscriber, "
            "cb.WorkOrder, sh.PushTarget)), "
            "Case.objects.filter(center=c, is_public=True).order_by('pk').values_list('code', flat=True).first())")
    out = inst.rongmei("shell", "-c", code).stdout.strip().splitlines()[-1].split()
    inst.open311_key, inst.api_token = out[0], out[1]
    names = ("story_id", "asset_id", "assignment_id", "department_id", "lead_id", "topic_id", "plan_id", "case_id",
             "review_id", "account_id", "group_id", "publication_id", "webhook_id",
             "source_id", "alert_id", "rule_id", "robot_id", "item_id", "hot_topic_id", "report_id",
             "import_id", "ruleset_id", "rating_id", "pickup_id", "deduction_id", "dispute_id",
             "job_id", "channel_id", "delivery_id",  # issue 17: video versions, message channels, the delivery log
             # issue 18: 广告经营, 活动运营, 直播制作, 有线网络
             "slot_id", "client_id", "contract_id", "booking_id", "event_id", "line_id", "task_id", "production_id",
             "crew_id", "kit_id", "segment_id", "check_item_id", "equipment_id", "subscriber_id", "order_id",
             "received_id")  # issue 19: a push the county received
    inst.real_ids = dict(zip(names, (int(x) for x in out[2:2 + len(names)])))
    code_ = out[2 + len(names)]
    inst.real_ids.update({"id": inst.real_ids["story_id"], "center": "demo", "service_code": "complain",
                          "service_request_id": code_, "token": code_})
    inst.real_ids.update({"month": f"{dt.date.today():%Y-%m}", "kind": "pieces"})  # 绩效考核 months, import kinds
    inst.real_ids.update({"year": dt.date.today().year})  # 直播 and 有线 statistics by year
    inst.start_web()
    yield inst
    inst.stop()
    shutil.rmtree(inst.var_dir, ignore_errors=True)
    print("\nfuzz figures:", dict(FIGURES))


# Numbers at and past the edges of what the database holds: random integers are small, and
# these are the ones that used to answer 500 (a negative version, 2^63).
ODD_NUMBERS = (0, -1, 2**31, 2**63, 10**30)


def _choice(case) -> int:
    """A stable number for the case, so which cases are altered does not vary between runs."""
    seen = (case.path_parameters, case.query, case.body if not isinstance(case.body, bytes) else None)
    return int(hashlib.sha256(repr(seen).encode()).hexdigest(), 16)


def _integer_slots(value, where=()):
    """The places of the integers (not booleans) inside a query or body."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _integer_slots(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _integer_slots(item, (*where, index))


ID_PARAMETERS = ("id", "story_id", "asset_id", "assignment_id", "department_id",
                 # issue 18
                 "slot_id", "client_id", "contract_id", "booking_id", "event_id", "line_id", "task_id", "production_id",
                 "crew_id", "kit_id", "segment_id", "check_item_id", "equipment_id", "subscriber_id", "order_id", "year")


def _declared(where) -> bool:
    """A place named by properties an API declares (not the random extra properties
    schemathesis adds to bodies)."""
    return all(isinstance(key, int) or (key.isascii() and key.replace("_", "").isalnum()) for key in where)


def _odd_variants(operation, case):
    """Copies of a case that worked, each with one of its integers (or id in the path)
    replaced by an odd number: the rest stays valid, so the odd number is what the server
    has to cope with."""
    slots = [("path_parameters", name) for name in (case.path_parameters or {}) if name in ID_PARAMETERS]
    for part in ("query", "body"):
        if isinstance(getattr(case, part), dict):
            slots += [(part, *where) for where in _integer_slots(getattr(case, part)) if where and _declared(where)]
    for part, *where in slots:
        for odd in ODD_NUMBERS:
            data = {name: copy.deepcopy(getattr(case, name)) for name in ("path_parameters", "query", "body")
                    if getattr(case, name) is not NOT_SET}
            container = data[part]
            for key in where[:-1]:
                container = container[key]
            container[where[-1]] = str(odd) if part == "path_parameters" else odd
            yield operation.Case(media_type=case.media_type, **{k: v for k, v in data.items() if v is not None})


def _realistic(case, server) -> None:
    """Two thirds of the positive cases reach further with real ids and keys (past the
    404s and 403s, into the code that does the work). Which ones: decided by the case
    itself, so runs are reproducible."""
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    pick = _choice(case)
    if pick % 3 == 0:
        return
    for name in list(case.path_parameters or {}):
        if name in server.real_ids:
            case.path_parameters[name] = server.real_ids[name]
    if isinstance(case.query, dict) and "jurisdiction_id" in case.query:
        case.query["jurisdiction_id"] = "demo"
    if isinstance(case.body, dict) and "api_key" in case.body:
        case.body["api_key"] = server.open311_key
        case.body["jurisdiction_id"] = "demo"


def _fuzz(schema, server, headers: dict, label: str) -> None:
    """Every operation of `schema`, positive then negative cases: no 5xx, documented answers
    match their schema. Failures of all operations are collected and reported together."""
    session = requests.Session()
    failures: list[str] = []
    answers: Counter = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{label}: the document lists no operation"
    for operation in operations:
        worked: list = []
        for mode, examples in EXAMPLES.items():
            @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                _realistic(case, server)
                response = case.call(session=session, headers=headers, timeout=30)
                FIGURES[f"{label} cases"] += 1
                answers[response.status_code // 100] += 1
                checks = [not_a_server_error]
                if mode == GenerationMode.POSITIVE and response.status_code < 400:
                    checks.append(response_schema_conformance)
                    if response.status_code < 300:
                        worked.append(case)
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:  # nothing to break: e.g. only a free-form string in the path
                FIGURES[f"{label} operations without negative cases"] += 1
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001  (collect, report every operation at once)
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
        # Then the first case that worked, with each of its numbers made odd in turn.
        for variant in _odd_variants(operation, worked[0]) if worked else ():
            response = variant.call(session=session, headers=headers, timeout=30)
            FIGURES[f"{label} cases"] += 1
            answers[response.status_code // 100] += 1
            try:
                variant.validate_response(response, checks=[not_a_server_error])
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                failures.append(f"{operation.label} [odd numbers]: {str(exc)[:1500]}")
                break
        FIGURES[f"{label} operations"] += 1
    FIGURES.update({f"{label} {kind}xx": n for kind, n in answers.items()})
    assert not failures, "\n\n".join(failures)
    # The requests must reach the operations: a wrong base address would give only 404s.
    assert answers[2] >= len(operations), f"{label}: too few successful answers {dict(answers)}"


def test_staff_api_survives_fuzzing(fuzz_server):
    headers = {"Authorization": f"Bearer {fuzz_server.api_token}"}
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/api/openapi.json", headers=headers)
    schema.config.update(base_url=fuzz_server.url)  # the paths start with /api/v1/
    _fuzz(schema, fuzz_server, headers, "staff")


def test_public_api_survives_fuzzing(fuzz_server):
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/api/public/v1/openapi.json")
    schema.config.update(base_url=fuzz_server.url)  # the paths start with /api/public/v1/
    _fuzz(schema, fuzz_server, {}, "public")


def test_open311_survives_fuzzing(fuzz_server):
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/open311/v2/openapi.json")
    schema.config.update(base_url=f"{fuzz_server.url}/open311/v2")
    _fuzz(schema, fuzz_server, {}, "open311")
