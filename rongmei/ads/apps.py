from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "rongmei.ads"
    label = "ads"
    verbose_name = "广告经营"

    def ready(self) -> None:
        from rongmei.ads import media_access, selectors
        from rongmei.ads.services import AUDIT_LABELS
        from rongmei.core import audit_labels, homeboxes, media, nav, todo
        from rongmei.core import demo as demo_registry

        for item in (
            nav.NavItem("ads_bookings", "广告排期", "ads:bookings", "ads.view", order=690, icon="▦"),
            nav.NavItem("ads_calendar", "排期日历", "ads:calendar", "ads.view", order=691, icon="▤"),
            nav.NavItem("ads_review", "广告审查", "ads:review", "ads.approve", order=692, icon="✓"),
            nav.NavItem("ads_contracts", "广告合同", "ads:contracts", "ads.view", order=693, icon="✎"),
            nav.NavItem("ads_clients", "客户", "ads:clients", "ads.view", order=694, icon="☺"),
            nav.NavItem("ads_slots", "广告资源", "ads:slots", "ads.view", order=695, icon="◫"),
            nav.NavItem("ads_proofs", "刊播证明", "ads:proofs", "ads.view", order=696, icon="◉"),
            nav.NavItem("ads_payments", "回款", "ads:payments", "ads.view", order=697, icon="¥"),
            nav.NavItem("ads_revenue", "经营收入", "ads:revenue", "ads.manage", order=698, icon="∑"),
        ):
            nav.register(item)
        audit_labels.register(AUDIT_LABELS)
        audit_labels.register_objects({
            "ads.slot": ("广告资源", lambda s: f"广告资源 {s.name}"),
            "ads.client": ("客户", lambda c: f"客户 {c.name}"),
            "ads.contract": ("广告合同", lambda c: f"合同 {c.number} {c.title}"),
            "ads.booking": ("广告排期", lambda b: f"排期 #{b.pk}《{b.title}》"),
            "ads.payment": ("回款", lambda p: f"回款 {p.amount} 元（合同 {p.contract.number}）"),
        })
        media.register("ads/", media_access.may_read)
        homeboxes.register("ads_sales", selectors.sales_box)
        homeboxes.register("ads_approve", selectors.approve_box)
        homeboxes.register("ads_manage", selectors.manage_box)
        todo.register("ads", selectors.todo_for)

        def load_ads_demo(center):
            from rongmei.ads import demo as ads_demo

            return ads_demo.load(center)

        demo_registry.register(load_ads_demo)
