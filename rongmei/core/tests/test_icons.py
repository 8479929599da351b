"""The sign-off chain's ⛓ is a local SVG (many fonts lack the glyph), and the site has a
favicon: linked from the pages and answered at /favicon.ico."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client


def test_chain_icon_is_a_local_svg(login):
    page = login("admin").get("/").content.decode()
    assert "⛓" not in page
    assert '<img src="/static/core/icons/chain.svg"' in page
    path = finders.find("core/icons/chain.svg")
    assert path and Path(path).read_text().lstrip().startswith("<svg")


def test_favicon_is_served_and_linked(login, demo):
    response = Client().get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"            # an ICO file
    assert 'rel="icon"' in login("editor").get("/").content.decode()
    assert 'rel="icon"' in Client().get("/login/").content.decode()
    site = Client().get("/site/demo/")                              # pre-rendered public page
    body = b"".join(site.streaming_content) if site.streaming else site.content
    assert 'rel="icon"' in body.decode()
    assert finders.find("core/favicon.ico")
