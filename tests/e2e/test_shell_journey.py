"""Every demo user logs in and sees the navigation their roles allow; centers switch; the
shell works at phone and desktop widths; API tokens work over real HTTP."""

import json
import re

import pytest

from rongmei.testing.live import http_get
from tests.e2e.conftest import DESKTOP, PHONE, log_in, shot

pytestmark = pytest.mark.e2e

EXPECTED_NAV = {
    "admin": ["工作台", "指挥调度", "线索", "选题与策划", "我的任务", "值班表", "稿件", "素材库", "全文检索", "栏目与封面", "待我审核", "检查词表", "审核流程", "审核用时", "账号矩阵", "手工代发", "Webhook 推送", "网站与服务", "问政受理", "问政设置", "问政统计", "舆情概览", "舆情信息", "舆情预警", "预警规则", "监测方案", "监测源", "舆情报告", "舆情设置", "传播效果", "数据导入", "传播力设置", "我的绩效", "月度绩效", "绩效申诉", "稿费", "优稿评定", "外宣采用", "扣分登记", "绩效基数", "考核规则", "广告排期", "排期日历", "广告审查", "广告合同", "客户", "广告资源", "刊播证明", "回款", "经营收入", "活动运营", "活动日历", "直播承接", "直播统计", "直播设备", "推拉流设置", "有线用户", "营业厅业务", "热线受理", "维修工单", "我的工单", "有线统计", "套餐与设备", "组织机构", "中心管理", "人员与角色", "稿件流转", "已发推送与供稿", "向上级供稿", "审计日志", "签字链校验", "消息渠道", "发送记录", "通知设置", "API 令牌", "系统后台"],
    "reporter": ["工作台", "指挥调度", "线索", "选题与策划", "我的任务", "值班表", "稿件", "素材库", "全文检索", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "editor": ["工作台", "指挥调度", "线索", "选题与策划", "我的任务", "值班表", "稿件", "素材库", "全文检索", "栏目与封面", "传播效果", "我的绩效", "优稿评定", "组织机构", "稿件流转", "已发推送与供稿", "向上级供稿", "通知设置", "API 令牌"],
    "reviewer1": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "待我审核", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "reviewer2": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "待我审核", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "reviewer3": ["工作台", "指挥调度", "线索", "选题与策划", "我的任务", "值班表", "稿件", "素材库", "全文检索", "栏目与封面", "待我审核", "检查词表", "审核流程", "审核用时", "手工代发", "网站与服务", "问政统计", "舆情概览", "舆情信息", "舆情预警", "监测方案", "舆情报告", "传播效果", "我的绩效", "月度绩效", "稿费", "优稿评定", "组织机构", "稿件流转", "已发推送与供稿", "向上级供稿", "审计日志", "签字链校验", "通知设置", "API 令牌"],
    "proofreader": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "待我审核", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "operator": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "账号矩阵", "手工代发", "网站与服务", "传播效果", "数据导入", "传播力设置", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "analyst": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "舆情概览", "舆情信息", "舆情预警", "预警规则", "监测方案", "监测源", "舆情报告", "舆情设置", "传播效果", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "coordinator": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "问政受理", "问政设置", "问政统计", "我的绩效", "组织机构", "通知设置", "API 令牌"],
    "liaison": ["工作台", "部门办件", "通知设置", "API 令牌"],
    "appraiser": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "问政统计", "传播效果", "数据导入", "传播力设置", "我的绩效", "月度绩效", "绩效申诉", "稿费", "外宣采用", "扣分登记", "绩效基数", "考核规则", "组织机构", "通知设置", "API 令牌"],
    "hr": ["工作台", "我的绩效", "月度绩效", "稿费", "通知设置", "API 令牌"],
    # 经营创收 (issue 18)
    "adsales": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "我的绩效", "广告排期", "排期日历", "广告合同", "客户", "广告资源", "刊播证明", "回款", "组织机构", "通知设置", "API 令牌"],
    "business": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "我的绩效", "广告排期", "排期日历", "广告审查", "广告合同", "客户", "广告资源", "刊播证明", "回款", "经营收入", "活动运营", "活动日历", "直播承接", "直播统计", "有线用户", "营业厅业务", "热线受理", "维修工单", "组织机构", "通知设置", "API 令牌"],
    "events": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "我的绩效", "活动运营", "活动日历", "直播承接", "直播统计", "组织机构", "通知设置", "API 令牌"],
    "director": ["工作台", "指挥调度", "线索", "选题与策划", "值班表", "稿件", "素材库", "全文检索", "我的绩效", "活动运营", "活动日历", "直播承接", "直播统计", "直播设备", "推拉流设置", "组织机构", "通知设置", "API 令牌"],
    "cableclerk": ["工作台", "有线用户", "营业厅业务", "热线受理", "维修工单", "通知设置", "API 令牌"],
    "cableagent": ["工作台", "有线用户", "营业厅业务", "热线受理", "维修工单", "通知设置", "API 令牌"],
    "technician": ["工作台", "我的工单", "通知设置", "API 令牌"],
    "cablemanager": ["工作台", "有线用户", "营业厅业务", "热线受理", "维修工单", "有线统计", "套餐与设备", "组织机构", "通知设置", "API 令牌"],
    "sheng": ["工作台", "指挥调度", "线索", "选题与策划", "我的任务", "值班表", "稿件", "素材库", "全文检索", "栏目与封面", "待我审核", "检查词表", "审核流程", "审核用时", "手工代发", "网站与服务", "问政统计", "舆情概览", "舆情信息", "舆情预警", "监测方案", "舆情报告", "传播效果", "我的绩效", "月度绩效", "稿费", "优稿评定", "组织机构", "下级中心统计", "稿件流转", "已发推送与供稿", "向下级推送", "审计日志", "签字链校验", "通知设置", "API 令牌"],
}
ROLE_LABEL = {
    "admin": "中心管理员", "sheng": "总编辑", "reporter": "记者", "editor": "编辑", "reviewer1": "一审", "reviewer2": "二审",
    "reviewer3": "三审", "proofreader": "校对", "operator": "运营", "analyst": "舆情分析",
    "coordinator": "问政受理", "liaison": "部门联络员", "appraiser": "考核管理", "hr": "人事财务",
    "adsales": "广告业务员", "business": "经营主管", "events": "活动运营", "director": "直播导播", "cableclerk": "有线营业员",
    "cableagent": "有线客服", "technician": "维修技术员", "cablemanager": "有线网络主管",
}


