from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rongmei.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from rongmei.core import nav, signals  # noqa: F401  (connects auth signals)

        nav.register_core_items()
