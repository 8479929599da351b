"""inspect_upload: the kind is decided by content, refusals say what and what to do."""

from __future__ import annotations

import hashlib
import io
import re
import struct
from pathlib import Path

import pytest
from PIL import Image

from rongmei.newsroom.media import AssetKind, Inspection, Limits, UploadRejected, inspect_upload, sniff
from rongmei.newsroom.media.tests import samples
from rongmei.newsroom.media.tests.conftest import needs_ffmpeg
from rongmei.newsroom.media.types import MB


def inspect(data: bytes, name: str, limits: Limits | None = None) -> Inspection:
    return inspect_upload(io.BytesIO(data), name, limits=limits)


def refusal(data: bytes, name: str, limits: Limits | None = None) -> str:
    with pytest.raises(UploadRejected) as caught:
        inspect(data, name, limits)
    return caught.value.message


# --- Photos -----------------------------------------------------------------------------------

def test_phone_photo_is_an_image_with_hash_size_and_upright_dimensions() -> None:
    data = samples.phone_photo((800, 600), orientation=6)
    found = inspect(data, "IMG_20250703_081500.jpg")
    assert found.kind is AssetKind.IMAGE
    assert (found.mime, found.extension, found.safe_name) == ("image/jpeg", "jpg", "IMG_20250703_081500.jpg")
    assert found.size == len(data)
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert (found.width, found.height) == (600, 800)  # held upright: stored sideways
    assert not found.animated


def test_a_png_called_jpg_gets_the_png_extension() -> None:
    found = inspect(samples.png_with_alpha(), "县委全会现场.jpg")
    assert (found.kind, found.mime, found.extension) == (AssetKind.IMAGE, "image/png", "png")
    assert found.safe_name == "县委全会现场.png"


def test_the_file_is_left_at_the_start_for_saving() -> None:
    upload = io.BytesIO(samples.phone_photo())
    inspect_upload(upload, "a.jpg")
    assert upload.tell() == 0


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (samples.cmyk_jpeg(), "image/jpeg"),
        (samples.encode(samples.photo((50, 40)), "WEBP"), "image/webp"),
        (samples.encode(samples.photo((50, 40)), "GIF"), "image/gif"),
    ],
    ids=["cmyk-jpeg", "webp", "gif"],
)
def test_other_accepted_image_formats(data: bytes, mime: str) -> None:
    assert inspect(data, "x").mime == mime


def test_an_animated_gif_is_accepted_and_marked_animated() -> None:
    found = inspect(samples.animated_gif(), "动图.gif")
    assert (found.kind, found.animated, found.width, found.height) == (AssetKind.IMAGE, True, 120, 80)


def test_an_ultra_hdr_photo_is_a_still_jpeg() -> None:
    found = inspect(samples.ultra_hdr_photo(), "PXL_20250703.jpg")
    assert (found.mime, found.animated, found.width, found.height) == ("image/jpeg", False, 800, 600)


def test_an_old_quicktime_movie_without_ftyp_is_a_video() -> None:
    hdlr = b"\x00\x00\x00\x21hdlr" + b"\x00" * 4 + b"mhlr" + b"vide" + b"\x00" * 13
    moov = struct.pack(">I", 8 + len(hdlr)) + b"moov" + hdlr
    movie = b"\x00\x00\x00\x08wide" + moov + b"\x00\x00\x00\x10mdat" + bytes(8)
    found = inspect(movie, "1998年春晚.mov")
    assert (found.kind, found.mime) == (AssetKind.VIDEO, "video/quicktime")


def test_a_windows_program_called_photo_jpg_is_refused() -> None:
    assert refusal(samples.windows_program(), "photo.jpg") == (
        "文件内容是 Windows 程序，不是图片，已拒绝。请上传 JPG、PNG 或 WebP 格式的照片。"
    )


def test_a_web_page_called_png_is_refused() -> None:
    message = refusal(samples.html_page(), "x.png")
    assert message.startswith("文件内容是网页（HTML），不是图片，已拒绝。")


def test_svg_is_refused_because_it_can_carry_scripts() -> None:
    message = refusal(samples.svg_image(), "logo.svg")
    assert message.startswith("暂不支持 SVG 矢量图（可能携带脚本")
    assert "导出为 PNG 或 JPG" in message
    assert "SVG" in refusal(samples.svg_image(), "logo.png")


def test_a_half_uploaded_jpeg_is_refused_as_damaged() -> None:
    assert refusal(samples.truncated_jpeg(), "a.jpg").startswith("图片文件已损坏或不完整")


