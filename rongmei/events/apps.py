from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "rongmei.events"
    label = "events"
    verbose_name = "活动运营"

    def ready(self) -> None:
        from rongmei.core import audit_labels, homeboxes, media, nav, todo
        from rongmei.core import demo as demo_registry
        from rongmei.events import media_access, selectors

        nav.register(nav.NavItem("events", "活动运营", "events:list", "events.view", order=710, icon="♪"))
        nav.register(nav.NavItem("events_calendar", "活动日历", "events:calendar", "events.view", order=712, icon="▧"))
        audit_labels.register({
            "events.create": "创建活动项目", "events.update": "修改活动项目",
            "events.line_add": "添加预算项目", "events.budget_change": "调整预算",
            "events.entry_add": "登记活动收支", "events.entry_delete": "撤销活动收支",
            "events.task_add": "分派活动任务", "events.task_status": "更新活动任务状态",
            "events.document_upload": "上传活动文件", "events.document_delete": "删除活动文件",
            "events.plan_link": "关联报道策划", "events.plan_unlink": "取消关联报道策划",
        })
        audit_labels.register_objects({
            "events.event": ("活动项目", lambda e: f"活动“{e.name}”"),
            "events.budgetline": ("预算项目", lambda b: f"预算项目“{b.name}”（{b.event.name}）"),
            "events.entry": ("活动收支", lambda x: f"{x.line.get_direction_display()} {x.amount} 元（{x.line.name}）"),
            "events.task": ("活动任务", lambda t: f"活动任务“{t.title}”"),
            "events.document": ("活动文件", lambda d: f"活动文件“{d.title}”"),
        })
        media.register("events/", media_access.may_read)
        homeboxes.register("events_manager", selectors.manager_box)
        todo.register("events", selectors.todo_for)

        def load_events_demo(center):
            from rongmei.events import demo as events_demo

            return events_demo.load(center)

        demo_registry.register(load_events_demo)