def nav_labels(page) -> list[str]:
    return [re.sub(r"^\W+", "", t).strip() for t in page.locator("[data-testid=nav] a").all_inner_texts()]


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_each_demo_user_sees_navigation_for_their_roles(demo_server, new_page, username):
    page = new_page(DESKTOP)
    log_in(page, demo_server.url, username)
    page.wait_for_selector("[data-testid=my-roles]")
    assert nav_labels(page) == EXPECTED_NAV[username]
    assert ROLE_LABEL[username] in page.inner_text("[data-testid=my-roles]")
    if username in {"admin", "reporter", "liaison"}:
        shot(page, f"shell-desktop-{username}")


def test_reporter_on_a_phone_opens_the_menu(demo_server, new_page):
    page = new_page(PHONE, is_mobile=True, has_touch=True)
    log_in(page, demo_server.url, "reporter")
    page.wait_for_selector("[data-testid=my-roles]")
    nav = page.locator("#sidenav")
    assert nav.bounding_box()["x"] < 0  # drawer closed
    shot(page, "shell-phone-reporter")
    page.click(".menu-toggle")
    page.wait_for_function("() => document.querySelector('#sidenav').getBoundingClientRect().x >= 0")
    shot(page, "shell-phone-reporter-menu")
    # nothing spills sideways on a 390-px screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_wrong_password_and_lockout_in_the_browser(demo_server, new_page):
    page = new_page(PHONE, is_mobile=True)
    for attempt in range(5):
        log_in(page, demo_server.url, "analyst", "not-the-password")
    shot(page, "login-lockout-phone")
    assert "锁定 15 分钟" in page.inner_text("body")
    page.goto(f"{demo_server.url}/login/")
    log_in(page, demo_server.url, "proofreader", "wrong")
    assert "用户名或密码不正确" in page.inner_text(".form-errors")
    shot(page, "login-error-phone")


def test_admin_switches_centers_and_sees_the_neighbour(demo_server, new_page):
    page = new_page(DESKTOP)
    log_in(page, demo_server.url, "admin")
    page.wait_for_selector("[data-testid=center-switch]")
    assert page.locator("[data-testid=center-switch] option:checked").inner_text() == "示例县融媒体中心"
    page.select_option("[data-testid=center-switch]", label="邻县融媒体中心")
    page.wait_for_selector("text=已切换到邻县融媒体中心")
    page.click("[data-nav=org]")
    assert "邻县交通运输局" in page.inner_text("[data-testid=departments]")
    assert "示例县" not in page.inner_text("[data-testid=departments]")
    shot(page, "center-switched-desktop")
    page.click("[data-nav=people]")
    people = page.inner_text("[data-testid=people]")
    assert "lx_reporter" in people and "reviewer1" not in people


def test_single_center_people_have_no_switcher(demo_server, new_page):
    page = new_page(DESKTOP)
    log_in(page, demo_server.url, "reporter")
    page.wait_for_selector("[data-testid=center-name]")
    assert page.locator("[data-testid=center-switch]").count() == 0


