"""网络问政 for citizens on the public site: /site/<slug>/wenzheng/… (dynamic views)."""

from django.urls import path

from rongmei.inquiry import public_views as views

app_name = "inquiry_public"

urlpatterns = [
    path("site/<slug:center>/wenzheng/", views.index, name="index"),
    path("site/<slug:center>/wenzheng/ask/", views.ask, name="ask"),
    path("site/<slug:center>/wenzheng/track/", views.track, name="track"),
    path("site/<slug:center>/wenzheng/cases/<id:pk>/", views.case_detail, name="case"),
]
