from django.contrib import admin
from django.urls import include, path, re_path

from rongmei.api import api
from rongmei.core import media as core_media
from rongmei.core import views as core_views
from rongmei.portal.api import public_api

admin.site.site_header = "融媒 Rongmei 系统后台"
admin.site.site_title = "融媒系统后台"
admin.site.index_title = "平台管理"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("api/public/v1/", public_api.urls),  # before api/: the public read API and the read beacon
    path("api/", api.urls),
    path("djadmin/", admin.site.urls),
    path("open311/v2/", include("rongmei.inquiry.open311_urls")),
    path("", include("rongmei.inquiry.public_urls")),
    path("", include("rongmei.inquiry.stats_urls")),
    path("", include("rongmei.inquiry.urls")),
    path("", include("rongmei.monitor.urls")),
    path("", include("rongmei.analytics.urls")),
    path("", include("rongmei.appraisal.urls")),
    path("", include("rongmei.ads.urls")),
    path("", include("rongmei.events.urls")),
    path("", include("rongmei.live.urls")),
    path("", include("rongmei.cable.urls")),
    path("", include("rongmei.province.urls")),
    path("", include("rongmei.sharing.urls")),
    path("", include("rongmei.portal.urls")),
    path("", include("rongmei.portal.staff_urls")),
    path("", include("rongmei.newsroom.urls")),
    path("", include("rongmei.planning.urls")),
    path("", include("rongmei.review.urls")),
    path("", include("rongmei.distribution.urls")),
    path("", include("rongmei.core.urls")),
]

# Uploads: checked (rongmei.core.media) before they are sent; embedded mode sends them from
# here, behind nginx (RONGMEI_SERVE_MEDIA=0) the answer is an X-Accel-Redirect.
urlpatterns.insert(0, re_path(r"^media/(?P<path>.*)$", core_media.serve, name="media"))

handler403 = "rongmei.core.views.error_403"
