"""Mixed load held on the running server (PostgreSQL + Redis, gunicorn 2 × 4 threads, the task
worker): readers, citizens, editors and a publisher (tests/reliability/loadrun.py, locust as a
library).
Held RONGMEI_LOAD_SECONDS (CI 60 s; set it to 300 locally to hold five minutes), then:
no 5xx, no failed request, every write the server accepted is in the database, and every
publication it accepted was delivered, once."""

import json
import os
import signal

import pytest

from tests.reliability.conftest import publish_targets, run_load, sql, write_artifact

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("RONGMEI_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("RONGMEI_LOAD_USERS", "10"))


def check_writes(instance, writes: dict) -> dict:
    """Every accepted write looked up in the database: {'stories': missing, 'cases': missing}.
    A story is there with its headline, at least the version last acknowledged, and the body
    of that save (or a later one of the same run)."""
    ids = [s["id"] for s in writes["stories"]]
    rows = {pk: (headline, body, version) for pk, headline, body, version in
            sql(instance, "SELECT id, headline, body, version FROM newsroom_story WHERE id = ANY(%s)", (ids,))}
    lost = [s["id"] for s in writes["stories"]
            if s["id"] not in rows or rows[s["id"]][0] != s["headline"] or rows[s["id"]][2] < s["version"]
            or (rows[s["id"]][2] == s["version"] and s["body"] not in rows[s["id"]][1])]
    codes = [c["code"] for c in writes["cases"]]
    found = {code for (code,) in sql(instance, "SELECT code FROM inquiry_case WHERE code = ANY(%s)", (codes,))}
    return {"stories": lost, "cases": [c for c in codes if c not in found]}


def summary(result: dict) -> str:
    lines = [(f"held {result['seconds']} s, {result['users']} users: {result['total']['requests']} requests, "
              f"{result['total']['rps']} req/s, p95 {result['total']['p95_ms']} ms")]
    for cls, row in result["classes"].items():
        lines.append(f"  {cls:8} {row['requests']:6} req  {row['rps']:6} req/s  p50 {row['p50_ms']} ms  p95 {row['p95_ms']} ms")
    lines.append(f"  accepted writes: {len(result['writes']['stories'])} stories, {len(result['writes']['cases'])} cases, "
                 f"{len(result['writes']['publications'])} publications")
    return "\n".join(lines)


def delivered(instance, writes: dict, story: int, timeout: float = 120) -> dict:
    """Every publication the server accepted, once the worker is done: sent, and exactly one
    publication of the story per account (nothing lost, nothing sent twice)."""
    ids = [p["id"] for p in writes["publications"]]
    accounts = [p["account"] for p in writes["publications"]]

    def done():
        rows = sql(instance, "SELECT status FROM distribution_publication WHERE id = ANY(%s)", (ids,))
        return len(rows) == len(ids) and all(status in ("sent", "failed") for (status,) in rows)

    instance.wait_for(done, timeout=timeout, interval=1)
    statuses = dict(sql(instance, "SELECT id, status FROM distribution_publication WHERE id = ANY(%s)", (ids,)))
    per_account = dict(sql(instance, "SELECT account_id, count(*) FROM distribution_publication "
                                     "WHERE story_id = %s AND account_id = ANY(%s) GROUP BY account_id", (story, accounts)))
    return {"missing": [i for i in ids if i not in statuses],
            "not_sent": {i: s for i, s in statuses.items() if s != "sent"},
            "twice": {a: n for a, n in per_account.items() if n != 1}}


def test_mixed_load_no_failed_writes(platform, tmp_path):
    instance = platform["instance"]
    out = tmp_path / "load.json"
    publish = publish_targets(instance)
    delivery = instance.spawn("rongmei", "distribute")  # the outbox's delivery worker, as `rongmei serve` runs it
    try:
        _load_and_check(instance, platform, publish, out)
    finally:
        instance.processes.remove(delivery)
        instance.kill(delivery, signal.SIGTERM)


def _load_and_check(instance, platform, publish, out):
    runner = run_load(instance, platform["token"], SECONDS, out, users=USERS, publish=publish)
    log, _ = runner.communicate(timeout=SECONDS + 120)
    assert runner.returncode == 0 and out.exists(), log[-4000:]
    result = json.loads(out.read_text())
    text = summary(result)
    print(text)

    assert result["five_xx"] == 0, f"{text}\n{result['failures']}\n{instance.log_path.read_text(errors='replace')[-3000:]}"
    assert not result["failures"], f"{text}\n{result['failures']}"
    assert set(result["classes"]) == {"reader", "citizen", "editor", "publisher"}, text
    assert result["writes"]["stories"] and result["writes"]["cases"] and result["writes"]["publications"], text
    missing = check_writes(instance, result["writes"])
    assert missing == {"stories": [], "cases": []}, f"accepted writes not in the database: {missing}"
    publishing = delivered(instance, result["writes"], publish["story"])
    assert publishing == {"missing": [], "not_sent": {}, "twice": {}}, f"publications: {publishing}"

    result.pop("timeline")
    result["writes"] = {k: len(v) for k, v in result["writes"].items()}
    result["lost_writes"] = 0
    write_artifact("load", result)
