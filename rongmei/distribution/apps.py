from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "rongmei.distribution"
    label = "distribution"
    verbose_name = "一键分发"

    def ready(self) -> None:
        from django.urls import reverse

        from rongmei.core import audit_labels, demo, nav
        from rongmei.distribution import demo as distribution_demo
        from rongmei.newsroom import panels

        nav.register(nav.NavItem("matrix", "账号矩阵", "distribution:matrix", "distribution.manage_accounts", order=400, icon="◎"))
        nav.register(nav.NavItem("handoffs", "手工代发", "distribution:handoffs", "distribution.publish", order=405, icon="✎"))
        nav.register(nav.NavItem("webhooks", "Webhook 推送", "distribution:webhooks", "distribution.manage_webhooks",
                                 order=407, icon="⇄"))

        from rongmei.core import events
        from rongmei.distribution import webhooks

        events.register_sink(webhooks.sink, webhooks.listens)

        def publish_button(story, perms):
            if "distribution.publish" in perms and story.status == "signed_off":
                return {"key": "publish", "label": "一键分发", "url": reverse("distribution:story", args=[story.pk])}
            return None

        panels.register_action(publish_button)

        from rongmei.distribution import preflight
        from rongmei.review import submit_checks

        submit_checks.register(preflight.submit_check)

        from rongmei.distribution import selectors as distribution_selectors
        from rongmei.newsroom import media_access

        media_access.register_public_test(distribution_selectors.asset_is_public)
        from rongmei.newsroom import public_life

        public_life.register(distribution_selectors.public_lives, distribution_selectors.stories_in_public_state)
        demo.register(distribution_demo.load)
        audit_labels.register_objects({"distribution.channelaccount": ("渠道账号", None)})
        from rongmei.core import todo

        todo.register("distribution", distribution_selectors.todo_for)

        audit_labels.register({
            "distribution.publish": "一键分发", "distribution.takedown": "撤稿", "distribution.resend": "重发",
            "distribution.cancel": "取消发布", "account.create": "新建渠道账号",
            "distribution.correct": "更正", "distribution.confirm": "确认手工代发", "distribution.handoff_chase": "催办手工代发",
            "distribution.rundown_move": "调整串联单顺序", "account.update": "修改渠道账号", "account.group_create": "新建账号分组",
            "account.group_members": "设置分组账号",
            "account.stale_warn": "账号久未更新提醒", "account.stale_escalate": "账号久未更新督办",
            "webhook.create": "新建 Webhook 接收地址", "webhook.update": "修改 Webhook 接收地址",
            "webhook.enable": "启用 Webhook 接收地址", "webhook.disable": "停用 Webhook 接收地址",
            "webhook.rotate_secret": "重新生成 Webhook 密钥", "webhook.delete": "删除 Webhook 接收地址",
            "webhook.ping": "发送 Webhook 测试事件", "webhook.resend": "重发 Webhook 推送",
        })
        audit_labels.register_objects({"distribution.webhookendpoint": ("Webhook 接收地址", None)})
        # -- 17:PV --
        audit_labels.register({"distribution.province_receipt": "收到省平台回执"})
        audit_labels.register_objects({"distribution.provincereceipt": ("省平台回执", None)})
        # -- 17:DY --
        audit_labels.register({"account.token_refresh": "自动续期平台授权"})