def test_jpeg_magic_followed_by_garbage_is_refused_as_damaged() -> None:
    assert refusal(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "a.jpg").startswith("图片文件已损坏")


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    bomb = samples.png_bomb(20000)
    assert len(bomb) < 100_000
    message = refusal(bomb, "banner.png")
    assert message.startswith("图片像素太多，超过 8000 万像素的上限，处理时会占用过多内存，已拒绝。")


def test_a_bomb_in_pillows_warning_band_is_refused_by_our_own_limit() -> None:
    # 10000×9000 = 90 MP: Pillow only warns (its error starts at 179 MP); our 80 MP limit refuses.
    with pytest.warns(Image.DecompressionBombWarning):
        message = refusal(samples.png_bomb(10000, 9000), "a.png")
    assert "（10000×9000，约 9000 万像素），超过 8000 万像素的上限" in message


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_a_bomb_is_refused_when_warnings_are_errors() -> None:
    assert refusal(samples.png_bomb(10000, 9000), "a.png").startswith("图片像素太多")


def test_the_pixel_limit_is_ours_and_configurable() -> None:
    message = refusal(samples.phone_photo((2000, 1000)), "a.jpg", limits=Limits(image_pixels=1_000_000))
    assert "（2000×1000，约 200 万像素）" in message
    assert "超过 100 万像素的上限" in message


def test_heic_is_refused_with_iphone_advice_when_pillow_cannot_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sniff, "_pillow_reads", lambda pillow_format: False)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)
    message = refusal(heic, "IMG_0001.HEIC")
    assert message.startswith("暂不支持 HEIC 照片（苹果手机的默认格式），已拒绝。")
    assert "兼容性最佳" in message


def test_bmp_is_refused_with_a_way_to_convert() -> None:
    assert refusal(samples.encode(samples.photo((20, 10)), "BMP"), "scan.bmp") == (
        "暂不支持 BMP 图片，已拒绝。请转成 JPG 或 PNG 后再上传。"
    )


# --- Size -------------------------------------------------------------------------------------

def test_too_large_names_the_size_and_the_limit() -> None:
    data = samples.encode(samples.noise((600, 600)), "PNG")
    message = refusal(data, "a.png", limits=Limits(image_bytes=1 * MB))
    assert re.match(r"图片文件太大：这个文件有 1\.\d+ MB，图片最大 1 MB，已拒绝。", message)
    assert message.endswith("请压缩或缩小照片后再上传。")


def test_each_kind_has_its_own_limit() -> None:
    wav = samples.wav_audio(seconds=1)
    assert inspect(wav, "a.wav", limits=Limits(image_bytes=1000)).kind is AssetKind.AUDIO
    assert refusal(wav, "a.wav", limits=Limits(audio_bytes=1000)).startswith("音频文件太大")


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"", "a.jpg").startswith("文件是空的")


# --- Audio and video --------------------------------------------------------------------------

def test_wav_and_amr_recordings_are_audio() -> None:
    assert inspect(samples.wav_audio(), "录音.wav").mime == "audio/wav"
    amr = inspect(samples.amr_audio(), "录音.amr")
    assert (amr.kind, amr.mime, amr.safe_name) == (AssetKind.AUDIO, "audio/amr", "录音.amr")


def test_mp3_without_an_id3_tag_is_recognised_by_its_frame_sync() -> None:
    frame = b"\xff\xfa\x90\x64" + bytes(413)  # MPEG-1 layer III with CRC: filetype misses it
    assert inspect(frame * 20, "a.mp3").mime == "audio/mpeg"


@needs_ffmpeg
@pytest.mark.parametrize(
    ("name", "kind", "mime", "extension"),
    [
        ("clip.mp4", AssetKind.VIDEO, "video/mp4", "mp4"),
        ("clip.mov", AssetKind.VIDEO, "video/quicktime", "mov"),
        ("clip.3gp", AssetKind.VIDEO, "video/3gpp", "3gp"),
        ("clip.webm", AssetKind.VIDEO, "video/webm", "webm"),
        ("voice.m4a", AssetKind.AUDIO, "audio/mp4", "m4a"),
        ("voice.3gp", AssetKind.AUDIO, "audio/3gpp", "3gp"),
        ("voice_isom.mp4", AssetKind.AUDIO, "audio/mp4", "m4a"),
        ("voice.mp3", AssetKind.AUDIO, "audio/mpeg", "mp3"),
        ("voice.ogg", AssetKind.AUDIO, "audio/ogg", "ogg"),
    ],
)
def test_audio_and_video_by_content(
    av_files: dict[str, Path], name: str, kind: AssetKind, mime: str, extension: str
) -> None:
    with av_files[name].open("rb") as upload:
        found = inspect_upload(upload, "素材.dat")
    assert (found.kind, found.mime, found.extension, found.safe_name) == (kind, mime, extension, f"素材.{extension}")
    assert found.width is None


