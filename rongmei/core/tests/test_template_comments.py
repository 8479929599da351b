"""Django's `{# … #}` comment ends at the line's end: one spread over lines is printed on the
page as text (a note about script loading once appeared above the WeChat editor)."""

from pathlib import Path

import rongmei

ROOT = Path(rongmei.__file__).parent


def test_no_template_comment_spans_lines():
    found = []
    for path in ROOT.glob("*/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            opened = line.rfind("{#")
            if opened != -1 and "#}" not in line[opened:]:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, "多行注释请用 {% comment %}：" + ", ".join(found)
