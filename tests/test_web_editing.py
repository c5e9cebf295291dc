"""The write API, item history and item page (web/editing.py), and the real status on the maps and the API."""
from __future__ import annotations

import json

import pytest

from geo.snapshot import audit_entries, check_history, geometry_history, item_state, report_history
from status_web_fixtures import csrf_from, login, report_body, status_app  # noqa: F401
from web.database import app_store


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
    block = editor.get("/api/blocks/B01").json
    assert block["properties"]["geometry_source"] == "surveyed"
    assert block["geometry"]["coordinates"][0][0] == pytest.approx([120.095, 27.895])
    task = editor.get("/api/tasks/E01").json  # a block task follows its block's surveyed polygon
    assert task["properties"]["geometry_source"] == "surveyed"
    assert "测绘（surveyed）" in editor.get("/tasks").get_data(as_text=True)
    feature = {"type": "Feature", "properties": {}, "geometry": SURVEYED_B01}
    second = editor.put("/api/items/B01/geometry", json={"geometry": feature, "expected_version": 1})
    assert second.status_code == 201 and second.json["record"]["version"] == 2


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
    closed = editor.post("/items/B01/close", data={"note": "完成", "effective_on": "", "expected_version": "1",
                                                    "csrf_token": token})
    assert closed.status_code == 303
    assert [r.percent for r in report_history(app_store(status_app), "B01")] == [60]
    assert item_state(app_store(status_app), "B01").closed


def test_overview_map_carries_the_status_for_popups(status_app, editor) -> None:
    editor.post("/api/items/B01/reports", json=report_body(note="地图弹窗说明"))
    page = editor.get("/").get_data(as_text=True)
    assert json.dumps("地图弹窗说明")[1:-1] in page and '"progress_note"' in page  # Folium writes \u escapes
