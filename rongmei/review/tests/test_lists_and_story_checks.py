"""The center's check lists (import all-or-nothing, export) and checks run on a story."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rongmei.core.models import AuditEvent, User
from rongmei.newsroom.services import stories as story_svc
from rongmei.review import services
from rongmei.review.models import CheckList


def test_demo_lists_are_loaded(demo):
    kinds = set(CheckList.objects.filter(center=demo["demo"]).values_list("kind", flat=True))
    assert {"sensitive", "wording", "officials"} <= kinds


def test_bad_line_imports_nothing(demo):
    before = CheckList.objects.get(center=demo["demo"], kind="sensitive")
    bad = "term,category,severity,note\n赌博网站,违法信息,block,\n刷单返利,诈骗,maybe,\n"
    with pytest.raises(ValidationError) as exc:
        services.import_list(center=demo["demo"], kind="sensitive", data=bad, user=None)
    assert "第 3 行" in exc.value.message_dict["file"][0]
    after = CheckList.objects.get(center=demo["demo"], kind="sensitive")
    assert (after.version, after.content) == (before.version, before.content)


def test_import_gb18030_csv_and_export_round_trip(login, demo):
    data = "term,category,severity,note\n刷单返利,诈骗,block,\n网络水军,舆情,warn,\n".encode("gb18030")
    client = login("reviewer3")
    response = client.post("/review/lists/", {"kind": "sensitive", "file": SimpleUploadedFile("词表.csv", data)})
    assert response.status_code == 302
    checklist = CheckList.objects.get(center=demo["demo"], kind="sensitive")
    assert checklist.entry_count == 2
    exported = client.get("/review/lists/sensitive/export/").content.decode("utf-8-sig")
    assert "刷单返利,诈骗,block" in exported
    assert AuditEvent.objects.filter(action="checklist.import", center=demo["demo"]).exists()
    assert login("reporter").get("/review/lists/").status_code == 403


def test_page_shows_the_line_of_a_bad_file(login, demo):
    response = login("reviewer3").post("/review/lists/", {"kind": "wording", "text": "wrong,right,severity,note\n县融媒中心,,warn,\n"})
    assert "第 2 行" in response.content.decode()


def test_story_checks_find_spaced_terms_wrong_titles_and_dates(login, demo):
    reporter = User.objects.get(username="reporter")
    story = story_svc.create_story(center=demo["demo"], user=reporter, data=story_svc.StoryData(
        headline="县住建局局长褚明副局长调研排水工程",
        body="<p>近日有人在群里推广赌 博 网 站，县融媒中心提醒市民警惕。</p><p>工程将于2026年2月30日完工。</p>"))
    result = services.check_story(story=story)
    checks = {f.check for f in result.findings}
    assert result.blocking
    assert {"sensitive", "wording", "date"} <= checks
    sensitive = next(f for f in result.findings if f.check == "sensitive")
    assert sensitive.text == "赌 博 网 站"
    page = login("editor").get(f"/stories/{story.pk}/checks/").content.decode()
    assert 'class="check check-block"' in page and "县融媒体中心" in page
    assert f"/stories/{story.pk}/checks/" in login("editor").get(f"/stories/{story.pk}/").content.decode()


def test_checks_are_isolated_by_center(login, demo):
    neighbour = User.objects.get(username="lx_reporter")
    story = story_svc.create_story(center=demo["linxian"], user=neighbour, data=story_svc.StoryData(headline="邻县稿件"))
    assert login("reviewer1").get(f"/stories/{story.pk}/checks/").status_code == 404


def test_check_text_runs_the_centers_lists_on_words_that_are_not_a_story(demo):
    """What ads and inquiry ask of the review room: the center's lists on plain text fields,
    all of them or the ones named."""
    fields = {"title": "赌 博 网 站大促销", "text": "县融媒中心承办，2026年2月30日开幕"}
    every = {(f.check, f.field) for f in services.check_text(demo["demo"], fields)}
    assert {("sensitive", "title"), ("wording", "text"), ("date", "text")} <= every
    only = {f.check for f in services.check_text(demo["demo"], fields, lists=("lexicon",))}
    assert "sensitive" in only and "wording" not in only
    other = services.check_text(demo["linxian"], {"title": "县融媒中心"}, lists=("wording",))
    assert all(f.check != "wording" for f in other)  # another center's lists are its own
