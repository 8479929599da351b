"""Staff screens of 舆情监测, all under /monitor/. Each part adds its own lines below its
marker (views, sources, topics, alerts, reports)."""

from django.urls import path

app_name = "monitor"

urlpatterns: list = []

# -- views (dashboard, items, hot topics, topic timelines) --
from rongmei.monitor import views

urlpatterns += [
    path("monitor/", views.dashboard, name="dashboard"),
    path("monitor/items/", views.item_list, name="items"),
    path("monitor/items/<id:pk>/", views.item_detail, name="item"),
    path("monitor/hot/", views.hot_list, name="hot_topics"),
    path("monitor/hot/<id:pk>/", views.hot_detail, name="hot_topic"),
    path("monitor/topics/<id:pk>/timeline/", views.topic_timeline, name="topic_timeline"),
]
# -- sources --
from rongmei.monitor import source_views

urlpatterns += [
    path("monitor/sources/", source_views.source_list, name="sources"),
    path("monitor/sources/new/", source_views.source_new, name="source_new"),
    path("monitor/sources/<id:pk>/", source_views.source_detail, name="source"),
    path("monitor/sources/<id:pk>/edit/", source_views.source_edit, name="source_edit"),
    path("monitor/sources/<id:pk>/fetch/", source_views.source_fetch, name="source_fetch"),
    path("monitor/sources/<id:pk>/delete/", source_views.source_delete, name="source_delete"),
]
# -- topics --
from rongmei.monitor import settings_views, topic_views

urlpatterns += [
    path("monitor/topics/", topic_views.topic_list, name="topics"),
    path("monitor/topics/new/", topic_views.topic_new, name="topic_new"),
    path("monitor/topics/try/", topic_views.topic_try, name="topic_try"),
    path("monitor/topics/rematch/", topic_views.topic_rematch, name="topic_rematch"),
    path("monitor/topics/<id:pk>/", topic_views.topic_edit, name="topic_edit"),
    path("monitor/topics/<id:pk>/action/", topic_views.topic_action, name="topic_action"),
    path("monitor/settings/", settings_views.settings_page, name="settings"),
]
# -- alerts --
from rongmei.monitor import alert_views

urlpatterns += [
    path("monitor/alerts/", alert_views.alert_list, name="alerts"),
    path("monitor/alerts/<id:pk>/", alert_views.alert_detail, name="alert"),
    path("monitor/alerts/<id:pk>/action/", alert_views.alert_action, name="alert_action"),
    path("monitor/items/<id:pk>/lead/", alert_views.item_lead, name="item_lead"),
    path("monitor/rules/", alert_views.rule_list, name="rules"),
    path("monitor/rules/new/", alert_views.rule_new, name="rule_new"),
    path("monitor/rules/<id:pk>/", alert_views.rule_edit, name="rule"),
    path("monitor/rules/<id:pk>/delete/", alert_views.rule_delete, name="rule_delete"),
    path("monitor/robots/", alert_views.robot_list, name="robots"),
    path("monitor/robots/new/", alert_views.robot_new, name="robot_new"),
    path("monitor/robots/<id:pk>/", alert_views.robot_edit, name="robot"),
    path("monitor/robots/<id:pk>/action/", alert_views.robot_action, name="robot_action"),
]
# -- reports --
from rongmei.monitor import report_views

urlpatterns += [
    path("monitor/reports/", report_views.report_list, name="reports"),
    path("monitor/reports/new/", report_views.report_generate, name="report_generate"),
    path("monitor/reports/<id:pk>/", report_views.report_detail, name="report"),
    path("monitor/reports/<id:pk>/edit/", report_views.report_edit, name="report_edit"),
    path("monitor/reports/<id:pk>/docx/", report_views.report_docx, name="report_docx"),
    path("monitor/reports/<id:pk>/pdf/", report_views.report_pdf, name="report_pdf"),
    path("monitor/reports/<id:pk>/send/", report_views.report_send, name="report_send"),
]
