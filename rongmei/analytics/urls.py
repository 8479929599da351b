"""Staff screens of 传播效果, all under /analytics/. Each part adds its own lines below its marker."""

from django.urls import path  # noqa: F401

app_name = "analytics"

urlpatterns: list = []

# -- fetch --
# -- imports --
from rongmei.analytics import import_views, settings_views

urlpatterns += [
    path("analytics/imports/", import_views.import_list, name="imports"),
    path("analytics/imports/upload/", import_views.import_upload, name="import_upload"),
    path("analytics/imports/<id:pk>/", import_views.import_detail, name="import"),
    path("analytics/imports/<id:pk>/run/", import_views.import_run, name="import_run"),
    path("analytics/imports/template/<str:kind>.<str:fmt>", import_views.import_template, name="import_template"),
    path("analytics/settings/", settings_views.settings_page, name="settings"),
]
# -- dashboards --
from rongmei.analytics import views as dashboard_views

urlpatterns += [
    path("analytics/", dashboard_views.overview, name="overview"),
    path("analytics/export.xlsx", dashboard_views.overview_export, name="overview_export"),
    path("analytics/stories/<id:pk>/", dashboard_views.story, name="story"),
    path("analytics/stories/<id:pk>/export.xlsx", dashboard_views.story_export, name="story_export"),
    path("analytics/accounts/", dashboard_views.accounts, name="accounts"),
    path("analytics/accounts/export.xlsx", dashboard_views.accounts_export, name="accounts_export"),
    path("analytics/screen/", dashboard_views.screen, name="screen"),
    path("analytics/screen/data.json", dashboard_views.screen_data, name="screen_data"),
]
# -- api --
# -- demo --
