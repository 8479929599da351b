"""Staff screens of 绩效考核, all under /appraisal/. Each part adds its own lines below its marker."""

from django.urls import path  # noqa: F401

app_name = "appraisal"

urlpatterns: list = []

# -- rules --
from rongmei.appraisal import facts_views, rule_views

urlpatterns += [
    path("appraisal/rules/", rule_views.rules_page, name="rules"),
    path("appraisal/rules/edit/", rule_views.rules_edit, name="rules_edit"),
    path("appraisal/rules/<id:pk>/", rule_views.rule_version, name="rule_version"),
    path("appraisal/rules/<id:pk>/json/", rule_views.rule_json, name="rule_json"),
    path("appraisal/ratings/", facts_views.ratings, name="ratings"),
    path("appraisal/ratings/stories/<id:story_id>/", facts_views.rate_story, name="rate_story"),
    path("appraisal/pickups/", facts_views.pickups, name="pickups"),
    path("appraisal/pickups/new/", facts_views.pickup_new, name="pickup_new"),
    path("appraisal/pickups/<id:pk>/", facts_views.pickup_edit, name="pickup"),
    path("appraisal/pickups/<id:pk>/delete/", facts_views.pickup_delete, name="pickup_delete"),
    path("appraisal/pickups/import/", facts_views.pickup_import, name="pickup_import"),
    path("appraisal/pickups/import/<id:pk>/", facts_views.pickup_batch, name="pickup_batch"),
    path("appraisal/pickups/import/template.<str:fmt>", facts_views.pickup_template, name="pickup_template"),
    path("appraisal/deductions/", facts_views.deductions, name="deductions"),
    path("appraisal/deductions/<id:pk>/delete/", facts_views.deduction_delete, name="deduction_delete"),
    path("appraisal/pay/", facts_views.pay_bases, name="pay"),
]
# -- close --
# -- views --
from django.urls import register_converter

from rongmei.appraisal import views as appraisal_views


class _MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


register_converter(_MonthConverter, "ym")
urlpatterns += [
    path("appraisal/", appraisal_views.month, name="month"),
    path("appraisal/me/", appraisal_views.me, name="me"),
    path("appraisal/disputes/", appraisal_views.disputes, name="disputes"),
    path("appraisal/disputes/<id:pk>/resolve/", appraisal_views.dispute_resolve, name="dispute_resolve"),
    path("appraisal/fees/", appraisal_views.fees, name="fees"),
    path("appraisal/<ym:month>/compute/", appraisal_views.month_compute, name="month_compute"),
    path("appraisal/<ym:month>/close/", appraisal_views.month_close, name="month_close"),
    path("appraisal/<ym:month>/adjust/", appraisal_views.month_adjust, name="month_adjust"),
    path("appraisal/<ym:month>/people/<id:user_id>/", appraisal_views.person, name="person"),
    path("appraisal/<ym:month>/disputes/", appraisal_views.dispute_new, name="dispute_new"),
    path("appraisal/<ym:month>/export.xlsx", appraisal_views.export_xlsx, name="export_xlsx"),
    path("appraisal/<ym:month>/export.pdf", appraisal_views.export_pdf, name="export_pdf"),
    path("appraisal/<ym:month>/fees.xlsx", appraisal_views.fees_xlsx, name="fees_xlsx"),
]
# -- api --
# -- demo --
