"""Processing uploaded media assets (素材): photos, audio, video and documents.

Pure functions of bytes and files, with no database and no Django models, so the newsroom's
services call them inside an upload and its tests run them without a database:

    inspection = inspect_upload(uploaded_file, uploaded_file.name)   # or UploadRejected
    if inspection.kind is AssetKind.IMAGE:
        master = strip_location(data)          # no GPS, upright, caption and credit kept
        caption, credit = read_caption_credit(data)
        renditions = make_renditions(master)   # thumb, web, web_large, wechat_cover, square
    elif inspection.kind in (AssetKind.AUDIO, AssetKind.VIDEO):
        info = probe_av(path)                  # never raises; info.missing / info.error
        poster = poster_frame(path)            # JPEG bytes or None

Every refusal is an `UploadRejected` whose `message` is a Chinese sentence for the reporter.
"""

from rongmei.newsroom.media.av import FFMPEG_MISSING, AvInfo, poster_frame, probe_av
from rongmei.newsroom.media.metadata import read_caption_credit, strip_location
from rongmei.newsroom.media.renditions import Rendition, make_renditions
from rongmei.newsroom.media.trailing import CUT_FORMATS, without_trailing
from rongmei.newsroom.media.types import DEFAULT_LIMITS, AssetKind, Inspection, Limits, UploadRejected
from rongmei.newsroom.media.upload import inspect_upload

__all__ = [
    "CUT_FORMATS",
    "DEFAULT_LIMITS",
    "FFMPEG_MISSING",
    "AssetKind",
    "AvInfo",
    "Inspection",
    "Limits",
    "Rendition",
    "UploadRejected",
    "inspect_upload",
    "make_renditions",
    "poster_frame",
    "probe_av",
    "read_caption_credit",
    "strip_location",
    "without_trailing",
]
