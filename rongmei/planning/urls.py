from django.urls import path

from rongmei.planning import views

app_name = "planning"

urlpatterns = [
    path("planning/", views.board, name="board"),
    path("planning/screen/", views.screen, name="screen"),
    path("planning/calendar/", views.calendar, name="calendar"),
    path("planning/leads/", views.leads, name="leads"),
    path("planning/leads/<id:pk>/contact/", views.lead_contact, name="lead_contact"),
    path("planning/leads/<id:pk>/dismiss/", views.lead_dismiss, name="lead_dismiss"),
    path("planning/leads/<id:pk>/topic/", views.lead_to_topic, name="lead_to_topic"),
    path("planning/topics/", views.topics, name="topics"),
    path("planning/topics/<id:pk>/", views.topic_detail, name="topic"),
    path("planning/plans/new/", views.plan_create, name="plan_create"),
    path("planning/mine/", views.my_assignments, name="mine"),
    path("planning/assignments/<id:pk>/", views.assignment_detail, name="assignment"),
    path("planning/duty/", views.duty, name="duty"),
    path("planning/duty/shifts/<id:pk>/remove/", views.duty_remove, name="duty_remove"),
    path("planning/duty/shifts/<id:pk>/swap/", views.duty_swap, name="duty_swap"),
    path("planning/duty/swaps/<id:pk>/", views.duty_swap_decide, name="duty_swap_decide"),
]
