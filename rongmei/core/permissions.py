"""Roles and what they may do: the one place where a role becomes permissions.

Views and the API ask `user.has_perm("core.manage_people", center)`; they never look at a
role's name. To give a role more power, change the table below, nothing else.
Later rooms add their permissions here when they are built.
"""

from __future__ import annotations

from dataclasses import dataclass

PERMISSIONS: dict[str, str] = {
    # core
    "core.view_dashboard": "使用工作台",
    "core.view_org": "查看组织机构与政府部门",
    "core.manage_org": "维护组织机构与政府部门",
    "core.manage_people": "管理人员与角色",
    "core.view_audit": "查看审计日志",
    "core.use_api_tokens": "创建个人 API 令牌",
    # planning
    "planning.view_board": "查看指挥调度看板",
    "planning.add_lead": "录入线索",
    "planning.triage_lead": "处理线索（转选题或不予采用）",
    "planning.propose_topic": "申报选题",
    "planning.decide_topic": "审批选题、管理策划",
    "planning.assign": "派发采访任务",
    "planning.take_assignment": "领取和执行采访任务",
    "planning.manage_duty": "排定值班表、批准换班",
    # newsroom
    "newsroom.view_stories": "查看稿件、素材与检索",
    "newsroom.view_drafts": "查看本中心未发布稿件",
    "newsroom.write_story": "写稿、上传素材",
    "newsroom.edit_any_story": "编辑本中心所有稿件",
    "newsroom.produce_renditions": "生成和修改渠道稿",
    "newsroom.manage_columns": "管理栏目",
    # review
    "review.run_checks": "运行内容检查（敏感词、规范表述、职务、错别字、日期、图片、链接）",
    "review.manage_lists": "维护敏感词表、规范表述、领导职务和易错字词表",
    "review.submit": "送审稿件",
    "review.review": "在审核环节办理稿件（审核、校对、签发）",
    "review.manage_workflows": "设置审核流程",
    "review.view_stats": "查看审核用时统计",
    "review.reassign": "改派审核环节（作者本人的稿件等无人可签时，交给其他有权办理的人或角色）",
    # distribution
    "distribution.publish": "一键分发、撤稿、重发",
    "distribution.manage_accounts": "管理渠道账号与账号矩阵",
    "distribution.manage_webhooks": "管理 Webhook 推送（接收地址、密钥、推送记录）",
    # inquiry
    "inquiry.handle": "受理、转办网络问政，审核答复，审批延期，公开答复",
    "inquiry.answer": "以政府部门身份办理并答复问政",
    "inquiry.manage": "设置问政转办规则、办理时限、节假日和 Open311 密钥",
    "inquiry.view_stats": "查看问政统计与部门排名、导出报表",
    # monitor (舆情监测)
    "monitor.view": "查看舆情信息、热点、预警与报告",
    "monitor.manage": "管理监测源、监测方案、预警规则与群机器人",
    "monitor.handle": "处置预警（确认、指派、记录、办结），把舆情转为线索",
    "monitor.report": "生成、编辑和发送舆情日报、周报",
    # analytics (传播效果)
    "analytics.view": "查看传播效果、账号排行与传播力指数",
    "analytics.manage": "同步平台数据、导入传播数据、设置传播力指数权重",
    # appraisal (绩效考核)
    "appraisal.view_own": "查看本人月度绩效与明细，提出申诉",
    "appraisal.rate": "评定优稿",
    "appraisal.manage": "制定考核规则，登记外宣采用与扣分，处理申诉，月度结算与调整",
    "appraisal.view_all": "查看全体人员月度绩效",
    "appraisal.export": "导出绩效工资表与稿费表",
    # portal
    "portal.manage_site": "管理网站：专题、直播、便民服务，重新生成网站",
    # ads (广告经营)
    "ads.view": "查看广告资源、客户、合同与排期",
    "ads.sell": "录入客户与合同，预订广告排期，登记刊播证明与回款",
    "ads.approve": "审查广告内容（广告法禁用语与内容检查）",
    "ads.manage": "管理广告资源与刊例价，查看经营收入报表并导出",
    # events (活动运营)
    "events.view": "查看活动项目",
    "events.manage": "创建和管理活动项目：预算与实际支出、任务、文件、报道策划",
    # live (直播制作)
    "live.view": "查看直播预约、排期与年度统计",
    "live.produce": "承接直播：预约、人员与设备安排、串词单、播前检查、开播与结束、发布回放",
    "live.manage": "管理直播设备与推拉流服务器设置",
    # cable (有线网络)
    "cable.view": "查看有线电视用户、业务记录、热线与维修工单",
    "cable.counter": "营业厅业务：开户、套餐变更、高标清互换、缴费、停机与复机",
    "cable.hotline": "热线受理：咨询与故障报修，派发维修工单",
    "cable.repair": "执行维修工单：到场、修复或未修复、用户确认",
    "cable.manage": "管理套餐、设备、维修人员与工单时限，查看月度统计并导出",
    # province (一省一平台: the province's or city's view of the centers below it)
    "province.view": "查看下级中心的发稿、传播、问政与账号矩阵统计和排名并导出",
    # sharing (稿件在上下级中心之间流转)
    "sharing.push": "向下级中心推送稿件与策划",
    "sharing.submit": "向上级中心供稿，查看采用情况",
    "sharing.receive": "接收上级推送、处理下级供稿（采用或不采用）",
}


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    description: str
    permissions: frozenset[str]
    needs_department: bool = False


