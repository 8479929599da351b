"""规范表述 and the system agree (issue 13): a center defines each department's full and short
names once (组织机构); the wording check takes them from there with 首次出现用全称 meaning the
first occurrence only; the system's own texts use the forms the check requires; a liaison's
reply is never refused for a name the system itself printed."""

import pytest

from rongmei.core.models import Department, User
from rongmei.inquiry import services as inquiry
from rongmei.inquiry.models import CaseEvent
from rongmei.inquiry.services import Submission
from rongmei.review import checks
from rongmei.review.selectors import check_lists
from rongmei.review.services import check_story


def wording_findings(center, text: str) -> list:
    return [f for f in checks.run_checks({"text": text}, **check_lists(center)) if f.check == "wording"]


def test_department_names_drive_the_wording_check(demo):
    center = demo["demo"]
    housing = Department.objects.get(center=center, name="示例县住房和城乡建设局")
    assert housing.short_name == "县住建局"
    assert wording_findings(center, "示例县住房和城乡建设局连夜抢修。县住建局局长褚明介绍……") == []
    [finding] = wording_findings(center, "县住建局连夜抢修。示例县住房和城乡建设局局长褚明介绍……")
    assert finding.text == "县住建局" and finding.suggestion == "示例县住房和城乡建设局"
    # the registered short name wins over a wording-list line that calls it wrong
    assert wording_findings(center, "示例县人民政府办公室发出通知，县政府办要求……") == []
    # a name changed once in 组织机构 is what the check knows next time
    Department.objects.filter(pk=housing.pk).update(short_name="住建局")
    assert wording_findings(center, "示例县住房和城乡建设局发布通知，住建局提醒……") == []


def test_demo_stories_and_their_versions_use_the_forms_the_check_requires(demo):
    from rongmei.newsroom.models import Story

    problems = []
    for story in Story.objects.filter(center=demo["demo"]):
        problems += [f"《{story.headline}》{f.field}：{f.text}" for f in check_story(story=story).findings
                     if f.check == "wording"]
    assert problems == []


def test_the_systems_inquiry_texts_use_the_forms_the_check_requires(demo):
    center = demo["demo"]
    coordinator = User.objects.get(username="coordinator")
    transport = Department.objects.get(center=center, name="示例县交通运输局")
    housing = Department.objects.get(center=center, name="示例县住房和城乡建设局")
    case = inquiry.submit(center=center, sub=Submission(kind="complain", title="西街路口积水", phone="13812341234",
                                                       text="西街与府前路交叉口一下雨就积水，路面也坏了，行人车辆都不方便。"))
    inquiry.accept(case=case, user=coordinator, departments=[transport, housing], lead=transport)
    inquiry.reply(case=case, user=User.objects.get(username="liaison"),
                  text="经现场查看，积水因排水管网淤堵造成，我局已于12月2日完成疏通，路面修补由交通部门负责。")
    texts = list(CaseEvent.objects.filter(case__center=center).values_list("text", flat=True))
    assert texts and [t for t in texts if wording_findings(center, t)] == []


def test_a_liaisons_reply_is_not_refused_for_the_name_the_case_shows(demo):
    center = demo["demo"]
    housing = Department.objects.get(center=center, name="示例县住房和城乡建设局")
    case = inquiry.submit(center=center, sub=Submission(kind="complain", title="东门社区路灯不亮", phone="13812341234",
                                                       text="东门社区幸福路从上周开始有五盏路灯晚上不亮，行人很不方便。"))
    inquiry.accept(case=case, user=User.objects.get(username="coordinator"), departments=[housing])
    text = "县住建局已派人现场查看，幸福路5盏路灯因线路老化损坏，已于11月28日更换线路，全部恢复照明。"
    assert inquiry.check_reply(center, text) == []
    answer = inquiry.reply(case=case, user=User.objects.get(username="liaison"), text=text)
    assert answer.findings == []
    # other wording rules still apply to replies
    with pytest.raises(Exception, match="青山镇"):
        inquiry.reply(case=case, user=User.objects.get(username="liaison"),
                      text="县住建局已联系青山乡政府，幸福路路灯由施工单位于11月28日修复，全部恢复照明。")
