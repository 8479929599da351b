from django.contrib import admin
from django.urls import include, path

from rongmei.api import api
from rongmei.core import views as core_views

admin.site.site_header = "融媒 Rongmei 系统后台"
admin.site.site_title = "融媒系统后台"
admin.site.index_title = "平台管理"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api.urls),
    path("djadmin/", admin.site.urls),
    path("", include("rongmei.newsroom.urls")),
    path("", include("rongmei.planning.urls")),
    path("", include("rongmei.core.urls")),
]

handler403 = "rongmei.core.views.error_403"
