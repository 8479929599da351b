"""safe_file_name: Chinese stays, harm goes."""

from __future__ import annotations

import pytest

from rongmei.newsroom.media.names import MAX_STEM_BYTES, safe_file_name


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("县委全会现场.jpg", "县委全会现场.jpg"),
        ("县委 全会（终稿）.JPG", "县委_全会（终稿）.jpg"),
        ("../../etc/passwd", "passwd.jpg"),
        ("C:\\Users\\王磊\\Desktop\\春耕.jpeg", "春耕.jpg"),
        ("photo.php.jpg", "photo_php.jpg"),
        ("a<b>c:d\"e|f?g*h.png", "a_b_c_d_e_f_g_h.jpg"),
        ("invoice\u202egpj.exe", "invoicegpj.jpg"),  # right-to-left override removed
        ("zero\u200bwidth.jpg", "zerowidth.jpg"),
        ("...", "未命名.jpg"),
        ("", "未命名.jpg"),
        ("   .jpg", "未命名.jpg"),
        ("CON.jpg", "CON_.jpg"),
        ("$(rm -rf ~);.jpg", "(rm_-rf_).jpg"),
    ],
)
def test_cleaned_names(given: str, expected: str) -> None:
    assert safe_file_name(given, "jpg") == expected


def test_long_names_are_cut_on_a_character_boundary() -> None:
    name = safe_file_name("融" * 200 + ".jpg", "jpg")
    stem = name.removesuffix(".jpg")
    assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES
    assert set(stem) == {"融"} and len(stem) == MAX_STEM_BYTES // 3
