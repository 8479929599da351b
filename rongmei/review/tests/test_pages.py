"""Review screens: inbox, the review page and its actions, comments, workflows, stats, ledger."""

from rongmei.core.models import User
from rongmei.review import engine
from rongmei.review.models import Review, ReviewComment, Workflow, WorkflowRule
from rongmei.review.tests.test_workflow import ready_story


def test_inbox_lists_what_the_person_may_do(login, demo):
    body = login("reviewer1").get("/review/").content.decode()
    assert "一审" in body and "强降雨" in body  # a demo piece waits at 一审
    assert login("reporter").get("/review/").status_code == 403


def test_review_page_actions_and_comment(login, demo):
    users = {u.username: u for u in User.objects.filter(username__in=["reporter", "editor", "reviewer1"])}
    story = ready_story(demo["demo"], users["reporter"], users["editor"])
    review = engine.submit(story=story, user=users["editor"], channels=["web"])
    client = login("reviewer1")
    page = client.get(f"/review/{review.pk}/").content.decode()
    assert 'data-testid="approve"' in page and "一审：请办理" in page
    client.post(f"/review/{review.pk}/", {"action": "comment", "quote": "机收率", "field": "body", "body": "请注明数据来源"})
    comment = ReviewComment.objects.get(review=review)
    assert (comment.start, comment.end) != (0, 0) and comment.quote == "机收率"
    response = client.post(f"/review/{review.pk}/", {"action": "approve", "seen_hash": review.content_hash}, follow=True)
    assert "已通过" in response.content.decode()
    review.refresh_from_db()
    assert review.current_step == 1
    # someone not at this step sees no actions and cannot act
    response = login("reviewer2").post(f"/review/{review.pk}/", {"action": "approve", "seen_hash": review.content_hash}, follow=True)
    assert "不是“一校”环节的办理人" in response.content.decode()


def test_workflow_pages(login, demo):
    client = login("reviewer3")  # 三审 and 总编辑
    assert "三审三校" in client.get("/review/workflows/").content.decode()
    workflow = Workflow.objects.get(center=demo["demo"], name="微博快审")
    response = client.post("/review/workflows/", {"workflow": workflow.pk, "channel": "weibo"}, follow=True)
    assert "同样条件的规则已经存在" in response.content.decode()
    client.post("/review/workflows/", {"workflow": workflow.pk, "channel": "short_video"})
    assert WorkflowRule.objects.filter(center=demo["demo"], channel="short_video").exists()
    response = client.post(f"/review/workflows/{workflow.pk}/", {"name_0": "一审", "kind_0": "review", "role_0": "reviewer1",
                                                                "send_back_to_0": "author", "hours_0": "abc"}, follow=True)
    assert "时限应为 1 到 720 小时" in response.content.decode()
    assert login("reporter").get("/review/workflows/").status_code == 403


def test_stats_and_ledger_pages(login, demo):
    client = login("reviewer3")
    assert "三审签发" in client.get("/review/stats/").content.decode()
    assert 'data-testid="ledger-ok"' in client.get("/review/ledger/").content.decode()


def test_reviews_are_isolated_by_center(login, demo):
    neighbour = User.objects.get(username="lx_reporter")
    from rongmei.newsroom.services import stories as story_svc

    story = story_svc.create_story(center=demo["linxian"], user=neighbour, data=story_svc.StoryData(headline="邻县稿"))
    review = Review.objects.create(center=demo["linxian"], story=story, workflow_name="x", steps=[{"name": "一审", "kind": "review", "role": "reviewer1", "hours": 1}],
                                   submitted_by=neighbour)
    assert login("reviewer1").get(f"/review/{review.pk}/").status_code == 404
    assert login("reviewer1").post(f"/stories/{story.pk}/submit/").status_code in (403, 404)
