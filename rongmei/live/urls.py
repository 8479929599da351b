"""Staff screens of 直播制作, all under /live/."""

from django.urls import path

from rongmei.live import views

app_name = "live"

urlpatterns: list = [
    path("live/", views.production_list, name="list"),
    path("live/new/", views.production_new, name="new"),
    path("live/stats/", views.stats, name="stats"),
    path("live/stats/<id:year>.xlsx", views.stats_xlsx, name="stats_xlsx"),
    path("live/equipment/", views.equipment_list, name="equipment"),
    path("live/equipment/<id:pk>/", views.equipment_edit, name="equipment_edit"),
    path("live/settings/", views.stream_settings, name="settings"),
    path("live/<id:pk>/", views.production_detail, name="detail"),
    path("live/<id:pk>/edit/", views.production_edit, name="edit"),
    path("live/<id:pk>/crew/", views.crew_add, name="crew_add"),
    path("live/<id:pk>/crew/<id:crew_id>/remove/", views.crew_remove, name="crew_remove"),
    path("live/<id:pk>/equipment/", views.equipment_add, name="equipment_add"),
    path("live/<id:pk>/equipment/<id:item_id>/remove/", views.equipment_remove, name="equipment_remove"),
    path("live/<id:pk>/segments/", views.segment_add, name="segment_add"),
    path("live/<id:pk>/segments/<id:segment_id>/remove/", views.segment_remove, name="segment_remove"),
    path("live/<id:pk>/checks/", views.check_add, name="check_add"),
    path("live/<id:pk>/checks/<id:item_id>/", views.check_tick, name="check_tick"),
    path("live/<id:pk>/replay/", views.replay, name="replay"),
    path("live/<id:pk>/<slug:action>/", views.transition, name="transition"),
]
