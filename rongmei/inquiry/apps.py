from django.apps import AppConfig


class InquiryConfig(AppConfig):
    name = "rongmei.inquiry"
    label = "inquiry"
    verbose_name = "网络问政"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav, workcalendar
        from rongmei.inquiry.workdays import Calendar

        workcalendar.register(Calendar.load)

        nav.register(nav.NavItem("inquiry", "问政受理", "inquiry:queue", "inquiry.handle", order=450, icon="✉"))
        def bound_to_a_department(user, center):
            from rongmei.inquiry.services import department_of

            return center is not None and department_of(user, center) is not None

        nav.register(nav.NavItem("inquiry_mine", "部门办件", "inquiry:mine", "inquiry.answer", order=451, icon="✉",
                                 visible=bound_to_a_department))
        nav.register(nav.NavItem("inquiry_settings", "问政设置", "inquiry:settings", "inquiry.manage", order=455, icon="⚙"))
        nav.register(nav.NavItem("inquiry_stats", "问政统计", "inquiry_stats:stats", "inquiry.view_stats", order=456, icon="▤"))
        audit_labels.register({
            "inquiry.accept": "问政受理转办", "inquiry.reject": "问政不予受理", "inquiry.merge": "问政合并",
            "inquiry.reply": "部门答复", "inquiry.reply_approve": "答复审核通过", "inquiry.publish": "问政公开",
            "inquiry.unpublish": "问政撤下", "inquiry.tip_to_lead": "爆料转线索", "inquiry.chase": "问政督办",
            "inquiry.escalate": "问政升级督办", "inquiry.settings": "问政设置",
            "inquiry.holiday_save": "节假日调整", "inquiry.holiday_delete": "删除节假日调整",
            "inquiry.holiday_year": "确认年度放假安排", "inquiry.open311_submit": "Open311 提交问政",
            "inquiry.reveal_contact": "查看群众完整联系方式",
        })

        audit_labels.register_objects({"inquiry.case": ("问政件", lambda c: f"问政件 {c}")})
        # -- 17:SM --
        audit_labels.register({"inquiry.sms_settings": "问政短信设置", "inquiry.sms_template": "问政短信模板",
                               "inquiry.sms_test": "问政短信测试发送", "inquiry.sms_opt_out": "为群众退订短信"})

        from rongmei.core import media
        from rongmei.inquiry import media_access

        media.register("inquiry/", media_access.may_read)

        def load_demo(center):
            from rongmei.inquiry import demo as inquiry_demo

            return inquiry_demo.load(center)

        demo.register(load_demo)

        from rongmei.core import todo
        from rongmei.inquiry.selectors import todo_for

        todo.register("inquiry", todo_for)
