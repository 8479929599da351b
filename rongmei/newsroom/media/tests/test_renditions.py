"""make_renditions: sizes, exact aspect ratios, no enlarging, upright sRGB JPEGs."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from rongmei.newsroom.media import Limits, Rendition, UploadRejected, make_renditions
from rongmei.newsroom.media.renditions import smart_crop_box
from rongmei.newsroom.media.tests import samples


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def sizes(renditions: dict[str, Rendition]) -> dict[str, tuple[int, int]]:
    return {name: (r.width, r.height) for name, r in renditions.items()}


def test_a_large_photo_gets_every_rendition_at_its_size() -> None:
    renditions = make_renditions(samples.phone_photo((4000, 3000)))
    assert sizes(renditions) == {
        "thumb": (320, 240),
        "web": (1080, 810),
        "web_large": (1920, 1440),
        "wechat_cover": (900, 383),
        "square": (600, 600),
    }
    cover = renditions["wechat_cover"]
    assert abs(cover.width / 2.35 - cover.height) <= 1


def test_renditions_are_progressive_srgb_jpegs_without_metadata() -> None:
    for rendition in make_renditions(samples.phone_photo((2000, 1500))).values():
        image = opened(rendition.data)
        assert (rendition.mime, image.format, image.mode) == ("image/jpeg", "JPEG", "RGB")
        assert image.size == (rendition.width, rendition.height)
        assert image.info.get("progressive")
        assert not image.getexif() and "xmp" not in image.info  # no GPS can leak from here


def test_a_small_photo_is_never_enlarged() -> None:
    renditions = make_renditions(samples.phone_photo((600, 400)))
    assert sizes(renditions) == {
        "thumb": (320, 213),
        "web": (600, 400),
        "wechat_cover": (600, 255),
        "square": (400, 400),
    }
    cover = renditions["wechat_cover"]
    assert abs(cover.width / 2.35 - cover.height) <= 1


def test_web_large_only_when_wider_than_web() -> None:
    assert "web_large" not in make_renditions(samples.phone_photo((1080, 720)))
    assert sizes(make_renditions(samples.phone_photo((1500, 1000))))["web_large"] == (1500, 1000)


def test_a_tall_infographic_keeps_its_length_and_gets_a_cover_from_its_middle_band() -> None:
    renditions = make_renditions(samples.encode(samples.photo((1242, 6000)), "PNG"))
    assert sizes(renditions)["web"] == (1080, 5217)
    assert sizes(renditions)["wechat_cover"] == (900, 383)
    assert sizes(renditions)["thumb"] == (66, 320)


def test_a_photo_taken_upright_comes_out_upright() -> None:
    renditions = make_renditions(samples.phone_photo((800, 600), orientation=6))
    assert sizes(renditions)["web"] == (600, 800)
    web = opened(renditions["web"].data)
    red, _, blue = samples.rgb_at(web, (600 - 30, 30))  # blue block: top-right once turned
    assert blue > 150 and red < 100


def test_transparency_is_flattened_on_white() -> None:
    web = opened(make_renditions(samples.png_with_alpha((400, 300)))["web"].data)
    assert all(channel > 245 for channel in samples.rgb_at(web, (5, 5)))  # was fully transparent
    red, green, _ = samples.rgb_at(web, (200, 150))
    assert red > 200 and green < 60


@pytest.mark.parametrize(
    "data",
    [
        samples.cmyk_jpeg(),
        samples.encode(Image.new("LA", (300, 200), (128, 100)), "PNG"),
        samples.encode(samples.photo((300, 200)).convert("P"), "PNG", transparency=0),
        samples.encode(samples.photo((300, 200)).convert("L"), "JPEG"),
        samples.encode(samples.photo((300, 200)), "JPEG", icc_profile=b"not a real profile"),
        samples.animated_gif(),
    ],
    ids=["cmyk", "la", "palette-with-transparency", "greyscale", "broken-icc", "animated-gif"],
)
def test_every_colour_mode_becomes_rgb(data: bytes) -> None:
    for rendition in make_renditions(data).values():
        assert opened(rendition.data).mode == "RGB"


def test_a_cmyk_photo_keeps_its_colours() -> None:
    web = opened(make_renditions(samples.cmyk_jpeg((500, 400)))["web"].data)
    red, green, blue = samples.rgb_at(web, (400, 300))
    assert red > 180 and green < 80 and blue < 80


def test_the_crop_follows_the_detail() -> None:
    # A wide, plain stage with all the detail (a speaker) at its left edge.
    stage = Image.new("RGB", (2000, 1000), (240, 240, 240))
    stage.paste(samples.noise((300, 1000)), (0, 0))
    left, _, right, _ = smart_crop_box(stage, 1.0)
    assert (left, right) == (0, 1000)


def test_a_plain_photo_is_cut_in_the_centre() -> None:
    assert smart_crop_box(Image.new("RGB", (2000, 1000), (90, 90, 90)), 1.0) == (500, 0, 1500, 1000)
    assert smart_crop_box(Image.new("RGB", (1000, 2000), (90, 90, 90)), 900 / 383) == (0, 787, 1000, 1213)


def test_bombs_and_broken_files_are_refused() -> None:
    with pytest.raises(UploadRejected, match="图片像素太多"):
        make_renditions(samples.png_bomb(20000))
    with pytest.raises(UploadRejected, match="图片像素太多"):
        make_renditions(samples.phone_photo((2000, 1000)), limits=Limits(image_pixels=1_000_000))
    with pytest.raises(UploadRejected, match="图片文件已损坏"):
        make_renditions(samples.truncated_jpeg())
