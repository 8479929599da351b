"""strip_location and read_caption_credit: the place goes, the caption and credit stay."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import ExifTags, Image, IptcImagePlugin

from rongmei.newsroom.media import UploadRejected, jpeg, read_caption_credit, strip_location
from rongmei.newsroom.media.tests import samples


def exif_of(data: bytes) -> Image.Exif:
    return Image.open(io.BytesIO(data)).getexif()


def test_gps_is_removed_and_caption_credit_copyright_kept() -> None:
    original = samples.phone_photo()
    assert exif_of(original).get_ifd(ExifTags.IFD.GPSInfo)  # the sample really has GPS

    stripped = strip_location(original)

    longitude = struct.pack(">IIIIII", 114, 1, 20, 1, 5, 1)  # the GPS longitude as stored
    assert longitude in original and longitude not in stripped
    exif = exif_of(stripped)
    assert ExifTags.IFD.GPSInfo not in exif
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert exif[ExifTags.Base.ImageDescription].encode("latin-1").decode() == samples.CAPTION
    assert exif[ExifTags.Base.Artist].encode("latin-1").decode() == samples.CREDIT
    assert exif[ExifTags.Base.Copyright].encode("latin-1").decode() == samples.COPYRIGHT
    assert exif[ExifTags.Base.Make] == "HUAWEI"
    assert read_caption_credit(stripped) == (samples.CAPTION, samples.CREDIT)


def test_without_rotation_the_picture_is_copied_not_re_encoded() -> None:
    original = samples.phone_photo()
    stripped = strip_location(original)
    assert jpeg.split(stripped)[1] == jpeg.split(original)[1]


def test_orientation_is_applied_to_the_pixels_and_dropped() -> None:
    original = samples.phone_photo((800, 600), orientation=6)
    stripped = strip_location(original)
    image = Image.open(io.BytesIO(stripped))
    assert image.size == (600, 800)
    assert ExifTags.Base.Orientation not in image.getexif()
    # The blue block was top-left of the stored (sideways) pixels; turned 90° clockwise
    # it is top-right. Red is elsewhere.
    assert _is_blue(samples.rgb_at(image, (600 - 40, 40)))
    assert not _is_blue(samples.rgb_at(image, (40, 40)))
    assert read_caption_credit(stripped) == (samples.CAPTION, samples.CREDIT)
    assert ExifTags.IFD.GPSInfo not in image.getexif()


def _is_blue(pixel: tuple[int, int, int]) -> bool:
    red, _, blue = pixel
    return blue > 150 and red < 100


def test_a_cmyk_photo_is_turned_and_stays_cmyk() -> None:
    original = samples.cmyk_jpeg((500, 400), exif=samples.phone_exif(orientation=6))
    image = Image.open(io.BytesIO(strip_location(original)))
    assert (image.mode, image.size) == ("CMYK", (400, 500))
    assert _is_blue(samples.rgb_at(image, (400 - 30, 30)))


def test_maker_note_and_serial_numbers_are_removed() -> None:
    exif = samples.phone_exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.BodySerialNumber] = "SN-4711"
    exif_ifd[ExifTags.Base.MakerNote] = b"HUAWEI\x00\x00secret"
    exif_ifd[ExifTags.Base.DateTimeOriginal] = "2025:07:03 08:15:00"
    original = samples.encode(samples.photo(), "JPEG", exif=exif)
    assert exif_of(original).get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == "SN-4711"

    kept = exif_of(strip_location(original)).get_ifd(ExifTags.IFD.Exif)
    assert ExifTags.Base.BodySerialNumber not in kept
    assert ExifTags.Base.MakerNote not in kept
    assert kept[ExifTags.Base.DateTimeOriginal] == "2025:07:03 08:15:00"


def test_xmp_coordinates_go_and_the_city_and_description_stay() -> None:
    original = samples.with_xmp(samples.phone_photo(), samples.DJI_XMP)
    stripped = strip_location(original)
    packet = Image.open(io.BytesIO(stripped)).info["xmp"]
    for gone in (b"GpsLatitude", b"GpsLongtitude", b"AbsoluteAltitude", b"exif:GPSLatitude", b"exif:GPSLongitude"):
        assert gone not in packet
    kept = (b'photoshop:City="', b"FlightYawDegree", b"<dc:description>", b"xmlns:drone-dji", b'tiff:Orientation="1"')
    for still_there in kept:
        assert still_there in packet


def test_xmp_orientation_goes_when_the_pixels_are_turned() -> None:
    original = samples.with_xmp(samples.phone_photo(orientation=6), samples.DJI_XMP)
    packet = Image.open(io.BytesIO(strip_location(original))).info["xmp"]
    assert b"tiff:Orientation" not in packet and b"GpsLatitude" not in packet


def test_iptc_caption_and_byline_stay_and_the_photoshop_thumbnail_goes() -> None:
    iptc = samples.iptc_record(
        [(1, 90, b"\x1b%G"), (2, 120, "防汛一线".encode()), (2, 80, "张晓燕".encode()), (2, 80, "王磊".encode())]
    )
    thumbnail = samples.encode(samples.photo((160, 120)), "JPEG")
    original = samples.with_app13(samples.encode(samples.photo(), "JPEG"), [(0x040C, thumbnail), (0x0404, iptc)])
    assert read_caption_credit(original) == ("防汛一线", "张晓燕、王磊")

    stripped = strip_location(original)
    assert read_caption_credit(stripped) == ("防汛一线", "张晓燕、王磊")
    assert thumbnail not in stripped
    record = IptcImagePlugin.getiptcinfo(Image.open(io.BytesIO(stripped)))
    assert record is not None and record[(2, 120)] == "防汛一线".encode()


def test_data_after_the_end_of_the_jpeg_is_dropped() -> None:
    trailer = b"\xff\xd8" + b"SEFT depth map and a second image" + b"\xff\xd9"
    original = samples.phone_photo() + trailer
    stripped = strip_location(original)
    assert not stripped.endswith(trailer)
    assert stripped.endswith(b"\xff\xd9")


def test_an_ultra_hdr_photo_loses_its_appended_images_and_their_gps() -> None:
    original = samples.ultra_hdr_photo()
    assert Image.open(io.BytesIO(original)).format == "MPO"
    stripped = strip_location(original)
    image = Image.open(io.BytesIO(stripped))
    assert (image.format, image.size) == ("JPEG", (800, 600))
    assert ExifTags.IFD.GPSInfo not in image.getexif()
    assert b"MPF\x00" not in stripped and stripped.count(b"\xff\xd8") == 1
    assert read_caption_credit(stripped) == (samples.CAPTION, samples.CREDIT)


def test_a_progressive_jpeg_keeps_every_scan() -> None:
    original = samples.phone_photo(progressive=True)
    stripped = strip_location(original)
    assert jpeg.split(stripped)[1] == jpeg.split(original)[1]
    Image.open(io.BytesIO(stripped)).load()


def test_png_exif_gps_is_removed() -> None:
    original = samples.encode(samples.photo((200, 100)), "PNG", exif=samples.phone_exif())
    stripped = strip_location(original)
    image = Image.open(io.BytesIO(stripped))
    assert image.format == "PNG"
    assert ExifTags.IFD.GPSInfo not in image.getexif()
    assert read_caption_credit(stripped) == (samples.CAPTION, samples.CREDIT)


def test_webp_exif_gps_is_removed() -> None:
    original = samples.encode(samples.photo((200, 100)), "WEBP", exif=samples.phone_exif(), lossless=True)
    image = Image.open(io.BytesIO(strip_location(original)))
    assert image.format == "WEBP"
    assert ExifTags.IFD.GPSInfo not in image.getexif()


def test_images_without_metadata_are_returned_unchanged() -> None:
    for data in (samples.png_with_alpha(), samples.animated_gif()):
        assert strip_location(data) == data


def test_broken_images_are_refused() -> None:
    with pytest.raises(UploadRejected, match="图片文件已损坏"):
        strip_location(b"\xff\xd8\xff\xe0 not a jpeg at all")


# --- read_caption_credit -----------------------------------------------------------------------

def test_gb18030_exif_text_is_decoded() -> None:
    original = samples.phone_photo()
    exif = samples.phone_exif(caption="县委全会召开".encode("gb18030"), credit="李娜".encode("gb18030"))
    original = samples.encode(samples.photo(), "JPEG", exif=exif)
    assert read_caption_credit(original) == ("县委全会召开", "李娜")


def test_camera_boilerplate_is_not_a_caption_and_windows_tags_are_read() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = "OLYMPUS DIGITAL CAMERA         "
    exif[0x9C9C] = "村民在新修的桥上".encode("utf-16-le") + b"\x00\x00"  # XPComment
    exif[0x9C9D] = "周婷".encode("utf-16-le") + b"\x00\x00"  # XPAuthor
    original = samples.encode(samples.photo(), "JPEG", exif=exif)
    assert read_caption_credit(original) == ("村民在新修的桥上", "周婷")


def test_copyright_is_the_credit_of_last_resort() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Copyright] = samples.COPYRIGHT.encode()
    original = samples.encode(samples.photo(), "JPEG", exif=exif)
    assert read_caption_credit(original) == ("", samples.COPYRIGHT)


def test_a_photo_without_metadata_has_no_caption_or_credit() -> None:
    assert read_caption_credit(samples.png_with_alpha()) == ("", "")
