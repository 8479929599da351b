"""Default cover pictures: one per column and one for the center, for pieces without a
picture of their own (a text-only 通告 going to WeChat, which refuses an article without a
cover). `newsroom.selectors.cover_source` resolves them; why they are outside the sign-off
hash is said there."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from rongmei.core.models import Center, User
from rongmei.core.services import record
from rongmei.newsroom.models import Asset, CenterDefaults, Column


def _image(center: Center, asset_id: int | None) -> Asset | None:
    if asset_id is None:
        return None
    asset = Asset.objects.filter(center=center, pk=asset_id).first()
    if asset is None:
        raise ValidationError("这张图片不存在或不属于本中心。")
    if asset.kind != Asset.Kind.IMAGE:
        raise ValidationError(f"“{asset}”不是图片，默认封面只能用图片。")
    if asset.rendition("wechat_cover") is None:
        raise ValidationError(f"“{asset}”还没有 2.35:1 的微信封面裁切，不能作默认封面：请换一张图片。")
    return asset


@transaction.atomic
def set_column_cover(*, column: Column, user: User, asset_id: int | None) -> Column:
    """The column's default cover (None clears it)."""
    column = Column.objects.select_for_update().get(pk=column.pk)
    asset = _image(column.center, asset_id)
    before = column.default_cover_id
    Column.objects.filter(pk=column.pk).update(default_cover=asset)
    column.default_cover = asset
    record("column.default_cover", actor=user, center=column.center, obj=column,
           before={"cover": before}, after={"cover": asset.pk if asset else None, "column": column.name})
    return column


@transaction.atomic
def set_center_cover(*, center: Center, user: User, asset_id: int | None) -> CenterDefaults:
    """The center's default cover, used when neither the story nor its column has one."""
    asset = _image(center, asset_id)
    defaults, _ = CenterDefaults.objects.select_for_update().get_or_create(center=center)
    before = defaults.default_cover_id
    defaults.default_cover = asset
    defaults.save()
    record("center.default_cover", actor=user, center=center, obj=defaults,
           before={"cover": before}, after={"cover": asset.pk if asset else None})
    return defaults


# -- 17:VJ -- the center's logo (台标), overlaid on its video versions when the editor asks
LOGO_POSITIONS = ("top_left", "top_right", "bottom_left", "bottom_right")


@transaction.atomic
def set_center_logo(*, center: Center, user: User, asset_id: int | None, position: str) -> CenterDefaults:
    """The center's logo (an image of its library; None clears it) and its corner. Videos
    already made keep the logo they were made with: only new video versions use the change."""
    if position not in LOGO_POSITIONS:
        raise ValidationError("请选择台标位置：左上角、右上角、左下角或右下角。")
    asset = None
    if asset_id is not None:
        asset = Asset.objects.filter(center=center, pk=asset_id, kind=Asset.Kind.IMAGE).first()
        if asset is None:
            raise ValidationError("台标只能用本中心素材库里的图片。")
    defaults, _ = CenterDefaults.objects.select_for_update().get_or_create(center=center)
    before = {"logo": defaults.logo_id, "position": defaults.logo_position}
    defaults.logo, defaults.logo_position = asset, position
    defaults.save()
    record("center.logo", actor=user, center=center, obj=defaults, before=before,
           after={"logo": asset.pk if asset else None, "position": position})
    return defaults
