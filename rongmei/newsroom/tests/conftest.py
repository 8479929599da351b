import io

import pytest
from PIL import Image


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded files go to a fresh folder per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def jpeg_with_gps(caption="青山镇积水点抢修现场", credit="王磊 摄", size=(1200, 800)) -> bytes:
    image = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    exif[0x010E] = caption.encode("utf-8")  # ImageDescription, as phones write it
    exif[0x013B] = credit.encode("utf-8")   # Artist
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (30.0, 15.0, 0.0), "E", (120.0, 5.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("现场.jpg", jpeg_with_gps(), "image/jpeg")
