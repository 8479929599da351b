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
