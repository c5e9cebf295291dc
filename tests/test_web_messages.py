"""web.core.messages: every error a user meets is Chinese with the field's label; the API answers English on request."""
from __future__ import annotations

import re
from datetime import date

import pytest
import shapely
from flask import Flask

from geo.status.edits import check_geometry_edit, check_report
from geo.errors import EditConflict, InvalidParameter, UnknownItem, ValidationError
from geo.plan.layers import load_plan
from geo.plan.target_plan import load_target_plan
from geo.status.target_records import check_actual
from geo.tours.planner import check_scenario
from web.core import messages
from web.core.message_texts import KIND_TEXTS
from web.core.times import beijing_time
from web_fixtures import DATA_DIR, real_app, tiny_app  # noqa: F401

# Three English words in a row: a sentence left untranslated (identifiers such as B01 or GeoJSON are not).
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[,;:']?\s+[A-Za-z]{2,}[,;:']?\s+[A-Za-z]{2,}")
TODAY = date(2021, 7, 10)


def _chinese(text: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert not ENGLISH_WORDS.search(text), text


@pytest.fixture(scope="module")
def plan():
    return load_plan(DATA_DIR)


def test_field_labels_come_from_the_pages() -> None:
    assert messages.field_label("value") == "累计完成值"
    assert messages.field_label("congestion") == "拥堵系数"
    assert messages.field_label("district, status") == "地区、状态颜色"
    assert messages.field_label("milestones[0].due_on") == "节点目标（第1项·日期）"
    assert messages.field_label("dwell_by_site.B01") == "单点停留·B01"
    assert messages.field_label("no_such_field") == "no_such_field"


def test_a_negative_year_to_date_actual_is_refused_in_chinese_with_its_label() -> None:
    target = load_target_plan(DATA_DIR).targets[0]
    _, problems = check_actual(target, park="P1", quarter="2021Q2", value=-3, note="", reported_on="2021-07-05",
                               reporter="王", today=TODAY)
    [shown] = messages.problem_dicts(problems)
    assert shown["field"] == "value" and shown["label"] == "累计完成值" and shown["kind"] == "actual_range"
    assert shown["message"].startswith("应为年初至今的累计值") and "收到「-3」" in shown["message"]
    _chinese(messages.problems_message([shown]))
    assert messages.problem_dicts(problems, english=True)[0]["message"].startswith("expected the year-to-date")


def test_every_problem_of_a_bad_progress_report_is_chinese() -> None:
    _, problems = check_report("B01", percent="150", state="done", note="", reported_on="2021/06/30", reporter="",
                               reported_colour="purple", today=TODAY)
    shown = messages.problem_dicts(problems)
    assert [p["label"] for p in shown] == ["完成进度（%）", "上报日期", "上报人", "状态", "自评颜色"]
    assert shown[0]["message"] == "应为 0 到 100 之间的数字（百分比），收到「150」"
    assert shown[2]["message"] == "不能为空"
    assert "按期推进、进度滞后、严重滞后" in shown[4]["message"]  # the colour codes by their labels
    for problem in shown:
        _chinese(problem["message"])


def test_a_geometry_outside_its_district_names_the_district_and_the_distance(plan) -> None:
    far_away = shapely.geometry.mapping(shapely.box(121.9, 28.9, 121.91, 28.91))
    _, problems = check_geometry_edit(plan, "B01", far_away)
    [shown] = messages.problem_dicts(problems)
    district = plan.blocks.set_index("id").loc["B01", "district"]
    assert shown["kind"] == "outside_district" and shown["label"] == "几何图形"
    assert shown["message"].startswith(f"超出所属地区「{district}」最远 ") and " 米（允许误差 " in shown["message"]
    assert re.search(r"最远 \d{1,3}(,\d{3})+ 米", shown["message"])  # thousands separated, whole metres
    _chinese(shown["message"])


def test_an_invalid_or_mistyped_geometry_is_said_in_chinese(plan) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[120.7, 28.0], [120.71, 28.01], [120.71, 28.0], [120.7, 28.01],
                                                   [120.7, 28.0]]]}
    _, problems = check_geometry_edit(plan, "B01", bow_tie)
    assert messages.problem_dicts(problems)[0]["message"].startswith("几何图形无效")
    _, problems = check_geometry_edit(plan, "B01", {"type": "Point", "coordinates": [120.7, 28.0]})
    assert messages.problem_dicts(problems)[0]["message"] == "应为面或多面，收到点"


