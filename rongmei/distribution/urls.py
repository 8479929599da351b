from django.urls import path

from rongmei.distribution import province_views, views, webhook_views

app_name = "distribution"

urlpatterns = [
    path("distribution/", views.matrix, name="matrix"),
    path("distribution/stories/<id:pk>/", views.story_board, name="story"),
    path("distribution/stories/<id:pk>/takedown/", views.takedown, name="takedown"),
    path("distribution/stories/<id:pk>/correct/", views.correct, name="correct"),
    path("distribution/publications/<id:pk>/", views.publication_action, name="publication"),
    path("distribution/publications/<id:pk>/handoff/", views.handoff, name="handoff"),
    path("distribution/handoffs/", views.handoffs, name="handoffs"),
    path("distribution/accounts/new/", views.account_new, name="account_new"),
    path("distribution/accounts/<id:pk>/", views.account_edit, name="account_edit"),
    path("distribution/groups/new/", views.group_new, name="group_new"),
    path("distribution/accounts/<id:pk>/rundown/", views.rundown, name="rundown"),
    path("distribution/wechat/<id:pk>/callback/", views.wechat_callback, name="wechat_callback"),
    path("distribution/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("distribution/webhooks/new/", webhook_views.webhook_new, name="webhook_new"),
    path("distribution/webhooks/<id:pk>/", webhook_views.webhook_detail, name="webhook"),
    path("distribution/webhooks/<id:pk>/action/", webhook_views.webhook_action, name="webhook_action"),
    # -- 17:PV --
    path("distribution/province/<str:key>/callback", province_views.callback, name="province_callback"),
    path("distribution/media/<str:token>/<str:filename>", province_views.video_link, name="video_link"),
    path("distribution/publications/<id:pk>/handoff/<str:what>/", province_views.handoff_media, name="handoff_media"),
]
