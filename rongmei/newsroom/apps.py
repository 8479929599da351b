from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "rongmei.newsroom"
    label = "newsroom"
    verbose_name = "稿件与素材"

    def ready(self) -> None:
        from rongmei.core import audit_labels, demo, nav
        from rongmei.newsroom import demo as newsroom_demo

        nav.register(nav.NavItem("stories", "稿件", "newsroom:stories", "newsroom.view_stories", order=200, icon="✎"))
        nav.register(nav.NavItem("assets", "素材库", "newsroom:assets", "newsroom.view_stories", order=210, icon="▣"))
        nav.register(nav.NavItem("search", "全文检索", "newsroom:search", "newsroom.view_stories", order=220, icon="⌕"))
        nav.register(nav.NavItem("columns", "栏目与封面", "newsroom:columns", "newsroom.manage_columns", order=225, icon="▤"))
        audit_labels.register({
            "story.create": "新建稿件", "story.save": "保存稿件", "story.status": "稿件状态变更",
            "story.conflict": "保存冲突（已保留）", "asset.upload": "上传素材", "asset.update": "修改素材说明",
            "rendition.generate": "生成渠道稿", "rendition.save": "修改渠道稿", "column.create": "新建栏目",
            "column.default_cover": "设置栏目默认封面", "center.default_cover": "设置中心默认封面",
        })
        audit_labels.register_objects({
            "newsroom.story": ("稿件", lambda s: f"稿件《{s}》"),
            "newsroom.asset": ("素材", None),
            "newsroom.rendition": ("渠道稿", lambda r: f"稿件《{r.story}》的{r.get_channel_display()}稿"),
            "newsroom.column": ("栏目", None),
        })
        demo.register(newsroom_demo.load)

        from rongmei.core import media
        from rongmei.newsroom import media_access

        media.register("assets/", media_access.may_read)

        # -- 17:VJ -- 视频版本: the story page's panel, who reads the files, audit labels
        from rongmei.newsroom import panels, video_views

        panels.register(video_views.panel)
        media.register("videos/", video_views.may_read_video)
        audit_labels.register({
            "video.create": "生成视频版本", "video.cancel": "取消视频版本", "video.cancelled": "视频版本已取消",
            "video.done": "视频版本生成完成", "video.cover": "选择视频封面", "video.attach": "视频用于短视频渠道稿",
            "center.logo": "设置中心台标",
        })
        audit_labels.register_objects({"newsroom.videojob": ("视频版本", lambda j: f"稿件《{j.story}》的{j.get_shape_display()}视频版本")})
