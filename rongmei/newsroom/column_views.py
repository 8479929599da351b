"""栏目与默认封面: each column's default cover and the center's, for pieces without a
picture of their own (people with "newsroom.manage_columns")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from rongmei.core.ids import parse_id
from rongmei.core.tenancy import get_scoped_or_404, scoped
from rongmei.core.views import require_perm
from rongmei.newsroom import selectors
from rongmei.newsroom.models import Asset, Column
from rongmei.newsroom.services import covers


@require_perm("newsroom.manage_columns")
def columns(request):
    if request.method == "POST":
        raw = request.POST.get("asset", "")
        asset_id = parse_id(raw) if raw else None
        target = request.POST.get("target", "")
        try:
            if raw and asset_id is None:
                raise ValidationError("请从列表中选择一张图片。")
            if target == "logo":  # -- 17:VJ -- the center's logo for video versions
                covers.set_center_logo(center=request.center, user=request.user, asset_id=asset_id,
                                       position=request.POST.get("position", ""))
                name = "中心台标"
            elif target == "center":
                covers.set_center_cover(center=request.center, user=request.user, asset_id=asset_id)
                name = "中心默认封面"
            else:
                column = get_scoped_or_404(Column, request.center, pk=parse_id(target) or 0)
                covers.set_column_cover(column=column, user=request.user, asset_id=asset_id)
                name = f"栏目“{column.name}”的默认封面"
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"{name}已{'设置' if asset_id else '清除'}。")
        return redirect("newsroom:columns")
    images = (scoped(Asset, request.center).filter(kind=Asset.Kind.IMAGE, renditions__name="wechat_cover")
              .prefetch_related("renditions").order_by("-created_at", "-id"))
    return render(request, "newsroom/columns.html", {
        "columns": scoped(Column, request.center).select_related("default_cover").prefetch_related("default_cover__renditions"),
        "defaults": selectors.center_defaults(request.center), "images": list(images),
        # -- 17:VJ -- any image may be the logo (a transparent PNG is best); positions to choose
        "logo_images": list(scoped(Asset, request.center).filter(kind=Asset.Kind.IMAGE).order_by("-created_at", "-id")[:300]),
        "logo_positions": covers_positions(),
    })


def covers_positions() -> list[tuple[str, str]]:  # -- 17:VJ --
    from rongmei.newsroom.models import CenterDefaults

    return list(CenterDefaults._meta.get_field("logo_position").choices)
