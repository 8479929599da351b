"""What each short-video platform documents it accepts, so a render that would be refused on
upload is refused here first, in Chinese, before the editor waits for it.

Only documented figures are enforced. Where the platform's open documentation gives no
number, the field is None and `note` says so; guessing a limit would refuse good videos or
let bad ones through with false confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

GB = 1024**3
MB = 1024**2


@dataclass(frozen=True)
class Limits:
    label: str                      # the platform's name as the editor knows it
    max_seconds: float | None       # longest video the upload accepts
    max_bytes: int | None           # largest file
    min_seconds: float | None = None
    source: str = ""                # the documentation page the figures come from
    note: str = ""                  # what the page says beyond the numbers

    def describe(self) -> str:
        parts = []
        if self.max_seconds:
            parts.append(f"时长不超过 {_duration(self.max_seconds)}")
        if self.max_bytes:
            parts.append(f"文件不超过 {_bytes(self.max_bytes)}")
        return "，".join(parts) or "平台文档没有写明时长和大小上限"


PLATFORM_LIMITS: dict[str, Limits] = {
    # 抖音开放平台 · 上传视频 POST /video/upload/ (scope video.create):
    # https://open.douyin.com/platform/resource/docs/openapi/video-management/douyin/create/upload/
    # "视频文件大小不超过128M，时长在15分钟以内" and "超过128m的视频必须采用分片上传。视频总大小
    # 4GB以内". Our Douyin adapter uploads in parts above 50 MB, so 4 GB is the size that
    # binds; 15 minutes is the duration. The page also recommends 720p or more, vertical.
    "douyin": Limits(
        label="抖音",
        max_seconds=15 * 60,
        max_bytes=4 * GB,
        source="https://open.douyin.com/platform/resource/docs/openapi/video-management/douyin/create/upload/",
        note="超过 128 MB 须分片上传（本系统超过 50 MB 即分片）；推荐 720p 及以上竖版。",
    ),
    # 快手开放平台 · 内容管理 · 创建视频 (start_upload → upload / 分片上传 → publish):
    # https://mp.kuaishou.com/platformDocs/openAbility/contentManagement/createAVideo.html
    # (updated 2024-09-26). The page documents direct upload "适合小于10M的文件" and part
    # upload (parts ≤ 10 MB) for larger files, but states no maximum size or duration:
    # not enforced here.
    "kuaishou": Limits(
        label="快手",
        max_seconds=None,
        max_bytes=None,
        source="https://mp.kuaishou.com/platformDocs/openAbility/contentManagement/createAVideo.html",
        note="开放平台文档未写明时长和大小上限；10 MB 以上须分片上传。",
    ),
    # 微信视频号: no open upload API for a media center's account; videos are posted by hand
    # in 视频号助手 (channels.weixin.qq.com), whose upload limits are not published in any
    # developer documentation we could find. Not enforced; the assisted path shows the file.
    "channels": Limits(
        label="视频号",
        max_seconds=None,
        max_bytes=None,
        source="https://channels.weixin.qq.com/ (视频号助手，无公开上传接口文档)",
        note="没有找到写明上限的官方文档；由运营在视频号助手手工上传。",
    ),
}


def check_duration(platform: str | None, seconds: float) -> str:
    """A Chinese refusal when `seconds` breaks the platform's documented duration, else ""."""
    limits = PLATFORM_LIMITS.get(platform or "")
    if limits and limits.max_seconds and seconds > limits.max_seconds + 0.05:
        return (
            f"视频长 {_duration(seconds)}，超过{limits.label}上限 {_duration(limits.max_seconds)}"
            f"（{limits.label}开放平台文档）。请减少素材或缩短片段后再生成。"
        )
    if limits and limits.min_seconds and seconds < limits.min_seconds:
        return f"视频只有 {_duration(seconds)}，短于{limits.label}要求的 {_duration(limits.min_seconds)}。"
    return ""


def check_size(platform: str | None, size: int) -> str:
    """A Chinese refusal when a file of `size` bytes is over the platform's documented size."""
    limits = PLATFORM_LIMITS.get(platform or "")
    if limits and limits.max_bytes and size > limits.max_bytes:
        return (
            f"生成的视频有 {_bytes(size)}，超过{limits.label}上限 {_bytes(limits.max_bytes)}"
            f"（{limits.label}开放平台文档）。请缩短视频后再生成。"
        )
    return ""


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    if minutes and secs:
        return f"{minutes} 分 {secs} 秒"
    if minutes:
        return f"{minutes} 分钟"
    return f"{secs} 秒"


def _bytes(size: int) -> str:
    if size >= GB:
        return f"{size / GB:.1f} GB".replace(".0 GB", " GB")
    return f"{size / MB:.0f} MB"
