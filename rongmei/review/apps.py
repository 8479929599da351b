from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "rongmei.review"
    label = "review"
    verbose_name = "审核"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav
        from rongmei.review import demo as review_demo

        nav.register(nav.NavItem("checklists", "检查词表", "review:lists", "review.manage_lists", order=300, icon="☑"))
        audit_labels.register({"checklist.import": "导入检查词表"})
        demo.register(review_demo.load)
        from django.urls import reverse

        from rongmei.newsroom import panels

        def checks_button(story, perms):
            if "review.run_checks" in perms:
                return {"key": "checks", "label": "内容检查", "url": reverse("review:story_checks", args=[story.pk])}
            return None

        panels.register_action(checks_button)