def test_forbidden_and_missing_pages_are_friendly(demo_server, new_page):
    page = new_page(PHONE)
    log_in(page, demo_server.url, "reporter")
    page.wait_for_selector("[data-testid=my-roles]")
    response = page.goto(f"{demo_server.url}/audit/")
    assert response.status == 403
    assert "没有权限" in page.inner_text("[data-testid=error-403]")
    shot(page, "error-403-phone")
    response = page.goto(f"{demo_server.url}/org/departments/999999/")
    assert response.status == 404
    assert "没有找到" in page.inner_text("[data-testid=error-404]")


def test_admin_manages_roles_and_reads_the_audit_log(demo_server, new_page):
    page = new_page(DESKTOP)
    log_in(page, demo_server.url, "admin")
    page.click("[data-nav=people]")
    page.click("text=新建账号")
    page.fill("#id_username", "xiaozhang")
    page.fill("#id_display_name", "小张")
    page.fill("#id_password", "123")
    page.check("input[name=roles][value=reporter]")
    page.click("button:has-text('创建')")
    assert "密码" in page.inner_text(".has-error")
    shot(page, "person-create-error-desktop")
    page.fill("#id_password", "Qingshan-news-2026")
    page.click("button:has-text('创建')")
    page.wait_for_selector("text=已创建账号")
    page.check("input[name=roles][value=editor]")
    page.click("button:has-text('保存角色')")
    page.wait_for_selector("text=的角色")
    page.click("[data-nav=audit]")
    audit = page.inner_text("[data-testid=audit]")
    # Chinese action names, objects by what they are, actors by name (not admin / user.create)
    assert "变更角色" in audit and "新建账号" in audit and "登录" in audit
    assert "账号「小张（xiaozhang）」" in audit and "系统管理员" in audit
    assert "user.create" not in audit and "Review object" not in audit
    page.select_option("select[name=action]", "review.sign_off")
    page.click("button:has-text('筛选')")
    signed = page.inner_text("[data-testid=audit]")
    assert "签发" in signed and "稿件《" in signed and "reviewer3" not in signed
    # the sign-off chain's icon is a local picture, not a glyph the font may lack
    assert page.locator("[data-nav=ledger] img[src$='chain.svg']").count() == 1
    assert page.evaluate("() => document.querySelector('[data-nav=ledger] img').naturalWidth") > 0
    shot(page, "audit-desktop")

    # The new person logs in on a phone: first the initial password, then the work.
    phone = new_page(PHONE)
    log_in(phone, demo_server.url, "xiaozhang", "Qingshan-news-2026")
    phone.wait_for_selector("[data-testid=must-change]")
    assert phone.url.split("?")[0].endswith("/account/password/")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(phone, "first-password-phone")
    phone.fill("#id_old_password", "Qingshan-news-2026")
    phone.fill("#id_new_password", "Xiaozhang-own-2027")
    phone.fill("#id_new_password2", "Xiaozhang-own-2027")
    phone.click("button:has-text('修改')")
    phone.wait_for_selector("text=密码已修改")
    assert not phone.url.split("?")[0].endswith("/account/password/")


def test_personal_token_works_over_http_and_only_in_its_center(demo_server, new_page):
    page = new_page(DESKTOP)
    log_in(page, demo_server.url, "editor")
    page.click("[data-nav=tokens]")
    page.fill("#id_name", "采集 App")
    page.click("button:has-text('创建令牌')")
    token = page.inner_text("#token-value").strip()
    shot(page, "token-created-desktop")
    status, _, body = http_get(f"{demo_server.url}/api/v1/me", {"Authorization": f"Bearer {token}"})
    me = json.loads(body)
    assert status == 200 and me["center"]["slug"] == "demo" and me["via_token"]
    status, _, body = http_get(f"{demo_server.url}/api/v1/departments", {"Authorization": f"Bearer {token}"})
    ids = [d["id"] for d in json.loads(body)["items"]]
    missing = max(ids) + 1000
    assert http_get(f"{demo_server.url}/api/v1/departments/{missing}", {"Authorization": f"Bearer {token}"})[0] == 404
    page.reload()
    assert token not in page.content()
    assert page.locator("[data-testid=tokens] tbody tr").count() == 1
    page.click("button:has-text('吊销')")
    page.wait_for_selector("text=已吊销")
    assert http_get(f"{demo_server.url}/api/v1/me", {"Authorization": f"Bearer {token}"})[0] == 401


def test_api_docs_are_served_locally(demo_server, new_page):
    page = new_page(DESKTOP)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(demo_server.url) else None)
    log_in(page, demo_server.url, "reporter")  # the staff API's docs need a login (issue 11)
    page.wait_for_selector("[data-testid=my-roles]")
    page.goto(f"{demo_server.url}/api/docs")
    # Swagger UI lays out the whole document (every room's operations) before it shows the
    # info block: seconds on an idle machine, more than 15 on a CI machine running two suites.
    page.wait_for_selector(".swagger-ui .info", timeout=60_000)
    assert external == []
    shot(page, "api-docs-desktop")