def test_several_bad_parameters_are_each_labelled() -> None:
    problems = [InvalidParameter("dwell", "expected …", kind="number_range",
                                 details={"low": 0, "high": 1440, "unit": "min", "got": -5}),
                InvalidParameter("depart", "expected …", kind="time_of_day", details={"got": "25:00"})]
    several = InvalidParameter("dwell, depart", "…", kind="several", details={"problems": problems})
    assert messages.parameter_message(several) == ("每点停留（分钟）：应为 0 到 1440 分钟之间的数字，收到「-5」；"
                                                   "出发时间：应为 HH:MM 格式的时刻（如 08:30），收到「25:00」")
    with pytest.raises(InvalidParameter) as caught:
        check_scenario("compare")
    assert messages.parameter_message(caught.value) == "路网情景：应为以下之一：规划路网、现状路网；收到「compare」"


def test_a_problem_without_a_kind_stays_chinese_and_names_its_field() -> None:
    plain = InvalidParameter("budget", "something went wrong in English words")
    assert messages.parameter_message(plain) == "时间预算（分钟）：填写的内容不符合要求，请检查后重试"
    already = InvalidParameter("value", "较上季度下降，累计值不能减少")
    assert messages.parameter_message(already) == "累计完成值：较上季度下降，累计值不能减少"


@pytest.mark.parametrize("kind", sorted(KIND_TEXTS))
def test_every_kind_has_a_chinese_sentence(kind: str) -> None:
    placeholders = set(re.findall(r"\{(\w+)\}", KIND_TEXTS[kind]))
    text = KIND_TEXTS[kind].format(**{name: "X" for name in placeholders})
    _chinese(text)


def test_conflicts_unknown_ids_and_http_errors_are_chinese() -> None:
    conflict = EditConflict("B01", 3, 4)
    assert messages.conflict_message(conflict) == "B01 已被他人修改：本次修改基于第 3 版，现为第 4 版。请刷新后重新提交。"
    assert messages.unknown_item_message(UnknownItem("no block", item_id="B99")) == "找不到编号为「B99」的条目，请核对编号。"
    for status in (400, 401, 403, 404, 405, 413, 429, 500, 503):
        _chinese(messages.http_message(status))


@pytest.mark.parametrize("header, english", [("en", True), ("en-US,zh;q=0.5", True), ("zh-CN,en;q=0.8", False),
                                             ("", False), ("fr", False)])
def test_the_api_answers_chinese_unless_english_is_preferred(tiny_app: Flask, header: str,  # noqa: F811
                                                             english: bool) -> None:
    response = tiny_app.test_client().get("/api/blocks?district=nowhere", headers={"Accept-Language": header})
    body = response.get_json()
    assert response.status_code == 400 and body["error"] == "invalid_parameter" and body["parameter"] == "district"
    if english:
        assert body["message"].startswith("district: expected one of")
    else:
        assert body["message"].startswith("地区：应为以下之一：") and body["label"] == "地区"
        _chinese(body["message"])


def test_http_errors_of_the_api_are_chinese_with_a_stable_code(tiny_app: Flask) -> None:  # noqa: F811
    client = tiny_app.test_client()
    missing = client.get("/api/blocks/B99")
    assert missing.status_code == 404 and missing.get_json() == {"error": "not_found",
                                                                 "message": "找不到编号为「B99」的条目，请核对编号。"}
    wrong_method = client.delete("/api/blocks")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["error"] == "method_not_allowed"
    assert wrong_method.get_json()["message"] == "不支持该请求方法。"
    login_needed = client.post("/api/items/B01/reports", json={})
    assert login_needed.status_code == 401 and login_needed.get_json()["message"].startswith("请先登录")
    english = client.post("/api/items/B01/reports", json={}, headers={"Accept-Language": "en"})
    assert english.get_json()["message"].startswith("login required")


def test_bad_url_parameters_give_a_chinese_page_with_the_label(real_app: Flask) -> None:  # noqa: F811
    client = real_app.test_client()
    tour = client.get("/tour?site=B01&congestion=abc")
    assert tour.status_code == 400
    assert "拥堵系数：应为数字，收到「abc」" in tour.get_data(as_text=True)
    parks = client.get("/parks?quarter=2021Q9")
    page = parks.get_data(as_text=True)
    assert parks.status_code == 400 and "季度：应为 2000 至 2100 年间的季度" in page and "expected" not in page


def test_times_are_shown_in_beijing_time() -> None:
    assert beijing_time("2021-06-30T16:30:00+00:00") == "2021-07-01 00:30"
    assert beijing_time("2021-06-30T16:30:00") == "2021-07-01 00:30"  # naive: stored as UTC
    assert beijing_time(None) == "—"
