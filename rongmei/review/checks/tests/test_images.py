"""Images without caption or credit are flagged."""

from __future__ import annotations

from rongmei.review.checks import ImageRef, find_images


def test_missing_caption_and_credit_warn_per_image() -> None:
    found = find_images([
        ImageRef(12, "", "记者 王磊 摄"),
        ImageRef(13, "城关镇群众参加防汛演练", ""),
        ImageRef(14, "  ", " "),
        ImageRef(15, "村民在茶园采茶", "通讯员 李娜 摄"),
    ])
    assert [(f.field, f.severity) for f in found] == [
        ("caption:12", "warn"),
        ("credit:13", "warn"),
        ("caption:14", "warn"),
        ("credit:14", "warn"),
    ]
    assert "图片说明" in found[0].message and "12" in found[0].message
    assert "署名" in found[1].message


def test_file_name_is_not_a_caption() -> None:
    [finding] = find_images([ImageRef("a1", "IMG_2031.JPG", "记者 王磊 摄")])
    assert finding.field == "caption:a1" and "文件名" in finding.message


def test_tuples_are_accepted() -> None:
    assert find_images([(1, "说明", "署名")]) == []
