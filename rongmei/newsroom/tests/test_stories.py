"""Stories: revisions, clean rich text, no lost update, field messages, isolation."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rongmei.core import search
from rongmei.core.models import AuditEvent, User
from rongmei.newsroom.models import Column, Story, StoryRevision
from rongmei.newsroom.services import stories as svc


@pytest.fixture
def people(demo):
    return {u.username: u for u in User.objects.filter(username__in=["reporter", "editor", "reviewer1", "lx_reporter"])}


def make(center, user, **kwargs):
    data = svc.StoryData(headline=kwargs.pop("headline", "青山镇连夜抢修排水管网"), body=kwargs.pop(
        "body", "<p>连日降雨，青山镇多处积水。</p><p>县住建局组织力量连夜抢修。</p>"), **kwargs)
    return svc.create_story(center=center, user=user, data=data)


def edit(story, **changes):
    values = {k: getattr(story, k) for k in ("headline", "kicker", "subheadline", "summary", "body", "location", "source")}
    values.update(changes)
    return svc.StoryData(**values, column_id=story.column_id, tags=list(story.tags))


def test_create_keeps_a_revision_indexes_and_audits(demo, people):
    story = make(demo["demo"], people["reporter"])
    assert story.revisions.count() == 1 and story.version == 1
    assert story.bylines.get().name == "王磊" and story.bylines.get().share == Decimal(100)
    assert search.search(demo["demo"], "积水").total >= 1
    assert AuditEvent.objects.filter(action="story.create", object_id=str(story.pk)).exists()


WORD_PASTE = """<!--[if gte mso 9]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]-->
<style>p.MsoNormal{margin:0}</style>
<p class="MsoNormal" style="mso-margin-top-alt:auto;text-indent:2em"><span lang="EN-US" style="font-family:宋体">记者从县住建局获悉，</span><b>截至目前</b><o:p></o:p></p>
<p class=MsoNormal><font face="仿宋">全县共排查积水点<i>37</i>处。</font></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">链接</a>"""


def test_paste_from_word_comes_out_clean(demo, people):
    story = make(demo["demo"], people["reporter"], body=WORD_PASTE)
    body = story.body
    for junk in ("mso", "MsoNormal", "<o:p", "<font", "<span", "style=", "class=", "<script", "onerror", "javascript:", "<xml", "<style", "if gte"):
        assert junk not in body, junk
    assert "<strong>截至目前</strong>" in body and "<em>37</em>" in body
    assert "记者从县住建局获悉，" in body and "全县共排查积水点" in body
    assert body.count("<p>") == 3  # the empty Word paragraph is gone; the loose image and link get one


def test_every_save_is_a_revision_with_a_readable_diff(demo, people):
    from rongmei.newsroom.selectors import compare

    story = make(demo["demo"], people["reporter"])
    svc.save_story(story=story, user=people["editor"], base_version=1,
                   data=edit(story, headline="青山镇连夜抢修排水管网 积水已基本排除"))
    first, second = StoryRevision.objects.filter(story=story).order_by("number")
    assert second.author == people["editor"] and second.based_on == 1
    rows = {row["field"]: row["diff"] for row in compare(first.snapshot, second.snapshot)}
    assert set(rows) == {"headline"}
    assert "<ins> 积水已基本排除</ins>" in rows["headline"]


def test_stale_save_is_refused_and_both_versions_are_kept(demo, people):
    story = make(demo["demo"], people["reporter"])
    svc.save_story(story=story, user=people["editor"], base_version=1, data=edit(story, summary="编辑先保存的摘要"))
    with pytest.raises(svc.StaleStory) as stale:
        svc.save_story(story=story, user=people["reporter"], base_version=1, data=edit(story, summary="记者后保存的摘要"))
    assert "已被他人保存为第 2 版" in str(stale.value)
    story.refresh_from_db()
    assert story.summary == "编辑先保存的摘要" and story.version == 2
    conflict = StoryRevision.objects.get(story=story, is_conflict=True)
    assert conflict.snapshot["summary"] == "记者后保存的摘要" and conflict.author == people["reporter"]
    assert AuditEvent.objects.filter(action="story.conflict", object_id=str(story.pk)).exists()


def test_field_messages_for_bad_input(demo, people):
    with pytest.raises(ValidationError) as exc:
        make(demo["demo"], people["reporter"], headline=" ", summary="长" * 301)
    assert exc.value.message_dict["headline"] == ["请填写主标题。"]
    assert "最多 300 个字" in exc.value.message_dict["summary"][0]
    bylines = [svc.BylineData(name="王磊", role="reporter", share=Decimal(60)), svc.BylineData(name="李娜", role="editor", share=Decimal(30))]
    with pytest.raises(ValidationError) as exc:
        make(demo["demo"], people["reporter"], bylines=bylines)
    assert "合计应为 100%" in exc.value.message_dict["bylines"][0]
    assert not Story.objects.filter(center=demo["demo"], headline="青山镇连夜抢修排水管网").exists()


def test_columns_and_bylines_of_another_center_are_refused(demo, people):
    foreign = Column.objects.create(center=demo["linxian"], name="邻县要闻", slug="lx-yaowen")
    with pytest.raises(ValidationError) as exc:
        make(demo["demo"], people["reporter"], column_id=foreign.pk)
    assert "column" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make(demo["demo"], people["reporter"], bylines=[svc.BylineData(name="马超", role="reporter", user_id=people["lx_reporter"].pk, share=Decimal(100))])


