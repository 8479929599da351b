"""Review demo data: a small illustrative lexicon, wording pairs and the officials list."""

from importlib import resources

from django.db import transaction

from rongmei.core.models import Center, User
from rongmei.newsroom.models import Story
from rongmei.review import engine, services
from rongmei.review.models import CheckList, Review, Workflow, WorkflowRule, WorkflowStep

FULL = [  # 三审三校: name, kind, role
    ("一审", "review", "reviewer1"), ("一校", "proof", "proofreader"), ("二审", "review", "reviewer2"),
    ("二校", "proof", "proofreader"), ("三校", "proof", "proofreader"), ("三审签发", "review", "reviewer3"),
]
QUICK = [("一审", "review", "reviewer1"), ("三审签发", "review", "reviewer3")]
# How far each demo piece goes: number of steps approved after submission (6 = signed off).
PROGRESS = [0, 1, 2, 4, 6]

FILES = {CheckList.Kind.SENSITIVE: "sensitive.csv", CheckList.Kind.WORDING: "wording.csv",
         CheckList.Kind.OFFICIALS: "officials.csv"}


def _workflow(center: Center, name: str, description: str, steps, default: bool) -> tuple[Workflow, bool]:
    workflow, created = Workflow.objects.get_or_create(center=center, name=name,
                                                       defaults={"description": description, "is_default": default})
    if created:
        WorkflowStep.objects.bulk_create([
            WorkflowStep(workflow=workflow, order=i, name=n, kind=k, role=r, time_limit_hours=8 if k == "proof" else 12,
                         supervisor_role="chief_editor", send_back_to="author" if k == "review" else "previous")
            for i, (n, k, r) in enumerate(steps, start=1)])
    return workflow, created


@transaction.atomic
def _pieces(center: Center) -> int:
    """Ready stories sent into review and walked to different steps, so every step has work."""
    if Review.objects.filter(center=center).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    ready = list(Story.objects.filter(center=center, status=Story.Status.READY, renditions__isnull=False).distinct().order_by("id"))
    made = 0
    for story, steps_done in zip(ready, PROGRESS):
        # every channel version the story has goes through review with it, so each may publish
        channels = sorted(set(story.renditions.values_list("channel", flat=True)))
        review = engine.submit(story=story, user=users["editor"], channels=channels)
        for _ in range(steps_done):
            step = review.steps[review.current_step]
            review = engine.approve(review=review, user=users[step["role"]], seen_hash=review.content_hash,
                                    reason="", override_blocking=False)
        made += 1
    return made


OWN_PIECE = {
    "headline": "评论：把“家门口的好学校”办到每个乡镇",
    "body": "<p>今年秋季学期，示例县新建和改扩建的6所乡镇学校投入使用，全县乡镇学校的大班额全部消除。</p>"
            "<p>好学校不只是新校舍。让好老师愿意来、留得住，让每个孩子在家门口上好学，还要在教师待遇、"
            "交流轮岗和课后服务上持续用力。</p>",
}


@transaction.atomic
def _own_piece_reassigned(center: Center) -> int:
    """Issue 13's case: the chief editor's own commentary reaches 三审签发, where she is the
    only 三审, so nobody may sign; the center admin reassigns the step to the 副总编辑."""
    from rongmei.newsroom.services import renditions as rendition_services
    from rongmei.newsroom.services import stories as story_services

    if Story.objects.filter(center=center, headline=OWN_PIECE["headline"]).exists():
        return 0
    users = {u.username: u for u in User.objects.filter(memberships__center=center).distinct()}
    if not {"reviewer3", "deputy", "admin", "editor"} <= set(users):
        return 0
    chief, editor = users["reviewer3"], users["editor"]
    story = story_services.create_story(center=center, user=chief, data=story_services.StoryData(**OWN_PIECE))
    story_services.change_status(story=story, user=chief, action="file")
    story_services.change_status(story=story, user=editor, action="edit")
    rendition_services.generate(story=story, user=editor, channels=["web"])
    story_services.change_status(story=story, user=editor, action="ready")
    story.refresh_from_db()
    review = engine.submit(story=story, user=editor, channels=["web"])
    while review.current_step < len(review.steps) - 1:
        step = review.steps[review.current_step]
        review = engine.approve(review=review, user=users[step["role"]], seen_hash=review.content_hash)
    engine.reassign(review=review, user=users["admin"], target=f"person:{users['deputy'].pk}",
                    reason="总编辑本人撰写的评论，三审签发改由副总编辑办理")
    return 1


def load(center: Center) -> tuple[int, int]:
    created = existing = 0
    full, new = _workflow(center, "三审三校", "一审、一校、二审、二校、三校、三审签发（报纸、网站、客户端）", FULL, True)
    created += new
    quick, new = _workflow(center, "微博快审", "一审、三审签发（只发微博时）", QUICK, False)
    created += new
    if new:
        WorkflowRule.objects.create(center=center, workflow=quick, channel="weibo")
    for kind, name in FILES.items():
        if CheckList.objects.filter(center=center, kind=kind).exclude(content="").exists():
            existing += 1
            continue
        data = resources.files("rongmei.review.checks.demo").joinpath(name).read_bytes()
        services.import_list(center=center, kind=kind, data=data, user=None)
        created += 1
    created += _pieces(center)
    created += _own_piece_reassigned(center)
    return created, existing
