from django.urls import path

from rongmei.newsroom import views

app_name = "newsroom"

urlpatterns = [
    path("stories/", views.story_list, name="stories"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
    path("stories/<int:pk>/edit/", views.story_edit, name="story_edit"),
    path("stories/<int:pk>/presence/", views.story_presence, name="presence"),
    path("stories/<int:pk>/status/", views.story_status, name="story_status"),
    path("stories/<int:pk>/revisions/", views.story_revisions, name="revisions"),
    path("stories/<int:pk>/conflict/<int:number>/", views.story_conflict, name="conflict"),
    path("stories/<int:pk>/renditions/generate/", views.renditions_generate, name="renditions_generate"),
    path("stories/<int:pk>/renditions/<str:channel>/", views.rendition_edit, name="rendition"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/<int:pk>/", views.asset_detail, name="asset"),
    path("assets/upload/", views.asset_upload_inline, name="asset_upload"),
    path("assets/picker/", views.asset_picker, name="asset_picker"),
    path("search/", views.search_page, name="search"),
]
