"""Mixed load with locust, run as a library (Environment + LocalRunner, headless) in its own
process: locust patches the standard library with gevent on import, which must never happen
inside the pytest process.

    python tests/reliability/loadrun.py URL --seconds 60 --token TOKEN --out result.json

Three kinds of people on one running server:
  reader   the public site (/site/demo/…) and the public API (/api/public/v1/demo/…)
  citizen  网络问政 submissions (Open311 POST with the demo key)
  editor   the staff API with a personal token: create a story, save it (with its version),
           file it
  publisher  (with --publish-token) 一键分发 through the staff API: a signed-off story published
           to one more account per request; the worker delivers each through the outbox
Every write the server accepted is written to the result with its id (and what it must hold),
so the caller can look for it in the database; every answer is kept as (time, class, status)
so a fault's outage and recovery can be read off the timeline."""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

TIMELINE: list[tuple[float, str, int]] = []  # (monotonic end time, class, status; 0 = no answer)
LATENCY: dict[str, list[float]] = {}
WRITES: dict[str, list] = {"stories": [], "cases": [], "publications": []}
FIVE_XX: list[tuple[str, str, int]] = []
TAG = f"压测{random.randrange(10**6):06d}"


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    cls = name.split(" ", 1)[0]
    status = getattr(response, "status_code", 0) or 0
    TIMELINE.append((time.time(), cls, status))
    LATENCY.setdefault(cls, []).append(response_time)
    if status >= 500:
        FIVE_XX.append((name, request_type, status))


def _json(response):
    try:
        return response.json()
    except ValueError:  # not JSON (an HTML error page, an empty answer)
        return None


class Reader(HttpUser):
    weight = 6
    wait_time = between(0.1, 0.6)

    def on_start(self):
        self.client.get("/api/public/v1/demo/items?limit=20", name="reader api-list")

    @task(4)
    def home(self):
        self.client.get("/site/demo/", name="reader site-home")

    @task(3)
    def api_list(self):
        self.client.get("/api/public/v1/demo/items?limit=10", name="reader api-list")

    @task(3)
    def article(self):
        """An item from the list, read on the site and through the API (its id ends its uri)."""
        with self.client.get("/api/public/v1/demo/items?limit=5", name="reader api-list", catch_response=True) as r:
            data = _json(r) or {}
        ids = [m.group(1) for m in (re.search(r"(\d+)\D*$", str(i.get("uri", ""))) for i in data.get("items", [])) if m]
        if ids:
            story = random.choice(ids)
            self.client.get(f"/site/demo/news/{story}/", name="reader site-article")
            self.client.get(f"/api/public/v1/demo/items/{story}", name="reader api-item")

    @task(1)
    def columns(self):
        self.client.get("/api/public/v1/demo/columns", name="reader api-columns")

    @task(1)
    def search(self):
        self.client.get("/site/demo/search/?q=" + random.choice(["县", "乡村", "城关", "学校"]), name="reader site-search")


class Citizen(HttpUser):
    weight = 2
    wait_time = between(0.3, 1.0)
    serial = 0

    @task
    def submit(self):
        Citizen.serial += 1
        n = Citizen.serial
        form = {"api_key": "demo-open311-key", "jurisdiction_id": "demo",
                "service_code": random.choice(["consult", "suggest", "complain", "help", "tip"]),
                "description": f"{TAG} 第{n}号：城关镇幸福路第{n}盏路灯晚上不亮，行人很不方便，请尽快修理。",
                "phone": f"139{random.randrange(10**8):08d}", "address_string": f"城关镇幸福路{n}号"}
        with self.client.post("/open311/v2/requests.json", data=form, name="citizen open311-post",
                              catch_response=True) as r:
            if r.status_code == 201:
                body = _json(r)
                code = body[0].get("service_request_id") if isinstance(body, list) and body else None
                if code:
                    WRITES["cases"].append({"code": code, "text": form["description"]})
                    r.success()
                else:
                    r.failure("201 without an id")
            else:
                r.failure(f"{r.status_code}")


