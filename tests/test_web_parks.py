"""The 园区目标 page and API (web/reports/parks.py) on the shipped targets over a real database: colours follow reported
actuals on the page, the map and the API; bad reports, unknown targets, stale versions and missing rights are
refused; and one real-browser run (map polygons, charts, the editor's form)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geo.plan.quarters import Quarter
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, login
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.as_of import beijing_today
from web.core.database import app_store
from web.openapi import openapi_document
from web.reports.parks import ACTUAL_FIELDS, default_quarter
from web_fixtures import DATA_DIR, log_in_through_form, make_app, served_with_user

PARKS = ("P1", "P2", "P3", "P4", "P5", "P6")
TARGET_COUNT = 21  # rows of Attachment 1 in data/targets.csv


@pytest.fixture(scope="module")
def read_app() -> Iterator[Flask]:
    """The app on the shipped data over an empty SQLite database, for the tests that never write."""
    app = make_app(DATA_DIR)
    yield app
    app_store(app).close()


@pytest.fixture
def parks_app(database_url, tmp_path) -> Iterator[Flask]:
    """The app on the shipped data (the targets live only there) over an empty database, with an editor."""
    app = make_app(DATA_DIR, DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"))
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    yield app
    app_store(app).close()


@pytest.fixture
def editor(parks_app) -> FlaskClient:
    """An editor's client sending the session's CSRF token on every request."""
    client = parks_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    return client


def actual_body(version: int = 0, **changes: object) -> dict:
    """A valid actual of A1-1 (高能级创新平台提质; P1's annual target 3) for P1 in 2021Q2."""
    return {"park": "P1", "quarter": "2021Q2", "value": 2, "reported_on": "2021-07-05", "note": "二季度累计",
            "expected_version": version, **changes}


def table_cell(page: str, target_id: str, park: str) -> tuple[str, str]:
    """(colour, text) of the targets × parks table's cell."""
    row = re.search(rf'<tr data-target="{re.escape(target_id)}">(.*?)</tr>', page, re.DOTALL)
    assert row, f"no table row for {target_id}"
    cell = re.search(rf'<td class="cell cell-\w+" data-park="{park}" data-colour="(\w+)"[^>]*>(.*?)</td>',
                     row.group(1), re.DOTALL)
    assert cell, f"no cell {target_id}/{park}"
    return cell.group(1), " ".join(re.sub(r"<[^>]+>", " ", cell.group(2)).split())


def summary_colour(page: str, park: str) -> str:
    match = re.search(rf'<tr data-park="{park}" data-colour="(\w+)">', page)
    assert match, f"no summary row for {park}"
    return match.group(1)


def map_colour(page: str, park: str) -> str:
    """The park's colour in the map's embedded GeoJSON (what the polygon is filled with)."""
    match = re.search(rf'"id": "{park}"[^{{}}]*?"status_color": "(\w+)"', page)
    assert match, f"no map feature {park}"
    return match.group(1)


def api_row(client: FlaskClient, target_id: str, park: str, quarter: str = "2021Q2") -> dict:
    rows = client.get(f"/api/targets?quarter={quarter}").get_json()["rows"]
    [row] = [r for r in rows if r["target_id"] == target_id and r["park"] == park]
    return row


def api_park(client: FlaskClient, park: str, quarter: str = "2021Q2") -> dict:
    features = client.get(f"/api/parks?quarter={quarter}").get_json()["features"]
    [feature] = [f for f in features if f["id"] == park]
    return feature["properties"]


@pytest.mark.parametrize("quarter", ["2021Q1", "2021Q2", "2021Q3", "2021Q4"])
def test_page_shows_the_six_parks_their_charts_and_the_table(read_app, quarter: str) -> None:
    response = read_app.test_client().get(f"/parks?quarter={quarter}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'data-quarter="{quarter}"' in page and 'aria-current="page"' in page
    assert [summary_colour(page, p) for p in PARKS] == ["grey"] * 6
    assert {park: map_colour(page, park) for park in PARKS} == dict.fromkeys(PARKS, "grey")
    charts = re.findall(r'<svg [^>]*class="park-chart" data-park="(\w+)"', page)
    assert charts == [*PARKS, "total"]
    assert len(re.findall(r'<tr data-target="', page)) == TARGET_COUNT
    assert table_cell(page, "A1-3", "P2") == ("none", "— / 无量化目标")
    assert table_cell(page, "A4-3", "P2") == ("grey", "— / 500")
    assert table_cell(page, "A8-1", "total") == ("grey", "— / 12")
    assert '<td class="cell cell-na" title="规划未下达（/）">/</td>' in page  # A2-1 has no 瓯江口园 cell
    assert 'href="/parks">园区目标</a>' in page


def test_default_quarter_is_the_latest_plan_quarter_begun() -> None:
    assert default_quarter(date(2020, 12, 31)) == Quarter(2021, 1)
    assert default_quarter(date(2021, 5, 1)) == Quarter(2021, 2)
    assert default_quarter(date(2021, 10, 1)) == Quarter(2021, 4)
    assert default_quarter(date(2026, 11, 27)) == Quarter(2021, 4)


def test_page_and_api_default_to_that_quarter(read_app) -> None:
    client, expected = read_app.test_client(), str(default_quarter(date.today()))
    assert f'data-quarter="{expected}"' in client.get("/parks").get_data(as_text=True)
    assert client.get("/api/targets").get_json()["quarter"] == expected
    assert {f["properties"]["quarter"] for f in client.get("/api/parks").get_json()["features"]} == {expected}


@pytest.mark.parametrize("path", ["/parks", "/api/parks", "/api/targets"])
@pytest.mark.parametrize("quarter", ["2022Q1", "2020Q4", "2021Q5", "Q2"])
def test_a_quarter_outside_the_plan_year_is_400_naming_quarter(read_app, path: str, quarter: str) -> None:
    response = read_app.test_client().get(f"{path}?quarter={quarter}")
    assert response.status_code == 400
    if path.startswith("/api"):
        assert response.get_json()["parameter"] == "quarter"
    assert "quarter" in response.get_data(as_text=True)


def test_api_refuses_unknown_parameters(read_app) -> None:
    response = read_app.test_client().get("/api/parks?quarter=2021Q1&colour=red")
    assert response.status_code == 400 and response.get_json()["parameter"] == "colour"


def test_a_reported_actual_colours_its_cell_and_park_on_page_map_and_api(parks_app, editor) -> None:
    before = editor.get("/parks?quarter=2021Q2").get_data(as_text=True)
    assert table_cell(before, "A1-1", "P1") == ("grey", "— / 3")
    response = editor.post("/api/targets/A1-1/actuals", json=actual_body())
    assert response.status_code == 201, response.get_data(as_text=True)
    written = response.get_json()
    assert written["version"] == 1 and written["record"]["value"] == 2 and written["record"]["reporter"] == "editor"
    assessment = written["assessment"]
    assert assessment["colour"] == "green" and assessment["expected"] == pytest.approx(1.5)
    assert assessment["achievement"] == pytest.approx(2 / 1.5 * 100) and assessment["version"] == 1

    page = editor.get("/parks?quarter=2021Q2").get_data(as_text=True)
    assert table_cell(page, "A1-1", "P1") == ("green", "2 / 3")
    # P1's other numeric targets are unreported: at least yellow; the other parks stay grey
    assert summary_colour(page, "P1") == map_colour(page, "P1") == "yellow"
    assert summary_colour(page, "P2") == map_colour(page, "P2") == "grey"
    assert api_row(editor, "A1-1", "P1")["colour"] == "green"
    assert api_park(editor, "P1")["colour"] == "yellow" and api_park(editor, "P1")["green"] == 1
    # the same value is behind schedule a quarter later (expected 2.25 of 3 by 2021Q3 → no report there: grey)
    assert api_row(editor, "A1-1", "P1", "2021Q3")["colour"] == "grey"


def test_the_total_needs_every_park_with_a_numeric_target(editor) -> None:
    targets = {"P1": 2, "P2": 2, "P3": 2, "P4": 2, "P5": 2, "P6": 1}  # A4-1 引育高水平创新团队, total 11
    for park in PARKS[:-1]:
        assert editor.post("/api/targets/A4-1/actuals", json=actual_body(park=park, value=targets[park] / 2,
                                                                         quarter="2021Q2")).status_code == 201
    assert api_row(editor, "A4-1", "total")["colour"] == "grey"
    assert editor.post("/api/targets/A4-1/actuals", json=actual_body(park="P6", value=1)).status_code == 201
    total = api_row(editor, "A4-1", "total")
    assert total["actual"] == pytest.approx(6) and total["colour"] == "green"
    page = editor.get("/parks?quarter=2021Q2").get_data(as_text=True)
    assert table_cell(page, "A4-1", "total") == ("green", "6 / 11")


def test_the_form_reports_and_redirects_to_the_quarter(editor) -> None:
    page = editor.get("/parks?quarter=2021Q3&target=A4-3&park=P2").get_data(as_text=True)
    assert re.search(r'<option value="A4-3"[^>]*selected', page) and re.search(r'<option value="P2" selected', page)
    response = editor.post("/parks/actuals", data={"target_id": "A4-3", "park": "P2", "quarter": "2021Q3",
                                                   "value": "320", "reported_on": "2021-10-08", "note": "",
                                                   "expected_version": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/parks?quarter=2021Q3&saved=1")
    page = editor.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="saved"' in page
    assert table_cell(page, "A4-3", "P2") == ("yellow", "320 / 500")  # expected 375: 11 points behind


@pytest.mark.parametrize(("change", "field"), [
    ({"value": "十二"}, "value"),
    ({"park": "P6", "target": "A2-1"}, "park"),  # 瓯江口园 has no cell ("/") for A2-1
    ({"park": "total"}, "park"),  # a sum of parks is not reported directly
    ({"quarter": "2022Q1"}, "quarter"),
    ({"reported_on": (beijing_today() + timedelta(days=1)).isoformat()}, "reported_on"),
    ({"expected_version": -1}, "expected_version"),
    ({"colour": "green"}, "colour"),
])
def test_bad_reports_are_400_naming_the_field_and_change_nothing(editor, change: dict, field: str) -> None:
    change = dict(change)  # the parameter is shared by the database variants
    target = change.pop("target", "A1-1")
    response = editor.post(f"/api/targets/{target}/actuals", json=actual_body(**change))
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert field in {p["field"] for p in body["problems"]} and body["message"]
    assert all(row["version"] == 0 and row["actual"] is None
               for row in editor.get("/api/targets?quarter=2021Q2").get_json()["rows"])


@pytest.mark.parametrize(("change", "field"), [
    ({"value": "abc"}, "value"), ({"quarter": "2022Q1"}, "quarter"), ({"target_id": "A9-9"}, "target_id"),
    ({"expected_version": "²"}, "expected_version"), ({"value": "１２"}, "value"),
])
def test_a_bad_form_shows_the_page_with_the_problem(editor, change: dict, field: str) -> None:
    form = {"target_id": "A1-1", **{k: str(v) for k, v in actual_body().items()}, **change}
    response = editor.post("/parks/actuals", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<li data-field="{field}">' in page and 'id="actual-form"' in page
    assert f'value="{form["value"]}"' in page  # the value typed is kept for correcting


@pytest.mark.parametrize(("body", "field", "says"), [
    ("[" * 100_000 + "]" * 100_000, "body", "nested too deeply"),
    ('{"park": "P1", "quarter": "2021Q2", "value": %s, "expected_version": 0}' % ("9" * 5000), "value",
     "as a number from"),
])
def test_hostile_bodies_are_400_naming_the_field(editor, body: str, field: str, says: str) -> None:
    response = editor.post("/api/targets/A1-1/actuals", data=body, content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["field"] == field and says in response.get_json()["message"]
    assert api_row(editor, "A1-1", "P1")["version"] == 0


def test_unknown_target_is_404(editor) -> None:
    response = editor.post("/api/targets/A9-1/actuals", json=actual_body())
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_the_history_keeps_every_actual_and_its_audit_entry(editor) -> None:
    assert editor.post("/api/targets/A1-1/actuals", json=actual_body(value=1)).status_code == 201
    correction = actual_body(version=1, value=2, note="更正")
    assert editor.post("/api/targets/A1-1/actuals", json=correction).status_code == 201
    assert editor.post("/api/targets/A1-1/actuals", json=actual_body(park="P2", value=1)).status_code == 201
    history = editor.get("/api/targets/A1-1/history").get_json()
    assert [(a["park"], a["value"], a["note"]) for a in history["actuals"]] == [
        ("P2", 1, "二季度累计"), ("P1", 2, "更正"), ("P1", 1, "二季度累计")]
    assert [(e["item_id"], e["actor"], e["details"]["value"]) for e in history["audit"]] == [
        ("A1-1@P2", "editor", 1), ("A1-1@P1", "editor", 2), ("A1-1@P1", "editor", 1)]
    assert api_row(editor, "A1-1", "P1")["actual"] == 2  # the correction is the current value
    assert editor.get("/api/targets/A1-2/history").get_json()["actuals"] == []
    assert editor.get("/api/targets/A9-1/history").status_code == 404


def test_a_stale_version_is_409_and_the_first_write_stays(editor) -> None:
    assert editor.post("/api/targets/A1-1/actuals", json=actual_body(value=1)).status_code == 201
    response = editor.post("/api/targets/A1-1/actuals", json=actual_body(value=3))
    assert response.status_code == 409
    assert response.get_json()["current_version"] == 1 and response.get_json()["expected_version"] == 0
    assert api_row(editor, "A1-1", "P1")["actual"] == 1
    form = {"target_id": "A1-1", **{k: str(v) for k, v in actual_body(value=3).items()}}
    page = editor.post("/parks/actuals", data=form)
    assert page.status_code == 409 and 'id="conflict"' in page.get_data(as_text=True)
    assert 'name="expected_version" id="expected_version" value="1"' in page.get_data(as_text=True)


def test_a_stale_or_future_version_of_a_reported_target_is_409_and_the_writes_stay(editor) -> None:
    # version 1 of a cell now at 2, or a version it never had: refused past the first report too
    for version, value in ((0, 1), (1, 2)):
        assert editor.post("/api/targets/A1-1/actuals", json=actual_body(version, value=value)).status_code == 201
    for stale in (1, 3):
        response = editor.post("/api/targets/A1-1/actuals", json=actual_body(stale, value=3))
        assert response.status_code == 409
        assert (response.get_json()["expected_version"], response.get_json()["current_version"]) == (stale, 2)
    form = {"target_id": "A1-1", **{k: str(v) for k, v in actual_body(1, value=3).items()}}
    page = editor.post("/parks/actuals", data=form)
    assert page.status_code == 409 and 'name="expected_version" id="expected_version" value="2"' in page.get_data(
        as_text=True)
    assert (api_row(editor, "A1-1", "P1")["actual"], api_row(editor, "A1-1", "P1")["version"]) == (2, 2)
    assert editor.post("/api/targets/A1-1/actuals", json=actual_body(2, value=3)).status_code == 201


def test_viewers_and_anonymous_users_cannot_report(parks_app) -> None:
    anonymous = parks_app.test_client()
    assert anonymous.post("/api/targets/A1-1/actuals", json=actual_body()).status_code == 401
    response = anonymous.post("/parks/actuals", data={"target_id": "A1-1", "value": "2"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    add_user(app_store(parks_app), "viewer", role="viewer", password=PASSWORDS["viewer"], actor="test")
    viewer = parks_app.test_client()
    viewer.environ_base["HTTP_X_CSRF_TOKEN"] = login(viewer, "viewer")
    assert viewer.post("/api/targets/A1-1/actuals", json=actual_body()).status_code == 403
    assert viewer.post("/parks/actuals", data={"target_id": "A1-1", "value": "2"}).status_code == 403
    page = viewer.get("/parks?quarter=2021Q2").get_data(as_text=True)
    assert 'id="actual-form"' not in page and "cell-link" not in page
    assert 'id="actual-form"' not in anonymous.get("/parks").get_data(as_text=True)


def test_writes_need_the_csrf_token(parks_app) -> None:
    client = parks_app.test_client()
    login(client, "editor")  # logged in, but the token is not sent
    response = client.post("/api/targets/A1-1/actuals", json=actual_body())
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"
    form = {"target_id": "A1-1", **{k: str(v) for k, v in actual_body().items()}}
    assert client.post("/parks/actuals", data=form).status_code == 400
    assert client.post("/parks/actuals", data={**form, "csrf_token": "forged"}).status_code == 400
    assert all(row["version"] == 0 for row in client.get("/api/targets?quarter=2021Q2").get_json()["rows"])


def test_editor_form_carries_each_cells_version(editor) -> None:
    assert editor.post("/api/targets/A2-1/actuals", json=actual_body(park="P3", value=1)).status_code == 201
    page = editor.get("/parks?quarter=2021Q2&target=A2-1&park=P3").get_data(as_text=True)
    assert 'name="expected_version" id="expected_version" value="1"' in page
    assert re.search(r'<option value="P6"[^>]* disabled>', page)  # A2-1 has no 瓯江口园 cell
    assert '"A2-1": {"P1": 0, "P2": 0, "P3": 1' in page
    assert 'href="/parks?quarter=2021Q2&amp;target=A2-1&amp;park=P3#actual-form"' in page


def test_the_openapi_body_is_the_views() -> None:
    schema = openapi_document()["components"]["schemas"]["TargetActual"]
    assert tuple(schema["properties"]) == ACTUAL_FIELDS


# --- real browser ------------------------------------------------------------------------------------------------

BROWSER_PASSWORD = "editor-pass-1"


@pytest.fixture(scope="module")
def parks_server() -> Iterator[str]:
    """The app on the shipped data with an empty SQLite database and one editor, served on loopback."""
    with served_with_user(role="editor", password=BROWSER_PASSWORD) as base:
        yield base


@pytest.mark.browser
def test_browser_map_charts_and_an_editors_report(browser, parks_server: str) -> None:  # noqa: F811
    watch = PageWatch(browser)
    page = watch.page
    try:
        watch.open(parks_server + "/parks?quarter=2021Q2")
        assert watch.counts() == {"districts": 8, "parks": 6}
        assert page.locator("svg.park-chart").count() == 7
        assert page.locator("svg.park-chart[data-park='P1'] g.track").count() == 4 * 16  # P1 has 16 cells
        page.evaluate("window.corridor.focus('P2')")
        popup = page.locator(".leaflet-popup-content .corridor-popup")
        popup.wait_for()
        assert "高教园" in popup.inner_text() and "位置为近似" in popup.inner_text()
        assert "未上报" in popup.inner_text()

        log_in_through_form(page, parks_server, name="editor", password=BROWSER_PASSWORD,
                            next_path="/parks?quarter=2021Q2")
        page.wait_for_selector("#actual-form")
        page.select_option("#target_id", "A2-1")
        assert page.locator("#park option[value='P6']").is_disabled()
        page.select_option("#park", "P2")
        page.select_option("#quarter", "2021Q2")
        page.fill("#value", "1")
        page.click("#actual-form button[type=submit]")
        page.wait_for_selector("#saved")
        cell = page.locator("#targets-table tr[data-target='A2-1'] td[data-park='P2']")
        assert cell.get_attribute("data-colour") == "green" and cell.inner_text().split() == ["1", "/", "1"]
        page.wait_for_load_state("load")  # the map's script has run (a polled wait would need eval, which CSP forbids)
        fill = page.evaluate("window.corridorLayers.parks.getLayers()"
                             ".find((l) => l.feature.properties.id === 'P2').options.fillColor")
        assert fill == "#e0a800"  # yellow: its other targets are unreported
        assert page.locator("svg.park-chart[data-park='P2'] g.track[data-target='A2-1'][data-quarter='2021Q2']"
                            ).get_attribute("data-colour") == "green"
        watch.assert_clean()
    finally:
        page.close()
