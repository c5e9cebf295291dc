"""The import page and its API (web/editing/geometry_import.py): editors only, upload → layers → preview → apply as one
audited surveyed version per item, bad files reported per feature with nothing written, and a real browser replacing
the 13 blocks from one GeoPackage."""
from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from geo.plan.coords import wgs84_to_gcj02
from geo.status.snapshot import audit_entries, geometry_history, item_state
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, login
from test_geometry_import import _bad_file, _datum_file, shifted_blocks, write_gpkg
from test_web_browser import PageWatch, browser  # noqa: F401
from web.core.database import app_store
from web.core.state import corridor_state
from web_fixtures import DATA_DIR, log_in_through_form, make_app, served

BLOCK_IDS = [f"B{n:02d}" for n in range(1, 14)]
CHOICE = {"file_layer": "survey", "key_field": "id", "match": "id", "coordinates": "file"}


@pytest.fixture
def import_app(tmp_path) -> Iterator[Flask]:
    """The app on the shipped plan over an empty database, one user per role."""
    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path / "instance"))
    for role, password in PASSWORDS.items():
        add_user(app_store(app), role, role=role, password=password, actor="test")
    yield app
    app_store(app).close()


@pytest.fixture
def editor(import_app):
    client = import_app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    return client


@pytest.fixture
def blocks_gpkg(import_app, tmp_path) -> Path:
    return write_gpkg(shifted_blocks(corridor_state(import_app).plan), tmp_path / "测绘区块.gpkg")


def upload(client, url: str, path: Path, **form: str):
    return client.post(url, data={"file": (io.BytesIO(path.read_bytes()), path.name), **form},
                       content_type="multipart/form-data")


def test_the_page_is_for_editors_only(import_app, editor) -> None:
    anonymous = import_app.test_client().get("/import")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    viewer = import_app.test_client()
    login(viewer, "viewer")
    assert viewer.get("/import").status_code == 403
    page = editor.get("/import").get_data(as_text=True)
    assert "导入测绘成果" in page and 'id="import-file"' in page and "GCJ-02（高德）" in page
    assert "按名称匹配" in page and "文件自带" in page and " onchange=" not in page
    assert 'id="import-link"' in editor.get("/").get_data(as_text=True)
    assert 'id="import-link"' not in viewer.get("/").get_data(as_text=True)


def test_layers_preview_and_apply_replace_the_13_blocks(import_app, editor, blocks_gpkg) -> None:
    layers = upload(editor, "/api/imports/layers", blocks_gpkg)
    assert layers.status_code == 200, layers.json
    assert layers.json["layers"] == [{"name": "survey", "geometry_type": "Polygon", "count": 13,
                                      "fields": ["id", "name"], "crs": "EPSG:4549", "suggested_field": "id",
                                      "suggested_match": "id"}]
    preview = upload(editor, "/api/imports/preview", blocks_gpkg, **CHOICE).json
    assert preview["ready"] is True and preview["summary"] == {"features": 13, "ok": 13, "problems": 0}
    assert [f["item_id"] for f in preview["features"]] == BLOCK_IDS
    assert [f["moved_m"] for f in preview["features"]] == pytest.approx([30.0] * 13, abs=0.5)
    assert preview["features"][2]["name"] == "中国眼谷" and preview["features"][2]["layer_label"] == "重点区块"
    versions = {f["item_id"]: f["version"] for f in preview["features"]}
    applied = upload(editor, "/api/imports/apply", blocks_gpkg, **CHOICE, versions=json.dumps(versions))
    assert applied.status_code == 201 and applied.json["count"] == 13
    blocks = editor.get("/api/blocks").json["features"]
    assert {f["properties"]["geometry_source"] for f in blocks} == {"surveyed"}
    new = [c for f in preview["features"] for c in f["new"]["coordinates"][0][0]]
    assert [c for f in blocks for c in f["geometry"]["coordinates"][0][0]] == pytest.approx(new, abs=1e-6)
    store = app_store(import_app)
    for item_id in BLOCK_IDS:
        assert [(v.source, v.author) for v in geometry_history(store, item_id)] == [("surveyed", "editor")]
        [entry] = audit_entries(store, item_id=item_id)
        assert entry.details["import_file"] == "测绘区块.gpkg"
    again = upload(editor, "/api/imports/apply", blocks_gpkg, **CHOICE, versions=json.dumps(versions))
    assert again.status_code == 409 and "已被他人修改" in again.json["message"]
    assert all(item_state(store, item_id).version == 1 for item_id in BLOCK_IDS)


def test_a_bad_file_is_reported_per_feature_in_chinese_and_nothing_is_written(import_app, editor,
                                                                              tmp_path) -> None:
    bad = _bad_file(corridor_state(import_app).plan, tmp_path)
    preview = upload(editor, "/api/imports/preview", bad, **CHOICE).json
    assert preview["ready"] is False and preview["summary"]["problems"] == 8
    messages = {f["index"]: "；".join(p["message"] for p in f["problems"]) for f in preview["features"]}
    assert messages[1] == "应为面或多面，收到点"
    assert "几何图形无效" in messages[3] and "在温州以外" in messages[4]
    assert messages[5] == "没有编号为「B99」的区块、道路或任务" and messages[2] == ""
    assert preview["features"][4]["problems"][0]["label"] == "编号字段"
    versions = {f["item_id"]: 0 for f in preview["features"] if f["item_id"]}
    refused = upload(editor, "/api/imports/apply", bad, **CHOICE, versions=json.dumps(versions))
    assert refused.status_code == 400 and len(refused.json["problems"]) == 8
    assert [e.action for e in audit_entries(app_store(import_app))] == ["user_add"] * 3


