"""Staff screens of 广告经营, all under /ads/."""

from django.urls import path

from rongmei.ads import views

app_name = "ads"

urlpatterns: list = [
    path("ads/", views.bookings, name="bookings"),
    path("ads/bookings/<id:pk>/", views.booking, name="booking"),
    path("ads/bookings/<id:pk>/content/", views.booking_content, name="booking_content"),
    path("ads/bookings/<id:pk>/approve/", views.booking_approve, name="booking_approve"),
    path("ads/bookings/<id:pk>/return/", views.booking_return, name="booking_return"),
    path("ads/bookings/<id:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("ads/bookings/<id:pk>/proofs/", views.proof_add, name="proof_add"),
    path("ads/review/", views.review, name="review"),
    path("ads/proofs/", views.proofs, name="proofs"),
    path("ads/slots/", views.slots, name="slots"),
    path("ads/slots/new/", views.slot_new, name="slot_new"),
    path("ads/slots/<id:pk>/", views.slot_edit, name="slot"),
    path("ads/clients/", views.clients, name="clients"),
    path("ads/clients/new/", views.client_new, name="client_new"),
    path("ads/clients/<id:pk>/", views.client_edit, name="client"),
    path("ads/contracts/", views.contracts, name="contracts"),
    path("ads/contracts/new/", views.contract_new, name="contract_new"),
    path("ads/contracts/<id:pk>/", views.contract, name="contract"),
    path("ads/contracts/<id:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("ads/contracts/<id:pk>/status/", views.contract_status, name="contract_status"),
    path("ads/contracts/<id:pk>/files/", views.contract_file, name="contract_file"),
    path("ads/contracts/<id:pk>/payments/", views.payment_add, name="payment_add"),
    path("ads/contracts/<id:pk>/book/", views.booking_new, name="booking_new"),
    path("ads/payments/", views.payments, name="payments"),
    path("ads/calendar/", views.calendar, name="calendar"),
    path("ads/revenue/", views.revenue, name="revenue"),
    path("ads/revenue/<id:year>.xlsx", views.revenue_xlsx, name="revenue_xlsx"),
]
