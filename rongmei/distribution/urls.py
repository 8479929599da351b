from django.urls import path

from rongmei.distribution import views

app_name = "distribution"

urlpatterns = [
    path("distribution/", views.matrix, name="matrix"),
    path("distribution/stories/<int:pk>/", views.story_board, name="story"),
    path("distribution/stories/<int:pk>/takedown/", views.takedown, name="takedown"),
    path("distribution/publications/<int:pk>/", views.publication_action, name="publication"),
]
