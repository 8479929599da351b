"""The formats the newsroom accepts, and the words used to talk about the ones it doesn't.

One table, so that "what is allowed" is read in one place: a format not listed in `ACCEPTED`
is refused, whatever the file is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from rongmei.newsroom.media.types import AssetKind

IMAGE, AUDIO, VIDEO, DOCUMENT = AssetKind.IMAGE, AssetKind.AUDIO, AssetKind.VIDEO, AssetKind.DOCUMENT


@dataclass(frozen=True)
class Format:
    key: str
    kind: AssetKind
    mime: str
    extension: str
    pillow: str | None = None  # Pillow's format name, for images: the decoder we allow


ACCEPTED: dict[str, Format] = {
    f.key: f
    for f in (
        Format("jpeg", IMAGE, "image/jpeg", "jpg", "JPEG"),
        Format("png", IMAGE, "image/png", "png", "PNG"),
        Format("gif", IMAGE, "image/gif", "gif", "GIF"),
        Format("webp", IMAGE, "image/webp", "webp", "WEBP"),
        # Only when a HEIF plugin (pillow-heif) is installed; otherwise refused with advice.
        Format("heic", IMAGE, "image/heic", "heic", "HEIF"),
        Format("mp3", AUDIO, "audio/mpeg", "mp3"),
        Format("aac", AUDIO, "audio/aac", "aac"),
        Format("m4a", AUDIO, "audio/mp4", "m4a"),
        Format("wav", AUDIO, "audio/wav", "wav"),
        Format("ogg", AUDIO, "audio/ogg", "ogg"),
        Format("amr", AUDIO, "audio/amr", "amr"),
        Format("amr-wb", AUDIO, "audio/amr-wb", "awb"),
        # Older Android recorders write AMR inside a 3GP container with no picture.
        Format("3gp-audio", AUDIO, "audio/3gpp", "3gp"),
        Format("mp4", VIDEO, "video/mp4", "mp4"),
        Format("mov", VIDEO, "video/quicktime", "mov"),
        Format("webm", VIDEO, "video/webm", "webm"),
        Format("3gp", VIDEO, "video/3gpp", "3gp"),
        Format("pdf", DOCUMENT, "application/pdf", "pdf"),
        Format("docx", DOCUMENT, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        Format("xlsx", DOCUMENT, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        Format("pptx", DOCUMENT, "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
        Format("txt", DOCUMENT, "text/plain", "txt"),
        Format("csv", DOCUMENT, "text/csv", "csv"),
    )
}

# What a file name says it is. Only used to word a refusal ("不是图片"), never to decide.
_CLAIMED_BY_EXTENSION: dict[str, AssetKind] = {
    **dict.fromkeys(
        "jpg jpeg jpe jfif png gif webp heic heif avif bmp tif tiff svg svgz ico psd "
        "raw dng cr2 cr3 nef arw orf rw2".split(),
        IMAGE,
    ),
    **dict.fromkeys("mp3 m4a aac wav ogg oga opus amr awb flac wma ape aiff aif mid midi".split(), AUDIO),
    **dict.fromkeys("mp4 m4v mov webm 3gp 3g2 mkv avi wmv flv f4v mpg mpeg ts mts rm rmvb vob".split(), VIDEO),
    **dict.fromkeys(
        "pdf doc docx docm xls xlsx xlsm ppt pptx pptm wps et dps odt ods odp rtf txt csv md".split(),
        DOCUMENT,
    ),
}

ADVICE: dict[AssetKind | None, str] = {
    IMAGE: "请上传 JPG、PNG 或 WebP 格式的照片。",
    AUDIO: "请上传 MP3、M4A、WAV、OGG 或 AMR 格式的音频。",
    VIDEO: "请上传 MP4、MOV、WebM 或 3GP 格式的视频。",
    DOCUMENT: "请上传 PDF、Word（.docx）、Excel（.xlsx）、PPT（.pptx）、TXT 或 CSV 文件。",
    None: (
        "素材库接受照片（JPG、PNG、WebP、GIF）、音频（MP3、M4A、WAV、OGG、AMR）、"
        "视频（MP4、MOV、WebM、3GP）和文档（PDF、DOCX、XLSX、PPTX、TXT、CSV）。"
    ),
}

TOO_LARGE_ADVICE: dict[AssetKind, str] = {
    IMAGE: "请压缩或缩小照片后再上传。",
    AUDIO: "请转成 MP3 等压缩格式，或分段后再上传。",
    VIDEO: "请降低分辨率或码率（例如导出为 1080P），或分段后再上传。",
    DOCUMENT: "请压缩文档中的图片，或拆分成几个文件后再上传。",
}


def extension_of(filename: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when there is none)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""


def claimed_kind(filename: str) -> AssetKind | None:
    return _CLAIMED_BY_EXTENSION.get(extension_of(filename))


def human_size(n: int, digits: int = 1) -> str:
    """30 MB, 1.5 GB, 820 KB: binary units, written the way a phone shows file sizes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.{digits}f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} 字节"


def pixel_count(n: int) -> str:
    """80000000 -> "8000 万像素", 400000000 -> "4 亿像素": as a Chinese reader says them."""
    if n >= 100_000_000:
        return f"{n / 100_000_000:.1f}".removesuffix(".0") + " 亿像素"
    if n >= 10_000:
        return f"{n / 10_000:.0f} 万像素"
    return f"{n} 像素"
