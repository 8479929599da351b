"""What goes public, field by field: per channel, every field that will be published,
exactly as it will go out.

Three rooms read this one place, so they cannot disagree: the review screen shows these
fields to the reviewer who signs the channel; the sign-off hash (`review.engine.content_hash`)
covers them, derived ones included (the cover's file and size, the 原文链接, the text a
channel cuts to fit); the distribution adapters take their words from here (the Weibo text,
the WeChat 原文链接 and cover). `distribution/tests/test_published_agreement.py` compares
what the fake WeChat and Weibo servers received with what `published_fields` said.

The newsroom owns stories and renditions, so this lives here; it reads nothing of the
other rooms. The delivery key a publication adds to its links (`?rm=…`, for finding a post
whose answer was lost) is not content and is not part of these fields.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from rongmei.newsroom.generators import text as gtext
from rongmei.newsroom.html import plain_text
from rongmei.newsroom.models import Asset, Rendition, Story

WEIBO_LIMIT = 140
WECHAT_AUTO_DIGEST = 54  # draft/add: digest left empty → "默认抓取正文前54个字"
_TOPIC = re.compile(r"#([^#\s]{1,30})#")
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class PublishedField:
    """One published field. `kind` says how it reads: text, html (shown as its words),
    image (value: the picture's address), link, tags (value: a list), images (value: a
    list of {"url", "caption"}). `identity` is what the sign-off binds to beyond the value
    (a picture's checksum and size); `note` explains a derived value to the reviewer."""

    key: str
    label: str
    kind: str
    value: object
    note: str = ""
    identity: dict = field(default_factory=dict)
    signed_value: object = None  # what the hash binds to when the value names this installation's address

    @property
    def text(self) -> str:
        """The words as a reader gets them (html as plain text)."""
        if self.kind == "html":
            return plain_text(str(self.value or ""))
        if self.kind == "tags":
            return " ".join(str(v) for v in self.value or [])
        if self.kind == "images":
            return "\n".join(p.get("caption", "") for p in self.value or [])
        return str(self.value or "")

    @property
    def empty(self) -> bool:
        return not self.value

    def signed(self) -> dict:
        """What the sign-off hash covers of this field: its value and identity, not the
        label or the note (wording of the screen, not of the piece). A cover that is not the
        piece's own (none, or the column's or center's default) signs as "the default",
        whatever that is now: configuring a default for a notice signed without a picture
        must not withdraw its sign-off (`newsroom.selectors.cover_source`)."""
        if self.identity.get("default"):
            return {"key": self.key, "value": "", "identity": {"default": True}}
        value = self.value if self.signed_value is None else self.signed_value
        return {"key": self.key, "value": value, "identity": self.identity}


# --- Shared by the adapters ---------------------------------------------------------------------

def source_url(story: Story) -> str:
    """The story's address on the center's site: WeChat's 原文链接, the link in a Weibo post."""
    return story.center.site_url(f"/news/{story.pk}/")


def stable_source_url(story: Story) -> str:
    """The story's address as the sign-off binds to it: the site's own origin when one is
    set; without one the site is served by this installation under whatever address it runs
    (RONGMEI_BASE_URL, another port …), which is not content."""
    center = story.center
    return source_url(story) if center.site_origin else f"(本站){center.site_base}/news/{story.pk}/"


def _stable(value: str, story: Story) -> str:
    return value.replace(source_url(story), stable_source_url(story))


def weibo_text(story: Story, link: str, prefix: str = "") -> str:
    """The exact Weibo post: the Weibo version (its teaser when the version is a long post)
    with the story's link. The share API refuses #话题# marks, so topics go out as plain
    words; links typed into the text are dropped (the post carries one, the story's); the
    whole is fitted to 140 by Weibo's counting, the link included."""
    return fit_weibo_text(weibo_words(story), link, prefix)


def fit_weibo_text(words: str, link: str, prefix: str = "") -> str:
    """`weibo_words` fitted to 140 with the link (a sender that keeps the words of a
    fan-out's story fits each account's post from them)."""
    budget = WEIBO_LIMIT - gtext.weibo_length(prefix + " " + link)
    return f"{prefix}{gtext.truncate(words, budget, measure=gtext.weibo_length)} {link}"


WEIBO_PICTURES = 9  # statuses/upload_url_text: pic_id "最多不超过9个"
WEIBO_PIC_BYTES = 5 << 20  # "上传图片大小限制为<5M"
WEIBO_PIC_TYPES = {"image/jpeg", "image/png", "image/gif"}  # "仅支持JPEG、GIF、PNG图片"


def weibo_pictures(story: Story) -> list[Asset]:
    """The pictures a Weibo post carries: the story's images in their order, at most nine,
    each one Weibo accepts (`weibo_picture_file`). The adapter posts exactly these (the
    agreement test compares them)."""
    chosen = []
    links = story.story_assets.select_related("asset").prefetch_related("asset__renditions").order_by("order", "id")
    for link in links:
        if link.asset.kind == Asset.Kind.IMAGE and weibo_picture_file(link.asset) is not None:
            chosen.append(link.asset)
        if len(chosen) == WEIBO_PICTURES:
            break
    return chosen


def weibo_picture_file(asset: Asset):
    """(file, type) of a picture as it goes to Weibo: the 1080 web size, else the original
    when Weibo takes it (JPEG/GIF/PNG under 5 MB); None when neither will do."""
    web = asset.rendition("web")
    if web is not None and web.mime in WEIBO_PIC_TYPES:
        return web.file, web.mime
    if asset.mime in WEIBO_PIC_TYPES and asset.size < WEIBO_PIC_BYTES:
        return asset.file, asset.mime
    return None


def weibo_words(story: Story) -> str:
    """The words of the post before it is fitted to 140 (the pre-flight asks whether
    `weibo_text` would have to cut them)."""
    rendition = _rendition(story, "weibo")
    text = rendition.body if rendition is not None else story.headline
    if rendition is not None and rendition.fields.get("mode") == "long":
        text = rendition.fields.get("short_text") or text
    return _TOPIC.sub(r"\1", _URL.sub("", text)).strip()


def wechat_cover(story: Story) -> tuple[Asset | None, object | None]:
    """The cover asset and its 2.35:1 crop (`wechat_cover`), which is the file uploaded."""
    from rongmei.newsroom.selectors import chosen_wechat_cover, effective_cover

    asset = chosen_wechat_cover(story) or effective_cover(story)  # the editor's pick comes first
    return asset, (asset.rendition("wechat_cover") if asset is not None else None)


def wechat_source_url(story: Story) -> str:
    """WeChat's 原文链接 (阅读原文): the address set on the WeChat version, else the story's
    page on the center's site."""
    from rongmei.newsroom.selectors import wechat_source_url as chosen

    return chosen(story) or source_url(story)


def wechat_digest(rendition: Rendition) -> tuple[str, bool]:
    """The digest readers see, and whether WeChat made it: left empty, WeChat takes the
    first 54 characters of the article."""
    typed = str(rendition.fields.get("digest", "") or "")
    if typed:
        return typed, False
    return re.sub(r"<[^>]+>", "", rendition.body)[:WECHAT_AUTO_DIGEST], True


# --- The fields, per channel ----------------------------------------------------------------------

def published_fields(story: Story, channel: str) -> list[PublishedField]:
    """Every field `channel` will publish of `story`, exactly as it goes out."""
    rendition = _rendition(story, channel)
    if rendition is None:
        return [PublishedField("missing", "渠道稿", "text", "", note="还没有生成这个渠道的稿件，无法发布。")]
    return BUILDERS[channel](story, rendition)


def published_channels(story: Story, channels: list[str]) -> list[dict]:
    """For screens: per channel (in the usual order), its name and its fields."""
    labels = dict(Rendition.Channel.choices)
    return [{"channel": c, "label": labels.get(c, c), "fields": published_fields(story, c)}
            for c in Rendition.Channel.values if c in channels]


def signed_fields(story: Story, channels: list[str]) -> dict:
    """What the sign-off hash covers of the published fields, read afresh from the
    database (a page's prefetched pictures or versions may be older than the last edit)."""
    story = Story.objects.select_related("center", "column").get(pk=story.pk)
    return {c: [f.signed() for f in published_fields(story, c)] for c in sorted(channels)}


def _rendition(story: Story, channel: str) -> Rendition | None:
    return Rendition.objects.filter(story_id=story.pk, channel=channel).first()


def _text(key, label, value, note="") -> PublishedField:
    return PublishedField(key, label, "text", str(value or ""), note=note)


def _web(story: Story, r: Rendition) -> list[PublishedField]:
    cover = _cover_field(story, story.cover, "list_cover", "列表配图", "web")
    return [
        _text("kicker", "引题", story.kicker),
        _text("title", "标题", r.title),
        _text("subheadline", "副题", story.subheadline),
        _text("summary", "摘要", story.summary, note="" if story.summary else "未填写：网页分享时取正文开头"),
        PublishedField("body", "正文", "html", r.body),
        PublishedField("pictures", "图片及说明", "images", _figures(r.body)),
        cover,
    ]


def _wechat(story: Story, r: Rendition) -> list[PublishedField]:
    digest, auto = wechat_digest(r)
    return [
        _text("title", "标题", r.title),
        _text("author", "作者", r.fields.get("author", "")),
        _text("digest", "摘要", digest, note="未填写摘要：微信自动取正文前 54 字" if auto else ""),
        _cover_field(story, wechat_cover(story)[0], "cover", "封面图", "wechat_cover"),
        PublishedField("source_url", "原文链接", "link", wechat_source_url(story),
                       signed_value=_stable(wechat_source_url(story), story)),
        PublishedField("body", "正文", "html", r.body),
        PublishedField("pictures", "正文图片及说明", "images", _figures(r.body)),
    ]


def _weibo(story: Story, r: Rendition) -> list[PublishedField]:
    post = weibo_text(story, source_url(story))
    notes = [f"按微博规则计 {gtext.weibo_length(post)}/{WEIBO_LIMIT} 字（链接计 {gtext.WEIBO_URL_LENGTH} 字）"]
    if r.fields.get("mode") == "long":
        notes.append("长稿：发出的是导读和原文链接")
    if _TOPIC.search(r.fields.get("short_text", "") if r.fields.get("mode") == "long" else r.body):
        notes.append("微博分享接口不接受 #话题# 标记，话题以普通文字发出")
    pictures = [{"url": a.web_url, "caption": ""} for a in weibo_pictures(story)]  # a post carries no captions
    return [
        PublishedField("text", "发出的微博", "text", post, note="；".join(notes), signed_value=_stable(post, story)),
        PublishedField("pictures", "图片", "images", pictures, note="" if pictures else "只发文字，不带图片",
                       identity={"assets": [_asset_identity(a) for a in weibo_pictures(story)]}),
    ]


def _short_video(story: Story, r: Rendition) -> list[PublishedField]:
    tags = r.fields.get("tags", [])
    return [
        _text("caption", "文案", r.fields.get("caption", r.title)),
        PublishedField("tags", "话题标签", "tags", list(tags) if isinstance(tags, list) else str(tags).split()),
        *_video_fields(r),  # -- 17:VJ --
    ]


# -- 17:VJ -- the finished video versions (newsroom.video.jobs.attach): what goes to 抖音/快手
_VIDEO_SHAPES = (("video", "视频（竖屏）"), ("video_horizontal", "视频（横屏）"))


def _video_fields(r: Rendition) -> list[PublishedField]:
    found = []
    for key, label in _VIDEO_SHAPES:
        video = r.fields.get(key)
        if not isinstance(video, dict) or not video.get("sha256"):
            continue
        text = (f"{video.get('width')}×{video.get('height')}，{float(video.get('duration') or 0):.1f} 秒，"
                f"校验值 {str(video['sha256'])[:16]}")
        found.append(PublishedField(key, label, "text", text, note="成片和封面见下方“短视频成片”，发出的就是这个文件",
                                    identity={k: video.get(k) for k in ("job", "sha256", "cover_sha256", "shape")}))
    if not found:
        url = str(r.fields.get("video_url", "") or "")
        found.append(PublishedField("video", "视频", "link", url,
                                    note="" if url else "没有视频：短视频平台只发视频，请在稿件页“视频版本”中生成"))
    return found


def _newspaper(story: Story, r: Rendition) -> list[PublishedField]:
    f = r.fields
    return [
        _text("kicker", "引题", f.get("kicker", story.kicker)),
        _text("title", "主标题", r.title or f.get("headline", "") or story.headline),
        _text("subheadline", "副题", f.get("subheadline", story.subheadline)),
        _text("byline", "署名", f.get("byline", "")),
        _text("body", "见报稿", r.body),
    ]


def _spoken(kind: str):
    def build(story: Story, r: Rendition) -> list[PublishedField]:
        return [_text("title", "标题", r.title), _text("body", kind, r.body)]  # the lead is the script's start
    return build


BUILDERS = {
    "web": _web, "wechat": _wechat, "weibo": _weibo, "short_video": _short_video,
    "newspaper": _newspaper, "radio": _spoken("广播稿"), "tv": _spoken("电视稿"),
}


# --- Pictures --------------------------------------------------------------------------------------

def _cover_field(story: Story, asset: Asset | None, key: str, label: str, size: str) -> PublishedField:
    """A cover picture: the file that goes out, bound by its checksum and size. A default
    cover (configured for the center or column, not part of the piece) is shown, and the
    sign-off binds to "the default", not to its file: changing the configured default is an
    administrator's decision about every piece that has none, not an edit of this one."""
    if asset is None:
        note = "没有封面图：微信图文需要封面，发布会被拒绝" if key == "cover" else "没有图片"
        return PublishedField(key, label, "image", "", note=note, identity={"default": True})
    picture = asset.rendition(size) if size != "web" else None
    url = picture.file.url if picture is not None else (asset.web_url if size == "web" else "")
    # the piece's own picture: its first, or another of its pictures picked in the WeChat editor
    own = story.story_assets.filter(asset_id=asset.pk).exists()
    if not own:
        from rongmei.newsroom.selectors import COVER_SOURCES, cover_source

        origin = cover_source(story)[1]
        return PublishedField(key, label, "image", url, note=f"{COVER_SOURCES.get(origin, '默认封面')}（稿件没有图片）",
                              identity={"default": origin or True})
    if size != "web" and picture is None:
        return PublishedField(key, label, "image", "", note="第一张图片还没有 2.35:1 封面裁切，发布会被拒绝",
                              identity=_asset_identity(asset))
    identity = {**_asset_identity(asset), "caption": asset.caption}
    if picture is not None:
        identity |= {"file": picture.file.name, "size": f"{picture.width}x{picture.height}",
                     "file_sha256": _file_sha256(picture.file)}
    note = f"{picture.width}×{picture.height}" if picture is not None else ""
    return PublishedField(key, label, "image", url, note=note, identity=identity)


def _asset_identity(asset: Asset) -> dict:
    return {"asset": asset.pk, "sha256": asset.sha256, "size": f"{asset.width}x{asset.height}"}


def _file_sha256(f) -> str:
    try:
        with f.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, ValueError):
        return ""


class _Figures(HTMLParser):
    """Pictures of an article with the words under each (figcaption or caption line)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self._depth += 1
            self.found.append({"url": "", "caption": ""})
        elif tag == "img" and self._depth and not self.found[-1]["url"]:
            self.found[-1]["url"] = dict(attrs).get("src", "") or ""

    def handle_endtag(self, tag):
        if tag == "figure" and self._depth:
            self._depth -= 1
            self.found[-1]["caption"] = self.found[-1]["caption"].strip()

    def handle_data(self, data):
        if self._depth:
            self.found[-1]["caption"] += data


def _figures(html: str) -> list[dict]:
    parser = _Figures()
    parser.feed(html or "")
    return [f for f in parser.found if f["url"]]
