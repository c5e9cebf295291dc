"""The write API, item history and item page (web/editing/items.py), and the real status on the maps and the API."""
from __future__ import annotations

import json

import pytest

from db_fixtures import refuse_writes, take_away
from geo.status.snapshot import audit_entries, check_history, geometry_history, item_state, report_history
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, csrf_from, login, report_body, status_app  # noqa: F401
from web.core.database import app_store
from web_fixtures import make_app


# Inside B01's district (鹿城区, the square around 120.1, 27.9 of the tiny plan) and far outside any area.
SURVEYED_B01 = {"type": "Polygon", "coordinates": [[[120.095, 27.895], [120.105, 27.895], [120.105, 27.905],
                                                    [120.095, 27.905], [120.095, 27.895]]]}
OUTSIDE = {"type": "Polygon", "coordinates": [[[121.5, 28.5], [121.51, 28.5], [121.51, 28.51], [121.5, 28.5]]]}


@pytest.fixture
def editor(status_app):
    client = status_app.test_client()
    token = login(client, "editor")
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token
    return client


def _nothing_written(app, item_id: str) -> bool:
    store = app_store(app)
    return (item_state(store, item_id).version == 0 and report_history(store, item_id) == []
            and check_history(store, item_id) == [] and geometry_history(store, item_id) == [])


def test_report_is_stored_with_the_user_as_reporter_and_shown_everywhere(status_app, editor) -> None:
    response = editor.post("/api/items/E02/reports", json=report_body(percent=10, note="进度偏慢"))
    assert response.status_code == 201
    assert response.json["version"] == 1 and response.json["record"]["reporter"] == "editor"
    assert response.json["status"]["colour"] == "red"  # 49.5 % due on 2021-06-30, 10 % done
    feature = editor.get("/api/tasks/E02").json
    assert (feature["properties"]["status"], feature["properties"]["status_color"]) == ("严重滞后", "red")
    assert feature["properties"]["progress_note"] == "进度偏慢" and feature["properties"]["version"] == 1
    assert [f["id"] for f in editor.get("/api/tasks?status=red").json["features"]] == ["E02"]
    assert "严重滞后" in editor.get("/tasks").get_data(as_text=True)
    entry = audit_entries(app_store(status_app), item_id="E02")[0]
    assert (entry.actor, entry.action, entry.details["percent"]) == ("editor", "report", 10)


def test_reporter_cannot_be_chosen_by_the_client(status_app, editor) -> None:
    response = editor.post("/api/items/B01/reports", json=report_body(reporter="someone-else"))
    assert response.status_code == 400 and response.json["field"] == "reporter"
    assert _nothing_written(status_app, "B01")


@pytest.mark.parametrize(("changes", "field"), [
    ({"percent": 140}, "percent"),
    ({"percent": "abc"}, "percent"),
    ({"state": "完成了"}, "state"),
    ({"reported_on": "2021-02-30"}, "reported_on"),
    ({"reported_on": "2999-01-01"}, "reported_on"),
    ({"state": "已完成", "percent": 80}, "percent"),
    ({"note": "x" * 2001}, "note"),
    ({"note": "bell\x07"}, "note"),
    ({"reported_colour": "purple"}, "reported_colour"),
    ({"expected_version": "one"}, "expected_version"),
    ({"expected_version": -1}, "expected_version"),
    ({"expected_version": 10**30}, "expected_version"),
    ({"expected_version": "9" * 40}, "expected_version"),
    ({"percent": 10**400}, "percent"),
    ({"expected_version": "²"}, "expected_version"),  # Unicode digits: str.isdigit() says yes, int() says no
    ({"expected_version": "１"}, "expected_version"),
    ({"percent": "１０"}, "percent"),
    ({"percent": "1_0"}, "percent"),
    ({"reported_on": "0001-01-01"}, "reported_on"),
    ({"reported_on": "2020-12-31"}, "reported_on"),  # the day before the plan year
])
def test_bad_report_is_400_naming_the_field_and_writes_nothing(status_app, editor, changes, field) -> None:
    response = editor.post("/api/items/B01/reports", json=report_body(**changes))
    assert response.status_code == 400, response.json
    assert response.json["error"] == "validation" and response.json["field"] == field
    assert field in {p["field"] for p in response.json["problems"]}
    assert _nothing_written(status_app, "B01")


def test_every_problem_is_named_at_once(editor) -> None:
    response = editor.post("/api/items/B01/reports", json=report_body(percent=-5, state="?", reported_on="soon"))
    assert {p["field"] for p in response.json["problems"]} == {"percent", "state", "reported_on"}


@pytest.mark.parametrize(("body", "field"), [("not json", "body"), (["a", "list"], "body"),
                                             ({**report_body(), "colour": "red"}, "colour")])