def test_presence_names_the_other_editor(demo, people):
    story = make(demo["demo"], people["reporter"])
    assert svc.touch_presence(story=story, user=people["reporter"]) == []
    assert svc.touch_presence(story=story, user=people["editor"]) == [people["reporter"]]


def test_status_transitions(demo, people):
    story = make(demo["demo"], people["reporter"])
    svc.change_status(story=story, user=people["reporter"], action="file")
    with pytest.raises(ValidationError) as exc:
        svc.change_status(story=story, user=people["reporter"], action="file")
    assert "不能“交稿”" in exc.value.messages[0]
    svc.change_status(story=story, user=people["editor"], action="edit")
    svc.change_status(story=story, user=people["editor"], action="ready")
    story.refresh_from_db()
    assert story.status == Story.Status.READY


# --- pages and API ----------------------------------------------------------------------------

def test_reporter_writes_and_files_through_the_pages(login, demo):
    client = login("reporter")
    response = client.post("/stories/new/", {
        "headline": "", "byline-TOTAL_FORMS": "0", "byline-INITIAL_FORMS": "0"})
    assert "请填写主标题。" in response.content.decode()
    response = client.post("/stories/new/", {
        "headline": "东湖镇渔港村迎来开渔季", "body": "<p>渔船陆续出海。</p>", "tags": "开渔，东湖镇 渔港村",
        "byline-TOTAL_FORMS": "1", "byline-INITIAL_FORMS": "0", "byline-0-name": "王磊", "byline-0-role": "reporter",
        "byline-0-share": "100"})
    assert response.status_code == 302
    story = Story.objects.get(headline="东湖镇渔港村迎来开渔季")
    assert story.tags == ["开渔", "东湖镇", "渔港村"]
    client.post(f"/stories/{story.pk}/status/", {"action": "file"})
    story.refresh_from_db()
    assert story.status == Story.Status.FILED


def test_stale_save_in_the_page_leads_to_the_merge_page(login, demo, people):
    story = make(demo["demo"], people["reporter"])
    svc.save_story(story=story, user=people["editor"], base_version=1, data=edit(story, summary="编辑的摘要"))
    response = login("reporter").post(f"/stories/{story.pk}/edit/", {
        "version": "1", "headline": story.headline, "body": story.body, "summary": "我的摘要",
        "byline-TOTAL_FORMS": "0", "byline-INITIAL_FORMS": "0"}, follow=True)
    body = response.content.decode()
    assert "保存冲突：请对照后合并" in body
    assert "<del>编辑</del><ins>我</ins>的摘要" in body  # their text against mine, both kept
    assert response.context["form"]["summary"].value() == "我的摘要"
    assert response.context["form"]["version"].value() == 2


def test_story_api_and_conflict_409(login, demo):
    client = login("reporter")
    created = client.post("/api/v1/stories", {"headline": "白沙乡杏花村修通产业路", "body": "<p>路通了。</p>"}, content_type="application/json")
    assert created.status_code == 201
    story = created.json()
    ok = client.put(f"/api/v1/stories/{story['id']}", {"headline": "白沙乡杏花村修通产业路", "version": 1, "summary": "先到"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    late = client.put(f"/api/v1/stories/{story['id']}", {"headline": "白沙乡杏花村修通产业路", "version": 1, "summary": "后到"}, content_type="application/json")
    assert late.status_code == 409 and late.json()["current_version"] == 2
    bad = client.post("/api/v1/stories", {"headline": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"]["headline"] == ["请填写主标题。"]
    filed = client.post(f"/api/v1/stories/{story['id']}/status", {"action": "file"}, content_type="application/json")
    assert filed.json()["status"] == "filed"


def test_another_centers_story_is_404_in_pages_and_api(login, demo, people):
    foreign = make(demo["linxian"], people["lx_reporter"], headline="邻县稿件")
    client = login("editor")  # editor of demo (and of linxian, but working in demo)
    for path in (f"/stories/{foreign.pk}/", f"/stories/{foreign.pk}/edit/", f"/stories/{foreign.pk}/revisions/"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/api/v1/stories/{foreign.pk}").status_code == 404


def test_reporter_cannot_edit_someone_elses_story(login, demo, people):
    story = make(demo["demo"], people["editor"], bylines=[svc.BylineData(name="李娜", role="editor", user_id=people["editor"].pk, share=Decimal(100))])
    # a colleague's draft is not even readable for a reporter (issue 11: drafts follow the table)
    assert login("reporter").get(f"/stories/{story.pk}/edit/").status_code == 404
    assert login("reviewer1").get(f"/stories/{story.pk}/edit/").status_code == 200
    Story.objects.filter(pk=story.pk).update(status=Story.Status.SIGNED_OFF)
    assert login("reporter").get(f"/stories/{story.pk}/edit/").status_code == 403


@pytest.mark.parametrize("raw, clean", [
    ("记者今天上午看到。<p>第二段</p>", "<p>记者今天上午看到。</p><p>第二段</p>"),
    ("第一行\n\n第二行 & 第三", "<p>第一行</p><p>第二行 &amp; 第三</p>"),
    ("<ul><li>一</li></ul>散文<strong>加粗</strong>", "<ul><li>一</li></ul><p>散文<strong>加粗</strong></p>"),
    ("<p><br></p>", ""),
])
def test_loose_text_becomes_paragraphs(raw, clean):
    from rongmei.newsroom.html import clean_body

    assert clean_body(raw) == clean
    assert clean_body(clean) == clean
