"""The search API (issue 14) over real HTTP: the 全文检索 page's results as JSON, highlights as
plain segments, cursor pages exact, the page's permission and visibility, Chinese errors."""

import pytest

from rongmei.core.models import User
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import stories as story_svc

pytestmark = pytest.mark.django_db
WORD = "Qwoxle"


def new_story(center, author: str, headline: str, body: str, *, signed_off: bool = True) -> Story:
    story = story_svc.create_story(center=center, user=User.objects.get(username=author),
                                   data=story_svc.StoryData(headline=headline, body=f"<p>{body}</p>"))
    if signed_off:
        Story.objects.filter(pk=story.pk).update(status=Story.Status.SIGNED_OFF)
        story.refresh_from_db()
        story_svc.reindex(story)
    return story


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def all_pages(client, query: str) -> tuple[list[str], list[int]]:
    ids, sizes, url = [], [], f"/api/v1/search?{query}"
    while True:
        answer = client.get(url)
        assert answer.status_code == 200, answer.content
        page = answer.json()
        ids += [item["id"] for item in page["items"]]
        sizes.append(len(page["items"]))
        if not page["next"]:
            return ids, sizes
        url = f"/api/v1/search?{query}&cursor={page['next']}"


def test_pages_are_exact_and_in_the_pages_order(login, demo):
    made = [new_story(demo["demo"], "editor", f"{WORD} 第{i}篇", f"城关镇 {WORD} 积水第{i}处") for i in range(7)]
    client = login("editor")
    ids, sizes = all_pages(client, f"q={WORD}&limit=3")
    assert sizes == [3, 3, 1]
    assert sorted(ids) == sorted(str(s.pk) for s in made) and len(set(ids)) == 7
    # The same order as the search page's selector (one ranking for screen and API).
    from rongmei.newsroom import selectors
    screen = selectors.search(demo["demo"], User.objects.get(username="editor"), WORD, limit=20)
    assert ids == [hit.object_id for hit in screen.hits]
    first = client.get(f"/api/v1/search?q={WORD}&limit=7").json()
    assert first["total"] == 7 and first["next"] is None
    assert client.get(f"/api/v1/search?q={WORD}&limit=3").json()["total"] == 7


def test_a_hit_has_plain_highlights_and_what_the_list_shows(login, demo):
    story = new_story(demo["demo"], "editor", f'<script>alert(1)</script>{WORD} 110V线路改造', f"更换{WORD}设备，电压110V，不是1100V。")
    hit = login("editor").get(f"/api/v1/search?q={WORD} 110").json()["items"][0]
    assert (hit["kind"], hit["id"], hit["status"]) == ("story", str(story.pk), Story.Status.SIGNED_OFF)
    assert hit["url"] and hit["date"]
    assert "".join(s["text"] for s in hit["title_segments"]) == hit["title"]
    assert hit["title_segments"][0] == {"text": "<script>alert(1)</script>", "hit": False}  # text, not markup
    assert {"text": "110", "hit": True} in hit["title_segments"]  # an ASCII part: 110 in 110V
    marked = [s["text"] for s in hit["snippet"] if s["hit"]]
    assert marked.count("110") == 1 and WORD in marked  # not in 1100V
    assert "<mark>" not in str(hit)
    assert [a["name"] for a in hit["authors"]] == ["李娜"]


def test_the_screen_marks_ascii_parts_too(login, demo):
    new_story(demo["demo"], "editor", f"{WORD} 线路改造", "电压110V，不是1100V。")
    page = login("editor").get("/search/", {"q": f"{WORD} 110"}).content.decode()
    assert "<mark>110</mark>V" in page and "<mark>110</mark>0V" not in page


def test_visibility_and_permission_are_the_pages(login, demo):
    draft = new_story(demo["demo"], "editor", f"{WORD} 草稿", "未签发", signed_off=False)
    public = new_story(demo["demo"], "editor", f"{WORD} 已签发", "已签发")
    new_story(demo["linxian"], "lx_reporter", f"{WORD} 邻县稿", "邻县")

    def found(username):
        return {item["id"] for item in login(username).get(f"/api/v1/search?q={WORD}").json()["items"]}

    assert found("editor") == {str(draft.pk), str(public.pk)}
    assert found("operator") == {str(public.pk)}  # no view_drafts: a colleague's draft is not found
    assert login("operator").get(f"/api/v1/search?q={WORD}").json()["total"] == 1
    assert found("lx_reporter") == {str(s.pk) for s in Story.objects.filter(center=demo["linxian"], headline__contains=WORD)}
    refused = login("liaison").get(f"/api/v1/search?q={WORD}")
    assert refused.status_code == 403 and chinese(refused.json()["detail"])


def test_filters_reach_the_selector(login, demo):
    story = new_story(demo["demo"], "editor", f"{WORD} 筛选", "筛选")
    client = login("editor")
    assert [i["id"] for i in client.get(f"/api/v1/search?q={WORD}&status=signed_off").json()["items"]] == [str(story.pk)]
    assert client.get(f"/api/v1/search?q={WORD}&status=draft").json()["items"] == []
    assert client.get(f"/api/v1/search?q={WORD}&kinds=asset").json()["items"] == []
    editor = User.objects.get(username="editor").pk
    assert len(client.get(f"/api/v1/search?q={WORD}&author={editor}").json()["items"]) == 1
    assert client.get(f"/api/v1/search?q={WORD}&from=2000-01-01&to=2000-01-02").json()["items"] == []


@pytest.mark.parametrize("query, field", [
    ("q=", "q"), ("", "q"), (f"q={WORD}&kinds=poem", "kinds"), (f"q={WORD}&status=lost", "status"),
    (f"q={WORD}&limit=0", "limit"), (f"q={WORD}&limit=101", "limit"), (f"q={WORD}&from=2026-13-01", "from"),
    (f"q={WORD}&from=2026-02-02&to=2026-02-01", "to"), (f"q={WORD}&column=abc", "column"),
])
def test_bad_requests_are_refused_in_chinese(login, demo, query, field):
    answer = login("editor").get(f"/api/v1/search?{query}")
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert field in body["errors"] and chinese(body["detail"]) and all(chinese(m) for m in body["errors"][field])


def test_a_damaged_cursor_is_400(login, demo):
    answer = login("editor").get(f"/api/v1/search?q={WORD}&cursor=garbage")
    assert answer.status_code == 400 and chinese(answer.json()["detail"])


def test_past_the_count_cap_the_total_says_so_and_pages_go_on(login, demo, monkeypatch):
    from rongmei.core.search import searching

    made = [new_story(demo["demo"], "editor", f"{WORD} 第{i}篇", "城关镇") for i in range(5)]
    monkeypatch.setattr(searching, "COUNT_CAP", 2)
    client = login("editor")
    first = client.get(f"/api/v1/search?q={WORD}&limit=2").json()
    assert (first["total"], first["total_exact"]) == (2, False)
    ids, _ = all_pages(client, f"q={WORD}&limit=2")
    assert sorted(ids) == sorted(str(s.pk) for s in made)
    assert "找到 2 条以上" in client.get("/search/", {"q": WORD}).content.decode()
