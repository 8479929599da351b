"""Staff screens of the province app, all under /province/."""

from django.urls import path

from rongmei.province import views

app_name = "province"

urlpatterns: list = [
    path("province/centers/", views.centers, name="centers"),
    path("province/centers/new/", views.center_new, name="center_new"),
    path("province/centers/<id:pk>/", views.center, name="center"),
    path("province/centers/<id:pk>/<slug:action>/", views.center_action, name="center_action"),
    path("province/platform-stats/", views.platform_stats, name="platform_stats"),
    path("province/platform-stats/export.xlsx", views.platform_stats_export, name="platform_stats_export"),
    path("province/ranking/", views.ranking, name="ranking"),
    path("province/ranking/export.xlsx", views.ranking_export, name="ranking_export"),
]