@needs_ffmpeg
def test_a_video_over_the_video_limit_is_refused(av_files: dict[str, Path]) -> None:
    with av_files["clip.mp4"].open("rb") as upload, pytest.raises(UploadRejected) as caught:
        inspect_upload(upload, "a.mp4", limits=Limits(video_bytes=10 * 1024))
    assert "视频最大 10 KB" in caught.value.message and "降低分辨率或码率" in caught.value.message


def test_mkv_is_refused_with_a_way_to_convert() -> None:
    mkv = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska" + bytes(64)
    assert refusal(mkv, "会议.mkv").startswith("暂不支持 MKV 视频，已拒绝。请转成 MP4")


def test_text_that_happens_to_start_with_free_is_not_a_movie() -> None:
    found = inspect(b"I'm free to talk on Monday.\n", "note.txt")
    assert found.mime == "text/plain"


# --- Documents --------------------------------------------------------------------------------

def test_pdf_docx_and_xlsx_are_documents() -> None:
    assert inspect(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n", "通知.pdf").mime == "application/pdf"
    docx = inspect(samples.office_file(samples.DOCX, "word/document.xml"), "稿件.doc")
    assert (docx.kind, docx.extension, docx.safe_name) == (AssetKind.DOCUMENT, "docx", "稿件.docx")
    assert inspect(samples.office_file(samples.XLSX, "xl/workbook.xml"), "表.xlsx").extension == "xlsx"


def test_macro_documents_are_refused() -> None:
    message = refusal(samples.office_file(samples.DOCM, "word/document.xml"), "稿件.docx")
    assert message.startswith("暂不支持带宏的 Office 文档，已拒绝。宏可能携带病毒。")
    sneaky = samples.office_file(samples.DOCX, "word/document.xml", extra={"word/vbaProject.bin": b"\x00"})
    assert "带宏" in refusal(sneaky, "稿件.docx")


def test_a_damaged_office_file_is_refused_not_crashed_on() -> None:
    docx = bytearray(samples.office_file(samples.DOCX, "word/document.xml"))
    data_start = 30 + len("[Content_Types].xml")  # the first member's compressed bytes
    docx[data_start : data_start + 20] = b"\xff" * 20  # zlib: invalid block type
    assert refusal(bytes(docx), "稿件.docx").startswith("文件内容是损坏的压缩文件或 Office 文档，不是文档，已拒绝。")


def test_a_zip_archive_is_refused_with_advice_to_unzip() -> None:
    assert refusal(samples.zip_archive(), "照片.zip") == (
        "文件内容是压缩包，不能作为素材上传，已拒绝。请解压后，把里面的照片、音视频或文档分别上传。"
    )


def test_old_office_files_are_refused_with_save_as_advice() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
    assert "另存为 .docx" in refusal(ole, "通知.doc")


def test_utf8_and_gb18030_text_are_accepted_with_their_charset() -> None:
    utf8 = inspect("标题,作者\n春耕,王磊\n".encode(), "名单.csv")
    assert (utf8.mime, utf8.extension, utf8.charset) == ("text/csv", "csv", "utf-8")
    gbk = inspect("县委全会召开\r\n".encode("gb18030"), "稿子.txt")
    assert (gbk.mime, gbk.charset, gbk.safe_name) == ("text/plain", "gb18030", "稿子.txt")


def test_text_starting_with_bm_is_text_not_a_bitmap() -> None:
    assert inspect("BMI,身高,体重\n22,170,64\n".encode(), "体检.csv").mime == "text/csv"


def test_binary_junk_is_refused_as_unknown() -> None:
    assert refusal(b"\x01\x02\x00\x00junk" * 50, "数据.jpg") == (
        "无法识别文件的内容（不是常见的图片格式），已拒绝。请上传 JPG、PNG 或 WebP 格式的照片。"
    )


def test_text_with_invalid_bytes_later_on_is_refused() -> None:
    data = "正文".encode() * 5000 + b"\xff\xfe\x80\x80\xff"
    assert refusal(data, "a.txt").startswith("无法识别文件的内容")


def test_utf16_text_gets_save_as_utf8_advice() -> None:
    assert refusal("通知".encode("utf-16"), "通知.txt") == (
        "暂不支持 UTF-16 编码的文本，已拒绝。请用记事本或 WPS 另存为 UTF-8 编码后再上传。"
    )


def test_pdf_rendering_in_the_same_process_does_not_let_truncated_images_through():
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; the rundown
    formatter restores it, so uploads keep refusing damaged photos."""
    from PIL import ImageFile

    import rongmei.distribution.formatters.rundown  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
