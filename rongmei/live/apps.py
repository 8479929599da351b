from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "rongmei.live"
    label = "live"
    verbose_name = "直播制作"

    def ready(self) -> None:
        from rongmei.core import audit_labels, homeboxes, nav, todo
        from rongmei.core import demo as demo_registry
        from rongmei.live import selectors, services
        from rongmei.newsroom import media_access

        for item in (
            nav.NavItem("live", "直播承接", "live:list", "live.view", order=720, icon="◉"),
            nav.NavItem("live_stats", "直播统计", "live:stats", "live.view", order=722, icon="▥"),
            nav.NavItem("live_equipment", "直播设备", "live:equipment", "live.manage", order=724, icon="▧"),
            nav.NavItem("live_settings", "推拉流设置", "live:settings", "live.manage", order=726, icon="⇅"),
        ):
            nav.register(item)
        audit_labels.register(services.AUDIT_LABELS | {"live.stats_export": "导出直播年度统计"})
        audit_labels.register_objects({
            "live.production": ("直播承接", lambda p: f"直播《{p.stream.title}》"),
            "live.equipment": ("直播设备", lambda e: f"直播设备 {e}"),
            "live.streamsettings": ("推拉流设置", lambda s: "推拉流设置"),
        })
        homeboxes.register("live", selectors.home_box)
        todo.register("live", selectors.todo_for)
        # A library video published as a replay is public like a live stream's poster.
        media_access.register_public_test(selectors.asset_is_public)

        def load_live_demo(center):
            from rongmei.live import demo

            return demo.load(center)

        demo_registry.register(load_live_demo)
