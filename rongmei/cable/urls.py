"""Staff screens of 有线网络, all under /cable/."""

from django.urls import path

from rongmei.cable import views

app_name = "cable"

urlpatterns: list = [
    path("cable/", views.subscribers, name="subscribers"),
    path("cable/subscribers/new/", views.subscriber_new, name="subscriber_new"),
    path("cable/subscribers/<id:pk>/", views.subscriber, name="subscriber"),
    path("cable/subscribers/<id:pk>/<slug:action>/", views.subscriber_action, name="subscriber_action"),
    path("cable/transactions/", views.transactions, name="transactions"),
    path("cable/calls/", views.calls, name="calls"),
    path("cable/calls/new/", views.call_new, name="call_new"),
    path("cable/calls/<id:pk>/close/", views.call_close, name="call_close"),
    path("cable/orders/", views.orders, name="orders"),
    path("cable/orders/mine/", views.mine, name="mine"),
    path("cable/orders/<id:pk>/", views.order, name="order"),
    path("cable/orders/<id:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("cable/stats/", views.stats_page, name="stats"),
    path("cable/stats/export.xlsx", views.stats_export, name="stats_export"),
    path("cable/setup/", views.setup, name="setup"),
    path("cable/setup/<slug:action>/", views.setup_action, name="setup_action"),
    path("cable/packages/<id:pk>/toggle/", views.package_toggle, name="package_toggle"),
    path("cable/devices/<id:pk>/status/", views.device_status, name="device_status"),
]
