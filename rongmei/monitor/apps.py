from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "rongmei.monitor"
    label = "monitor"
    verbose_name = "舆情监测"

    def ready(self) -> None:
        from rongmei.core import audit_labels

        audit_labels.register_objects({
            "monitor.source": ("监测源", lambda s: f"监测源 {s}"),
            "monitor.topic": ("监测方案", lambda t: f"监测方案 {t}"),
            "monitor.alert": ("预警", lambda a: f"预警 {a}"),
            "monitor.report": ("舆情报告", lambda r: f"舆情报告 {r}"),
        })
        # Each part registers its nav entries, audit labels, tasks and hooks below
        # (one block per module, so parallel work does not collide).
        # -- fetch --
        from rongmei.core import nav as fetch_nav

        fetch_nav.register(fetch_nav.NavItem("monitor_sources", "监测源", "monitor:sources", "monitor.manage", order=530,
                                             icon="▤"))
        audit_labels.register({
            "monitor.source_create": "添加监测源", "monitor.source_update": "修改监测源",
            "monitor.source_delete": "删除监测源", "monitor.source_fetch": "立即抓取监测源",
        })
        # -- rules --
        from rongmei.core import nav as rules_nav

        rules_nav.register(rules_nav.NavItem("monitor_topics", "监测方案", "monitor:topics", "monitor.view", order=520, icon="◎"))
        rules_nav.register(rules_nav.NavItem("monitor_settings", "舆情设置", "monitor:settings", "monitor.manage", order=590,
                                             icon="⚙"))
        audit_labels.register({
            "monitor.topic_create": "新建监测方案", "monitor.topic_update": "修改监测方案",
            "monitor.topic_enable": "启用监测方案", "monitor.topic_disable": "停用监测方案",
            "monitor.topic_delete": "删除监测方案", "monitor.topic_rematch": "近期信息重新匹配监测方案",
            "monitor.settings": "修改舆情设置",
        })
        audit_labels.register_objects({"monitor.settings": ("舆情设置", lambda s: "舆情设置")})
        # -- alerts --
        from rongmei.core import nav as alert_nav
        from rongmei.core import todo as alert_todo
        from rongmei.monitor import alerts as monitor_alerts
        from rongmei.monitor.services import AUDIT_LABELS as ALERT_AUDIT_LABELS

        alert_nav.register(alert_nav.NavItem("monitor_alerts", "舆情预警", "monitor:alerts", "monitor.view", order=510, icon="⚠"))
        alert_nav.register(alert_nav.NavItem("monitor_rules", "预警规则", "monitor:rules", "monitor.manage", order=512, icon="⚙"))
        audit_labels.register(ALERT_AUDIT_LABELS)
        audit_labels.register_objects({
            "monitor.alertrule": ("预警规则", lambda r: f"预警规则 {r}"),
            "monitor.robothook": ("群机器人", lambda r: f"群机器人 {r}"),
            "monitor.item": ("舆情信息", lambda i: f"舆情信息 {str(i)[:60]}"),
        })
        alert_todo.register("monitor_alerts", monitor_alerts.todo_for)
        # -- views --
        from rongmei.core import homeboxes, nav
        from rongmei.monitor import search as monitor_search
        from rongmei.monitor import selectors as monitor_selectors

        nav.register(nav.NavItem("monitor", "舆情概览", "monitor:dashboard", "monitor.view", order=500, icon="◉"))
        nav.register(nav.NavItem("monitor_items", "舆情信息", "monitor:items", "monitor.view", order=505, icon="≡"))
        homeboxes.register("monitor", monitor_selectors.home_box)
        monitor_search.connect()
        # -- reports --
        from rongmei.core import nav as report_nav

        report_nav.register(report_nav.NavItem("monitor_reports", "舆情报告", "monitor:reports", "monitor.view", order=540, icon="▤"))
        audit_labels.register({
            "monitor.report_generate": "生成舆情报告", "monitor.report_edit": "修改舆情报告", "monitor.report_send": "发送舆情报告",
        })
        # -- api --
        # -- demo --
        from rongmei.core import demo as core_demo

        def load_monitor_demo(center):
            from rongmei.monitor import demo as monitor_demo

            return monitor_demo.load(center)

        core_demo.register(load_monitor_demo)
