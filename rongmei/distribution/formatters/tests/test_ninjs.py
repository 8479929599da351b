"""ninjs 3.1: every kind of item validates against the IPTC schema, shipped and shared."""

from __future__ import annotations

import pytest

from rongmei.distribution.formatters.ninjs import (
    GEOJSON_FILE, PACKAGED_SCHEMAS, SCHEMA_FILE, SHARED_STANDARDS, NinjsError, ninjs_errors,
    schema_dir, to_ninjs, validate_ninjs,
)
from rongmei.distribution.formatters.types import ChannelCopy, PublishImage

from .samples import flood_item, photo_item, video_item

SCHEMA_DIRS = [
    pytest.param(SHARED_STANDARDS, id="shared"),
    pytest.param(PACKAGED_SCHEMAS, id="packaged"),
]


def shared_available() -> bool:
    return (SHARED_STANDARDS / SCHEMA_FILE).is_file()


@pytest.fixture(params=SCHEMA_DIRS)
def schemas(request):
    if request.param == SHARED_STANDARDS and not shared_available():
        pytest.skip("no source checkout with /shared/standards here")
    return request.param


@pytest.mark.skipif(not shared_available(), reason="no source checkout with /shared/standards")
@pytest.mark.parametrize("name", [SCHEMA_FILE, GEOJSON_FILE, "ninjs-LICENSE.txt", "GeoJSON-LICENSE.md"])
def test_shipped_schemas_are_the_shared_ones(name):
    assert (PACKAGED_SCHEMAS / name).read_bytes() == (SHARED_STANDARDS / name).read_bytes()


def test_the_shared_folder_is_preferred_in_a_checkout():
    assert schema_dir() == (SHARED_STANDARDS if shared_available() else PACKAGED_SCHEMAS)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: flood_item(images=()), id="text"),
        pytest.param(flood_item, id="text-with-pictures"),
        pytest.param(video_item, id="video"),
        pytest.param(photo_item, id="picture"),
        pytest.param(lambda: flood_item(media=video_item().media), id="composite"),
        pytest.param(lambda: flood_item(pubstatus="canceled", correction_note="数据有误"), id="canceled"),
        pytest.param(lambda: flood_item(correction_note="第三段“2万元”应为“20万元”"), id="correction"),
        pytest.param(lambda: flood_item(pubstatus="withheld"), id="withheld"),
    ],
)
def test_every_kind_of_item_is_valid_ninjs(make, schemas):
    doc = to_ninjs(make())
    assert ninjs_errors(doc, schemas=schemas) == []
    validate_ninjs(doc, schemas=schemas)


def test_text_story_carries_the_core_properties():
    doc = to_ninjs(flood_item(images=()))
    assert doc["uri"] == "urn:rongmei:demo:story:42"
    assert (doc["type"], doc["profile"]) == ("text", "text-only")
    assert doc["version"] == "3"
    assert doc["pubStatus"] == "usable"
    assert doc["language"] == "zh-CN"
    assert doc["standard"]["version"] == "3.1"
    # stored in UTC: 06:40 in Beijing is 22:40 the day before
    assert doc["firstCreated"] == doc["contentCreated"] == "2024-07-02T22:40:00Z"
    assert doc["versionCreated"] == "2024-07-03T01:15:30Z"
    assert [h["role"] for h in doc["headlines"]] == ["main", "kicker", "subtitle"]
    assert doc["headlines"][0]["value"].startswith("示例县迎战入汛以来最强降雨")
    assert doc["descriptions"] == [{"role": "summary", "contentType": "text/plain",
                                    "value": "7月3日凌晨示例县普降暴雨，城区积水点半小时内基本消退。"}]
    assert doc["by"] == "记者 王磊　通讯员 张晓燕　摄影 李娜"
    assert {"name": "赵敏", "rel": "editor"} in doc["people"]
    assert {"name": "防汛", "rel": "keyword"} in doc["subjects"]
    assert {"name": "民生关注", "rel": "section"} in doc["subjects"]
    assert doc["places"] == [{"name": "示例县城关镇", "rel": "located"}]
    assert doc["copyrightHolder"] == "示例县融媒体中心"
    assert doc["renditions"] == [{"name": "web", "href": "https://www.example.cn/news/42/",
                                  "contentType": "text/html"}]
    assert "associations" not in doc
    assert "edNote" not in doc


def test_bodies_are_html_and_plain_with_character_counts():
    html, plain = to_ninjs(flood_item())["bodies"]
    assert html["contentType"] == "text/html" and "<h2>排水管网改造见成效</h2>" in html["value"]
    assert plain["contentType"] == "text/plain"
    assert plain["value"].splitlines()[2] == "排水管网改造见成效"
    assert "1. 遇积水及时拨打12345热线；" in plain["value"]
    assert plain["charCount"] == len("".join(plain["value"].split()))


def test_pictures_are_associations_with_captions_and_credits():
    doc = to_ninjs(flood_item())
    assert (doc["type"], doc["profile"]) == ("text", "text-photo")
    first, second = doc["associations"]
    assert first["name"] == "picture1" and first["rel"] == "featureimage"
    assert first["uri"] == "urn:rongmei:demo:story:42:picture:1"
    assert first["type"] == "picture"
    assert first["descriptions"][0] == {"role": "caption", "contentType": "text/plain",
                                        "value": "7月3日凌晨，县住建局抢险队员在解放路清理雨水篦子。"}
    assert first["by"] == "李娜"
    assert first["renditions"] == [{"name": "web", "href": "https://media.example.cn/2024/07/flood-1.jpg",
                                    "contentType": "image/jpeg", "width": 1080, "height": 720}]
    assert second["renditions"][0]["contentType"] == "image/png"


