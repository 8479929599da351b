"""The formats we recognise and refuse, in words a reporter knows, and the sentence that
tells them: what the file really is, what it was taken for, and what to upload instead."""

from __future__ import annotations

from dataclasses import dataclass

from rongmei.newsroom.media.formats import ADVICE, AUDIO, DOCUMENT, IMAGE, VIDEO, claimed_kind
from rongmei.newsroom.media.types import AssetKind


@dataclass(frozen=True)
class Refusal:
    """A format we recognise and refuse: what it is, in words a reporter knows, the kind it
    belongs to (None for programs, archives...), and what to do instead."""

    what: str
    family: AssetKind | None
    advice: str = ""


UNKNOWN = Refusal("无法识别的内容", None)

_CONVERT_IMAGE = "请转成 JPG 或 PNG 后再上传。"
_CONVERT_AUDIO = "请转成 MP3 或 M4A 后再上传。"
_CONVERT_VIDEO = "请转成 MP4 后再上传（剪映、格式工厂等软件都能导出 MP4）。"
_NO_PROGRAMS = "程序和安装包不能作为素材上传。"
_UNZIP = "请解压后，把里面的照片、音视频或文档分别上传。"
_SAVE_AS_OOXML = "请用 Word、Excel、PowerPoint 或 WPS 另存为 .docx、.xlsx、.pptx 或 PDF 后再上传。"

# Keyed by filetype's extension for the type it found.
BY_FILETYPE_EXTENSION: dict[str, Refusal] = {
    "exe": Refusal("Windows 程序", None, _NO_PROGRAMS),
    "elf": Refusal("Linux 程序", None, _NO_PROGRAMS),
    **dict.fromkeys(("deb", "rpm", "cab", "crx", "wasm", "nes"), Refusal("程序或安装包", None, _NO_PROGRAMS)),
    **dict.fromkeys(
        ("zip", "rar", "7z", "gz", "bz2", "xz", "tar", "Z", "lz", "lz4", "zst", "lzo", "br", "ar"),
        Refusal("压缩包", None, _UNZIP),
    ),
    "bmp": Refusal("BMP 图片", IMAGE, _CONVERT_IMAGE),
    "tif": Refusal("TIFF 图片", IMAGE, _CONVERT_IMAGE),
    "psd": Refusal("Photoshop 源文件（PSD）", IMAGE, "请在 Photoshop 中导出为 JPG 或 PNG 后再上传。"),
    "cr2": Refusal("相机 RAW 原片", IMAGE, "请用相机配套软件或 Lightroom 导出为 JPG 后再上传。"),
    "ico": Refusal("图标文件", IMAGE, _CONVERT_IMAGE),
    "jpx": Refusal("JPEG 2000 图片", IMAGE, _CONVERT_IMAGE),
    "jxr": Refusal("JPEG XR 图片", IMAGE, _CONVERT_IMAGE),
    "xcf": Refusal("GIMP 源文件", IMAGE, _CONVERT_IMAGE),
    "dcm": Refusal("医学影像（DICOM）", IMAGE, _CONVERT_IMAGE),
    "dwg": Refusal("CAD 图纸（DWG）", DOCUMENT, "请导出为 PDF 后再上传。"),
    "flac": Refusal("FLAC 无损音频", AUDIO, _CONVERT_AUDIO),
    "aiff": Refusal("AIFF 音频", AUDIO, _CONVERT_AUDIO),
    "midi": Refusal("MIDI 乐谱", AUDIO, "MIDI 只记录乐谱、不含声音，请导出为 MP3 后再上传。"),
    "mkv": Refusal("MKV 视频", VIDEO, _CONVERT_VIDEO),
    "avi": Refusal("AVI 视频", VIDEO, _CONVERT_VIDEO),
    "wmv": Refusal("WMV 视频", VIDEO, _CONVERT_VIDEO),
    "flv": Refusal("FLV 视频", VIDEO, _CONVERT_VIDEO),
    "mpg": Refusal("MPEG 视频", VIDEO, _CONVERT_VIDEO),
    "swf": Refusal("Flash 动画", VIDEO, "Flash 已经停用，" + _CONVERT_VIDEO),
    **dict.fromkeys(("woff", "woff2", "ttf", "otf", "eot"), Refusal("字体文件", None, "字体不能作为素材上传。")),
    **dict.fromkeys(("doc", "xls", "ppt"), Refusal("旧版 Office 文档", DOCUMENT, _SAVE_AS_OOXML)),
    "rtf": Refusal("RTF 文档", DOCUMENT, "请用 Word 或 WPS 另存为 .docx 或 PDF 后再上传。"),
    "ps": Refusal("PostScript 文件", DOCUMENT, "请转成 PDF 后再上传。"),
    "sqlite": Refusal("数据库文件", None, "数据库文件不能作为素材上传。"),
}
OLD_OFFICE = Refusal("旧版 Office 格式的文件（.doc、.xls、.ppt、.wps 等）", DOCUMENT, _SAVE_AS_OOXML)
OPEN_DOCUMENT = Refusal("OpenDocument 文档", DOCUMENT, _SAVE_AS_OOXML)
EPUB = Refusal("电子书（EPUB）", DOCUMENT, "请转成 PDF 后再上传。")
OTHER_OFFICE = Refusal("Office 模板或其他 Office 格式的文件", DOCUMENT, _SAVE_AS_OOXML)
MACRO = Refusal("带宏的 Office 文档", DOCUMENT, "宏可能携带病毒。请另存为不带宏的 .docx、.xlsx、.pptx 后再上传。")
ARCHIVE = BY_FILETYPE_EXTENSION["zip"]
SVG = Refusal(
    "SVG 矢量图（可能携带脚本，存在安全风险）", IMAGE, "请在作图软件中导出为 PNG 或 JPG 后再上传。"
)
HTML = Refusal("网页（HTML）", None, "网页不能作为素材上传；如需引用网页内容，请在稿件中附上链接。")
XML = Refusal("XML 数据文件", None, "")
UTF16 = Refusal("UTF-16 编码的文本", DOCUMENT, "请用记事本或 WPS 另存为 UTF-8 编码后再上传。")
AVIF = Refusal("AVIF 图片", IMAGE, _CONVERT_IMAGE)
HEIC = Refusal(
    "HEIC 照片（苹果手机的默认格式）",
    IMAGE,
    "请在 iPhone“设置 › 相机 › 格式”中选择“兼容性最佳”，以后拍的照片就是 JPG；"
    "已拍的照片可以先导出为 JPG 再上传。",
)

