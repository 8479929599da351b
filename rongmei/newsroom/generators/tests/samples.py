"""Realistic county stories for the generator tests, each made in one line.

`flood_story()` is a full news piece with a quotation from 县住建局, pictures and a video;
`farm_story()` an agriculture feature with a list and a block quote; `notice_story()` a
three-sentence public notice with no pictures. Pass keyword arguments to change any field.
"""

from __future__ import annotations

from dataclasses import replace

from rongmei.newsroom.generators.types import BylineInput, ImageInput, MediaInput, StoryInput

CENTER = "示例县融媒体中心"

FLOOD_BODY = """
<p>本报讯（记者 王磊 通讯员 张晓燕）7月3日凌晨，示例县普降暴雨，城关镇、青山镇最大小时降雨量达68.5毫米。
县防汛抗旱指挥部随即启动防汛Ⅳ级应急响应，县住建局连夜组织120余名抢险人员、18台排涝设备奔赴各积水点。</p>
<p>记者在滨江街道解放路看到，抢险队员正在清理雨水篦子上的杂物，积水在半小时内基本退去。“以前下这么大的雨，
门口的水能没过膝盖，今年明显好多了。”沿街商户刘桂芳说。</p>
<h2>排水管网改造见成效</h2>
<p>据了解，今年以来，县住建局投入资金3200万元，完成城区老旧排水管网改造12.6公里，新建雨污分流管道5.4公里，
城区易涝点由去年的23处减少到6处，降幅达74%。</p>
<blockquote>县住建局局长陈建国表示：“汛期还没有结束，我们将对剩余6处易涝点逐一制定方案，
确保年底前全部完成整治。请市民朋友遇到积水及时拨打12345热线反映。”</blockquote>
<img src="https://media.example.cn/2024/07/flood-2.jpg" alt="">
<p>截至3日上午10时，全县未发生人员伤亡，城区主干道交通已全部恢复。县气象局提醒，未来三天仍有
强降雨过程，请广大群众关注天气预报，减少不必要的外出。</p>
"""


def flood_story(**changes: object) -> StoryInput:
    story = StoryInput(
        center_name=CENTER,
        kicker="闻“汛”而动 连夜排涝",
        headline="示例县迎战入汛以来最强降雨 城区积水点半小时内消退",
        subheadline="今年改造老旧排水管网12.6公里，易涝点由23处减至6处",
        summary="",
        body_html=FLOOD_BODY,
        column="民生关注",
        tags=("防汛", "排水管网"),
        location="示例县城关镇",
        source=CENTER,
        bylines=(
            BylineInput("王磊", "记者"),
            BylineInput("张晓燕", "通讯员"),
            BylineInput("李娜", "摄影"),
            BylineInput("赵敏", "编辑"),
        ),
        images=(
            ImageInput(
                url="https://media.example.cn/2024/07/flood-1.jpg",
                caption="7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。",
                credit="李娜",
                width=1080,
                height=720,
                cover_url="https://media.example.cn/2024/07/flood-1-cover.jpg",
                square_url="https://media.example.cn/2024/07/flood-1-square.jpg",
                srcset=(
                    ("https://media.example.cn/2024/07/flood-1-1080.jpg", 1080),
                    ("https://media.example.cn/2024/07/flood-1-480.jpg", 480),
                ),
            ),
            ImageInput(
                url="https://media.example.cn/2024/07/flood-2.jpg",
                caption="改造后的青山镇排水泵站。",
                credit="李娜 摄",
                width=1080,
                height=720,
            ),
        ),
        media=(
            MediaInput(
                kind="video",
                url="https://media.example.cn/2024/07/flood.mp4",
                duration_seconds=95,
                poster_url="https://media.example.cn/2024/07/flood-poster.jpg",
                caption="航拍：雨后的城关镇主干道",
            ),
        ),
        url="https://www.shili.gov.cn/news/2024/0703/12345.html",
        user_words=("解放路", "陈建国"),
    )
    return replace(story, **changes)


