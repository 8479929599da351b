from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "rongmei.sharing"
    label = "sharing"
    verbose_name = "上下级稿件流转"

    def ready(self) -> None:
        from rongmei.core import audit_labels, nav
        from rongmei.core import demo as demo_registry
        from rongmei.newsroom import panels
        from rongmei.sharing import selectors, views
        from rongmei.sharing.services import AUDIT_LABELS

        def _sends(user, center) -> bool:
            return center is not None and (
                (user.has_perm("sharing.push", center) and selectors.may_push(center))
                or (user.has_perm("sharing.submit", center) and selectors.may_submit(center)))

        for item in (
            nav.NavItem("sharing_inbox", "稿件流转", "sharing:inbox", "sharing.receive", order=810, icon="⇅"),
            nav.NavItem("sharing_sent", "已发推送与供稿", "sharing:sent", None, order=811, icon="⇱", visible=_sends),
            nav.NavItem("sharing_push", "向下级推送", "sharing:push_new", "sharing.push", order=812, icon="⇣",
                        visible=lambda user, center: selectors.may_push(center)),
            nav.NavItem("sharing_submit", "向上级供稿", "sharing:submit", "sharing.submit", order=813, icon="⇡",
                        visible=lambda user, center: selectors.may_submit(center)),
        ):
            nav.register(item)
        audit_labels.register(AUDIT_LABELS)
        audit_labels.register_objects({
            "sharing.push": ("上级推送", lambda p: f"推送《{p.title}》"),
            "sharing.pushtarget": ("推送接收", lambda t: f"上级推送《{t.push.title}》"),
            "sharing.submission": ("下级供稿", lambda s: f"供稿《{s.title}》→ {s.to_center.name}"),
        })
        panels.register(views.story_panel)
        panels.register_action(views.story_action)

        def load_sharing_demo(center):
            from rongmei.sharing import demo

            return demo.load(center)

        demo_registry.register(load_sharing_demo)
