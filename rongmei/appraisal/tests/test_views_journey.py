"""The month's journey on the demo center over HTTP, the way people do it: an editor awards
优稿 to a piece of this month, the appraisal admin recomputes, resolves the open dispute and
closes the month after confirming, the reporter reads their own breakdown (the rating among
their lines), and HR downloads the pay workbook whose reward column adds up to the pool."""

from __future__ import annotations

import io
from decimal import Decimal as D

from openpyxl import load_workbook

from rongmei.appraisal import periods
from rongmei.appraisal.facts_services import unrated_pieces
from rongmei.appraisal.models import Dispute, Period, Scorecard, ScoreLine
from rongmei.appraisal.tests.test_facts_helpers import story_in
from rongmei.core.models import User


def test_editor_rates_admin_closes_reporter_reads_hr_downloads(login, demo):
    center = demo["demo"]
    month = periods.current_month(center)
    m = f"{month:%Y-%m}"
    reporter = User.objects.get(username="reporter")
    # a piece of the reporter's published just now (the demo's own may all be last month's on the 1st)
    story = story_in(center, reporter, headline="绩效旅程：山村夜校开课")
    assert story in unrated_pieces(center, month)

    editor = login("editor")
    assert editor.post(f"/appraisal/ratings/stories/{story.pk}/",
                       {"level": "A", "reason": "现场扎实，群众反响好", "token": "none"}).status_code == 302

    admin = login("appraiser")
    period = periods.get(center, month)
    assert admin.post(f"/appraisal/{m}/compute/", {"version": str(period.version)}).status_code == 302
    for dispute in Dispute.objects.filter(period=period, status="open"):
        assert admin.post(f"/appraisal/disputes/{dispute.pk}/resolve/",
                          {"decision": "accept", "resolution": "已核对署名，按 60% 更正"}).status_code == 302
    period.refresh_from_db()
    assert "确认结算并锁定本月" in admin.get(f"/appraisal/{m}/close/").content.decode()
    assert admin.post(f"/appraisal/{m}/close/", {"confirm": "yes", "version": str(period.version)}).status_code == 302
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED

    page = login("reporter").get(f"/appraisal/me/?month={m}").content.decode()
    card = Scorecard.objects.get(period=period, user=reporter)
    assert f"<strong>{card.points}</strong> 分" in page
    assert ScoreLine.objects.filter(scorecard=card, kind="rating", story=story, points=D(10)).exists()
    assert "一类优稿 10分" in page and story.headline in page

    answer = login("hr").get(f"/appraisal/{m}/export.xlsx")
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    total = D(0)
    for name in wb.sheetnames:
        if name in ("汇总", "结算后调整"):
            continue
        ws = wb[name]
        col = [c.value for c in ws[3]].index("奖励绩效")
        rows = list(ws.iter_rows(min_row=4, values_only=True))[:-1]
        total += sum((D(str(r[col])) for r in rows), D(0))
    assert total.quantize(D("0.01")) == period.reward_pool > 0
