from django.urls import path

from rongmei.core import notify_views, views  # notify_views: -- 17:NU --

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.RongmeiLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("centers/switch/", views.switch_center, name="switch_center"),
    path("org/", views.org, name="org"),
    path("org/departments/<id:pk>/", views.department_detail, name="department"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<id:pk>/", views.person_detail, name="person"),
    path("people/<id:pk>/active/", views.person_set_active, name="person_set_active"),
    path("people/<id:pk>/requests/<id:change_id>/approve/", views.person_change_decide, {"decision": "approve"},
         name="person_change_approve"),
    path("people/<id:pk>/requests/<id:change_id>/refuse/", views.person_change_decide, {"decision": "refuse"},
         name="person_change_refuse"),
    path("audit/", views.audit, name="audit"),
    path("audit/<id:pk>/", views.audit_detail, name="audit_detail"),
    path("account/tokens/", views.tokens, name="tokens"),
    path("account/tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("account/password/", views.password_change, name="password"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("notifications/<id:pk>/", views.notification_open, name="notification_open"),
    # -- 17:NU --
    path("account/notifications/", notify_views.my_settings, name="notify_settings"),
    path("account/notifications/test/", notify_views.my_test, name="notify_test"),
    path("notify/channels/", notify_views.channel_list, name="notify_channels"),
    path("notify/channels/new/", notify_views.channel_new, name="notify_channel_new"),
    path("notify/channels/<id:pk>/", notify_views.channel_edit, name="notify_channel"),
    path("notify/channels/<id:pk>/action/", notify_views.channel_action, name="notify_channel_action"),
    path("notify/people/", notify_views.bindings, name="notify_bindings"),
    path("notify/deliveries/", notify_views.delivery_log, name="notify_deliveries"),
    path("notify/deliveries/<id:pk>/action/", notify_views.delivery_action, name="notify_delivery_action"),
]
