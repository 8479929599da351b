"""The real URLs plus one view that fails, to see the 500 page a person would see."""

from django.urls import path

from rongmei.urls import handler403, urlpatterns as real_patterns  # noqa: F401


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [path("broken/", broken), *real_patterns]