_STAFF = {"core.view_dashboard", "core.view_org", "core.use_api_tokens", "planning.view_board", "planning.add_lead",
          "newsroom.view_stories", "appraisal.view_own"}
_WRITER = {"newsroom.write_story", "planning.propose_topic", "planning.take_assignment", "review.run_checks",
           "review.submit"}
_REVIEW = {"newsroom.edit_any_story", "newsroom.view_drafts", "review.run_checks", "review.review"}
_DESK = _WRITER | {
    "newsroom.edit_any_story", "newsroom.view_drafts", "newsroom.produce_renditions", "planning.triage_lead", "review.submit",
    "planning.decide_topic", "planning.assign",
}

_ROLES = [
    Role("reporter", "记者", "采访、写稿、上传素材，领取采访任务", frozenset(_STAFF | _WRITER)),
    Role("editor", "编辑", "策划选题、派发任务、编辑稿件、生成各渠道稿",
         frozenset(_STAFF | _DESK | {"newsroom.manage_columns", "appraisal.rate", "analytics.view", "sharing.push",
                                     "sharing.submit", "sharing.receive"})),
    Role("reviewer1", "一审", "责任编辑初审：文字、人名、地名、时间、职务", frozenset(_STAFF | _REVIEW)),
    Role("reviewer2", "二审", "部门负责人复审：事实、依据、新闻价值", frozenset(_STAFF | _REVIEW)),
    Role("reviewer3", "三审", "终审：政治导向与是否刊发", frozenset(_STAFF | _REVIEW | {"core.view_audit", "review.manage_lists", "review.view_stats"})),
    Role("proofreader", "校对", "一校、二校、三校：文字、数字、标点", frozenset(_STAFF | _REVIEW)),
    Role("chief_editor", "总编辑", "总体把关，签发，统筹指挥调度", frozenset(_STAFF | _DESK | _REVIEW | {"core.view_audit", "newsroom.manage_columns", "review.manage_lists",
                                              "review.manage_workflows", "review.view_stats", "review.reassign", "distribution.publish",
                                              "portal.manage_site", "inquiry.view_stats", "planning.manage_duty",
                                              "monitor.view", "monitor.handle", "analytics.view", "appraisal.rate",
                                              "appraisal.view_all", "province.view", "sharing.push", "sharing.submit",
                                              "sharing.receive"})),
    # 副总编辑: signs in the chief editor's place when a step is reassigned to them (issue 13).
    Role("deputy_chief", "副总编辑", "协助总编辑把关，可受改派办理审核环节、签发", frozenset(_STAFF | _REVIEW | {"review.view_stats"})),
    Role("operator", "运营", "一键分发到各渠道与账号矩阵，管理账号",
         frozenset(_STAFF | {"distribution.publish", "distribution.manage_accounts", "portal.manage_site", "analytics.view",
                             "analytics.manage"})),
    Role("analyst", "舆情分析", "舆情监测、预警与研判",
         frozenset(_STAFF | {"monitor.view", "monitor.manage", "monitor.handle", "monitor.report", "analytics.view",
                             "province.view"})),
    Role("coordinator", "问政受理", "受理群众诉求，转办、督办、审核答复",
         frozenset(_STAFF | {"inquiry.handle", "inquiry.manage", "inquiry.view_stats"})),
    Role(
        "liaison", "部门联络员", "代表政府部门办理并答复群众诉求",
        frozenset({"core.view_dashboard", "core.use_api_tokens", "inquiry.answer"}), needs_department=True,
    ),
    Role("appraiser", "考核管理", "制定考核规则，登记外宣与扣分，月度结算，导出绩效工资",
         frozenset(_STAFF | {"inquiry.view_stats", "analytics.view", "analytics.manage", "appraisal.manage",
                             "appraisal.view_all", "appraisal.export"})),
    Role("hr", "人事财务", "查看全体月度绩效，导出绩效工资表与稿费表",
         frozenset({"core.view_dashboard", "core.use_api_tokens", "appraisal.view_own", "appraisal.view_all",
                    "appraisal.export"})),
    # 经营创收 (issue 18): advertising, events, live production and the cable-TV desk.
    Role("ad_sales", "广告业务员", "开发广告客户、签订合同、预订排期、登记刊播与回款",
         frozenset(_STAFF | {"ads.view", "ads.sell"})),
    Role("business_manager", "经营主管", "管理广告资源与价格、审查广告内容、查看经营收入；统筹活动与直播",
         frozenset(_STAFF | {"ads.view", "ads.sell", "ads.approve", "ads.manage", "events.view", "events.manage",
                             "live.view", "cable.view"})),
    Role("event_manager", "活动运营", "策划和执行活动项目：预算、任务、文件与报道",
         frozenset(_STAFF | {"events.view", "events.manage", "live.view"})),
    Role("live_director", "直播导播", "承接直播：预约、人员与设备、串词单、播前检查、回放",
         frozenset(_STAFF | {"live.view", "live.produce", "live.manage", "events.view"})),
    Role("cable_clerk", "有线营业员", "营业厅业务：开户、套餐变更、高标清互换、缴费、停复机",
         frozenset({"core.view_dashboard", "core.use_api_tokens", "cable.view", "cable.counter"})),
    Role("cable_agent", "有线客服", "热线受理：咨询与故障报修，派发维修工单并督办",
         frozenset({"core.view_dashboard", "core.use_api_tokens", "cable.view", "cable.hotline"})),
    Role("cable_technician", "维修技术员", "上门维修：到场、修复、用户确认",
         frozenset({"core.view_dashboard", "core.use_api_tokens", "cable.repair"})),
    Role("cable_manager", "有线网络主管", "管理套餐、设备与维修人员，督办超时工单，月度统计",
         frozenset({"core.view_dashboard", "core.view_org", "core.use_api_tokens", "cable.view", "cable.counter",
                    "cable.hotline", "cable.manage"})),
    Role(
        "center_admin", "中心管理员", "管理本中心的人员、角色、组织机构，查阅审计日志",
        frozenset(_STAFF | {"core.manage_org", "core.manage_people", "core.view_audit", "newsroom.view_drafts", "review.manage_lists",
                            "planning.manage_duty",
                            "review.manage_workflows", "review.view_stats", "review.reassign", "inquiry.manage", "inquiry.view_stats",
                            "distribution.manage_webhooks"}),
    ),
]

ROLES: dict[str, Role] = {role.code: role for role in _ROLES}
ROLE_CHOICES = [(role.code, role.label) for role in _ROLES]
PLATFORM_ADMIN_LABEL = "平台管理员"


def permissions_for_roles(role_codes) -> frozenset[str]:
    perms: set[str] = set()
    for code in role_codes:
        role = ROLES.get(code)
        if role is not None:
            perms |= role.permissions
    return frozenset(perms)


def all_permissions() -> frozenset[str]:
    return frozenset(PERMISSIONS)


def _check_table() -> None:
    unknown = {p for role in _ROLES for p in role.permissions} - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"roles grant permissions that are not declared: {sorted(unknown)}")


_check_table()