def test_a_video_is_the_item_itself():
    doc = to_ninjs(video_item())
    assert (doc["type"], doc["profile"]) == ("video", "video")
    original, poster = doc["renditions"]
    assert original == {"name": "original", "href": "https://media.example.cn/2024/07/flood.mp4",
                        "contentType": "video/mp4", "duration": 58.4, "width": 1920, "height": 1080}
    assert poster["name"] == "poster" and poster["href"].endswith("flood-poster.jpg")
    assert doc["descriptions"][-1]["value"] == "航拍：雨后的城关镇。"
    assert "bodies" not in doc


def test_a_single_picture_is_a_picture_item():
    doc = to_ninjs(photo_item())
    assert doc["type"] == "picture"
    assert doc["renditions"][0]["href"] == "https://media.example.cn/2024/07/flood-1.jpg"


def test_text_with_video_is_composite():
    doc = to_ninjs(flood_item(media=video_item().media))
    assert (doc["type"], doc["profile"]) == ("composite", "multimedia")
    assert [a["type"] for a in doc["associations"]] == ["picture", "picture", "video"]


def test_takedown_is_canceled_with_a_notice_and_nothing_else_to_reuse():
    doc = to_ninjs(flood_item(pubstatus="canceled", correction_note="数据有误，待核实"))
    assert doc["pubStatus"] == "canceled"
    assert doc["uri"] == "urn:rongmei:demo:story:42"
    html, plain = doc["bodies"]
    assert plain["value"].startswith("撤稿通知：《示例县迎战入汛以来最强降雨")
    assert "撤稿原因：数据有误，待核实。" in plain["value"]
    assert "本报讯" not in plain["value"] and "本报讯" not in html["value"]
    assert "associations" not in doc and "descriptions" not in doc
    assert "已撤稿" in doc["edNote"]


def test_correction_keeps_the_story_and_opens_with_the_notice():
    doc = to_ninjs(flood_item(correction_note="第三段“2万元”应为“20万元”"))
    assert doc["pubStatus"] == "usable"
    plain = doc["bodies"][1]["value"]
    assert plain.splitlines()[0] == "更正：本稿于2024年7月3日发布，现更正如下：第三段“2万元”应为“20万元”。"
    assert "本报讯" in plain
    assert doc["bodies"][0]["value"].startswith("<p>更正：本稿于")
    assert doc["edNote"].startswith("本稿于2024年7月3日发布")


def test_withheld_keeps_its_status():
    assert to_ninjs(flood_item(pubstatus="withheld"))["pubStatus"] == "withheld"


def test_relative_and_chinese_addresses_become_absolute_uris(schemas):
    item = flood_item(images=(PublishImage(url="/media/图片/水.jpg", caption="图"),))
    doc = to_ninjs(item)
    assert doc["associations"][0]["renditions"][0]["href"] == (
        "https://www.example.cn/media/%E5%9B%BE%E7%89%87/%E6%B0%B4.jpg"
    )
    assert ninjs_errors(doc, schemas=schemas) == []


def test_a_relative_picture_without_a_site_address_has_no_rendition(schemas):
    doc = to_ninjs(flood_item(url="", images=(PublishImage(url="/media/a.jpg"),)))
    assert "renditions" not in doc["associations"][0]
    assert ninjs_errors(doc, schemas=schemas) == []


def test_the_web_rendition_wins_over_the_master():
    web = ChannelCopy(channel="web", title="积水半小时消退", body="<p>网站版正文。</p>")
    doc = to_ninjs(flood_item(rendition=web))
    assert doc["headlines"][0] == {"role": "main", "value": "积水半小时消退"}
    assert doc["bodies"][1]["value"] == "网站版正文。"


def test_empty_fields_are_left_out():
    doc = to_ninjs(flood_item(kicker="", subheadline="", summary="", location="", tags=(), column=""))
    assert [h["role"] for h in doc["headlines"]] == ["main"]
    for absent in ("descriptions", "places", "located", "subjects", "embargoedUntil"):
        assert absent not in doc


def test_place_geometry_resolves_to_the_local_geojson_schema(schemas):
    doc = to_ninjs(flood_item())
    doc["places"][0]["geoJSON"] = {"type": "Point", "coordinates": [114.3, 30.6]}
    assert ninjs_errors(doc, schemas=schemas) == []
    doc["places"][0]["geoJSON"] = {"type": "Point", "coordinates": "城关镇"}
    assert ninjs_errors(doc, schemas=schemas)


def test_invalid_documents_are_refused_with_every_problem(schemas):
    doc = to_ninjs(flood_item())
    doc["pubStatus"] = "published"
    doc["versionCreated"] = "2024-07-03 09:15"   # not RFC 3339
    doc["uri"] = "示例 42"                        # not a URI
    doc["colour"] = "red"                         # not a ninjs property
    with pytest.raises(NinjsError) as refused:
        validate_ninjs(doc, schemas=schemas)
    paths = [e.split(":")[0] for e in refused.value.errors]
    assert paths == ["(根)", "pubStatus", "uri", "versionCreated"]
    assert "ninjs 文档不符合 IPTC 规范" in str(refused.value)


def test_the_output_is_deterministic():
    assert to_ninjs(flood_item()) == to_ninjs(flood_item())
