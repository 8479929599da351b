from django.urls import path

from rongmei.newsroom import column_views, video_views, views

app_name = "newsroom"

urlpatterns = [
    path("stories/", views.story_list, name="stories"),
    path("stories/new/", views.story_create, name="story_create"),
    path("stories/<id:pk>/", views.story_detail, name="story"),
    path("stories/<id:pk>/edit/", views.story_edit, name="story_edit"),
    path("stories/<id:pk>/presence/", views.story_presence, name="presence"),
    path("stories/<id:pk>/status/", views.story_status, name="story_status"),
    path("stories/<id:pk>/revisions/", views.story_revisions, name="revisions"),
    path("stories/<id:pk>/conflict/<id:number>/", views.story_conflict, name="conflict"),
    path("stories/<id:pk>/renditions/generate/", views.renditions_generate, name="renditions_generate"),
    path("stories/<id:pk>/renditions/regenerate/", views.renditions_confirm, name="renditions_confirm"),
    path("stories/<id:pk>/renditions/<str:channel>/", views.rendition_edit, name="rendition"),
    path("columns/", column_views.columns, name="columns"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/<id:pk>/", views.asset_detail, name="asset"),
    path("assets/upload/", views.asset_upload_inline, name="asset_upload"),
    path("assets/picker/", views.asset_picker, name="asset_picker"),
    path("search/", views.search_page, name="search"),
    # -- 17:VJ -- 视频版本
    path("stories/<id:pk>/videos/", video_views.video_jobs, name="video_jobs"),
    path("stories/<id:pk>/videos/subtitles/", video_views.video_starter, name="video_starter"),
    path("stories/<id:pk>/videos/<id:job>/", video_views.video_job, name="video_job"),
    path("stories/<id:pk>/videos/<id:job>/progress/", video_views.video_progress, name="video_progress"),
    path("stories/<id:pk>/videos/<id:job>/cancel/", video_views.video_cancel, name="video_cancel"),
    path("stories/<id:pk>/videos/<id:job>/retry/", video_views.video_retry, name="video_retry"),
    path("stories/<id:pk>/videos/<id:job>/cover/", video_views.video_cover, name="video_cover"),
    path("stories/<id:pk>/videos/<id:job>/cover/preview/", video_views.video_cover_preview, name="video_cover_preview"),
    path("stories/<id:pk>/videos/<id:job>/frame/", video_views.video_frame, name="video_frame"),
]
