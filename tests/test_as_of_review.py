"""As-of review (geo/status/as_of.py, web/core/as_of_view.py): every page and the API as they stood on a past day, by the
bulletin's rules: reports dated by then, check-offs effective by then, geometries saved by the end of that day."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import mapping, shape

from geo.status import records
from geo.status.as_of import day_end_utc, parse_as_of, statuses_as_of
from geo.bulletins.bulletin import quarterly_bulletin
from geo.errors import InvalidParameter
from geo.plan.quarters import Quarter
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, login
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.as_of import beijing_today
from web.core.as_of_view import quarter_choices
from web.core.database import app_store
from web.core.state import corridor_state
from web.views import map_collections
from web_fixtures import DATA_DIR, make_app, served

Q2_END = "2021-06-30"
TODAY = date(2026, 12, 5)
# item -> reports (percent, state, reported_on), oldest first
REPORTS = {
    "B01": [(40, "进行中", "2021-05-10"), (50, "进行中", "2021-09-01")],
    "B02": [(10, "进行中", "2021-03-01")],  # stale by 2021-06-30: yellow at best
    "R01": [(5, "进行中", "2021-06-01")],  # red
    "E01": [(100, "已完成", "2021-07-15")],  # after the quarter: unreported (grey) in it
}
CLOSINGS = {"E03": "2021-06-20", "E05": "2021-08-01"}


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    """The shipped plan with :data:`REPORTS`, :data:`CLOSINGS` and a geometry edit of B01 saved now."""
    app = make_app(DATA_DIR)
    store, plan = app_store(app), corridor_state(app).plan
    versions: dict[str, int] = {}
    for item_id, reports in REPORTS.items():
        for percent, state, day in reports:
            written = records.add_report(store, plan, item_id, percent=percent, state=state, reported_on=day,
                                         reporter="测试", expected_version=versions.get(item_id, 0), today=TODAY)
            versions[item_id] = written.version
    targets = corridor_state(app).targets
    for percent, day in ((60, "2021-05-01"), (90, "2021-08-01")):
        versions["DT13-1"] = records.add_report(store, targets, "DT13-1", percent=percent, state="进行中",
                                                reported_on=day, reporter="测试", today=TODAY,
                                                expected_version=versions.get("DT13-1", 0)).version
    for item_id, day in CLOSINGS.items():
        versions[item_id] = records.close_item(store, plan, item_id, note="整治完成", actor="测试",
                                               effective_on=day, expected_version=versions.get(item_id, 0),
                                               today=TODAY).version
    block = shape(plan.blocks.set_index("id").loc["B01", "geometry"].__geo_interface__)
    smaller = shapely.affinity.scale(block, 0.9, 0.9)
    records.add_geometry_version(store, plan, "B01", mapping(smaller), author="测试",
                                 expected_version=versions["B01"])
    yield app
    store.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _feature(client: FlaskClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_quarter_shows_the_report_of_then_with_its_colour(client: FlaskClient) -> None:
    then = _feature(client, f"/api/blocks/B01?as_of={Q2_END}")["properties"]
    now = _feature(client, "/api/blocks/B01")["properties"]
    assert (then["progress_percent"], then["last_reported_on"], then["status_color"]) == (40, "2021-05-10", "green")
    assert then["status_as_of"] == Q2_END
    assert (now["progress_percent"], now["last_reported_on"]) == (50, "2021-09-01")
    assert now["status_color"] in {"yellow", "red"}
    assert _feature(client, "/api/blocks/B02?as_of=2021-04-30")["properties"]["status_color"] == "green"
    assert _feature(client, f"/api/blocks/B02?as_of={Q2_END}")["properties"]["stale"] is True


def test_the_overview_as_of_a_quarters_end_agrees_with_its_bulletin_for_every_item(app: Flask) -> None:
    bulletin = quarterly_bulletin(app_store(app), corridor_state(app).plan, Quarter(2021, 2),
                                  targets=corridor_state(app).targets)
    expected = dict(zip(bulletin.items["id"], bulletin.items["colour"]))
    with app.test_request_context(f"/?as_of={Q2_END}"):
        app.preprocess_request()
        collections = map_collections()
    shown = {f["id"]: f["properties"]["status_color"] for key in ("blocks", "roads", "tasks")
             for f in collections[key]["features"]}
    plan_items = {item_id: colour for item_id, colour in expected.items() if not item_id.startswith("DT")}
    assert len(plan_items) == 13 + 17 + 76
    assert {item_id: shown[item_id] for item_id in plan_items} == plan_items
    assert set(plan_items.values()) >= {"green", "yellow", "red", "grey"}  # the loop compares every colour


def test_department_tasks_as_of_agree_with_the_bulletin(app: Flask, client: FlaskClient) -> None:
    bulletin = quarterly_bulletin(app_store(app), corridor_state(app).plan, Quarter(2021, 2),
                                  targets=corridor_state(app).targets)
    expected = {r.id: r.colour for r in bulletin.items.itertuples() if r.kind == "department_tasks"}
    body = _feature(client, f"/api/departments?as_of={Q2_END}")
    shown = {task["id"]: task["status"]["colour"] for unit in body["units"] for task in unit["tasks"]}
    assert body["as_of"] == Q2_END and len(expected) == 74
    assert shown == expected and shown["DT13-1"] == "green"
    later = _feature(client, "/api/departments?as_of=2021-08-31")
    assert {t["id"]: t["status"]["percent"] for u in later["units"] for t in u["tasks"]}["DT13-1"] == 90


def test_the_geo_function_for_other_features(app: Flask) -> None:
    rows = statuses_as_of(app_store(app), corridor_state(app).plan, date(2021, 6, 30))
    assert len(rows) == 13 + 21 + 76 - 4 + 4  # blocks, roads with the ring's 4 segments, tasks
    assert (rows["B01"]["percent"], rows["E01"]["colour"], rows["E03"]["closed"]) == (40, "grey", True)
    assert statuses_as_of(app_store(app), corridor_state(app).plan, date(2021, 7, 15))["E01"]["state"] == "已完成"


def test_a_geometry_saved_today_is_not_shown_in_the_past(client: FlaskClient, app: Flask) -> None:
    baseline = corridor_state(app).plan.blocks.set_index("id").loc["B01", "geometry"]
    then = shape(_feature(client, f"/api/blocks/B01?as_of={Q2_END}")["geometry"])
    now = shape(_feature(client, "/api/blocks/B01")["geometry"])
    assert then.area == pytest.approx(baseline.area, rel=1e-4)
    assert now.area == pytest.approx(baseline.area * 0.81, rel=1e-3)
    assert _feature(client, f"/api/blocks/B01?as_of={beijing_today()}")["geometry"] == _feature(
        client, "/api/blocks/B01")["geometry"]


def test_a_check_off_after_the_day_is_not_shown(client: FlaskClient) -> None:
    tasks = {f["id"]: f["properties"] for f in _feature(client, f"/api/tasks?as_of={Q2_END}")["features"]}
    assert tasks["E03"]["closed"] is True and tasks["E05"]["closed"] is False
    later = {f["id"]: f["properties"] for f in _feature(client, "/api/tasks?as_of=2021-08-01")["features"]}
    assert later["E05"]["closed"] is True and later["E05"]["status"] == "已销号"
    closed_then = _feature(client, f"/api/tasks?as_of={Q2_END}&status=green")["features"]
    assert "E05" not in {f["id"] for f in closed_then} and "E03" in {f["id"] for f in closed_then}


@pytest.mark.parametrize(("value", "kind"), [("2021-13-01", "date_format"), ("20210630", "date_format"),
                                              ("２０２１-06-30", "date_format"), ("", "date_format"),
                                              ("2020-12-31", "date_before_plan"), ("2999-01-01", "date_after_today")])
@pytest.mark.parametrize("path", ["/api/blocks", "/api/roads/R01", "/api/tasks", "/api/departments"])
def test_a_bad_day_is_refused_naming_the_field(client: FlaskClient, path: str, value: str, kind: str) -> None:
    response = client.get(path, query_string={"as_of": value})
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["parameter"], body["label"]) == ("invalid_parameter", "as_of", "截至日期")
    with pytest.raises(InvalidParameter, match="as_of"):
        parse_as_of(value, today=beijing_today())


@pytest.mark.parametrize("path", ["/", "/tasks", "/items/B01", "/departments", "/tour"])
def test_pages_state_the_day_and_refuse_a_bad_one_in_chinese(client: FlaskClient, path: str) -> None:
    page = client.get(path, query_string={"as_of": Q2_END})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'data-as-of="{Q2_END}"><strong>颜色按 {Q2_END}（北京时间）判定' in text
    assert 'id="as-of-note"' in text and 'id="as-of-picker"' in text
    bad = client.get(path, query_string={"as_of": "2021-02-30"})
    assert bad.status_code == 400 and "截至日期" in bad.get_data(as_text=True)


def test_the_past_hides_the_editing_forms(client: FlaskClient) -> None:
    add_user(app_store(client.application), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    login(client, "editor")
    today = client.get("/items/B01").get_data(as_text=True)
    assert 'id="report-form"' in today and 'id="geometry-editor"' in today
    past = client.get(f"/items/B01?as_of={Q2_END}").get_data(as_text=True)
    assert 'id="report-form"' not in past and 'id="check-off-form"' not in past
    assert 'id="geometry-editor"' not in past and "此时不能编辑" in past


def test_each_day_is_cached_apart(client: FlaskClient) -> None:
    first = client.get(f"/api/blocks/B01?as_of={Q2_END}")
    second = client.get("/api/blocks/B01?as_of=2021-09-30")
    assert first.get_json()["properties"]["progress_percent"] == 40
    assert second.get_json()["properties"]["progress_percent"] == 50
    if first.headers.get("ETag"):
        assert first.headers["ETag"] != second.headers["ETag"]
        again = client.get(f"/api/blocks/B01?as_of={Q2_END}", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304


def test_the_quarter_picker_offers_every_quarter_from_2021q1() -> None:
    choices = quarter_choices(today=date(2022, 2, 10))
    assert choices[0] == ("2022-02-10", "2022Q1（截至 2022-02-10）")
    assert choices[-1] == ("2021-03-31", "2021Q1（截至 2021-03-31）")
    assert len(choices) == 5


def test_the_end_of_a_beijing_day_in_utc() -> None:
    assert day_end_utc(date(2021, 6, 30)).isoformat() == "2021-06-30T16:00:00+00:00"


@pytest.mark.browser
def test_picking_a_quarter_on_the_overview(browser: object, app: Flask) -> None:  # noqa: F811
    with served(app) as base:
        watch = PageWatch(browser)
        watch.open(base + "/")
        with watch.page.expect_navigation(url=f"**/?as_of={Q2_END}", wait_until="load"):
            watch.page.select_option("#as-of-quarter", Q2_END)
        watch.page.wait_for_function("() => window.corridor !== undefined")
        assert watch.page.locator("#colour-as-of").get_attribute("data-as-of") == Q2_END
        assert watch.page.locator("#as-of-note").is_visible()
        colour = watch.page.evaluate("""() => window.corridorLayers.blocks.getLayers()
            .find((l) => l.feature.properties.id === 'B01').feature.properties.status_color""")
        assert colour == "green"
        with watch.page.expect_navigation(url=f"{base}/", wait_until="load"):
            watch.page.click("#as-of-today")
        watch.page.wait_for_function("() => window.corridor !== undefined")
        assert watch.page.locator("#as-of-note").count() == 0
        watch.assert_clean()
        watch.page.close()


def test_an_items_history_as_of_a_day_leaves_out_what_came_later(client: FlaskClient) -> None:
    then = _feature(client, f"/api/items/B01/history?as_of={Q2_END}")
    assert [r["reported_on"] for r in then["reports"]] == ["2021-05-10"]
    assert then["geometry_versions"] == [] and then["status"]["percent"] == 40
    assert then["status"]["geometry_version"] is None
    now = _feature(client, "/api/items/B01/history")
    assert len(now["reports"]) == 2 and len(now["geometry_versions"]) == 1
    closed = _feature(client, f"/api/items/E05/history?as_of={Q2_END}")
    assert closed["check_events"] == [] and closed["status"]["closed"] is False


@pytest.mark.parametrize(("as_of", "quarter"), [("2021-05-10", "2021Q2"), ("2021-09-30", "2021Q3"),
                                                ("2023-02-01", "2021Q4")])
def test_the_parks_take_the_plan_quarter_begun_by_the_day(client: FlaskClient, as_of: str, quarter: str) -> None:
    assert _feature(client, f"/api/targets?as_of={as_of}")["quarter"] == quarter
    end = Quarter(2021, int(quarter[-1])).end.isoformat()
    assert f'data-as-of="{end}"' in client.get(f"/parks?as_of={as_of}").get_data(as_text=True)
