from django.apps import AppConfig


class CableConfig(AppConfig):
    name = "rongmei.cable"
    label = "cable"
    verbose_name = "有线网络"

    def ready(self) -> None:
        from rongmei.cable import selectors
        from rongmei.cable.services import AUDIT_LABELS
        from rongmei.core import audit_labels, homeboxes, nav, todo
        from rongmei.core import demo as demo_registry

        for item in (
            nav.NavItem("cable_subscribers", "有线用户", "cable:subscribers", "cable.view", order=730, icon="▣"),
            nav.NavItem("cable_transactions", "营业厅业务", "cable:transactions", "cable.view", order=731, icon="¥"),
            nav.NavItem("cable_calls", "热线受理", "cable:calls", "cable.view", order=732, icon="☎"),
            nav.NavItem("cable_orders", "维修工单", "cable:orders", "cable.view", order=734, icon="◷"),
            nav.NavItem("cable_mine", "我的工单", "cable:mine", "cable.repair", order=736, icon="✓"),
            nav.NavItem("cable_stats", "有线统计", "cable:stats", "cable.manage", order=738, icon="▤"),
            nav.NavItem("cable_setup", "套餐与设备", "cable:setup", "cable.manage", order=739, icon="⚙"),
        ):
            nav.register(item)
        audit_labels.register(AUDIT_LABELS)
        audit_labels.register_objects({
            "cable.subscriber": ("有线电视用户", lambda s: f"有线用户 {s.account}"),
            "cable.package": ("有线套餐", lambda p: f"有线套餐 {p.name}"),
            "cable.device": ("机顶盒", lambda d: f"机顶盒 {d.serial}"),
            "cable.call": ("热线来电", lambda c: f"热线来电 #{c.pk}"),
            "cable.workorder": ("维修工单", lambda o: f"维修工单 {o.code}"),
            "cable.desksettings": ("有线网络设置", lambda s: "维修时限"),
        })
        homeboxes.register("cable_clerk", selectors.clerk_box)
        homeboxes.register("cable_agent", selectors.agent_box)
        homeboxes.register("cable_technician", selectors.technician_box)
        homeboxes.register("cable_manager", selectors.manager_box)
        todo.register("cable", selectors.todo_for)

        def load_cable_demo(center):
            from rongmei.cable import demo

            return demo.load(center)

        demo_registry.register(load_cable_demo)