def test_malformed_bodies_are_400(status_app, editor, body, field) -> None:
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = editor.post("/api/items/B01/reports", **kwargs)
    assert response.status_code == 400 and response.json["field"] == field
    assert _nothing_written(status_app, "B01")


def test_a_5000_digit_percent_is_400_naming_percent(status_app, editor) -> None:
    body = '{"percent": %s, "state": "进行中", "expected_version": 0}' % ("9" * 5000)
    response = editor.post("/api/items/B01/reports", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["field"] == "percent", response.json
    assert "完成进度（%）：应为 0 到 100 之间的数字" in response.json["message"]
    assert response.json["problems"][0]["label"] == "完成进度（%）"
    english = editor.post("/api/items/B01/reports", data=body, content_type="application/json", headers={"Accept-Language": "en"})
    assert "0 to 100" in english.json["message"]
    assert _nothing_written(status_app, "B01")


@pytest.mark.parametrize("path", ["/api/items/B01/reports", "/api/items/B01/close", "/api/items/B01/reopen",
                                  "/api/items/B01/geometry"])
def test_a_deeply_nested_body_is_400_not_a_crash(status_app, editor, path: str) -> None:
    method = editor.put if path.endswith("/geometry") else editor.post
    for body in ("[" * 100_000 + "]" * 100_000, '{"note": ' + "[" * 5_000 + "]" * 5_000 + "}"):
        response = method(path, data=body, content_type="application/json", headers={"Accept-Language": "en"})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        assert response.json["field"] == "body" and "nested too deeply" in response.json["message"]
    assert _nothing_written(status_app, "B01")


def test_check_off_dates_must_lie_in_the_plan_period(status_app, editor) -> None:
    response = editor.post("/api/items/B01/close", json={"note": "完成", "effective_on": "0001-01-01",
                                                          "expected_version": 0})
    assert response.status_code == 400 and response.json["field"] == "effective_on"
    assert "2021-01-01" in response.json["message"]
    assert _nothing_written(status_app, "B01")


def test_unknown_item_is_404(editor) -> None:
    assert editor.post("/api/items/B99/reports", json=report_body()).status_code == 404
    assert editor.get("/api/items/B99/history").status_code == 404
    assert editor.get("/items/B99").status_code == 404


def test_stale_version_is_409_and_loses_nothing(status_app, editor) -> None:
    first = editor.post("/api/items/B01/reports", json=report_body(0, percent=30))
    assert first.status_code == 201
    stale = editor.post("/api/items/B01/reports", json=report_body(0, percent=35))
    assert stale.status_code == 409
    assert stale.json["error"] == "conflict" and stale.json["current_version"] == 1
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [30]
    assert editor.post("/api/items/B01/reports", json=report_body(1, percent=35)).status_code == 201


def test_a_stale_or_future_version_of_an_edited_item_is_409_and_loses_nothing(status_app, editor) -> None:
    # Past the first edit the check is an UPDATE ... WHERE version = expected: version 1 of an item now at 2 (or a
    # version it never had) must be refused, not only the 0 of a first insert.
    for version, percent in ((0, 30), (1, 35)):
        assert editor.post("/api/items/B01/reports", json=report_body(version, percent=percent)).status_code == 201
    for stale in (1, 3):
        response = editor.post("/api/items/B01/reports", json=report_body(stale, percent=50))
        assert response.status_code == 409 and response.json["error"] == "conflict"
        assert (response.json["expected_version"], response.json["current_version"]) == (stale, 2)
    assert editor.post("/api/items/B01/close", json={"note": "完成", "expected_version": 1}).status_code == 409
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [35, 30]
    assert not item_state(app_store(status_app), "B01").closed and item_state(app_store(status_app), "B01").version == 2
    assert editor.post("/api/items/B01/reports", json=report_body(2, percent=50)).status_code == 201


def test_close_and_reopen_are_logged(status_app, editor) -> None:
    closed = editor.post("/api/items/E02/close", json={"note": "整治完成，验收通过", "expected_version": 0})
    assert closed.status_code == 201 and closed.json["status"]["closed"] is True
    assert closed.json["status"]["colour"] == "green"
    again = editor.post("/api/items/E02/close", json={"note": "再次", "expected_version": 1})
    assert again.status_code == 400 and again.json["field"] == "closed"
    no_reason = editor.post("/api/items/E02/reopen", json={"note": " ", "expected_version": 1})
    assert no_reason.status_code == 400 and no_reason.json["field"] == "note"
    reopened = editor.post("/api/items/E02/reopen", json={"note": "复查发现问题", "expected_version": 1})
    assert reopened.status_code == 201 and reopened.json["status"]["closed"] is False
    history = editor.get("/api/items/E02/history").json
    assert [e["action"] for e in history["check_events"]] == ["reopen", "close"]
    assert [(a["actor"], a["action"]) for a in history["audit"]] == [("editor", "reopen"), ("editor", "close")]


def test_geometry_upload_replaces_the_map_geometry(status_app, editor) -> None:
    response = editor.put("/api/items/B01/geometry", json={"geometry": SURVEYED_B01, "expected_version": 0})
    assert response.status_code == 201 and response.json["record"]["version"] == 1
    assert (response.json["record"]["source"], response.json["record"]["author"]) == ("uploaded", "editor")
    block = editor.get("/api/blocks/B01").json
    assert block["properties"]["geometry_source"] == "uploaded"  # an API client's file: origin not stated
    assert block["geometry"]["coordinates"][0][0] == pytest.approx([120.095, 27.895])
    task = editor.get("/api/tasks/E01").json  # a block task follows its block's polygon
    assert task["properties"]["geometry_source"] == "uploaded"
    assert "上传文件" in editor.get("/tasks").get_data(as_text=True)
    feature = {"type": "Feature", "properties": {}, "geometry": SURVEYED_B01}
    second = editor.put("/api/items/B01/geometry", json={"geometry": feature, "expected_version": 1,
                                                         "source": "surveyed"})
    assert second.status_code == 201 and second.json["record"]["version"] == 2
    assert editor.get("/api/blocks/B01").json["properties"]["geometry_source"] == "surveyed"
    bad = editor.put("/api/items/B01/geometry", json={"geometry": feature, "expected_version": 2,
                                                      "source": "baseline"})
    assert bad.status_code == 400 and bad.json["field"] == "source"


@pytest.mark.parametrize(("geometry", "field"), [
    (OUTSIDE, "geometry"),
    ({**SURVEYED_B01, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}, "crs"),
    ({"type": "Polygon", "coordinates": [[[120.1, 27.9], [120.2]]]}, "geometry"),
    ({"type": "LineString", "coordinates": [[120.1, 27.9], [120.101, 27.901]]}, "geometry"),
    ("{not json", "geometry"),
    (None, "geometry"),
])
def test_bad_geometry_is_400_and_keeps_the_baseline(status_app, editor, geometry, field) -> None:
    response = editor.put("/api/items/B01/geometry", json={"geometry": geometry, "expected_version": 0})
    assert response.status_code == 400, response.json
    assert field in {p["field"] for p in response.json["problems"]}
    assert _nothing_written(status_app, "B01")
    assert editor.get("/api/blocks/B01").json["properties"]["geometry_source"] == "approximate"


RING = SURVEYED_B01["coordinates"][0]


@pytest.mark.parametrize(("geometry", "says", "not_says"), [
    ({"type": "Polygon", "coordinates": [RING[:-1]]}, "ring coordinates[0] is not closed", None),
    ({"type": "Polygon", "coordinates": [[[str(x), str(y)] for x, y in RING]]}, "coordinates[0][0][0]: expected "
                                                                                 "a number", None),
    ({"type": "Polygon", "coordinates": [[[float("nan"), RING[0][1]], *RING[1:-1], [float("nan"), RING[0][1]]]]},
     "coordinates must be finite numbers: coordinates[0][0][0]", "closed linestring"),
    ({"coordinates": [RING]}, "missing member 'type'", "NoneType"),
    ({"type": "polygon", "coordinates": [RING]}, "got 'polygon'", None),
])
def test_malformed_geojson_is_400_saying_which_member_and_what_was_expected(status_app, editor, geometry, says,
                                                                           not_says) -> None:
    body = json.dumps({"geometry": geometry, "expected_version": 0})  # NaN as the JSON literal some writers emit
    response = editor.put("/api/items/B01/geometry", data=body, content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 400, response.json
    assert response.json["field"] == "geometry" and says in response.json["message"], response.json["message"]
    assert not_says is None or not_says not in response.json["message"]
    assert _nothing_written(status_app, "B01")


def test_item_page_shows_state_history_and_forms_by_role(status_app, editor) -> None:
    editor.post("/api/items/B01/reports", json=report_body(note="<b>加粗</b> & 说明"))
    anonymous = status_app.test_client().get("/items/B01").get_data(as_text=True)
    assert "测试区块" in anonymous and "&lt;b&gt;加粗&lt;/b&gt; &amp; 说明" in anonymous
    assert 'id="report-form"' not in anonymous and 'id="geometry-editor"' not in anonymous
    page = editor.get("/items/B01").get_data(as_text=True)
    assert 'id="report-form"' in page and 'id="check-off-form"' in page and 'id="geometry-editor"' in page
    assert 'name="expected_version" value="1"' in page
    editor_data = json.loads(page.split('id="editor-data">', 1)[1].split("</script>", 1)[0])
    assert editor_data["version"] == 1 and editor_data["feature"]["id"] == "B01"
    assert editor_data["tiles"][0]["tiles"].startswith("https://tile.openstreetmap.org/")


def test_item_page_forms_write_and_show_problems(status_app, editor) -> None:
    token = csrf_from(editor, "/items/B01")
    form = {"percent": "60", "state": "进行中", "reported_on": "2021-06-30", "note": "表单上报",
            "reported_colour": "", "expected_version": "0", "csrf_token": token}
    saved = editor.post("/items/B01/reports", data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/items/B01?saved=reports")
    assert "表单上报" in editor.get("/items/B01").get_data(as_text=True)

    bad = editor.post("/items/B01/reports", data={**form, "percent": "200", "expected_version": "1"})
    assert bad.status_code == 400 and 'data-field="percent"' in bad.get_data(as_text=True)
    stale = editor.post("/items/B01/reports", data=form)
    assert stale.status_code == 409 and 'id="conflict"' in stale.get_data(as_text=True)
    close = {"note": "完成", "effective_on": "", "expected_version": "1", "csrf_token": token}
    asked = editor.post("/items/B01/close", data=close)  # the page always asks before a check-off
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="confirm-panel"' in page and "确认对 B01 销号" in page
    assert 'data-kind="close_unfinished"' in page and "尚未达到「已完成」" in page
    assert not item_state(app_store(status_app), "B01").closed
    closed = editor.post("/items/B01/close", data={**close, "confirm": "1"})
    assert closed.status_code == 303
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [60]
    assert item_state(app_store(status_app), "B01").closed


@pytest.mark.parametrize("version", ["²", "١", "１"])
def test_a_form_with_a_non_ascii_version_is_400_naming_it(status_app, editor, version: str) -> None:
    token = csrf_from(editor, "/items/B01")
    report = {"percent": "60", "state": "进行中", "reported_on": "2021-06-30", "note": "", "reported_colour": "",
              "expected_version": version, "csrf_token": token}
    close = {"note": "完成", "effective_on": "", "expected_version": version, "csrf_token": token}
    for action, form in (("reports", report), ("close", close), ("reopen", close)):
        response = editor.post(f"/items/B01/{action}", data=form)
        assert response.status_code == 400 and 'data-field="expected_version"' in response.get_data(as_text=True)
    assert _nothing_written(status_app, "B01")


def test_overview_map_carries_the_status_for_popups(status_app, editor) -> None:
    editor.post("/api/items/B01/reports", json=report_body(note="地图弹窗说明"))
    page = editor.get("/").get_data(as_text=True)
    assert json.dumps("地图弹窗说明")[1:-1] in page and '"progress_note"' in page  # Folium writes \u escapes


@pytest.fixture
def relayed_editor(write_layers, relayed_url, tmp_path):
    """An app on the tiny plan whose database can be taken away (SQLite file, or PostgreSQL behind a relay), and
    a logged-in editor's client: ``(app, client, url, relay)``."""
    url, relay = relayed_url
    app = make_app(write_layers(), DATABASE_URL=url, INSTANCE_PATH=str(tmp_path / "instance"))
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    client = app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    yield app, client, url, relay
    app_store(app).close()


def test_writes_answer_503_once_the_database_vanished(relayed_editor) -> None:
    app, client, url, relay = relayed_editor
    assert client.post("/api/items/B01/reports", json=report_body()).status_code == 201
    token = csrf_from(client, "/items/B01")
    take_away(url, relay)
    refused = client.post("/api/items/B01/reports", json=report_body(version=1), headers={"Accept-Language": "en"})
    assert refused.status_code == 503 and refused.json["error"] == "database_unavailable"
    name = app_store(app).watch.name
    assert name in refused.json["message"] and "status database" in refused.json["message"] and "/" not in name
    form = client.post("/items/B01/reports", data={"percent": "60", "state": "进行中", "reported_on": "2021-06-30",
                                                   "note": "", "expected_version": "1", "csrf_token": token})
    assert form.status_code == 503 and "状态数据库暂时无法使用，本次操作未保存" in form.get_data(as_text=True)


def test_writes_answer_503_when_the_database_cannot_be_written_and_keep_nothing(status_app, editor) -> None:
    refuse_writes(app_store(status_app))
    refused = editor.post("/api/items/B01/reports", json=report_body(), headers={"Accept-Language": "en"})
    assert refused.status_code == 503 and refused.json["error"] == "database_not_writable"
    chinese = editor.post("/api/items/B01/reports", json=report_body())
    assert chinese.json["message"].startswith("状态数据库当前只能读取、不能写入")
    assert refused.json["message"].startswith("cannot write the status database ")
    assert "nothing was saved" in refused.json["message"]
    assert _nothing_written(status_app, "B01")
