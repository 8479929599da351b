"""The one entry point, on the demo county's lists."""

from __future__ import annotations

import datetime as dt

from rongmei.review.checks import (
    Finding,
    ImageRef,
    LinkRef,
    Typos,
    has_blocking,
    highlight_html,
    run_checks,
    story_fields,
)
from rongmei.review.checks import demo
from rongmei.review.checks import links as links_module

BODY = (
    "<p>本报讯 2月30日，副县长孙建国在县融媒中心调研，强调要再接再励。</p>"
    "<p>有群众举报赌 博网站，县政府办公室主任钱志远表示将严查。</p>"
    '<figure><img src="/a.jpg"><figcaption>调研现场</figcaption></figure>'
)


def check(fields: dict[str, str], **kwargs: object) -> list[Finding]:
    return run_checks(fields, **demo.load()._asdict(), **kwargs)  # type: ignore[arg-type]


def test_demo_lists_load_from_their_data_files() -> None:
    data = demo.load()
    assert {"赌博网站", "代开发票", "办证刻章", "私服外挂"} <= {e.term for e in data.lexicon}
    assert {"block", "warn"} == {e.severity for e in data.lexicon}
    assert ("县融媒中心", "县融媒体中心") in {(p.wrong, p.right) for p in data.wording}
    assert {o.name for o in data.officials} == {"钱志远", "孙建国", "周文华", "褚明", "卫红", "冯立新"}
    assert len(data.typos) > 50


def test_a_story_with_every_kind_of_problem() -> None:
    images = [ImageRef(7, "调研现场", "")]
    fields = story_fields("县融媒中心：赌博网站被查处", BODY, images=images)
    assert set(fields) == {"headline", "body", "caption:7"}
    found = check(fields, images=images, as_of=dt.date(2025, 6, 1))
    summary = [(f.field, f.check, f.text, f.suggestion) for f in found]
    assert summary == [
        ("body", "date", "2月30日", None),
        ("body", "official", "副县长", "局长"),
        ("body", "wording", "县融媒中心", "县融媒体中心"),
        ("body", "typo", "再接再励", "再接再厉"),
        ("body", "sensitive", "赌 博网站", None),
        ("credit:7", "image", "", None),
        ("headline", "wording", "县融媒中心", "县融媒体中心"),
        ("headline", "sensitive", "赌博网站", None),
    ]
    assert has_blocking(found)
    body = fields["body"]
    for f in found:
        if f.field == "body":
            assert body[f.start : f.end] == f.text
    assert highlight_html(body, found, "body").count("<mark") == 5


def test_clean_story_has_no_findings() -> None:
    fields = story_fields("城关镇开展防汛演练", "<p>6月1日，县住房和城乡建设局局长褚明在县融媒体中心接受采访。</p>")
    found = check(fields)
    assert found == [] and not has_blocking(found)


def test_warnings_alone_do_not_block() -> None:
    found = check({"body": "县融媒中心再接再励"})
    assert found and not has_blocking(found)


def test_lists_left_out_are_not_checked_except_builtin_typos() -> None:
    found = run_checks({"body": "赌博网站，再接再励"})
    assert [f.check for f in found] == ["typo"]
    assert run_checks({"body": "赌博网站，再接再励"}, typos=Typos([])) == []


def test_links_are_only_requested_when_asked(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[list[LinkRef]] = []

    def fake_check_links(refs, *, timeout):  # type: ignore[no-untyped-def]
        asked.append(list(refs))
        return []

    monkeypatch.setattr(links_module, "check_links", fake_check_links)
    fields = {"body": "详见 http://example.cn/a 。"}
    run_checks(fields, links=["http://example.cn/b"])
    assert asked == []
    run_checks(fields, links=["http://example.cn/b"], check_links=True)
    assert [r.url for r in asked[0]] == ["http://example.cn/b", "http://example.cn/a"]
