"""Cached answers (web/core/http_cache.py): every cached page and API answer equals a fresh rendering after each kind of
write, in one process and across two apps on one SQLite file (as two server processes); ETag and 304; the CSP
nonce of a cached page; login limits shared across processes."""
from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient

from geo.accounts.users import add_user
from web import create_app
from web.core.database import app_store
from web.infra.compression import CODINGS_EXTENSION
from web.core.http_cache import CACHE_EXTENSION

PASSWORD = "cache-test-pass-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
NONCE = re.compile(r'nonce="([^"]+)"')
# Every cached endpoint that a write can change, with a query where it takes one (/access and /tour depend on the
# road network only: test_state_version_covers_every_cached_endpoint checks they are cached all the same).
PATHS: tuple[str, ...] = (
    "/", "/?focus=B01", "/tasks", "/parks", "/parks?quarter=2021Q2", "/departments", "/departments/DT13-1",
    "/items/B01", "/items/E14", "/reports", "/reports/2021Q2", "/api/blocks", "/api/roads", "/api/tasks",
    "/api/tasks?district=%E9%BE%99%E6%B9%BE%E5%8C%BA", "/api/blocks/B01", "/api/tasks/E14", "/api/districts",
    "/api/items/B01/history", "/api/items/E14/history", "/api/parks", "/api/targets", "/api/targets/A1-1/history",
    "/api/departments", "/api/openapi.json",
)


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> Iterator[dict[str, Flask]]:
    """Three apps on one SQLite file and instance folder: ``a`` and ``b`` cache (two server processes), ``fresh``
    renders every answer anew (``HTTP_CACHE_BYTES`` 0), with the same tags and nonces."""
    folder = tmp_path_factory.mktemp("http-cache")
    config = {"INSTANCE_PATH": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'status.sqlite3'}", "TILES": "osm"}
    made = {"a": create_app(config), "b": create_app(config), "fresh": create_app({**config, "HTTP_CACHE_BYTES": 0})}
    add_user(app_store(made["a"]), "editor", role="editor", password=PASSWORD, actor="test")
    yield made
    for app in made.values():
        app_store(app).close()


def logged_in(app: Flask) -> tuple[FlaskClient, str]:
    """A client of ``app`` logged in as the editor, and its CSRF token."""
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"name": "editor", "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client, client.get("/api/session").get_json()["csrf_token"]


