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
        # -- rules --
        # -- alerts --
        # -- views --
        # -- reports --
        # -- api --
        # -- demo --
