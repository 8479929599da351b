from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "rongmei.planning"
    label = "planning"
    verbose_name = "策划与指挥调度"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav
        from rongmei.planning import demo as planning_demo
        from rongmei.planning import signals  # noqa: F401  (listens to newsroom status changes)

        nav.register(nav.NavItem("board", "指挥调度", "planning:board", "planning.view_board", order=100, icon="▤"))
        nav.register(nav.NavItem("leads", "线索", "planning:leads", "planning.add_lead", order=110, icon="✦"))
        nav.register(nav.NavItem("topics", "选题与策划", "planning:topics", "planning.view_board", order=120, icon="☷"))
        nav.register(nav.NavItem("my_assignments", "我的任务", "planning:mine", "planning.take_assignment", order=130, icon="✓"))
        nav.register(nav.NavItem("duty", "值班表", "planning:duty", "planning.view_board", order=135, icon="☾"))
        audit_labels.register({
            "lead.create": "新线索", "lead.dismiss": "线索不予采用", "lead.to_topic": "线索转选题",
            "lead.reveal_contact": "查看线索完整联系方式",
            "plan.create": "新建策划", "topic.propose": "申报选题", "topic.decide": "审批选题", "topic.comment": "评论选题",
            "assignment.create": "派发采访任务", "assignment.accept": "接单", "assignment.status": "任务状态变更",
            "assignment.story": "为任务写稿",
            "duty.assign": "排班", "duty.remove": "取消班次", "duty.swap_request": "申请换班",
            "duty.swap_agree": "同意换班", "duty.swap_refuse": "拒绝换班", "duty.swap_approve": "批准换班",
            "duty.swap_reject": "不批准换班", "duty.swap_cancel": "撤回换班申请",
        })
        audit_labels.register_objects({
            "planning.lead": ("线索", None), "planning.topic": ("选题", lambda t: f"选题《{t}》"),
            "planning.plan": ("策划", lambda p: f"策划《{p}》"), "planning.assignment": ("采访任务", lambda a: f"采访任务《{a}》"),
        })
        demo.register(planning_demo.load)
        from rongmei.newsroom import panels
        from rongmei.planning.selectors import story_origin

        panels.register(story_origin)
        from rongmei.core import todo
        from rongmei.planning.selectors import todo_for

        todo.register("planning", todo_for)
