"""考核规则 screens: only the appraisal admin; saving a new version from rows of inputs;
refusals (bad rows, a closed month, someone else's save meanwhile) change nothing."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from rongmei.appraisal import rule_forms, rules
from rongmei.appraisal.models import RuleSet
from rongmei.appraisal.tests.test_facts_helpers import close_month, person
from rongmei.core.models import AuditEvent

FUTURE = dt.date(2091, 3, 1)


def form_data(doc: dict, month: str, *, seen: int | None = None, note: str = "") -> dict:
    """What the editor posts for `doc`: every row of every table, as the page draws them."""
    values = rule_forms.rows_of(doc)
    post = {"month": month, "note": note, "action": "save"}
    if seen is not None:
        post["seen_latest"] = str(seen)
    for table in rule_forms.tables(values, {}, extra=1):
        post[f"{table['prefix']}-count"] = str(table["count"])
        for row in table["rows"]:
            for cell in row["cells"]:
                post[cell["name"]] = cell["value"]
    for item in rule_forms.keyed_rows(values)["originality"]:
        post[f"orig-{item['code']}"] = item["value"]
    for item in rule_forms.keyed_rows(values)["roles"]:
        post[f"quota-{item['code']}"] = item["quota"]
        post[f"base-{item['code']}"] = item["base"]
    for key in ("error", "correction"):
        post[f"ded-{key}"] = values["deductions"][key]
    for key in ("base_share", "pro_rata", "threshold"):
        post[f"pay-{key}"] = values["pay"][key]
    if values["pay"]["shortfall_to_pool"]:
        post["pay-shortfall_to_pool"] = "1"
    return post


@pytest.mark.parametrize("username", ["reporter", "editor", "hr"])
def test_only_the_appraisal_admin_opens_the_rules(login, username):
    client = login(username)
    assert client.get("/appraisal/rules/").status_code == 403
    assert client.get("/appraisal/rules/edit/").status_code == 403


def test_the_admin_sees_the_rules_in_force_and_saves_a_new_version_from_the_tables(login, demo):
    center = demo["demo"]
    client = login("appraiser")
    page = client.get("/appraisal/rules/").content.decode()
    assert "计件分值" in page and "版本记录" in page
    # a month far ahead, so whatever rules the demo data saved do not matter: start from the defaults there
    base = rules.save(center=center, user=person("appraiser"), month=FUTURE, data=copy.deepcopy(rules.DEFAULT_RULES))
    editor = client.get(f"/appraisal/rules/edit/?month={FUTURE:%Y-%m}").content.decode()
    assert 'name="pp-0-genre"' in editor and "<textarea" not in editor.split("rules-form")[1].split("</form>")[0]
    new = copy.deepcopy(rules.DEFAULT_RULES)
    new["piece_points"][2]["points"] = "5"   # 视频 4 → 5
    post = form_data(new, f"{FUTURE:%Y-%m}", seen=rules.latest_id(center), note="视频稿加分")
    post["pp-1-delete"] = "1"  # and drop 图片·全部平台
    answer = client.post("/appraisal/rules/edit/", post)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved = RuleSet.objects.filter(center=center, month=FUTURE).latest("pk")
    assert saved.pk != base.pk and saved.version == 2 and saved.note == "视频稿加分" and saved.created_by == person("appraiser")
    doc = rules.parse(saved.rules)
    assert [(r.genre, str(r.points)) for r in doc.piece_points][:2] == [("text", "2"), ("video", "5")]
    assert rules.rules_for(center, FUTURE).piece_points[1].points == 5
    event = AuditEvent.objects.filter(center=center, action="appraisal.rules_save").latest("pk")
    assert "计件分值：视频·全部平台 4 → 5" in event.after["changes"]
    assert "计件分值：删除 图片·全部平台（2）" in event.after["changes"]
    history = client.get(f"/appraisal/rules/?month={FUTURE:%Y-%m}").content.decode()
    assert "视频稿加分" in history and "视频·全部平台 4 → 5" in history
    again = client.post("/appraisal/rules/edit/", form_data(rules.parse(saved.rules).model_dump(mode="json"),
                                                               f"{FUTURE:%Y-%m}", seen=saved.pk))
    assert again.status_code == 302
    assert RuleSet.objects.filter(center=center, month=FUTURE).order_by("-version").first().version == 3


def test_bad_rows_are_named_in_chinese_and_nothing_is_saved(login, demo):
    client = login("appraiser")
    before = RuleSet.objects.filter(center=demo["demo"]).count()
    bad = copy.deepcopy(rules.DEFAULT_RULES)
    bad["piece_points"].append({"genre": "text", "outlet": "*", "points": "3"})
    bad["length_bands"][1]["min_chars"] = "400"
    post = form_data(bad, f"{FUTURE:%Y-%m}")
    post["pay-base_share"] = "130"
    answer = client.post("/appraisal/rules/edit/", post)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "第 10 行：与第 1 行重复（文字 · 全部平台）" in page
    assert "第 2 行（从 400 字起）与第 1 行（0–500 字）重叠。" in page
    assert "“基础绩效占比”：不能超过 100。" in page
    assert 'value="130"' in page  # what was typed stays on the page
    assert RuleSet.objects.filter(center=demo["demo"]).count() == before


def test_a_closed_month_cannot_get_new_rules(login, demo):
    center = demo["demo"]
    close_month(center, FUTURE)
    before = RuleSet.objects.filter(center=center).count()
    client = login("appraiser")
    answer = client.post("/appraisal/rules/edit/", form_data(rules.DEFAULT_RULES, f"{FUTURE:%Y-%m}"))
    assert answer.status_code == 400
    assert f"{FUTURE:%Y年%m月}已结算，不能为已结算的月份设定新规则" in answer.content.decode()
    assert RuleSet.objects.filter(center=center).count() == before
    # starting the month after is fine
    after = (FUTURE + dt.timedelta(days=32)).replace(day=1)
    assert client.post("/appraisal/rules/edit/", form_data(rules.DEFAULT_RULES, f"{after:%Y-%m}")).status_code == 302


def test_rules_starting_before_a_closed_month_would_reach_into_it_and_are_refused(demo):
    center = demo["demo"]
    close_month(center, FUTURE)
    earlier = (FUTURE - dt.timedelta(days=40)).replace(day=1)
    with pytest.raises(Exception) as caught:
        rules.save(center=center, user=person("appraiser"), month=earlier, data=copy.deepcopy(rules.DEFAULT_RULES))
    assert f"{FUTURE:%Y年%m月}已结算" in str(caught.value)


def test_a_save_made_meanwhile_by_someone_else_is_not_overwritten(login, demo):
    center = demo["demo"]
    client = login("appraiser")
    before = RuleSet.objects.filter(center=center).count()
    seen = rules.latest_id(center)
    rules.save(center=center, user=person("appraiser"), month=FUTURE, data=copy.deepcopy(rules.DEFAULT_RULES),
               note="另一位管理员")
    answer = client.post("/appraisal/rules/edit/", form_data(rules.DEFAULT_RULES, f"{FUTURE:%Y-%m}", seen=seen))
    assert answer.status_code == 409
    assert "已被他人修改" in answer.content.decode()
    assert RuleSet.objects.filter(center=center).count() == before + 1


def test_versions_of_another_center_are_not_found(login, demo):
    other = rules.save(center=demo["linxian"], user=person("appraiser"), month=FUTURE,
                       data=copy.deepcopy(rules.DEFAULT_RULES))
    client = login("appraiser")
    assert client.get(f"/appraisal/rules/{other.pk}/").status_code == 404
    assert client.get(f"/appraisal/rules/{other.pk}/json/").status_code == 404
    mine = rules.save(center=demo["demo"], user=person("appraiser"), month=FUTURE,
                      data=copy.deepcopy(rules.DEFAULT_RULES))
    exported = client.get(f"/appraisal/rules/{mine.pk}/json/")
    assert exported.status_code == 200 and exported.json()["rules"]["pay"]["base_share"] == "70"
    assert "相对" in client.get(f"/appraisal/rules/{mine.pk}/").content.decode()


def test_rules_exported_as_json_fill_another_centers_editor_and_save_only_when_asked(login, demo):
    theirs = copy.deepcopy(rules.DEFAULT_RULES)
    theirs["ratings"][0]["points"] = "12"
    exported = rules.save(center=demo["linxian"], user=person("appraiser"), month=FUTURE, data=theirs)
    text = json.dumps({"month": "2091-03-01", "version": 1, "rules": exported.rules}, ensure_ascii=False)
    client = login("appraiser")
    before = RuleSet.objects.filter(center=demo["demo"]).count()
    page = client.post("/appraisal/rules/edit/", {"action": "load_json", "json": text, "month": f"{FUTURE:%Y-%m}"})
    assert page.status_code == 200
    assert 'name="rt-0-points" value="12"' in page.content.decode()
    assert RuleSet.objects.filter(center=demo["demo"]).count() == before
    bad = client.post("/appraisal/rules/edit/", {"action": "load_json", "json": "{not json", "month": f"{FUTURE:%Y-%m}"})
    assert bad.status_code == 400 and "不是有效的 JSON" in bad.content.decode()
    assert 'name="pp-0-genre"' in bad.content.decode() and 'name="rt-0-points"' in bad.content.decode()
