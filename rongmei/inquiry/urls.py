from django.urls import path

from rongmei.inquiry import views

app_name = "inquiry"

urlpatterns = [
    path("inquiry/", views.queue, name="queue"),
    path("inquiry/mine/", views.mine, name="mine"),
    path("inquiry/settings/", views.settings_page, name="settings"),
    path("inquiry/cases/<int:pk>/", views.case_page, name="case"),
    path("inquiry/cases/<int:pk>/action/", views.case_action, name="action"),
]
