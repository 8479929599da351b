from django.urls import path

from rongmei.portal import staff_views

app_name = "portal_staff"

urlpatterns = [
    path("portal/", staff_views.overview, name="overview"),
    path("portal/rebuild/", staff_views.rebuild, name="rebuild"),
    path("portal/<str:kind>/new/", staff_views.edit, name="new"),
    path("portal/<str:kind>/<id:pk>/", staff_views.edit, name="edit"),
]
