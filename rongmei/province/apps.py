from django.apps import AppConfig


class ProvinceConfig(AppConfig):
    name = "rongmei.province"
    label = "province"
    verbose_name = "省级平台"

    def ready(self) -> None:
        from rongmei.core import audit_labels, homeboxes, nav
        from rongmei.core import demo as demo_registry
        from rongmei.province import selectors
        from rongmei.province.services import AUDIT_LABELS

        nav.register(nav.NavItem("province_centers", "中心管理", "province:centers", platform_admin_only=True,
                                 order=801, icon="▦"))
        nav.register(nav.NavItem("province_ranking", "下级中心统计", "province:ranking", "province.view", order=802,
                                 icon="▤", visible=_has_children))
        audit_labels.register(AUDIT_LABELS | {"province.export": "导出下级中心统计"})
        homeboxes.register("province_ranking", selectors.ranking_box)

        def load_province_demo(center):
            from rongmei.province import demo

            return demo.load(center)

        demo_registry.register(load_province_demo)


def _has_children(user, center) -> bool:
    """下级中心统计 is listed only where there are centers below (a county has none)."""
    return center is not None and center.children.exists()