class Editor(HttpUser):
    weight = 2
    wait_time = between(0.3, 1.0)
    token = ""

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {Editor.token}"
        self.story: dict | None = None

    @task
    def write(self):
        if self.story is None or self.story["saves"] >= 3:
            n = len(WRITES["stories"]) + 1
            payload = {"headline": f"{TAG} 稿件{n}：县里新修的幸福路通车", "body": f"<p>{TAG} 第{n}篇，初稿。</p>"}
            with self.client.post("/api/v1/stories", json=payload, name="editor story-create", catch_response=True) as r:
                data = _json(r) or {}
                if r.status_code == 201 and data.get("id"):
                    self.story = {"id": data["id"], "version": data["version"], "headline": payload["headline"],
                                  "body": payload["body"], "saves": 0, "status": data.get("status")}
                    WRITES["stories"].append(self.story)
                    r.success()
                else:
                    r.failure(f"{r.status_code}")
            return
        story = self.story
        if story["saves"] == 2 and story["status"] == "draft":
            with self.client.post(f"/api/v1/stories/{story['id']}/status", json={"action": "file"},
                                  name="editor story-file", catch_response=True) as r:
                data = _json(r) or {}
                if r.status_code == 200 and data.get("status"):
                    story["status"], story["version"] = data["status"], data["version"]
                    r.success()
                else:
                    r.failure(f"{r.status_code}")
            story["saves"] += 1
            return
        body = f"<p>{TAG} 第{story['id']}篇，第{story['saves'] + 1}次修改。</p>"
        payload = {"headline": story["headline"], "body": body, "version": story["version"]}
        with self.client.put(f"/api/v1/stories/{story['id']}", json=payload, name="editor story-save",
                             catch_response=True) as r:
            data = _json(r) or {}
            if r.status_code == 200 and data.get("id") == story["id"]:
                story["version"], story["body"] = data["version"], body
                r.success()
            else:
                r.failure(f"{r.status_code}")
        story["saves"] += 1


class Publisher(HttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)
    token = ""
    story = 0
    accounts: list[int] = []

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {Publisher.token}"

    @task
    def publish(self):
        if not Publisher.accounts:
            return
        account = Publisher.accounts.pop(0)
        with self.client.post(f"/api/v1/stories/{Publisher.story}/publish", json={"account_ids": [account]},
                              name="publisher publish", catch_response=True) as r:
            made = (_json(r) or {}).get("publications") or []
            if r.status_code == 201 and len(made) == 1 and made[0].get("id"):
                WRITES["publications"].append({"id": made[0]["id"], "account": account})
                r.success()
            else:
                r.failure(f"{r.status_code}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--publish-token", default="", help="an operator's token: adds the publisher")
    parser.add_argument("--publish-story", type=int, default=0)
    parser.add_argument("--publish-accounts", default="", help="account ids, comma-separated, one per request")
    args = parser.parse_args()
    Editor.token = args.token
    classes = [Reader, Citizen, Editor]
    if args.publish_token:
        Publisher.token, Publisher.story = args.publish_token, args.publish_story
        Publisher.accounts = [int(x) for x in args.publish_accounts.split(",") if x]
        classes.append(Publisher)

    env = Environment(user_classes=classes, host=args.url, events=events)
    runner = env.create_local_runner()
    started = time.time()
    runner.start(args.users, spawn_rate=args.users)
    gevent.sleep(args.seconds)
    runner.quit()
    held = time.time() - started

    classes = {}
    for cls, values in sorted(LATENCY.items()):
        classes[cls] = {"requests": len(values), "rps": round(len(values) / held, 1),
                        "p50_ms": round(percentile(values, .50)), "p95_ms": round(percentile(values, .95))}
    everything = [v for values in LATENCY.values() for v in values]
    result = {
        "tag": TAG, "seconds": round(held, 1), "users": args.users, "started": started,
        "total": {"requests": len(everything), "rps": round(len(everything) / held, 1),
                  "p95_ms": round(percentile(everything, .95))},
        "classes": classes,
        "failures": {f"{e.method} {e.name}": {"count": e.occurrences, "error": str(e.error)[:200]}
                     for e in env.stats.errors.values()},
        "five_xx": len(FIVE_XX),
        "writes": WRITES,
        "timeline": TIMELINE,
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
