"""Staff screens of 活动运营, all under /events/."""

from django.urls import path

from rongmei.events import views

app_name = "events"

urlpatterns: list = [
    path("events/", views.event_list, name="list"),
    path("events/calendar/", views.calendar, name="calendar"),
    path("events/new/", views.event_new, name="new"),
    path("events/<id:pk>/", views.event_detail, name="event"),
    path("events/<id:pk>/edit/", views.event_edit, name="edit"),
    path("events/<id:pk>/budget/", views.budget, name="budget"),
    path("events/<id:pk>/budget.xlsx", views.budget_xlsx, name="budget_xlsx"),
    path("events/<id:pk>/tasks/", views.tasks, name="tasks"),
    path("events/<id:pk>/documents/", views.documents, name="documents"),
    path("events/<id:pk>/coverage/", views.coverage, name="coverage"),
    path("events/tasks/<id:pk>/status/", views.task_status, name="task_status"),
]
