"""County stories as `PublishItem`s for the formatter tests, each made in one line.

`flood_item()` is a news story with a kicker, subheadline, a subhead, a quotation, a list
and two pictures (one placed in the body); `video_item()` a short video with no text;
`photo_item()` one picture. Pass keyword arguments to change any field; `with_files()`
gives the pictures local originals in a folder.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rongmei.distribution.formatters.types import ChannelCopy, PublishImage, PublishItem, PublishMedia
from rongmei.newsroom.generators.types import BylineInput

CENTER = "示例县融媒体中心"
BEIJING = timezone(timedelta(hours=8))
CREATED = datetime(2024, 7, 3, 6, 40, tzinfo=BEIJING)
UPDATED = datetime(2024, 7, 3, 9, 15, 30, tzinfo=BEIJING)
PUBLISHED = datetime(2024, 7, 3, 9, 30, tzinfo=BEIJING)

FLOOD_BODY = """
<p>本报讯（记者 王磊 通讯员 张晓燕）7月3日凌晨，示例县普降暴雨，城关镇、青山镇最大小时降雨量达68.5毫米。</p>
<p>“以前下这么大的雨，门口的水能没过膝盖，今年明显好多了。”沿街商户刘桂芳说。</p>
<h2>排水管网改造见成效</h2>
<p>今年以来，县住建局完成城区老旧排水管网改造<strong>12.6公里</strong>，易涝点由23处减少到6处。</p>
<img src="https://media.example.cn/2024/07/flood-2.jpg" alt="">
<blockquote>县住建局局长陈建国表示：“我们将对剩余6处易涝点逐一制定方案。”</blockquote>
<ol><li>遇积水及时拨打12345热线；</li><li>关注县气象局预报。</li></ol>
"""

PICTURES = (
    PublishImage(
        url="https://media.example.cn/2024/07/flood-1.jpg",
        caption="7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。",
        credit="李娜",
        width=1080,
        height=720,
    ),
    PublishImage(
        url="https://media.example.cn/2024/07/flood-2.jpg",
        caption="改造后的青山镇排水泵站。",
        credit="李娜 摄",
        width=1080,
        height=720,
        mime="image/png",
    ),
)


def flood_item(**changes: Any) -> PublishItem:
    item = PublishItem(
        guid="urn:rongmei:demo:story:42",
        version=3,
        center_name=CENTER,
        center_slug="demo",
        headline="示例县迎战入汛以来最强降雨 城区积水点半小时内消退",
        kicker="闻“汛”而动 连夜排涝",
        subheadline="今年改造老旧排水管网12.6公里，易涝点由23处减至6处",
        summary="7月3日凌晨示例县普降暴雨，城区积水点半小时内基本消退。",
        body_html=FLOOD_BODY,
        bylines=(
            BylineInput("王磊", "记者"),
            BylineInput("张晓燕", "通讯员"),
            BylineInput("李娜", "摄影"),
            BylineInput("赵敏", "编辑"),
        ),
        column="民生关注",
        tags=("防汛", "排水管网"),
        location="示例县城关镇",
        url="https://www.example.cn/news/42/",
        images=PICTURES,
        created=CREATED,
        updated=UPDATED,
        published=PUBLISHED,
        estimated_seconds=95,
    )
    return replace(item, **changes)


def with_files(item: PublishItem, folder: Path) -> PublishItem:
    """`item` whose pictures have local originals (small fake files) in `folder`."""
    images = []
    for number, image in enumerate(item.images, 1):
        suffix = ".png" if image.mime == "image/png" else ".jpeg"
        path = folder / f"original-{number}{suffix}"
        path.write_bytes(f"picture {number} of {item.guid}".encode())
        images.append(replace(image, path=str(path)))
    return replace(item, images=tuple(images))


def video_item(**changes: Any) -> PublishItem:
    item = flood_item(
        guid="urn:rongmei:demo:story:43",
        kicker="",
        subheadline="",
        body_html="",
        images=(),
        media=(
            PublishMedia(
                kind="video",
                url="https://media.example.cn/2024/07/flood.mp4",
                mime="video/mp4",
                duration_seconds=58.4,
                poster_url="https://media.example.cn/2024/07/flood-poster.jpg",
                caption="航拍：雨后的城关镇。",
                credit="县融媒体中心 摄像 陈晨",
                width=1920,
                height=1080,
            ),
        ),
    )
    return replace(item, **changes)


def photo_item(**changes: Any) -> PublishItem:
    return replace(flood_item(body_html="", images=PICTURES[:1]), **changes)


def newspaper_rendition() -> ChannelCopy:
    """A newspaper rendition as the generator writes it, then edited by the editor."""
    body = "\n".join([
        "引题：闻“汛”而动 连夜排涝",
        "主标题：城区积水点半小时内消退",
        "本报记者 王磊　通讯员 张晓燕",
        "",
        "　　（图片说明：7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。 摄影：李娜）",
        "　　7月3日凌晨，示例县普降暴雨。（编辑改过的第一段）",
        "小标题：排水管网改造见成效",
        "　　易涝点由23处减少到6处。",
        "　　（图片说明：改造后的青山镇排水泵站。 李娜 摄）",
    ])
    return ChannelCopy(
        channel="newspaper",
        title="城区积水点半小时内消退",
        body=body + "\n",
        fields={
            "kicker": "闻“汛”而动 连夜排涝",
            "headline": "城区积水点半小时内消退",
            "subheadline": "",
            "byline": "本报记者 王磊　通讯员 张晓燕",
            "captions": [
                "（图片说明：7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。 摄影：李娜）",
                "（图片说明：改造后的青山镇排水泵站。 李娜 摄）",
            ],
        },
    )
