"""Mixed load held on the running server (PostgreSQL + Redis, gunicorn 2 × 4 threads, the task
worker): readers, citizens, editors (tests/reliability/loadrun.py, locust as a library).
Held RONGMEI_LOAD_SECONDS (CI 60 s; set it to 300 locally to hold five minutes), then:
no 5xx, no failed request, and every write the server accepted is in the database."""

import json
import os

import pytest

from tests.reliability.conftest import run_load, sql, write_artifact

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
    lines.append(f"  accepted writes: {len(result['writes']['stories'])} stories, {len(result['writes']['cases'])} cases")
    return "\n".join(lines)


def test_mixed_load_no_failed_writes(platform, tmp_path):
    instance = platform["instance"]
    out = tmp_path / "load.json"
    runner = run_load(instance, platform["token"], SECONDS, out, users=USERS)
    log, _ = runner.communicate(timeout=SECONDS + 120)
    assert runner.returncode == 0 and out.exists(), log[-4000:]
    result = json.loads(out.read_text())
    text = summary(result)
    print(text)

    assert result["five_xx"] == 0, f"{text}\n{result['failures']}\n{instance.log_path.read_text(errors='replace')[-3000:]}"
    assert not result["failures"], f"{text}\n{result['failures']}"
    assert set(result["classes"]) == {"reader", "citizen", "editor"}, text
    assert result["writes"]["stories"] and result["writes"]["cases"], text
    missing = check_writes(instance, result["writes"])
    assert missing == {"stories": [], "cases": []}, f"accepted writes not in the database: {missing}"

    result.pop("timeline")
    result["writes"] = {k: len(v) for k, v in result["writes"].items()}
    result["lost_writes"] = 0
    write_artifact("load", result)