FARM_BODY = """
<p>示例县融媒体中心讯 眼下正值早稻收割时节，在白沙乡高标准农田示范区，金黄的稻浪随风起伏，
几台收割机来回穿梭，一派丰收景象。</p>
<p>“今年亩产能达到520公斤，比去年多了40多公斤。”种粮大户周德明一边查看稻谷成色，一边算起了丰收账。
他流转了320亩土地，全部种上了优质早稻。</p>
<p>白沙乡今年新建高标准农田1.2万亩，配套建设了灌溉渠道、机耕路和排水沟，实现了“旱能灌、涝能排”。
乡里还按照《示例县高标准农田建设管护办法》推广了以下三项技术：</p>
<ol><li>水稻机插秧，每亩节省人工成本约80元；</li><li>测土配方施肥，化肥用量减少15%；</li>
<li>统防统治病虫害，农药使用量下降两成。</li></ol>
<blockquote><p>县农业农村局农技站站长黄丽萍说：“高标准农田不仅要建好，更要管好、用好。”</p></blockquote>
<p>据统计，全县今年早稻种植面积达8.6万亩，预计总产量4.3万吨，目前已收割六成。</p>
"""


def farm_story(**changes: object) -> StoryInput:
    images = tuple(
        ImageInput(
            url=f"https://media.example.cn/2024/07/farm-{n}.jpg",
            caption=f"白沙乡高标准农田示范区早稻收割现场（{n}）。",
            credit="周文",
            width=1080,
            height=720,
            cover_url=f"https://media.example.cn/2024/07/farm-{n}-cover.jpg",
        )
        for n in range(1, 13)
    )
    story = StoryInput(
        center_name=CENTER,
        headline="白沙乡1.2万亩高标准农田迎来早稻丰收",
        body_html=FARM_BODY,
        column="乡村振兴",
        tags=(),
        location="白沙乡",
        source=CENTER,
        bylines=(BylineInput("周文", "记者"), BylineInput("欧阳晓明", "记者"), BylineInput("林小雨", "记者")),
        images=images,
        url="https://www.shili.gov.cn/news/2024/0712/12388.html",
    )
    return replace(story, **changes)


NOTICE_BODY = """
<p>因城区供水管网改造施工，7月10日8时至18时，城关镇人民路、建设路沿线将暂停供水。</p>
<p>请沿线居民提前做好储水准备，给您带来不便，敬请谅解。</p>
<p>咨询电话：0000-1234567。</p>
"""


def notice_story(**changes: object) -> StoryInput:
    story = StoryInput(
        center_name=CENTER,
        headline="城关镇部分路段7月10日停水",
        body_html=NOTICE_BODY,
        source="县自来水公司",
        bylines=(),
        url="",
    )
    return replace(story, **changes)


ASCII_BODY = """
<p>示例县5G+智慧农业APP今天上线，农户用手机扫码即可查询土壤墒情、天气预报和农资价格，
下载地址：https://app.shili.gov.cn/download?from=weibo&channel=rongmei-2024。</p>
<p>项目由县农业农村局与Example Tech Co., Ltd.合作开发，覆盖青山镇、东湖镇等8个乡镇的GIS数据，
API文档见https://dev.shili.gov.cn/docs/v2/api-reference.html，问题反馈请发邮件至support@shili.gov.cn。</p>
<p>Wi-Fi、NB-IoT和LoRa传感器共部署1200个，数据每15 min更新一次，准确率达到98.5%。</p>
"""


def ascii_story(**changes: object) -> StoryInput:
    """A story full of half-width letters, numbers and links: the hard case for Weibo."""
    story = StoryInput(
        center_name=CENTER,
        headline="示例县5G+智慧农业APP上线 GIS、NB-IoT、LoRa数据一键查",
        body_html=ASCII_BODY,
        tags=("智慧农业", "5G"),
        bylines=(BylineInput("Alexander Wang", "记者"),),
        url="https://www.shili.gov.cn/news/2024/0801/smart-agriculture-app-launch-12399.html",
    )
    return replace(story, **changes)


def long_story(paragraphs: int = 40) -> StoryInput:
    """The flood story's text repeated into a piece of several thousand characters."""
    body = "".join(
        f"<p>第{n}段：{FLOOD_BODY.split('<p>')[1].split('</p>')[0]}</p>" for n in range(1, paragraphs + 1)
    )
    return flood_story(body_html=body, headline="示例县防汛工作综述" * 10)
