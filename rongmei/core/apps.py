from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rongmei.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from rongmei.core import nav, signals  # noqa: F401  (connects auth signals)
        from django.urls import register_converter

        from rongmei.core.ids import IdConverter

        register_converter(IdConverter, "id")  # <id:pk>: 1 … 2^63-1, anything else 404

        nav.register_core_items()

        # -- 17:SM --
        from rongmei.core.messaging import sms

        sms.register()  # citizens' SMS (问政) leave through the messaging outbox as kind "sms"

        # -- 17:NU --
        from rongmei.core import demo as core_demo
        from rongmei.core import notify_demo, notify_services  # notify_services: audit labels of the screens

        core_demo.register(notify_demo.load)  # a person with quiet hours and a choice on 通知设置

        nav.register(nav.NavItem("notify_settings", "通知设置", "core:notify_settings", "core.view_dashboard", order=895,
                                 icon="⚑"))
        nav.register(nav.NavItem("notify_channels", "消息渠道", "core:notify_channels", notify_services.PERMISSION,
                                 order=840, icon="⇄"))
        nav.register(nav.NavItem("notify_deliveries", "发送记录", "core:notify_deliveries", notify_services.PERMISSION,
                                 order=845, icon="≣"))

        # -- 17:NC --
        from rongmei.core import demo
        from rongmei.core.messaging import demo as messaging_demo

        demo.register(messaging_demo.load)  # the demo's 企业微信/钉钉/飞书 sandbox channels
