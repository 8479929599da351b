"""Links to a story's signed video and its cover, for those outside the newsroom who need
the file itself: the province's platform (a signed link that expires, no login) and the
person posting by hand to 视频号 (the handoff page's download, behind a login).

Why links of our own and not /media/: the video versions are not assets (they have no
public rule in newsroom's media access), and the province must be able to fetch them
without an account. A link names the publication, which file and the first 16 hex digits
of the file's sha256; it opens only while that publication is out (a takedown closes it),
only for that exact file (a new video after a correction needs the new link, sent with the
correction) and only for `RONGMEI_PROVINCE_LINK_DAYS` days (7 by default)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404
from django.urls import reverse

_SALT = "rongmei.distribution.video_link"
WHATS = ("video", "cover")
SHAPES = ("vertical", "horizontal")
NOT_FOUND = "链接无效或已过期，或这篇稿件已撤下。"


def link_days() -> int:
    return int(getattr(settings, "RONGMEI_PROVINCE_LINK_DAYS", 7))


def video_file(story, shape: str = "vertical"):
    """The story's signed video of `shape` (newsroom's selector), None when there is none."""
    try:
        from rongmei.newsroom.selectors import video_file as find
    except ImportError:  # the video versions are not installed
        return None
    return find(story, shape)


def signed_link(publication, what: str, shape: str, vf) -> str:
    """An absolute, expiring link to `what` ("video"/"cover") of the publication's story."""
    token = signing.dumps({"p": publication.pk, "w": what, "s": shape, "h": vf.sha256[:16]}, salt=_SALT)
    suffix = "mp4" if what == "video" else "jpg"
    path = reverse("distribution:video_link", kwargs={"token": token, "filename": f"{what}.{suffix}"})
    return f"{settings.RONGMEI_BASE_URL}{path}"


def media_links(publication) -> tuple:
    """The MediaLink renditions of the publication's story: each signed video with its cover."""
    from rongmei.distribution.formatters.province import MediaLink

    links = []
    for shape, name in (("vertical", "short_video"), ("horizontal", "video_horizontal")):
        vf = video_file(publication.story, shape)
        if vf is None:
            continue
        links.append(MediaLink(name=name, href=signed_link(publication, "video", shape, vf), content_type=vf.mime,
                               width=vf.width, height=vf.height, duration=vf.duration, size=vf.size,
                               title=("竖版短视频" if shape == "vertical" else "横版视频"), video_codec="h264"))
        if getattr(vf, "cover_name", ""):
            links.append(MediaLink(name=f"{name}_cover", href=signed_link(publication, "cover", shape, vf),
                                   content_type="image/jpeg", width=vf.width, height=vf.height,
                                   title="视频封面"))
    return tuple(links)


def _stream(vf, what: str, filename: str) -> FileResponse:
    handle = vf.open() if what == "video" else vf.open_cover()
    if handle is None:
        raise Http404(NOT_FOUND)
    response = FileResponse(handle, content_type=vf.mime if what == "video" else "image/jpeg")
    if what == "video" and vf.size:
        response["Content-Length"] = str(vf.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def serve_signed(request, token: str, filename: str):
    """GET /distribution/media/<token>/<filename>: the file a signed link names."""
    from rongmei.distribution.models import Publication
    from rongmei.distribution.selectors import MEDIA_PUBLIC

    if request.method not in ("GET", "HEAD"):
        raise Http404(NOT_FOUND)
    try:
        data = signing.loads(token, salt=_SALT, max_age=link_days() * 86400)
    except signing.BadSignature:
        raise Http404(NOT_FOUND) from None
    if not isinstance(data, dict) or data.get("w") not in WHATS or data.get("s") not in SHAPES:
        raise Http404(NOT_FOUND)
    publication = Publication.objects.filter(pk=data.get("p"), status__in=MEDIA_PUBLIC).select_related("story").first()
    if publication is None:
        raise Http404(NOT_FOUND)
    vf = video_file(publication.story, data["s"])
    if vf is None or vf.sha256[:16] != data.get("h"):
        raise Http404(NOT_FOUND)
    return _stream(vf, data["w"], filename)


def serve_handoff(request, pk: int, what: str):
    """The 视频号 package's download: the video (or cover) for the person posting by hand,
    checked like the package page itself (the account's responsible person or an operator)."""
    from django.core.exceptions import PermissionDenied

    from rongmei.core.tenancy import get_scoped_or_404
    from rongmei.distribution import services
    from rongmei.distribution.models import Publication

    if not request.user.is_authenticated or request.center is None:
        raise PermissionDenied("请先登录。")
    publication = get_scoped_or_404(Publication, request.center, pk=pk)
    if not services.may_confirm(request.user, publication):
        raise PermissionDenied("只有该账号的负责人或运营人员可以下载代发内容。")
    if what not in WHATS:
        raise Http404(NOT_FOUND)
    vf = video_file(publication.story, "vertical")
    if vf is None:
        raise Http404("这篇稿件还没有审核通过的竖版视频。")
    return _stream(vf, what, f"{what}-{publication.story_id}.{'mp4' if what == 'video' else 'jpg'}")
