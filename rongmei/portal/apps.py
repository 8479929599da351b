from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rongmei.portal"
    label = "portal"
    verbose_name = "网站与客户端"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav
        from rongmei.newsroom import media_access
        from rongmei.portal import receivers  # noqa: F401
        from rongmei.portal import selectors

        media_access.register_public_test(selectors.asset_is_public)

        def load_demo(center):
            from rongmei.portal import demo as portal_demo

            return portal_demo.load(center)

        demo.register(load_demo)
        nav.register(nav.NavItem("portal", "网站与服务", "portal_staff:overview", "portal.manage_site", order=410, icon="◍"))
        audit_labels.register({"portal.features_save": "保存专题", "portal.live_save": "保存直播",
                               "portal.services_save": "保存便民服务", "portal.rebuild": "重新生成网站"})
