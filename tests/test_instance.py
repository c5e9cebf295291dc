"""An instance refuses to start on an empty database where its own has vanished (web/core/instance.py), on SQLite and
PostgreSQL, through the app, `corridor serve` and the other commands; a new instance still creates its database."""
from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from db_fixtures import _empty_postgres
from geo.status.backup import backup
from geo.status.database_faults import sqlite_file
from geo.errors import DatabaseMissing
from geo.status.store import open_store
from geo.accounts.users import add_user, list_users
from test_observability import keep_root_logging  # noqa: F401
from web.core.instance import SECRET_KEY_FILE
from web.cli.main import main
from web.core.database import app_store
from web.core.instance import MARKER_FILE, database_key, known_databases
from web_fixtures import make_app

PASSWORD = "a long enough passphrase"


def _remove(database_url: str) -> None:
    """Make the database vanish: the SQLite file and its journals deleted, or every PostgreSQL table dropped."""
    if database_url.startswith("sqlite"):
        path = sqlite_file(database_url)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    else:
        _empty_postgres(database_url)


@pytest.fixture
def used_instance(write_layers, database_url, tmp_path):
    """An instance folder whose app has served ``database_url`` with one user in it; returns the folder."""
    instance = tmp_path / "instance"
    app = make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(instance))
    add_user(app_store(app), "王五", role="admin", password=PASSWORD, actor="test")
    app_store(app).close()
    return instance


def test_a_new_instance_creates_its_database_and_remembers_it(write_layers, tmp_path) -> None:
    instance = tmp_path / "instance"
    make_app(write_layers(), INSTANCE_PATH=str(instance))
    assert (instance / "corridor.sqlite3").exists() and (instance / SECRET_KEY_FILE).exists()
    marker = json.loads((instance / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["databases"] == [f"sqlite:///{instance / 'corridor.sqlite3'}"]
    assert "corridor restore" in marker["about"]


def test_a_vanished_database_is_refused_in_one_line_naming_it_and_the_fixes(used_instance, write_layers,
                                                                            database_url) -> None:
    _remove(database_url)
    with pytest.raises(DatabaseMissing) as refused:
        make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(used_instance))
    message = str(refused.value)
    assert "\n" not in message and f"the status database {database_key(database_url)} is missing" in message
    assert "corridor restore BACKUP_FILE" in message and "corridor serve --init-database" in message
    assert "corridor_test@" not in message or ":***@" in message  # a PostgreSQL password is masked
    if database_url.startswith("sqlite"):
        assert not sqlite_file(database_url).exists()  # no empty file left behind


def test_init_database_starts_over_on_purpose_and_never_empties_a_database(used_instance, write_layers,
                                                                           database_url) -> None:
    kept = make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(used_instance), INIT_DATABASE=True)
    assert [user.name for user in list_users(app_store(kept))] == ["王五"]
    app_store(kept).close()
    _remove(database_url)
    fresh = make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(used_instance),
                     INIT_DATABASE=True)
    assert list_users(app_store(fresh)) == []


def test_an_instance_from_before_the_marker_knows_its_default_database_by_the_secret_key(tmp_path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / SECRET_KEY_FILE).write_text("0" * 64, encoding="ascii")
    assert known_databases(instance) == {f"sqlite:///{instance / 'corridor.sqlite3'}"}
    assert known_databases(tmp_path / "new") == set()


def test_a_database_the_instance_never_used_is_created(used_instance, write_layers, tmp_path) -> None:
    other = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    make_app(write_layers(), DATABASE_URL=other, INSTANCE_PATH=str(used_instance))
    assert database_key(other) in known_databases(used_instance)


def test_cli_commands_refuse_the_vanished_database_and_restore_brings_it_back(used_instance, database_url,
                                                                              tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(used_instance))
    saved = tmp_path / "saved.json"
    store = open_store(database_url)
    backup(store, saved, format="json")
    store.close()
    _remove(database_url)
    runner = CliRunner()
    args = ["--database-url", database_url]
    for command in (["user", "add", "李四", "--role", "viewer", "--password", PASSWORD, *args],
                    ["user", "list", *args], ["backup", "--out", str(tmp_path / "empty.json"), *args]):
        refused = runner.invoke(main, command)
        assert refused.exit_code == 2 and refused.output.count("\n") == 1, refused.output
        assert "is missing, but this instance" in refused.output and "corridor restore" in refused.output
    assert not (tmp_path / "empty.json").exists()
    restored = runner.invoke(main, ["restore", str(saved), *args])
    assert restored.exit_code == 0, restored.output
    listed = runner.invoke(main, ["user", "list", *args])
    assert listed.exit_code == 0 and listed.output.startswith("王五\tadmin")


def test_backup_never_creates_the_database_it_was_asked_to_copy(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["backup", "--out", str(tmp_path / "b.sqlite3"), "--database-url",
                                       f"sqlite:///{tmp_path / 'none.sqlite3'}"])
    assert result.exit_code == 2 and "none.sqlite3 does not exist" in result.output
    assert not (tmp_path / "none.sqlite3").exists() and not (tmp_path / "b.sqlite3").exists()


@pytest.fixture
def serve_env(used_instance, write_layers, monkeypatch):
    """``corridor serve`` pointed at ``used_instance`` (default SQLite database) on the tiny plan."""
    for name in ("CORRIDOR_TILES", "CORRIDOR_DATABASE_URL", "CORRIDOR_NETWORK", "CORRIDOR_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(write_layers()))
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(used_instance))
    return used_instance


def test_serve_refuses_the_vanished_database_and_init_database_starts_over(serve_env, keep_root_logging,  # noqa: F811
                                                                          database_url) -> None:
    _remove(database_url)
    env = {"CORRIDOR_DATABASE_URL": database_url}
    refused = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot start the map application: the status database ")
    assert "--init-database" in lines[0]
    with socket.create_server(("127.0.0.1", 0)) as busy:  # the app starts, then cannot listen: the flag reached it
        port = str(busy.getsockname()[1])
        started = CliRunner().invoke(main, ["serve", "--port", port, "--init-database"], env=env)
    assert started.exit_code == 2 and f"port {port} is already in use" in started.output
    store = open_store(database_url, create=False)
    assert list_users(store) == []
    store.close()
