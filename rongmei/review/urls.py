from django.urls import path

from rongmei.review import review_views, views

app_name = "review"

urlpatterns = [
    path("review/", review_views.inbox_view, name="inbox"),
    path("review/<id:pk>/", review_views.review_detail, name="review"),
    path("review/<id:pk>/edit/", review_views.edit_and_approve, name="edit"),
    path("review/workflows/", review_views.workflows, name="workflows"),
    path("review/workflows/<id:pk>/", review_views.workflow_edit, name="workflow"),
    path("review/stats/", review_views.stats, name="stats"),
    path("review/ledger/", review_views.ledger_view, name="ledger"),
    path("review/lists/", views.lists, name="lists"),
    path("review/lists/<str:kind>/export/", views.export, name="export"),
    path("stories/<id:pk>/checks/", views.story_checks, name="story_checks"),
    path("stories/<id:pk>/checks/links/", views.story_link_check, name="story_link_check"),
    path("stories/<id:pk>/submit/", review_views.submit, name="submit"),
]
