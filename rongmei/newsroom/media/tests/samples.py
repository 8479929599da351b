"""Test media made in one line each, all generated here (no binary fixtures in the repo).

`phone_photo()` is a JPEG the way a phone writes it: GPS, a UTF-8 caption and credit,
and (optionally) orientation 6 for a photo taken upright. The others are the awkward
files a newsroom really receives: a PNG logo with transparency, a CMYK JPEG from the print
layout, an animated GIF, a decompression bomb, an .exe with a photo's name, a half-uploaded
JPEG. Audio and video come from ffmpeg's test sources (see conftest.py).
"""

from __future__ import annotations

import io
import random
import struct
import wave
import zipfile
import zlib

from PIL import ExifTags, Image

CAPTION = "7月3日，县住建局抢险队员在解放路排涝。"
CREDIT = "王磊"
COPYRIGHT = "示例县融媒体中心"
# 30°15'10.5"N 114°20'5"E, somewhere in a county in Hubei
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (30.0, 15.0, 10.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (114.0, 20.0, 5.0),
}
RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)


def photo(size: tuple[int, int] = (800, 600), color: tuple[int, int, int] = RED, mode: str = "RGB") -> Image.Image:
    """A plain photo with a blue block in its top-left corner, to see where pixels went."""
    image = Image.new("RGB", size, color)
    image.paste(BLUE, (0, 0, max(1, size[0] // 4), max(1, size[1] // 4)))
    return image.convert(mode) if mode != "RGB" else image


def rgb_at(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    red, green, blue = image.convert("RGB").getpixel(xy)  # type: ignore[misc]
    return red, green, blue


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def phone_exif(
    *, orientation: int | None = None, caption: bytes = CAPTION.encode(), credit: bytes = CREDIT.encode()
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "Mate 60"
    exif[ExifTags.Base.ImageDescription] = caption
    exif[ExifTags.Base.Artist] = credit
    exif[ExifTags.Base.Copyright] = COPYRIGHT.encode()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = dict(GPS)
    return exif


def phone_photo(size: tuple[int, int] = (800, 600), *, orientation: int | None = None, **options: object) -> bytes:
    """A JPEG as a phone writes it: GPS, caption, credit, copyright; `orientation=6` for a
    photo held upright (pixels stored sideways, the blue block then shows top-right)."""
    return encode(photo(size), "JPEG", exif=phone_exif(orientation=orientation), quality=90, **options)


def ultra_hdr_photo(size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG with a second, smaller image appended (MPO), as Android's Ultra HDR photos
    carry their gain map; both images have GPS."""
    gain_map = photo((size[0] // 4, size[1] // 4), color=(128, 128, 128))
    return encode(photo(size), "MPO", save_all=True, append_images=[gain_map], exif=phone_exif())


def png_with_alpha(size: tuple[int, int] = (400, 300)) -> bytes:
    """A logo: a red disc-ish square on a fully transparent background."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((220, 20, 20, 255), (size[0] // 4, size[1] // 4, 3 * size[0] // 4, 3 * size[1] // 4))
    return encode(image, "PNG")


def cmyk_jpeg(size: tuple[int, int] = (500, 400), **options: object) -> bytes:
    return encode(photo(size, mode="CMYK"), "JPEG", quality=90, **options)


def animated_gif(size: tuple[int, int] = (120, 80), frames: int = 3) -> bytes:
    images = [photo(size, color=(i * 80 % 256, 120, 40)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def png_bomb(width: int = 20000, height: int | None = None) -> bytes:
    """A one-colour PNG built row by row: 20000×20000 is a few tens of KB on disk and 400
    million pixels (1.2 GB as RGB) once decoded. Built by hand: Pillow would need the
    memory to make one."""
    height = height or width
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + a row of 1-bit pixels
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def windows_program() -> bytes:
    """The start of a PE file: "MZ", the DOS header with its zeros, the DOS stub."""
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48))
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = b"This program cannot be run in DOS mode.\r\r\n$"
    return bytes(header) + stub.ljust(0x80 - len(header), b"\x00") + b"PE\x00\x00" + bytes(200)


def html_page() -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head><title>领奖</title></head>"
        "<body><script>alert(1)</script></body></html>"
    ).encode()


def svg_image() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>fetch('/api/me')</script><rect width='10' height='10'/></svg>"
    )


def truncated_jpeg() -> bytes:
    data = encode(noise((600, 400)), "JPEG", quality=90)
    return data[: len(data) // 2]


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Random pixels: every part of the picture is detail, and JPEG cannot shrink it."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def wav_audio(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(int(seconds * rate) * 2))
    return out.getvalue()


def amr_audio(frames: int = 50) -> bytes:
    """AMR-NB as phone recorders write it: the magic, then 12.2 kbit/s frames (header 0x3C)."""
    return b"#!AMR\n" + (b"\x3c" + bytes(31)) * frames


def office_file(main_content_type: str, main_part: str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal OOXML package: [Content_Types].xml naming the main part, and the part."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_content_type}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr(main_part, "<document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("照片/1.jpg", b"not really")
    return out.getvalue()


def with_app13(jpeg_data: bytes, resources: list[tuple[int, bytes]]) -> bytes:
    """`jpeg_data` with a Photoshop APP13 segment right after SOI holding these resources."""
    blocks = b""
    for resource, data in resources:
        blocks += b"8BIM" + struct.pack(">H", resource) + b"\x00\x00" + struct.pack(">I", len(data)) + data
        blocks += b"\x00" * (len(data) % 2)
    payload = b"Photoshop 3.0\x00" + blocks
    return jpeg_data[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg_data[2:]


def iptc_record(fields: list[tuple[int, int, bytes]]) -> bytes:
    return b"".join(b"\x1c" + bytes((record, dataset)) + struct.pack(">H", len(v)) + v for record, dataset, v in fields)


def with_xmp(jpeg_data: bytes, packet: bytes) -> bytes:
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return jpeg_data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg_data[2:]


DJI_XMP = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="DJI Meta Data" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'
    b' xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"'
    b' drone-dji:GpsLatitude="+30.252917" drone-dji:GpsLongtitude="+114.334722"'
    b' drone-dji:AbsoluteAltitude="+63.50" drone-dji:FlightYawDegree="+12.30"'
    b' photoshop:City="\xe7\xa4\xba\xe4\xbe\x8b\xe5\x8e\xbf" tiff:Orientation="1">'
    b"<exif:GPSLatitude>30,15.175N</exif:GPSLatitude>"
    b"<exif:GPSLongitude>114,20.083E</exif:GPSLongitude>"
    b'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">\xe6\x8e\x92\xe6\xb6\x9d</rdf:li></rdf:Alt>'
    b"</dc:description>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)
