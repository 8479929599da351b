"""Staff screens of the sharing app, all under /sharing/."""

from django.urls import path

from rongmei.sharing import views

app_name = "sharing"

urlpatterns: list = [
    path("sharing/", views.inbox, name="inbox"),
    path("sharing/received/<id:pk>/", views.received, name="received"),
    path("sharing/received/<id:pk>/<slug:action>/", views.received_action, name="received_action"),
    path("sharing/submissions/<id:pk>/", views.incoming, name="incoming"),
    path("sharing/submissions/<id:pk>/<slug:action>/", views.incoming_action, name="incoming_action"),
    path("sharing/sent/", views.sent, name="sent"),
    path("sharing/pushes/<id:pk>/", views.push_detail, name="push"),
    path("sharing/push/", views.push_new, name="push_new"),
    path("sharing/submit/", views.submit, name="submit"),
]
