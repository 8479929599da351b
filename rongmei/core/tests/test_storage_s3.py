"""Media on S3-compatible storage (issue 19): the settings `rongmei check` validates, files
landing in the bucket (not on the disk), the presigned redirect, the bucket probe, print
packages reading originals from the bucket, tools getting a temporary local copy.

The shared media tests (core/tests/test_media_access.py, newsroom asset and video tests) run
on both storages through `rongmei.testing.s3.media_storage`; this file holds what is S3's own.
"""

import io
import os
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from rongmei import config
from rongmei.core import storage as media_storage_mod
from rongmei.core import storage_s3
from rongmei.core.models import User
from rongmei.newsroom.services import assets as asset_svc
from rongmei.testing import s3 as s3_testing

BUCKET = s3_testing.BUCKET
s3_server = s3_testing.s3_server

S3_ENV = {"RONGMEI_VAR_DIR": "", "MEDIA_STORAGE": "s3", "S3_BUCKET": "county-media",
          "S3_ENDPOINT_URL": "http://127.0.0.1:9000", "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "s"}


def _load(tmp_path, **env):
    return config.load({**S3_ENV, "RONGMEI_VAR_DIR": str(tmp_path), **env})


def test_settings_for_s3_are_checked_in_chinese(tmp_path):
    good = _load(tmp_path, S3_REGION="cn-hangzhou", S3_CUSTOM_DOMAIN="media.example.gov.cn", S3_LOCATION="/media/")
    assert not good.problems and good.media_storage == "s3" and good.s3_delivery == "stream"
    assert {"bucket_name": "county-media", "endpoint_url": "http://127.0.0.1:9000", "region_name": "cn-hangzhou",
            "access_key": "k", "secret_key": "s", "addressing_style": "path",
            "custom_domain": "media.example.gov.cn", "location": "media"}.items() <= good.s3.items()
    assert config.load({"RONGMEI_VAR_DIR": str(tmp_path)}).s3 is None       # the default stays the local folder
    assert _load(tmp_path, MEDIA_STORAGE="", RONGMEI_MEDIA_STORAGE="s3").s3["bucket_name"] == "county-media"

    def named(**env):
        return {p.setting: p.message for p in _load(tmp_path, **env).problems}

    assert "存储桶名称" in named(S3_BUCKET="")["S3_BUCKET"]
    assert "不是合法的存储桶名称" in named(S3_BUCKET="Bad_Bucket")["S3_BUCKET"]
    assert "不是对象存储的地址" in named(S3_ENDPOINT_URL="minio:9000")["S3_ENDPOINT_URL"]
    assert "成对填写" in named(S3_SECRET_ACCESS_KEY="")["S3_SECRET_ACCESS_KEY"]
    assert "path" in named(S3_ADDRESSING_STYLE="sideways")["S3_ADDRESSING_STYLE"]
    assert "redirect" in named(S3_MEDIA_DELIVERY="cdn")["S3_MEDIA_DELIVERY"]
    assert "s3" in named(MEDIA_STORAGE="ftp")["MEDIA_STORAGE"]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def on_s3(request, settings, tmp_path, s3_server):
    """Only S3: a fresh prefix of the moto bucket."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.RONGMEI_SERVE_MEDIA = True
    prefix = f"own-{os.getpid()}-{id(request.node)}"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": s3_testing.BACKEND, "OPTIONS": {**s3_server, "location": prefix}}}
    client = boto3.client("s3", endpoint_url=s3_server["endpoint_url"], region_name="us-east-1",
                          aws_access_key_id=s3_server["access_key"], aws_secret_access_key=s3_server["secret_key"])
    return prefix, client


def test_an_upload_lands_in_the_bucket_and_is_served_through_the_check(demo, on_s3, login, settings, tmp_path):
    prefix, client = on_s3
    asset = asset_svc.upload(center=demo["demo"], user=User.objects.get(username="reporter"),
                             upload=SimpleUploadedFile("现场.jpg", _jpeg(), "image/jpeg"))
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/").get("Contents", [])}
    assert f"{prefix}/{asset.file.name}" in keys and len(keys) >= 5          # the original and its sizes
    assert not Path(settings.MEDIA_ROOT).exists()                           # nothing on this machine's disk
    assert asset.web_url.startswith("/media/assets/") and "X-Amz" not in asset.web_url
    # the default: streamed by the app after the check; a stranger gets 404 as before
    assert Client().get(asset.web_url).status_code == 404
    response = login("editor").get(asset.web_url)
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert login("editor").get(asset.web_url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304
    # redirect delivery: after the same check, a short-lived signed address of the bucket
    settings.RONGMEI_MEDIA_DELIVERY = "redirect"
    assert Client().get(asset.file.url).status_code == 404
    moved = login("editor").get(asset.file.url)
    assert moved.status_code == 302 and moved["Location"].startswith(s3_server_endpoint(client))
    assert "X-Amz-Signature=" in moved["Location"] and "X-Amz-Expires=60" in moved["Location"]
    with urllib.request.urlopen(moved["Location"], timeout=10) as answer:
        assert answer.headers["Content-Type"] == "image/jpeg" and answer.read()[:2] == b"\xff\xd8"
    # a name that is in no bucket is 404, not an error page
    assert login("editor").get(asset.file.url + "x").status_code == 404


def s3_server_endpoint(client) -> str:
    return client.meta.endpoint_url


def test_tools_get_a_temporary_local_copy_and_print_packages_read_from_the_bucket(demo, on_s3):
    from rongmei.distribution.formatters.types import PublishImage
    from rongmei.distribution.items import _reader

    data = _jpeg()
    name = media_storage_mod.default_storage.save("assets/demo/x/photo.jpg", io.BytesIO(data))
    with media_storage_mod.local_path(name) as path:
        assert Path(path).read_bytes() == data and path.endswith(".jpg")
    assert not Path(path).exists()                                           # removed after use
    image = PublishImage(url="/media/" + name, path=name, read=_reader(name))
    assert image.original() == data


def test_the_bucket_probe_of_rongmei_check(s3_server, tmp_path, capsys):
    from rongmei import cli

    assert storage_s3.probe_bucket({**s3_server, "location": "probe"}) == ""
    assert "NoSuchBucket" in storage_s3.probe_bucket({**s3_server, "bucket_name": "no-such-bucket"})
    env = {"RONGMEI_VAR_DIR": str(tmp_path), "MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": s3_server["endpoint_url"],
           "S3_ACCESS_KEY_ID": s3_server["access_key"], "S3_SECRET_ACCESS_KEY": s3_server["secret_key"]}
    assert cli._check_bucket(config.load({**env, "S3_BUCKET": s3_testing.BUCKET})) is False
    assert "✓ 对象存储可读写" in capsys.readouterr().out
    assert cli._check_bucket(config.load({**env, "S3_BUCKET": "no-such-bucket"})) is True
    assert "✗ S3_BUCKET：对象存储" in capsys.readouterr().out
