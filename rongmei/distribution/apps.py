from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "rongmei.distribution"
    label = "distribution"
    verbose_name = "一键分发"

    def ready(self) -> None:
        from rongmei.core import audit_labels

        audit_labels.register({
            "distribution.publish": "一键分发", "distribution.takedown": "撤稿", "distribution.resend": "重发",
            "distribution.cancel": "取消发布", "account.create": "新建渠道账号",
        })
