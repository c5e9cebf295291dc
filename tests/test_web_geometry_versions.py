"""Geometry versions on the web (web/editing/geometry_versions.py): provenance on the item page, each version as GeoJSON,
restoring one through the API and the page's form (an audited revert with the version check)."""
from __future__ import annotations

import re

import pytest

from geo.status.snapshot import audit_entries, geometry_history, item_state
from status_web_fixtures import csrf_from, login, status_app  # noqa: F401
from web.core.as_of import BEIJING
from web.core.database import app_store

DRAWN = {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.89], [120.11, 27.91], [120.09, 27.91],
                                             [120.09, 27.89]]]}
SURVEY = {"type": "Polygon", "coordinates": [[[120.095, 27.895], [120.105, 27.895], [120.105, 27.905],
                                              [120.095, 27.905], [120.095, 27.895]]]}


@pytest.fixture
def editor(status_app):  # noqa: F811
    client = status_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    return client


def _two_versions(editor) -> None:
    assert editor.put("/api/items/B01/geometry", json={"geometry": SURVEY, "expected_version": 0,
                                                       "source": "surveyed"}).status_code == 201
    assert editor.put("/api/items/B01/geometry", json={"geometry": DRAWN, "expected_version": 1,
                                                       "source": "hand_drawn"}).status_code == 201


def test_a_hand_drawn_edit_is_labelled_hand_drawn_with_user_and_date(status_app, editor) -> None:  # noqa: F811
    _two_versions(editor)
    assert editor.get("/api/blocks/B01").json["properties"]["geometry_source"] == "hand_drawn"
    page = editor.get("/items/B01").get_data(as_text=True)
    [created] = [v.created_at for v in geometry_history(app_store(status_app), "B01") if v.version == 2]
    day = created.astimezone(BEIJING).date().isoformat()
    provenance = re.search(r'id="geometry-provenance">([^<]*)<', page).group(1)
    assert provenance == f"几何来源：手绘（editor，{day}）"
    assert "测绘（surveyed）" not in page.split('id="plan-attributes"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-version="(\d+)"( class="current-version")?>', page)
    assert rows == [("2", ' class="current-version"'), ("1", ""), ("0", "")]
    assert "测绘导入" in page and "规划基线：" in page and "提交时间（北京时间）" in page
    assert page.count('class="d-inline version-restore"') == 2  # every version but the current one


def test_each_version_is_served_as_geojson(status_app, editor) -> None:  # noqa: F811
    _two_versions(editor)
    first = editor.get("/api/items/B01/geometry/versions/1")
    assert first.status_code == 200 and first.mimetype == "application/geo+json"
    assert first.json["geometry"] == SURVEY
    assert (first.json["properties"]["source"], first.json["properties"]["author"]) == ("surveyed", "editor")
    assert first.json["properties"]["provenance"].startswith("测绘导入（editor，")
    baseline = editor.get("/api/items/B01/geometry/versions/0").json
    assert (baseline["properties"]["source"], baseline["properties"]["geometry_source"]) == ("baseline",
                                                                                              "approximate")
    missing = editor.get("/api/items/B01/geometry/versions/9")
    assert missing.status_code == 400 and missing.json["field"] == "version"
    assert "没有第「9」版几何" in missing.json["message"]
    assert editor.get("/api/items/B99/geometry/versions/0").status_code == 404


def test_restoring_through_the_api_is_a_new_audited_version(status_app, editor) -> None:  # noqa: F811
    _two_versions(editor)
    restored = editor.post("/api/items/B01/geometry/revert", json={"version": 1, "expected_version": 2})
    assert restored.status_code == 201, restored.json
    assert (restored.json["version"], restored.json["record"]["version"]) == (3, 3)
    assert (restored.json["record"]["source"], restored.json["record"]["restored_from"]) == ("surveyed", 1)
    block = editor.get("/api/blocks/B01").json
    assert block["properties"]["geometry_source"] == "surveyed"
    assert block["geometry"]["coordinates"][0][0] == pytest.approx([120.095, 27.895])
    entry = audit_entries(app_store(status_app), item_id="B01")[0]
    assert (entry.action, entry.actor, entry.details["restored_from"]) == ("geometry_revert", "editor", 1)
    stale = editor.post("/api/items/B01/geometry/revert", json={"version": 2, "expected_version": 2})
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    current = editor.post("/api/items/B01/geometry/revert", json={"version": 3, "expected_version": 3})
    assert current.status_code == 400 and current.json["problems"][0]["kind"] == "geometry_version_current"
    assert [v.version for v in geometry_history(app_store(status_app), "B01")] == [3, 2, 1]


def test_viewers_and_anonymous_users_cannot_restore(status_app, editor) -> None:  # noqa: F811
    _two_versions(editor)
    viewer = status_app.test_client()
    viewer.environ_base["HTTP_X_CSRF_TOKEN"] = login(viewer, "viewer")
    assert viewer.post("/api/items/B01/geometry/revert", json={"version": 1, "expected_version": 2}).status_code \
        == 403
    assert status_app.test_client().post("/api/items/B01/geometry/revert",
                                         json={"version": 1, "expected_version": 2}).status_code in (400, 401)
    assert 'class="d-inline version-restore"' not in viewer.get("/items/B01").get_data(as_text=True)
    assert item_state(app_store(status_app), "B01").version == 2


def test_the_page_form_restores_the_baseline_and_shows_a_stale_version_as_a_conflict(status_app,  # noqa: F811
                                                                                     editor) -> None:
    _two_versions(editor)
    token = csrf_from(editor, "/items/B01")
    form = {"version": "0", "expected_version": "2", "csrf_token": token}
    done = editor.post("/items/B01/geometry/revert", data=form)
    assert done.status_code == 303 and done.headers["Location"].endswith("/items/B01?saved=geometry")
    state = item_state(app_store(status_app), "B01")
    assert (state.version, state.geometry.source, state.geometry.restored_from) == (3, "baseline", 0)
    assert editor.get("/api/blocks/B01").json["properties"]["geometry_source"] == "approximate"
    page = editor.get("/items/B01").get_data(as_text=True)
    assert "规划基线（editor恢复规划基线，" in page and "（恢复自规划基线）" in page
    stale = editor.post("/items/B01/geometry/revert", data=form)
    assert stale.status_code == 409 and 'id="conflict"' in stale.get_data(as_text=True)
    bad = editor.post("/items/B01/geometry/revert", data={**form, "version": "x", "expected_version": "3"})
    assert bad.status_code == 400 and 'data-field="version"' in bad.get_data(as_text=True)
    assert item_state(app_store(status_app), "B01").version == 3
