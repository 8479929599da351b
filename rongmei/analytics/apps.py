from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "rongmei.analytics"
    label = "analytics"
    verbose_name = "传播效果"

    def ready(self) -> None:
        from rongmei.core import audit_labels, nav  # noqa: F401  (used by the parts below)

        # Each part registers its nav entries, audit labels, to-dos, 工作台 boxes, demo
        # loaders and signals in its own block below (parallel work does not collide).
        # -- fetch --
        from rongmei.core import demo as fetch_demo

        audit_labels.register({"analytics.sync": "同步传播数据"})
        audit_labels.register_objects({
            "analytics.syncrun": ("数据同步", lambda r: f"数据同步 {r.get_kind_display()} {r.day_from}～{r.day_to}"),
        })

        def load_fetch_demo(center):
            from rongmei.analytics.fetchers import sandbox

            return sandbox.load(center)

        fetch_demo.register(load_fetch_demo)
        # -- imports --
        from rongmei.core import nav as imports_nav

        imports_nav.register(imports_nav.NavItem("analytics_imports", "数据导入", "analytics:imports", "analytics.manage",
                                                 order=605, icon="⇪"))
        imports_nav.register(imports_nav.NavItem("analytics_settings", "传播力设置", "analytics:settings", "analytics.manage",
                                                 order=610, icon="⚙"))
        audit_labels.register({
            "analytics.import_check": "上传并检查传播数据文件", "analytics.import_run": "导入传播数据",
            "analytics.weights": "修改传播力指数权重",
        })
        audit_labels.register_objects({
            "analytics.importbatch": ("数据导入", lambda b: f"数据导入 {b.original_name}"),
            "analytics.analyticssettings": ("传播效果设置", lambda s: "传播力指数权重"),
        })
        from rongmei.core import demo as imports_demo

        def load_imports_demo(center):
            from rongmei.analytics import imports

            return imports.load_demo(center)

        imports_demo.register(load_imports_demo)
        # -- dashboards --
        from rongmei.core import nav as dashboards_nav

        dashboards_nav.register(dashboards_nav.NavItem("analytics", "传播效果", "analytics:overview", "analytics.view",
                                                       order=600, icon="↗"))
        # -- api --
        # -- demo --
        from rongmei.core import demo as dashboards_demo

        def load_dashboards_demo(center):
            from rongmei.analytics import demo as analytics_demo

            return analytics_demo.load(center)

        dashboards_demo.register(load_dashboards_demo)
