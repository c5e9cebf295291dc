"""Request ids, JSON access logs and the health checks (web/core/observability.py, GET /api/health)."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess

import pytest
from sqlalchemy import create_engine

from db_fixtures import refuse_writes, take_away
from geo.errors import DatabaseNotWritable
from geo.status.store import Store
from geo.accounts.users import add_user
from web.core.database import STORE_EXTENSION, app_store

from web.core.observability import JsonFormatter, RequestIdFilter, configure_logging
from web.core.state import corridor_state
from web_fixtures import REPO, make_app


@pytest.fixture
def access_lines(caplog):
    """The access-log records of the test (captured at INFO)."""
    caplog.set_level(logging.INFO, logger="corridor.access")
    return lambda: [r for r in caplog.records if r.name == "corridor.access"]


def test_request_id_is_generated_and_echoed(write_layers, access_lines) -> None:
    client = make_app(write_layers()).test_client()
    first, second = client.get("/api/blocks"), client.get("/api/blocks")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]
    assert [r.request_id for r in access_lines()] == ids


def test_a_sane_client_request_id_is_kept_and_a_hostile_one_replaced(write_layers, access_lines) -> None:
    client = make_app(write_layers()).test_client()
    assert client.get("/api/health", headers={"X-Request-ID": "lb-42.a:b_c"}).headers["X-Request-ID"] == "lb-42.a:b_c"
    hostile = client.get("/api/health", headers={"X-Request-ID": 'x" injected\u202e'}).headers["X-Request-ID"]
    assert hostile != 'x" injected\u202e' and len(hostile) == 32
    assert client.get("/api/health", headers={"X-Request-ID": "a" * 129}).headers["X-Request-ID"] != "a" * 129


def test_one_access_line_per_request_with_its_fields(write_layers, access_lines) -> None:
    client = make_app(write_layers()).test_client()
    client.get("/api/blocks/NOPE")
    client.post("/api/items/B01/reports", json={})
    lines = access_lines()
    assert [(r.method, r.path, r.status) for r in lines] == [("GET", "/api/blocks/NOPE", 404),
                                                             ("POST", "/api/items/B01/reports", 401)]
    assert all(r.duration_ms >= 0 and r.remote_addr == "127.0.0.1" for r in lines)


def test_json_formatter_writes_one_object_with_the_extra_fields() -> None:
    record = logging.LogRecord("corridor.access", logging.INFO, __file__, 1, "GET %s %d", ("/api", 200), None)
    record.request_id, record.status = "abc", 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /api 200" and entry["request_id"] == "abc" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["logger"] == "corridor.access" and entry["time"].endswith("+00:00")


def test_records_inside_a_request_get_its_id(write_layers) -> None:
    app = make_app(write_layers())
    seen = []

    @app.get("/probe")
    def probe():
        record = logging.LogRecord("x", logging.WARNING, __file__, 1, "inside", (), None)
        RequestIdFilter().filter(record)
        seen.append(record.request_id)
        return "ok"

    response = app.test_client().get("/probe", headers={"X-Request-ID": "req-7"})
    assert seen == ["req-7"] and response.headers["X-Request-ID"] == "req-7"


def test_configure_logging_installs_one_json_handler() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        handler = configure_logging(level=logging.ERROR)
        assert root.handlers == [handler] and isinstance(handler.formatter, JsonFormatter)
        assert root.level == logging.ERROR and logging.getLogger("corridor.access").level == logging.INFO
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def test_health_checks_database_and_network(write_layers) -> None:
    body = make_app(write_layers()).test_client().get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "dialect": "sqlite", "database": "corridor.sqlite3"}
    assert body["checks"]["network"] == {"ok": True, "loaded": False}


def test_health_fails_with_503_when_the_network_cache_is_broken(write_layers, tmp_path) -> None:
    cache = tmp_path / "network-cache"
    shutil.copytree(REPO / "data" / "network", cache)
    (cache / "meta.json").write_text("{not json", encoding="utf-8")
    response = make_app(write_layers(), NETWORK=str(cache)).test_client().get("/api/health")
    assert response.status_code == 503 and response.get_json()["status"] == "failing"
    assert response.get_json()["checks"]["network"]["ok"] is False
    assert str(tmp_path) not in response.get_data(as_text=True)  # no server paths leak


def test_health_fails_with_503_when_the_database_is_gone(write_layers, tmp_path) -> None:
    app = make_app(write_layers())
    gone = tmp_path / "gone"
    app.extensions[STORE_EXTENSION] = Store(create_engine(f"sqlite:///{gone / 'corridor.sqlite3'}"))
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    check = response.get_json()["checks"]["database"]
    assert (check["ok"], check["database"], check["error"]) == (False, "corridor.sqlite3", "unavailable")


def test_health_names_a_database_that_vanished_while_serving(write_layers, relayed_url, tmp_path) -> None:
    url, relay = relayed_url
    app = make_app(write_layers(), DATABASE_URL=url, INSTANCE_PATH=str(tmp_path / "instance"))
    client = app.test_client()
    assert client.get("/api/health").status_code == 200
    take_away(url, relay)
    response = client.get("/api/health")
    check = response.get_json()["checks"]["database"]
    assert response.status_code == 503 and response.get_json()["status"] == "failing"
    assert check["ok"] is False and check["error"] == "unavailable"
    name = app_store(app).watch.name  # the file or database name: no path, no host, no password
    assert check["database"] == name and name in check["message"] and str(tmp_path) not in response.text
    if relay is None:
        assert "is gone" in check["message"] and "corridor restore" in check["message"]
    else:
        assert "connection failed" in check["message"] and "127.0.0.1" not in response.text


def test_health_reports_a_database_that_cannot_be_written(write_layers, database_url, tmp_path) -> None:
    app = make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"))
    refuse_writes(app_store(app))
    if app_store(app).dialect == "sqlite":  # the file looks writable: the refused write is what tells
        with pytest.raises(DatabaseNotWritable):
            add_user(app_store(app), "王五", role="editor", password="a long enough passphrase", actor="test")
    response = app.test_client().get("/api/health")
    check = response.get_json()["checks"]["database"]
    assert response.status_code == 503 and (check["ok"], check["error"]) == (False, "not_writable")
    assert check["message"].startswith(f"cannot write the status database {app_store(app).watch.name}: ")


def test_health_reports_a_read_only_volume(write_layers, tmp_path) -> None:
    instance = tmp_path / "instance"
    app = make_app(write_layers(), INSTANCE_PATH=str(instance))
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(instance), str(instance)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("needs a read-only bind mount (root with CAP_SYS_ADMIN)")
    try:
        response = app.test_client().get("/api/health")
    finally:
        subprocess.run(["umount", str(instance)], check=True)
    check = response.get_json()["checks"]["database"]
    assert response.status_code == 503 and check["error"] == "not_writable"
    assert check["message"] == "cannot write the status database corridor.sqlite3: its file is read-only"


def test_health_reports_a_loaded_network(write_layers) -> None:
    app = make_app(write_layers())
    network = corridor_state(app).network
    check = app.test_client().get("/api/health").get_json()["checks"]["network"]
    assert check == {"ok": True, "loaded": True, "nodes": network.n_nodes, "edges": network.n_edges}


@pytest.fixture
def keep_root_logging():
    """``corridor serve`` reconfigures the root logger: put pytest's handlers back afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    yield
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("CORRIDOR_TILES", "google", "CORRIDOR_TILES: expected one of osm, amap, tianditu; got 'google'"),
    ("CORRIDOR_DATABASE_URL", "sqlite:////nonexistent-folder/x.sqlite3",
     "cannot open the status database sqlite:////nonexistent-folder/x.sqlite3: unable to open database file"),
    ("CORRIDOR_DATABASE_URL", "postgresql://corridor:secret-pw@127.0.0.1:1/db", "postgresql+psycopg://corridor:***@"),
    ("CORRIDOR_DATABASE_URL", "mysql://x/y", "CORRIDOR_DATABASE_URL: expected a sqlite:/// or postgresql:// URL"),
])
def test_serve_reports_a_configuration_error_in_one_clear_line(write_layers, tmp_path, monkeypatch,
                                                                keep_root_logging, variable, value, expected) -> None:
    from click.testing import CliRunner

    from web.cli.main import main

    for name in ("CORRIDOR_TILES", "CORRIDOR_DATABASE_URL", "CORRIDOR_NETWORK", "CORRIDOR_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(write_layers()))
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot start the map application: ")
    assert expected in lines[0] and "secret-pw" not in lines[0] and "Traceback" not in result.output
