"""The README and docs/ point only at files that exist in the repository: a newcomer
following a link never lands outside the checkout or on a missing page."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_exist(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue  # http(s) examples and anchors
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name} links outside the repository: {target}"
        assert path.exists(), f"{page.name} links to a missing file: {target}"


def test_readme_names_no_file_outside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text


def test_every_room_has_its_page_linked_from_the_readme():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for room in ("core", "planning", "newsroom", "review", "distribution", "portal", "inquiry", "monitor", "analytics", "appraisal",
                 "ads", "events", "live", "cable", "province", "sharing"):
        assert f"(docs/{room}.md)" in text
    for page in ("architecture", "glossary", "settings", "deployment", "security", "development"):
        assert f"(docs/{page}.md)" in text
