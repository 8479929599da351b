"""Demo data of 上下级稿件流转: the province (sheng) pushed a signed-off story to 示例县 and
邻县 (both waiting); 示例县 submitted two of its signed-off stories to the city (shi), which
used one (counted by appraisal as a 地市级 pickup) and has the other waiting."""

from __future__ import annotations

from django.utils import timezone

from rongmei.core.models import Center, User
from rongmei.newsroom.models import Story
from rongmei.newsroom.services import stories as story_services
from rongmei.sharing import services
from rongmei.sharing.models import Push, Rights, Submission

PUSH_HEADLINE = "全省秋冬季森林防火工作部署会召开"
PUSH_BODY = ("<p>全省秋冬季森林防火工作部署会日前召开，要求各地压实责任、加强巡护，严防野外违规用火。</p>"
             "<p>会议强调，要把宣传教育送到每一个村组，各县级融媒体中心做好防火知识的持续报道。</p>")


def load(demo: Center) -> tuple[int, int]:
    city = Center.objects.filter(pk=demo.parent_id).first()
    province = Center.objects.filter(pk=city.parent_id).first() if city else None
    if city is None or province is None:
        return 0, 0
    created = existing = 0
    sheng = User.objects.get(username="sheng")
    shi = User.objects.get(username="shi")
    if Push.objects.filter(center=province).exists():
        existing += 1
    else:
        story = story_services.create_story(
            center=province, user=sheng, status=Story.Status.SIGNED_OFF,
            data=story_services.StoryData(headline=PUSH_HEADLINE, summary="压实责任、加强巡护，严防野外违规用火。",
                                          body=PUSH_BODY, source=province.name))
        services.push(center=province, user=sheng, targets=[c for c in services.pick_targets(province, scope="county")
                                                             if c.parent_id == city.pk],
                      rights=Rights.ATTRIBUTION, story=story, note="请各县结合本地防火工作转发，并注明来源。")
        created += 1
    if Submission.objects.filter(center=demo).exists():
        existing += 1
        return created, existing
    editor = User.objects.get(username="editor")
    stories = list(Story.objects.filter(center=demo, status=Story.Status.SIGNED_OFF).order_by("-updated_at", "-pk")[:2])
    if len(stories) < 2:
        return created, existing
    used, waiting = stories
    [sub] = services.submit(center=demo, user=editor, story=used, to_centers=[city], note="本县重点报道，供市台选用。")
    services.mark_used(submission=sub, user=shi, outlet_name=f"{city.name} · 微信公众号", used_on=timezone.localdate())
    services.submit(center=demo, user=editor, story=waiting, to_centers=[city], note="")
    return created + 1, existing
