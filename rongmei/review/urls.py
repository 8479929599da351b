from django.urls import path

from rongmei.review import views

app_name = "review"

urlpatterns = [
    path("review/lists/", views.lists, name="lists"),
    path("review/lists/<str:kind>/export/", views.export, name="export"),
    path("stories/<int:pk>/checks/", views.story_checks, name="story_checks"),
]
