"""The no-lost-update rule under real concurrency: many saves of one story, at the same
moment, over HTTP, against the running server and its real database."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from rongmei.testing.live import http_send

pytestmark = pytest.mark.slow


def test_concurrent_saves_never_lose_an_update(demo_server):
    token = demo_server.token_for("editor")
    auth = {"Authorization": f"Bearer {token}"}
    status, story = http_send("POST", f"{demo_server.url}/api/v1/stories",
                              {"headline": "并发保存测试稿", "body": "<p>原文。</p>"}, auth)
    assert status == 201
    writers = 8

    def save(n: int):
        return http_send("PUT", f"{demo_server.url}/api/v1/stories/{story['id']}",
                         {"headline": "并发保存测试稿", "version": story["version"], "summary": f"第{n}位编辑的摘要"}, auth)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        answers = list(pool.map(save, range(writers)))
    codes = sorted(code for code, _ in answers)
    assert codes == [200] + [409] * (writers - 1), answers
    winner = next(body for code, body in answers if code == 200)
    status, final = http_send("GET", f"{demo_server.url}/api/v1/stories/{story['id']}", None, auth)
    assert final["version"] == story["version"] + 1 and final["summary"] == winner["summary"]
    refused = [body for code, body in answers if code == 409]
    assert all("冲突稿" in body["detail"] for body in refused)
    # every refused edit is kept as its own conflict revision
    kept = demo_server.rongmei("shell", "-c", (
        "from rongmei.newsroom.models import StoryRevision; "
        f"print(sorted(r.snapshot['summary'] for r in StoryRevision.objects.filter(story_id={story['id']}, is_conflict=True)))"
    )).stdout.strip().splitlines()[-1]
    for body in refused:
        assert str(body["conflict_revision"]).isdigit()
    assert kept.count("位编辑的摘要") == writers - 1
