"""/media/ behind our nginx sample (RONGMEI_SERVE_MEDIA=0): nginx hands every /media/ request
to the app, which checks it and answers X-Accel-Redirect (rongmei.core.media); nginx then
sends the file from its `internal` location, with nosniff and the app's Content-Disposition.
The internal location is not reachable from outside. The "app" here is a tiny server that
answers as rongmei.core.media does: the Django side is tested in core/tests/test_media_access.py."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from rongmei.testing.live import http_get
from rongmei.testing.nginx import nginx_binary, sample_in_front_of

pytestmark = pytest.mark.slow

PICTURE = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"
PDF = b"%PDF-1.4\n%%EOF\n"
OWN_DOMAIN = "www.example.gov.cn"


class FakeApp(BaseHTTPRequestHandler):
    """Allows /media/assets/demo/public*, refuses the rest, as the app's rule would."""

    def do_GET(self):
        name = self.path.removeprefix("/media/")
        self.send_response(200 if name.startswith("assets/demo/public") else 404)
        if name.startswith("assets/demo/public"):
            self.send_header("X-Accel-Redirect", "/internal-media/" + name)
            self.send_header("X-Content-Type-Options", "nosniff")
            if name.endswith(".pdf"):
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Disposition", "attachment; filename*=UTF-8''public.pdf")
            else:
                self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (Debian package `nginx`; `make test` installs it)")
    var_dir = tmp_path_factory.mktemp("var")
    folder = var_dir / "media" / "assets" / "demo"
    folder.mkdir(parents=True)
    (folder / "public.jpg").write_bytes(PICTURE)
    (folder / "public.pdf").write_bytes(PDF)
    (folder / "draft.jpg").write_bytes(PICTURE)
    (var_dir / "sites" / "demo").mkdir(parents=True)
    with sample_in_front_of(FakeApp, var_dir, tmp_path_factory.mktemp("nginx")) as nginx:
        yield nginx


@pytest.mark.parametrize("host", [None, OWN_DOMAIN])
def test_the_app_decides_and_nginx_sends(site, host):
    headers = {"Host": host} if host else None
    status, answer, body = http_get(site.url + "/media/assets/demo/public.jpg", headers=headers)
    assert (status, body) == (200, PICTURE)
    assert answer["Content-Type"] == "image/jpeg" and answer["X-Content-Type-Options"] == "nosniff"
    assert "X-Accel-Redirect" not in answer
    status, answer, body = http_get(site.url + "/media/assets/demo/public.pdf", headers=headers)
    assert (status, body) == (200, PDF) and answer["Content-Disposition"].startswith("attachment")
    assert http_get(site.url + "/media/assets/demo/draft.jpg", headers=headers)[0] == 404


@pytest.mark.parametrize("path", ["/internal-media/assets/demo/draft.jpg", "/internal-media/assets/demo/public.jpg"])
def test_the_internal_location_is_not_reachable(site, path):
    status, _, body = http_get(site.url + path)
    assert status == 404 and PICTURE not in body
