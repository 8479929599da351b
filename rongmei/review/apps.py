from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "rongmei.review"
    label = "review"
    verbose_name = "审核"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav
        from rongmei.review import demo as review_demo
        from rongmei.review import signals  # noqa: F401  (invalidates sign-offs when a piece changes)

        nav.register(nav.NavItem("review_inbox", "待我审核", "review:inbox", "review.review", order=290, icon="✔"))
        nav.register(nav.NavItem("checklists", "检查词表", "review:lists", "review.manage_lists", order=300, icon="☑"))
        nav.register(nav.NavItem("workflows", "审核流程", "review:workflows", "review.manage_workflows", order=310, icon="⇢"))
        nav.register(nav.NavItem("review_stats", "审核用时", "review:stats", "review.view_stats", order=320, icon="◷"))
        nav.register(nav.NavItem("ledger", "签字链校验", "review:ledger", "core.view_audit", order=830,
                                  icon="core/icons/chain.svg"))
        audit_labels.register({
            "checklist.import": "导入检查词表", "review.submit": "送审", "review.sign_off": "签发",
            "review.send_back": "退回", "review.invalidated": "修改后签字作废", "review.comment": "审核批注",
            "review.overdue": "审核超时督办", "signoff.append": "签字记录", "workflow.save": "修改审核流程",
            "workflow.rule_add": "添加流程适用规则", "workflow.rule_delete": "删除流程适用规则",
            "review.reassign": "改派审核环节",
        })
        audit_labels.register_objects({
            "review.review": ("送审", lambda r: f"稿件《{r.story}》"),
            "review.signoff": ("签字记录", lambda s: f"稿件《{s.review.story}》（{s.step_name}·{s.get_action_display()}）"),
            "review.checklist": ("检查词表", None), "review.workflow": ("审核流程", None),
        })
        demo.register(review_demo.load)
        from django.urls import reverse

        from rongmei.newsroom import panels

        def checks_button(story, perms):
            if "review.run_checks" in perms:
                return {"key": "checks", "label": "内容检查", "url": reverse("review:story_checks", args=[story.pk])}
            return None

        panels.register_action(checks_button)
        from rongmei.review.selectors import review_panel

        panels.register(review_panel)
        from rongmei.core import todo
        from rongmei.review.selectors import todo_for

        todo.register("review", todo_for)
