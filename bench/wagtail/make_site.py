"""Make the Wagtail peer of bench/read.py: a default site from `wagtail start`, as its docs
set it up for production, with one article page whose rendered HTML is about as big as
ours.

    bench/.wagtail-venv/bin/python bench/wagtail/make_site.py DIR --bytes 8500
    # or in two steps (bench/read.py makes the site while it prepares ours):
    bench/.wagtail-venv/bin/python bench/wagtail/make_site.py DIR
    bench/.wagtail-venv/bin/python bench/wagtail/make_site.py DIR --page-only --bytes 8500

Run with the Python of bench/.wagtail-venv (bench/read.py does it). In DIR it runs
`wagtail start benchsite`, adds what the Wagtail tutorial adds for an article (a page
type with a RichTextField `body` and its template), writes settings/local.py (DEBUG off,
ALLOWED_HOSTS, a secret key; SQLite as generated), makes migrations, migrates, collects
static files, and in `manage.py shell` adds the article as a published child of the home
page, filled with Chinese news text until the page served at /article/ is --bytes long
(within 1%). Prints one line of JSON: {"path": "/article/", "bytes": N}.
Serve it with DJANGO_SETTINGS_MODULE=benchsite.settings.production and
`gunicorn benchsite.wsgi:application` from DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT = "benchsite"
SETTINGS = f"{PROJECT}.settings.production"

MODEL = '''

from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField


class ArticlePage(Page):
    body = RichTextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
'''

TEMPLATE = '''{% extends "base.html" %}
{% load wagtailcore_tags %}

{% block body_class %}template-articlepage{% endblock %}

{% block content %}
<article>
    <h1>{{ page.title }}</h1>
    <p class="meta">{{ page.first_published_at|date:"Y-m-d H:i" }}</p>
    {{ page.body|richtext }}
</article>
{% endblock %}
'''

# Run inside `manage.py shell`: the article, then its body grown or cut to the target size.
PAGE = '''
import json, os
from django.test import Client
from home.models import ArticlePage, HomePage

target = int(os.environ["BENCH_TARGET_BYTES"])
text = os.environ["BENCH_TEXT"]
home = HomePage.objects.get(depth=2)
page = ArticlePage.objects.filter(slug="article").first()
if page is None:
    page = home.add_child(instance=ArticlePage(title="全县全力应对强降雨 城关镇积水路段恢复通行", slug="article"))
client = Client()

def render(characters):
    body = "".join(f"<p>{text[i:i + 120]}</p>" for i in range(0, characters, 120))
    page.body = body
    page.save_revision().publish()
    response = client.get("/article/")
    assert response.status_code == 200, response.status_code
    return len(response.content)

characters = 0
size = render(characters)
for _ in range(8):
    if abs(size - target) <= target * 0.01:
        break
    characters = max(0, characters + (target - size) // 3)  # Chinese text: 3 bytes a character
    size = render(characters)
print(json.dumps({"path": "/article/", "bytes": size}))
'''

TEXT = ("受强降雨影响，城关镇多处路段出现积水，县水利局连夜调集抽水泵排涝，青山村低洼地带的群众已安全转移。"
        "目前全县主要河流水位平稳，防汛形势总体可控。县应急管理局提醒市民雨天减少外出，注意出行安全。"
        "金秋时节，白沙乡万亩稻谷进入收割期，种粮大户说今年每亩增产明显，收割机开进田间地头。"
        "杏花村依托合作社发展茶叶种植，带动农户增收，民宿集群成为周末游客的打卡点。")


def run(*args: str, cwd: Path, env: dict | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=Path)
    parser.add_argument("--bytes", type=int, help="size of the article page to aim at (no page without it)")
    parser.add_argument("--page-only", action="store_true", help="only add the page to a site made before")
    args = parser.parse_args()
    root = args.dir.resolve()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "BENCH_TARGET_BYTES": str(args.bytes or 0),
           "BENCH_TEXT": TEXT * 40}
    manage = (sys.executable, "manage.py")
    if not args.page_only:
        root.mkdir(parents=True, exist_ok=True)
        run(str(Path(sys.executable).parent / "wagtail"), "start", PROJECT, str(root), cwd=root)
        with open(root / "home" / "models.py", "a") as models:
            models.write(MODEL)
        (root / "home" / "templates" / "home" / "article_page.html").write_text(TEMPLATE)
        (root / PROJECT / "settings" / "local.py").write_text(
            "DEBUG = False\n"
            f"SECRET_KEY = {secrets.token_urlsafe(50)!r}\n"
            'ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]\n'
        )
        run(*manage, "makemigrations", "home", "-v", "0", cwd=root, env=env)
        run(*manage, "migrate", "--noinput", "-v", "0", cwd=root, env=env)
        run(*manage, "collectstatic", "--noinput", "-v", "0", cwd=root, env=env)
    if not args.bytes:
        return
    out = run(*manage, "shell", "-c", PAGE, cwd=root, env=env)
    print(json.dumps(json.loads(out.strip().splitlines()[-1])))


if __name__ == "__main__":
    main()
