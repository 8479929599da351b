from django.urls import path

from rongmei.inquiry import sms_views, views

app_name = "inquiry"

urlpatterns = [
    path("inquiry/", views.queue, name="queue"),
    path("inquiry/mine/", views.mine, name="mine"),
    path("inquiry/settings/", views.settings_page, name="settings"),
    path("inquiry/cases/<id:pk>/", views.case_page, name="case"),
    path("inquiry/cases/<id:pk>/action/", views.case_action, name="action"),
    path("inquiry/cases/<id:pk>/contact/", views.case_contact, name="contact"),
    # -- 17:SM --
    path("inquiry/settings/sms/", sms_views.sms_settings, name="sms_settings"),
    path("inquiry/settings/sms/templates/<id:pk>/", sms_views.sms_template, name="sms_template"),
]