def same_session(client: FlaskClient, app: Flask) -> FlaskClient:
    """A client of ``app`` carrying ``client``'s session cookie (the same browser on another server process)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def version_of(app: Flask, client: FlaskClient, path: str) -> int:
    return client.get(f"/api/items/{path}/history").get_json()["status"]["version"]


def write_report(client: FlaskClient, token: str) -> None:
    body = {"percent": 30, "state": "进行中", "note": "缓存测试", "reported_on": date.today().isoformat(),
            "expected_version": client.get("/api/items/B01/history").get_json()["status"]["version"]}
    response = client.post("/api/items/B01/reports", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()


def write_check_off(client: FlaskClient, token: str) -> None:
    version = client.get("/api/items/E14/history").get_json()["status"]["version"]
    response = client.post("/api/items/E14/close", json={"note": "已完成", "expected_version": version},
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()


def write_geometry(client: FlaskClient, token: str) -> None:
    version = client.get("/api/items/B01/history").get_json()["status"]["version"]
    geometry = client.get("/api/blocks/B01").get_json()["geometry"]
    ring = [[round(x + 0.001, 6), round(y + 0.001, 6)] for x, y in geometry["coordinates"][0]]
    response = client.put("/api/items/B01/geometry", json={
        "geometry": {"type": "Polygon", "coordinates": [ring]}, "expected_version": version},
        headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()


def write_target_actual(client: FlaskClient, token: str) -> None:
    response = client.post("/api/targets/A1-1/actuals", json={
        "park": "P1", "quarter": "2021Q2", "value": 2, "reported_on": "2021-07-05", "note": "二季度累计",
        "expected_version": 0}, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()


def write_department_task(client: FlaskClient, token: str) -> None:
    body = {"percent": 20, "state": "进行中", "note": "部门上报", "reported_on": date.today().isoformat(),
            "expected_version": client.get("/api/items/DT13-1/history").get_json()["status"]["version"]}
    response = client.post("/api/items/DT13-1/reports", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.get_json()


WRITES = {"report": (write_report, {"/api/items/B01/history", "/api/blocks/B01", "/items/B01", "/"}),
          "check-off": (write_check_off, {"/api/items/E14/history", "/api/tasks/E14", "/items/E14", "/tasks"}),
          "geometry": (write_geometry, {"/api/blocks/B01", "/api/blocks", "/"}),
          "target actual": (write_target_actual, {"/api/targets", "/api/targets/A1-1/history", "/parks?quarter=2021Q2"}),
          "department task": (write_department_task, {"/api/departments", "/departments/DT13-1", "/departments"})}


def answers(client: FlaskClient) -> dict[str, tuple[int, bytes, str | None]]:
    """Status, body and ETag of every path in :data:`PATHS`."""
    return {path: _answer(client, path) for path in PATHS}


def _answer(client: FlaskClient, path: str) -> tuple[int, bytes, str | None]:
    response = client.get(path)
    return response.status_code, response.get_data(), response.headers.get("ETag")


@pytest.mark.parametrize("kind", list(WRITES))
def test_cached_answers_equal_fresh_ones_after_each_kind_of_write(apps: dict[str, Flask], kind: str) -> None:
    editor_a, _ = logged_in(apps["a"])
    editor_b, token_b = logged_in(apps["b"])  # the writer: another process than the one read from
    readers = {"anonymous": (apps["a"].test_client(), apps["fresh"].test_client()),
               "editor": (editor_a, same_session(editor_a, apps["fresh"]))}
    before = {who: answers(cached) for who, (cached, _) in readers.items()}
    for who, (cached, _) in readers.items():  # the second round is answered from the cache
        assert answers(cached) == before[who]
    write, changed = WRITES[kind]
    write(editor_b, token_b)
    for who, (cached, fresh) in readers.items():
        answers(cached)  # renders at the new state and keeps it
        kept, renewed = answers(cached), answers(fresh)
        for path in PATHS:
            assert kept[path][0] == 200, (who, path, kept[path][1][:300])
            assert kept[path] == renewed[path], f"{kind}: {who} {path}: cached answer differs from a fresh one"
            assert kept[path][2] != before[who][path][2], f"{kind}: {path} kept its ETag across a write"
        assert all(kept[path][1] != before[who][path][1] for path in changed), (kind, who)
        old_tag = before[who]["/api/items/B01/history"][2]
        assert cached.get("/api/items/B01/history", headers={"If-None-Match": old_tag}).status_code == 200


def test_a_held_tag_is_answered_304_without_a_body_in_either_process(apps: dict[str, Flask]) -> None:
    first = apps["a"].test_client().get("/api/blocks")
    tag = first.headers["ETag"]
    for app in (apps["a"], apps["b"]):
        again = app.test_client().get("/api/blocks", headers={"If-None-Match": tag})
        assert (again.status_code, again.get_data(), again.headers["ETag"]) == (304, b"", tag)
    assert apps["a"].test_client().get("/api/blocks", headers={"If-None-Match": '"other"'}).status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"


def test_a_page_tag_and_nonce_belong_to_the_session(apps: dict[str, Flask]) -> None:
    anonymous = apps["a"].test_client().get("/")
    editor, _ = logged_in(apps["a"])
    own = editor.get("/")
    assert own.headers["ETag"] != anonymous.headers["ETag"]
    assert own.headers["Cache-Control"] == "private, no-cache"
    assert "editor" in own.get_data(as_text=True) and 'id="current-user"' not in anonymous.get_data(as_text=True)
    for response in (anonymous, own):  # the page's inline scripts carry the nonce its policy names
        nonces = set(NONCE.findall(response.get_data(as_text=True)))
        assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in response.headers["Content-Security-Policy"]
    held = editor.get("/", headers={"If-None-Match": own.headers["ETag"]})
    assert held.status_code == 304 and held.headers["Content-Security-Policy"] == own.headers["Content-Security-Policy"]
    other, _ = logged_in(apps["a"])  # the same user on another browser: another CSRF token, another page
    assert other.get("/", headers={"If-None-Match": own.headers["ETag"]}).status_code == 200


def test_a_logged_out_session_no_longer_gets_its_page(apps: dict[str, Flask]) -> None:
    editor, token = logged_in(apps["a"])
    own = editor.get("/tasks")
    assert editor.post("/logout", data={"csrf_token": token}).status_code == 302
    after = editor.get("/tasks", headers={"If-None-Match": own.headers["ETag"]})
    assert after.status_code == 200 and 'id="current-user"' not in after.get_data(as_text=True)


def test_answers_that_set_a_cookie_are_not_kept(apps: dict[str, Flask]) -> None:
    app = apps["a"]
    cache = app.extensions[CACHE_EXTENSION]
    page = app.test_client().get("/login")
    assert "Set-Cookie" in page.headers and page.headers["ETag"]
    entries = len(cache)
    app.test_client().get("/login")
    assert len(cache) == entries


def decoded(response) -> bytes:
    """The body of ``response`` without its content coding."""
    coding = response.headers.get("Content-Encoding")
    body = response.get_data()
    return brotli.decompress(body) if coding == "br" else gzip.decompress(body) if coding == "gzip" else body


@pytest.mark.parametrize("accept", ["br", "gzip", "br, gzip", "gzip;q=0.9, br;q=0.4", "identity"])
def test_a_kept_answer_goes_out_as_flask_compress_sends_a_fresh_one(apps: dict[str, Flask], accept: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    compressed = apps["a"].extensions["corridor_compress"].cache
    headers = {"Accept-Encoding": accept}
    cached, fresh = apps["a"].test_client(), apps["fresh"].test_client()
    for path in ("/", "/api/tasks", "/api/blocks/B01"):
        first = cached.get(path, headers=headers)
        recompressed: list[str] = []
        with monkeypatch.context() as patch:  # Flask-Compress stores every body it sends compressed; not this one
            patch.setattr(compressed, "set", lambda key, value: recompressed.append(key))
            kept = cached.get(path, headers=headers)
        assert recompressed == []
        renewed = fresh.get(path, headers=headers)
        assert (kept.status_code, kept.get_data()) == (200, first.get_data()), path
        assert renewed.status_code == 200 and decoded(renewed) == decoded(first), path  # gzip stamps the time
        for response in (kept, renewed):
            for name in ("Content-Encoding", "ETag", "Vary", "Content-Type", "Content-Length", "Cache-Control"):
                assert response.headers.get(name) == first.headers.get(name), (path, name)
        assert cached.get(path, headers={**headers, "If-None-Match": kept.headers["ETag"]}).status_code == 304
    expected = {"identity": None, "gzip;q=0.9, br;q=0.4": "gzip"}.get(accept, accept.split(",")[0])
    assert apps["a"].extensions[CODINGS_EXTENSION].by_accept.get(accept) == expected


def test_the_csv_export_is_kept_and_the_xlsx_one_is_not(apps: dict[str, Flask]) -> None:
    cache = apps["a"].extensions[CACHE_EXTENSION]
    table = apps["a"].test_client().get("/access/export.csv?scenario=baseline")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert cache.get(table.headers["ETag"].strip('"')).body == table.get_data()
    held = apps["b"].test_client().get("/access/export.csv?scenario=baseline",
                                       headers={"If-None-Match": table.headers["ETag"]})
    assert held.status_code == 304
    assert apps["fresh"].test_client().get("/access/export.csv?scenario=baseline").get_data() == table.get_data()
    entries = len(cache)  # the workbook carries the time it was built: each process's bytes differ
    workbook = apps["a"].test_client().get("/access/export.xlsx?scenario=baseline")
    assert workbook.status_code == 200 and workbook.headers["ETag"] and len(cache) == entries


def test_login_limits_hold_across_processes(apps: dict[str, Flask]) -> None:
    def attempt(app: Flask) -> int:
        client = app.test_client()
        token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
        return client.post("/login", data={"name": "editor", "password": "wrong-password-9", "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code

    limit = apps["a"].config["LOGIN_MAX_FAILURES"]
    assert [attempt(apps["a" if i % 2 else "b"]) for i in range(limit)] == [401] * limit
    assert attempt(apps["a"]) == 429 and attempt(apps["b"]) == 429


def test_state_version_covers_every_cached_endpoint(apps: dict[str, Flask]) -> None:
    from web.core.http_cache import CACHED_ENDPOINTS

    rules = {rule.endpoint for rule in apps["a"].url_map.iter_rules() if "GET" in rule.methods}
    assert CACHED_ENDPOINTS <= rules, CACHED_ENDPOINTS - rules
    assert {"views.access", "tours.tour_page", "views.overview"} <= CACHED_ENDPOINTS
    assert not CACHED_ENDPOINTS & {"api.health", "auth.login", "auth.session_info", "user_admin.users"}


def test_the_build_fingerprint_follows_the_data(tmp_path: Path, write_layers) -> None:
    from web.core.state_version import VERSION_EXTENSION

    data = write_layers()
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATA_DIR": str(data), "TILES": "osm"}
    first = create_app(config).extensions[VERSION_EXTENSION]
    assert create_app(config).extensions[VERSION_EXTENSION] == first
    blocks = data / "blocks.geojson"
    blocks.write_text(blocks.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert create_app(config).extensions[VERSION_EXTENSION] != first
    assert create_app({**config, "TILES": "amap"}).extensions[VERSION_EXTENSION] != first
