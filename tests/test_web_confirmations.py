"""Implausible input on the web (web/core/confirmations.py, geo/status/plausibility.py): what cannot be true is refused with
the reason in Chinese, what is unusual answers 422 needs_confirmation until confirmed — API, forms and a real
browser."""
from __future__ import annotations

import re

import pytest

from geo.status.snapshot import check_history, item_state, report_history
from geo.status.target_records import latest_actuals
from status_web_fixtures import csrf_from, login, report_body, status_app  # noqa: F401
from test_web_browser import PageWatch, browser  # noqa: F401
from test_web_parks import BROWSER_PASSWORD, actual_body, editor, parks_app, parks_server  # noqa: F401
from web.core.database import app_store
from web_fixtures import log_in_through_form

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def item_editor(status_app):  # noqa: F811
    client = status_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    return client


def test_an_actual_far_above_its_target_needs_confirmation_in_the_api(parks_app, editor) -> None:  # noqa: F811
    asked = editor.post("/api/targets/A1-1/actuals", json=actual_body(value=100_000))
    assert asked.status_code == 422 and asked.json["error"] == "needs_confirmation"
    [reason] = asked.json["reasons"]
    assert (reason["kind"], reason["field"], reason["label"]) == ("far_above_target", "value", "累计完成值")
    assert reason["message"] == "收到「100000」，超过全年目标（3 个）的 5 倍，请核对是否填错"
    assert "confirm" in asked.json["message"] and asked.json["confirm_field"] == "confirm"
    assert latest_actuals(app_store(parks_app)) == {}
    english = editor.post("/api/targets/A1-1/actuals", json=actual_body(value=100_000),
                          headers={"Accept-Language": "en"})
    assert "more than 5 times the annual target" in english.json["message"]
    kept = editor.post("/api/targets/A1-1/actuals", json=actual_body(value=100_000, confirm=True))
    assert kept.status_code == 201 and kept.json["record"]["value"] == 100_000


@pytest.mark.parametrize(("changes", "kind", "chinese"), [
    ({"value": 1.5}, "not_whole_number", "按“个”计数，应为整数"),
    ({"value": 1, "quarter": "2021Q3", "reported_on": "2021-10-05"}, "ytd_below_earlier",
     "累计值不能减少：2021Q2 已报 2 个"),
    ({"reported_on": "2019-07-05"}, "date_before_quarter", "不能早于该季度第一天"),
    ({"confirm": "maybe"}, "confirm_flag", "应为“是”或“否”"),
])
def test_impossible_actuals_are_refused_with_the_reason_in_chinese(parks_app, editor, changes, kind,  # noqa: F811
                                                                   chinese) -> None:
    assert editor.post("/api/targets/A1-1/actuals", json=actual_body(value=2)).status_code == 201
    refused = editor.post("/api/targets/A1-1/actuals", json=actual_body(version=1, **changes))
    assert refused.status_code == 400, refused.json
    assert refused.json["problems"][0]["kind"] == kind and chinese in refused.json["message"]
    assert [a.value for a in latest_actuals(app_store(parks_app)).values()] == [2]


def test_the_parks_form_asks_then_writes_what_was_confirmed(parks_app, editor) -> None:  # noqa: F811
    form = {"target_id": "A4-1", "park": "P2", "quarter": "2021Q2", "value": "100000", "reported_on": "2021-07-05",
            "note": "团队数", "expected_version": "0", "csrf_token": csrf_from(editor, "/parks")}
    asked = editor.post("/parks/actuals", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-panel"' in page and 'data-kind="far_above_target"' in page
    panel = page.split('id="confirm-panel"', 1)[1].split("</form>", 1)[0]
    resent = dict(HIDDEN.findall(panel))
    assert resent == {**form, "confirm": "1"}
    assert latest_actuals(app_store(parks_app)) == {}
    done = editor.post("/parks/actuals", data=resent)
    assert done.status_code == 303
    assert [a.value for a in latest_actuals(app_store(parks_app)).values()] == [100_000]


def test_a_progress_report_going_back_is_asked_for_in_the_api_and_the_form(status_app,  # noqa: F811
                                                                          item_editor) -> None:
    assert item_editor.post("/api/items/B01/reports", json=report_body(percent=60)).status_code == 201
    asked = item_editor.post("/api/items/B01/reports", json=report_body(version=1, percent=30))
    assert asked.status_code == 422 and asked.json["reasons"][0]["kind"] == "progress_decrease"
    assert "低于 2021-06-30 上报的 60%" in asked.json["reasons"][0]["message"]
    form = {"percent": "30", "state": "进行中", "reported_on": "2021-07-01", "note": "更正", "reported_colour": "",
            "expected_version": "1", "csrf_token": csrf_from(item_editor, "/items/B01")}
    page = item_editor.post("/items/B01/reports", data=form)
    assert page.status_code == 200 and "进度回落" in page.get_data(as_text=True)
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [60]
    assert item_editor.post("/items/B01/reports", data={**form, "confirm": "1"}).status_code == 303
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [30, 60]


def test_a_report_dated_2019_is_refused_in_chinese(status_app, item_editor) -> None:  # noqa: F811
    refused = item_editor.post("/api/items/B01/reports", json=report_body(reported_on="2019-06-30"))
    assert refused.status_code == 400 and refused.json["problems"][0]["kind"] == "date_before_plan"
    assert "不能早于规划年度第一天（2021-01-01）" in refused.json["message"]
    assert item_state(app_store(status_app), "B01").version == 0


def test_a_check_off_form_asks_and_a_refused_one_is_not_asked(status_app, item_editor) -> None:  # noqa: F811
    token = csrf_from(item_editor, "/items/E02")
    close = {"note": "整治完成", "effective_on": "", "expected_version": "0", "csrf_token": token}
    asked = item_editor.post("/items/E02/close", data=close)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认对 E02 销号" in page and 'data-kind="close_unreported"' in page
    empty = item_editor.post("/items/E02/close", data={**close, "note": " "})
    assert empty.status_code == 400 and 'data-field="note"' in empty.get_data(as_text=True)
    assert check_history(app_store(status_app), "E02") == []
    assert item_editor.post("/items/E02/close", data={**close, "confirm": "1"}).status_code == 303
    assert item_state(app_store(status_app), "E02").closed


@pytest.mark.browser
def test_browser_an_unusual_actual_is_confirmed_before_it_is_saved(browser, parks_server: str) -> None:  # noqa: F811
    watch = PageWatch(browser)
    page = watch.page
    try:
        log_in_through_form(page, parks_server, name="editor", password=BROWSER_PASSWORD,
                            next_path="/parks?quarter=2021Q1")
        page.wait_for_selector("#actual-form")
        page.select_option("#target_id", "A4-1")
        page.select_option("#park", "P3")
        page.select_option("#quarter", "2021Q1")
        page.fill("#value", "100000")
        page.click("#actual-form button[type=submit]")
        page.wait_for_selector("#confirm-panel")
        reasons = page.locator("#confirm-reasons").inner_text()
        assert "超过全年目标（2 个）的 5 倍" in reasons and "累计完成值" in reasons
        assert page.locator("#saved").count() == 0
        assert page.input_value("#value") == "100000"  # 返回修改 keeps what was typed
        page.click("#confirm-submit")
        page.wait_for_selector("#saved")
        assert page.locator("#confirm-panel").count() == 0
        cell = page.locator("#targets-table tr[data-target='A4-1'] td[data-park='P3']")
        assert cell.inner_text().split()[0] == "100000"
        watch.assert_clean()
    finally:
        page.close()
