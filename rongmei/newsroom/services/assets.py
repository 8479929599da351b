"""Uploading assets: checked by content, location stripped, renditions made, all or nothing."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction

from rongmei.core import search
from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.newsroom import media
from rongmei.newsroom.models import Asset, AssetRendition, Story
from rongmei.newsroom.signals import story_changed

FFPROBE = getattr(settings, "RONGMEI_FFPROBE", "ffprobe")
FFMPEG = getattr(settings, "RONGMEI_FFMPEG", "ffmpeg")


def _limits() -> media.Limits:
    overrides = getattr(settings, "RONGMEI_MEDIA_LIMITS", {})
    return media.Limits(**overrides) if overrides else media.Limits()


@contextmanager
def _local_path(upload):
    """A path on disk for ffprobe: the upload's temporary file, or a copy of it."""
    if hasattr(upload, "temporary_file_path"):
        yield upload.temporary_file_path()
        return
    upload.seek(0)
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(upload.name)[1]) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        yield tmp.name


class _Saved:
    """Files written to storage during one upload, removed again if the upload fails."""

    def __init__(self):
        self.names: list[str] = []

    def save(self, name: str, content) -> str:
        stored = default_storage.save(name, content)
        self.names.append(stored)
        return stored

    def discard(self) -> None:
        for name in self.names:
            try:
                default_storage.delete(name)
            except OSError:
                pass


def upload(*, center: Center, user: User, upload, caption: str = "", credit: str = "") -> Asset:
    """Store one uploaded file as an asset. Invalid files raise ValidationError on `file`
    with the reason; nothing is stored then, neither rows nor files."""
    try:
        info = media.inspect_upload(upload, upload.name, limits=_limits())
    except media.UploadRejected as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    existing = Asset.objects.filter(center=center, sha256=info.sha256).first()
    if existing is not None:
        return existing
    _check_storage_quota(center, info.size)
    saved = _Saved()
    try:
        with transaction.atomic():
            asset = _store(center, user, upload, info, caption.strip(), credit.strip(), saved)
            _index(asset)
            record("asset.upload", actor=user, center=center, obj=asset,
                   after={"kind": asset.kind, "name": asset.original_name, "size": asset.size})
    except Exception:
        saved.discard()
        raise
    return asset


def _check_storage_quota(center: Center, size: int) -> None:
    """Refuse an upload that would take the center past its storage quota
    (`Center.quota_storage_mb`, set by the platform admin; None: no limit)."""
    if center.quota_storage_mb is None:
        return
    from rongmei.newsroom.selectors import storage_bytes

    used = storage_bytes([center.pk])[center.pk]
    limit = center.quota_storage_mb * 1024 * 1024
    if used + size > limit:
        mb = 1024 * 1024
        raise ValidationError({"file": [(
            f"存储空间不足：本中心已用 {used / mb:.1f} MB，这个文件 {size / mb:.1f} MB，"
            f"上限 {center.quota_storage_mb} MB，请联系平台管理员")]})


def _store(center, user, upload, info, caption, credit, saved: _Saved) -> Asset:
    asset = Asset(center=center, kind=info.kind, original_name=info.safe_name, mime=info.mime, size=info.size,
                  sha256=info.sha256, width=info.width, height=info.height, caption=caption, credit=credit,
                  uploaded_by=user)
    base = f"assets/{center.slug}/{info.sha256[:2]}/{info.sha256[:16]}"
    if info.kind == Asset.Kind.IMAGE:
        upload.seek(0)
        original = upload.read()
        embedded_caption, embedded_credit = media.read_caption_credit(original)
        asset.caption = asset.caption or embedded_caption[:300]
        asset.credit = asset.credit or embedded_credit[:100]
        cleaned = media.strip_location(original)
        asset.file.name = saved.save(f"{base}.{info.extension}", ContentFile(cleaned))
        asset.save()
        made = media.make_renditions(cleaned)
        AssetRendition.objects.bulk_create([
            AssetRendition(asset=asset, name=name, width=r.width, height=r.height, mime=r.mime,
                           file=saved.save(f"{base}-{name}.{r.mime.split('/')[-1].replace('jpeg', 'jpg')}", ContentFile(r.data)))
            for name, r in made.items()
        ])
        return asset
    upload.seek(0)
    if info.extension in media.CUT_FORMATS:  # PDF, DOCX, XLSX, PPTX: nothing after their end
        kept = media.without_trailing(upload.read(), info.extension)
        asset.size = len(kept)
        asset.file.name = saved.save(f"{base}.{info.extension}", ContentFile(kept))
    else:
        asset.file.name = saved.save(f"{base}.{info.extension}", File(upload))
    if info.kind in (Asset.Kind.AUDIO, Asset.Kind.VIDEO):
        with _local_path(upload) as path:
            av = media.probe_av(path, ffprobe=FFPROBE, ffmpeg=FFMPEG)
            asset.duration = av.duration
            asset.width = asset.width or av.width
            asset.height = asset.height or av.height
            asset.processing_note = av.missing or av.error or ""
            if info.kind == Asset.Kind.VIDEO and not av.missing and not av.error:
                poster = media.poster_frame(path, ffmpeg=FFMPEG, ffprobe=FFPROBE)
                if poster:
                    asset.poster.name = saved.save(f"{base}-poster.jpg", ContentFile(poster))
    asset.save()
    return asset


def _index(asset: Asset) -> None:
    search.index(asset.center, "asset", asset.pk, title=asset.caption or asset.original_name,
                 body=" ".join(filter(None, [asset.caption, asset.credit, asset.original_name])),
                 status=asset.kind, author_ids=[asset.uploaded_by_id], date=asset.created_at, url=f"/assets/{asset.pk}/")


@transaction.atomic
def update(*, asset: Asset, user: User, caption: str, credit: str) -> Asset:
    before = {"caption": asset.caption, "credit": asset.credit}
    asset.caption, asset.credit = caption.strip(), credit.strip()
    asset.save(update_fields=["caption", "credit"])
    _index(asset)
    record("asset.update", actor=user, center=asset.center, obj=asset, before=before,
           after={"caption": asset.caption, "credit": asset.credit})
    if before != {"caption": asset.caption, "credit": asset.credit}:
        # a caption and a credit are published words: every piece showing this picture changed
        for story in Story.objects.filter(story_assets__asset=asset).distinct():
            story_changed.send(sender=Asset, story=story, user=user, what="asset")
    return asset
