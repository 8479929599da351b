from django.urls import path, re_path

from rongmei.portal import views

app_name = "portal"

SITE = r"^site/(?P<center>[a-z][a-z0-9-]*)/"

urlpatterns = [
    path("site/<slug:center>/", views.home, name="home"),
    path("site/<slug:center>/columns/<slug:slug>/", views.column, name="column"),
    re_path(SITE + r"columns/(?P<column>[-a-zA-Z0-9_]+)/(?P<kind>feed|atom)\.xml$", views.feed, name="column_feed"),
    path("site/<slug:center>/news/<id:pk>/", views.article, name="article"),
    path("site/<slug:center>/features/", views.features, name="features"),
    path("site/<slug:center>/features/<slug:slug>/", views.feature, name="feature"),
    path("site/<slug:center>/live/", views.live, name="live"),
    path("site/<slug:center>/services/", views.services, name="services"),
    path("site/<slug:center>/services/<slug:slug>/", views.service, name="service"),
    path("site/<slug:center>/search/", views.search, name="search"),
    path("site/<slug:center>/sitemap.xml", views.sitemap, name="sitemap"),
    re_path(SITE + r"(?P<kind>feed|atom)\.xml$", views.feed, name="feed"),
]
