from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "rongmei.appraisal"
    label = "appraisal"
    verbose_name = "绩效考核"

    def ready(self) -> None:
        from rongmei.core import audit_labels, nav  # noqa: F401  (used by the parts below)

        # Each part registers its nav entries, audit labels, to-dos, 工作台 boxes, demo
        # loaders and signals in its own block below (parallel work does not collide).
        # -- rules --
        from rongmei.appraisal import facts_views as rules_facts_views
        from rongmei.newsroom import panels as rules_panels

        for item in (
            nav.NavItem("appraisal_ratings", "优稿评定", "appraisal:ratings", "appraisal.rate", order=645, icon="★"),
            nav.NavItem("appraisal_pickups", "外宣采用", "appraisal:pickups", "appraisal.manage", order=650, icon="⇪"),
            nav.NavItem("appraisal_deductions", "扣分登记", "appraisal:deductions", "appraisal.manage", order=655, icon="−"),
            nav.NavItem("appraisal_pay", "绩效基数", "appraisal:pay", "appraisal.manage", order=660, icon="¥"),
            nav.NavItem("appraisal_rules", "考核规则", "appraisal:rules", "appraisal.manage", order=665, icon="⚖"),
        ):
            nav.register(item)
        audit_labels.register({
            "appraisal.rules_save": "保存考核规则",
            "appraisal.rating_add": "评定优稿", "appraisal.rating_change": "修改优稿评定",
            "appraisal.rating_withdraw": "撤销优稿评定",
            "appraisal.pickup_add": "登记外宣采用", "appraisal.pickup_update": "修改外宣采用登记",
            "appraisal.pickup_delete": "删除外宣采用登记", "appraisal.pickup_upload": "上传外宣采用表格",
            "appraisal.pickup_import": "导入外宣采用",
            "appraisal.deduction_add": "登记扣分", "appraisal.deduction_delete": "删除扣分",
            "appraisal.payprofile_save": "设置绩效工资基数", "appraisal.payprofile_delete": "清除绩效工资基数",
        })
        audit_labels.register_objects({
            "appraisal.ruleset": ("考核规则", lambda r: f"考核规则 {r}"),
            "appraisal.rating": ("优稿评定", lambda r: f"优稿《{r.story.headline}》"),
            "appraisal.pickup": ("外宣采用", lambda p: f"外宣《{p.story.headline}》· {p.outlet_name}"),
            "appraisal.deduction": ("扣分", lambda d: f"扣分 {d.points} 分（{d.month:%Y年%m月}）"),
            "appraisal.payprofile": ("绩效工资基数", lambda p: f"绩效工资基数 · {p.user}"),
        })
        rules_panels.register(rules_facts_views.story_panel)
        # -- close --
        from rongmei.appraisal.services import AUDIT_LABELS as CLOSE_AUDIT_LABELS

        audit_labels.register(CLOSE_AUDIT_LABELS)
        audit_labels.register_objects({
            "appraisal.period": ("考核月份", lambda p: f"考核月份 {p}"),
            "appraisal.dispute": ("绩效申诉", lambda d: f"绩效申诉 #{d.pk}"),
            "appraisal.adjustment": ("结算后调整", lambda a: f"结算后调整 #{a.pk}"),
        })
        # -- views --
        from rongmei.appraisal import selectors as views_selectors
        from rongmei.core import homeboxes as views_homeboxes

        for item in (
            nav.NavItem("appraisal_me", "我的绩效", "appraisal:me", "appraisal.view_own", order=630, icon="◔"),
            nav.NavItem("appraisal_month", "月度绩效", "appraisal:month", "appraisal.view_all", order=635, icon="▥"),
            nav.NavItem("appraisal_disputes", "绩效申诉", "appraisal:disputes", "appraisal.manage", order=637, icon="?"),
            nav.NavItem("appraisal_fees", "稿费", "appraisal:fees", "appraisal.view_all", order=640, icon="¤"),
        ):
            nav.register(item)
        views_homeboxes.register("appraisal_me", views_selectors.my_box)
        views_homeboxes.register("appraisal_admin", views_selectors.admin_box)
        from rongmei.appraisal.views import EXPORT_AUDIT_LABELS

        audit_labels.register(EXPORT_AUDIT_LABELS)
        # -- api --
        # -- demo --
        from rongmei.core import demo as demo_registry

        def load_appraisal_demo(center):
            from rongmei.appraisal import demo as appraisal_demo

            return appraisal_demo.load(center)

        demo_registry.register(load_appraisal_demo)
        # -- 17:PV --
        from rongmei.appraisal.province_pickups import on_province_used
        from rongmei.distribution.signals import province_used

        province_used.connect(on_province_used, dispatch_uid="appraisal.province_pickups")
        audit_labels.register({"appraisal.pickup_late": "省平台采用（已结算月份，未计入）"})
        # -- 19:sharing --
        from rongmei.appraisal.sharing_pickups import on_submission_used
        from rongmei.sharing.signals import submission_used

        submission_used.connect(on_submission_used, dispatch_uid="appraisal.sharing_pickups")
