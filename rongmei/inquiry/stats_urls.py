"""网络问政 statistics: the staff table and its Excel export, and the public ranking page on
a center's site (answered by the view: the site middleware finds no static file for it)."""

from django.urls import path

from rongmei.inquiry import stats_views

app_name = "inquiry_stats"

urlpatterns = [
    path("inquiry/stats/", stats_views.stats_page, name="stats"),
    path("inquiry/stats/export.xlsx", stats_views.stats_export, name="export"),
    path("site/<slug:center>/wenzheng/ranking/", stats_views.public_ranking, name="public_ranking"),
]