def test_amap_coordinates_are_noticed_and_converted_when_the_user_says_so(import_app, editor, tmp_path) -> None:
    path = _datum_file(corridor_state(import_app).plan, tmp_path, wgs84_to_gcj02)
    plain = upload(editor, "/api/imports/preview", path, **CHOICE).json
    assert plain["datum_hint"] == "GCJ-02（高德）" and plain["ready"] is True
    assert all(f["moved_m"] > 300 and f["as_read"] is None for f in plain["features"])
    converted = upload(editor, "/api/imports/preview", path, **{**CHOICE, "coordinates": "gcj02"}).json
    assert converted["datum_hint"] is None and converted["coordinates"] == "EPSG:4326 (WGS 84) + GCJ-02"
    assert all(f["moved_m"] < 0.2 and f["datum_shift_m"] > 300 and f["as_read"] for f in converted["features"])


def test_bad_requests_name_their_field(import_app, editor, blocks_gpkg, tmp_path) -> None:
    csv = tmp_path / "blocks.csv"
    csv.write_text('id,WKT\nB01,"POINT (120.7 28.0)"\n', encoding="utf-8")
    no_crs = upload(editor, "/api/imports/preview", csv, **{**CHOICE, "file_layer": "blocks"})
    assert no_crs.status_code == 400 and no_crs.json["field"] == "coordinates"
    assert no_crs.json["message"].startswith("坐标系：文件没有坐标参考系")
    no_file = editor.post("/api/imports/preview", data=CHOICE, content_type="multipart/form-data")
    assert no_file.status_code == 400 and no_file.json["message"] == "文件：请选择要上传的文件"
    renamed = tmp_path / "blocks.kml"
    renamed.write_bytes(blocks_gpkg.read_bytes())
    refused = upload(editor, "/api/imports/layers", renamed)
    assert refused.status_code == 400 and refused.json["problems"][0]["kind"] == "import_content"
    conflict = upload(editor, "/api/imports/preview", blocks_gpkg, **{**CHOICE, "coordinates": "wgs84"})
    assert "文件声明的坐标系为 EPSG:4549，但选择了 EPSG:4326" in conflict.json["message"]
    versions = upload(editor, "/api/imports/apply", blocks_gpkg, **CHOICE, versions="[1, 2]")
    assert versions.status_code == 400 and versions.json["field"] == "versions"


def test_uploads_need_the_csrf_token_and_respect_the_import_limit(tmp_path, blocks_gpkg) -> None:
    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path / "small"), IMPORT_MAX_BYTES=50_000)
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    client = app.test_client()
    token = login(client, "editor")
    small = tmp_path / "small.csv"
    small.write_text('id,WKT\nB01,"POINT (120.7 28.0)"\n', encoding="utf-8")
    refused = upload(client, "/api/imports/layers", small)  # no X-CSRF-Token
    assert refused.status_code == 400 and refused.json["error"] == "csrf"
    client.environ_base["HTTP_X_CSRF_TOKEN"] = token
    too_big = upload(client, "/api/imports/layers", blocks_gpkg)
    assert blocks_gpkg.stat().st_size > 50_000
    assert too_big.status_code == 413 and "50,000" in too_big.json["message"]
    app_store(app).close()


@pytest.mark.browser
def test_a_planner_replaces_the_13_blocks_from_one_geopackage_in_the_browser(browser, tmp_path) -> None:  # noqa: F811
    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path / "instance"))
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    gpkg = write_gpkg(shifted_blocks(corridor_state(app).plan), tmp_path / "blocks.gpkg")
    watch = PageWatch(browser)
    page = watch.page
    try:
        with served(app) as base:
            log_in_through_form(page, base, name="editor", password=PASSWORDS["editor"])
            page.goto(base + "/")
            page.click("#import-link")
            page.wait_for_selector("#import-file")
            page.set_input_files("#import-file", str(gpkg))
            page.wait_for_function("() => !document.getElementById('import-preview').disabled")
            assert page.input_value("#import-key") == "id"
            assert "EPSG:4549" in page.inner_text("#import-layer-info")
            page.click("#import-preview")
            page.wait_for_selector("#import-table tbody tr[data-item='B13']")
            assert page.locator("#import-table tbody tr").count() == 13
            assert page.locator("#import-table tr.has-problems").count() == 0
            drawn = page.evaluate("({old: window.geometryImport.shown.old.getLayers().length, "
                                  "new: window.geometryImport.shown.new.getLayers().length})")
            assert drawn == {"old": 13, "new": 13}
            assert page.is_enabled("#import-apply")
            page.click("#import-apply")
            page.wait_for_function("() => window.geometryImport.applied !== null")
            assert "已应用：13 个条目" in page.inner_text("#import-message")
            blocks = page.evaluate("fetch('/api/blocks').then((r) => r.json())")["features"]
            assert {f["properties"]["geometry_source"] for f in blocks} == {"surveyed"}
            history = page.evaluate("fetch('/api/items/B07/history').then((r) => r.json())")
            assert [v["source"] for v in history["geometry_versions"]] == ["surveyed"]
            page.goto(base + "/")
            page.wait_for_function("() => window.corridor !== undefined")
            shown = page.evaluate("window.corridorLayers.blocks.getLayers().map((l) => "
                                  "[l.feature.properties.id, l.feature.properties.geometry_source])")
            assert sorted(shown) == [[item_id, "surveyed"] for item_id in BLOCK_IDS]
        watch.assert_clean()
        assert all(len(geometry_history(app_store(app), item_id)) == 1 for item_id in BLOCK_IDS)
    finally:
        page.close()
        app_store(app).close()
