"""Issue 11: links inside rich text keep only http/https/mailto/tel and paths on this site
(href), and http/https and paths (img src) — no javascript:/data:/vbscript:, however
disguised, and no protocol-relative //host."""

import pytest

from rongmei.newsroom.html import clean_body


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#x09;script:alert(1)", " javascript:alert(1)",
    "&#106;avascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "//evil.example/x", "/\\evil.example/x", "file:///etc/passwd",
])
def test_unsafe_links_lose_their_address(href):
    out = clean_body(f'<p><a href="{href}">点这里</a><img src="{href}" alt="图"></p>')
    assert "href=" not in out and "src=" not in out and "点这里" in out


def test_safe_links_stay():
    out = clean_body('<p><a href="https://www.shili.gov.cn/a">网</a><a href="mailto:desk@shili.example">信</a>'
                     '<a href="tel:0571-1234567">电</a><a href="/site/demo/news/1/">站内</a>'
                     '<img src="/media/a.jpg" alt="a"><img src="https://img.example/b.jpg" alt="b"></p>')
    for part in ('href="https://www.shili.gov.cn/a"', 'href="mailto:desk@shili.example"', 'href="tel:0571-1234567"',
                 'href="/site/demo/news/1/"', 'src="/media/a.jpg"', 'src="https://img.example/b.jpg"'):
        assert part in out


def test_an_image_source_is_never_mailto_or_tel():
    out = clean_body('<p><img src="mailto:a@b.example" alt="x"><img src="tel:1" alt="y"></p>')
    assert "src=" not in out