DAMAGED_ARCHIVE = Refusal("损坏的压缩文件或 Office 文档", None, "请确认文件能在电脑上正常打开，再重新上传。")


def refusal_message(refusal: Refusal, filename: str) -> str:
    """Say what the file really is, what it was taken for, and what to upload instead:
    "文件内容是 Windows 程序，不是图片，已拒绝。请上传 JPG、PNG 或 WebP 格式的照片。"""
    claimed = claimed_kind(filename)
    if refusal is UNKNOWN:
        kind_hint = f"（不是常见的{claimed.label}格式）" if claimed else ""
        return f"无法识别文件的内容{kind_hint}，已拒绝。{ADVICE[claimed]}"
    if claimed is not None and claimed != refusal.family:
        return f"文件内容是{_spaced(refusal.what)}，不是{claimed.label}，已拒绝。{ADVICE[claimed]}"
    if refusal.family is None:
        return f"文件内容是{_spaced(refusal.what)}，不能作为素材上传，已拒绝。{refusal.advice or ADVICE[None]}"
    return f"暂不支持{_spaced(refusal.what)}，已拒绝。{refusal.advice or ADVICE[refusal.family]}"


def _spaced(words: str) -> str:
    """A space between Chinese and a Latin word, as in "是 Windows 程序"."""
    return f" {words}" if words[:1].isascii() and words[:1].isalnum() else words
