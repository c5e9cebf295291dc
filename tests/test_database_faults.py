"""A status database that vanishes, is replaced, goes away or cannot be written (geo/status/database_faults.py, and how
geo.status.store.Store uses it): refused with a plain message, never silently re-created, nothing acknowledged."""
from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from db_fixtures import refuse_writes, take_away
from geo.status import records
from geo.status.database_faults import database_fault, sqlite_file
from geo.errors import DatabaseNotWritable, DatabaseUnavailable
from geo.status.snapshot import latest_change_id, report_history
from geo.status.store import open_store
from geo.accounts.users import add_user

TODAY = date(2021, 7, 1)
PASSWORD = "a long enough passphrase"


def _report(store, plan, *, version: int = 0, note: str = "") -> records.Written:
    return records.add_report(store, plan, "B01", percent=40, state="进行中", reported_on="2021-06-30",
                              reporter="王五", note=note, expected_version=version, today=TODAY)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'status.sqlite3'}"


@pytest.fixture
def sqlite_store(sqlite_url):
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def test_a_deleted_file_is_refused_by_reads_and_writes_and_never_re_created(sqlite_store, sqlite_url, plan,
                                                                            tmp_path) -> None:
    written = _report(sqlite_store, plan)  # pooled connections hold the file open: they could go on writing
    take_away(sqlite_url, None)
    with pytest.raises(DatabaseUnavailable, match=r"status\.sqlite3 is gone \(deleted, or its volume unmounted\)"):
        _report(sqlite_store, plan, version=written.version)
    with pytest.raises(DatabaseUnavailable, match="corridor restore"):
        report_history(sqlite_store, "B01")
    with pytest.raises(DatabaseUnavailable, match="is gone"):  # the per-request query takes the driver's path
        latest_change_id(sqlite_store)
    sqlite_store.engine.dispose()  # new connections must not create an empty file either
    with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
        sqlite_store.engine.connect()
    assert not (tmp_path / "status.sqlite3").exists()


def test_a_file_replaced_by_another_is_refused(sqlite_store, plan, tmp_path) -> None:
    _report(sqlite_store, plan)
    other = open_store(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    other.close()
    os.replace(tmp_path / "other.sqlite3", tmp_path / "status.sqlite3")
    with pytest.raises(DatabaseUnavailable, match="was replaced by another file"):
        _report(sqlite_store, plan, version=1)
    assert sqlite_store.watch.write_problem() is None  # the file itself is writable: the health check says gone


def test_a_write_that_committed_into_a_file_deleted_meanwhile_is_not_acknowledged(sqlite_store,
                                                                                   sqlite_url) -> None:
    with pytest.raises(DatabaseUnavailable, match="is gone"):
        with sqlite_store.write() as session:
            session.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
            take_away(sqlite_url, None)


def test_a_read_only_database_is_not_writable_and_keeps_nothing(store, plan) -> None:
    refuse_writes(store)
    with pytest.raises(DatabaseNotWritable, match=r"cannot write the status database \S+: .*(readonly|reads only)"
                                                  r".*nothing was saved") as refused:
        add_user(store, "王五", role="editor", password=PASSWORD, actor="test")
    assert "scrypt:" not in str(refused.value) and "INSERT" not in str(refused.value)  # no statement, no hash
    with pytest.raises(DatabaseNotWritable):
        _report(store, plan)
    assert report_history(store, "B01") == []  # reads still work
    assert store.write_problem() is not None


def test_a_full_disk_is_not_writable_until_a_write_succeeds_again(sqlite_store, plan) -> None:
    with sqlite_store.write() as session:  # room for not one page more
        pages = session.execute(sa.text("PRAGMA page_count")).scalar_one()

    def no_room(connection, _record) -> None:
        connection.execute(f"PRAGMA max_page_count = {pages}")

    sa.event.listen(sqlite_store.engine, "connect", no_room)
    sqlite_store.engine.dispose()
    with pytest.raises(DatabaseNotWritable, match="database or disk is full; nothing was saved"):
        _report(sqlite_store, plan, note="满" * 2000)  # 6 kB: more than the free room in any page
    assert report_history(sqlite_store, "B01") == []
    assert "database or disk is full" in sqlite_store.write_problem()
    sa.event.remove(sqlite_store.engine, "connect", no_room)  # space freed
    sqlite_store.engine.dispose()
    _report(sqlite_store, plan, note="x" * 10)
    assert sqlite_store.write_problem() is None


def test_a_postgresql_server_that_goes_away_is_unavailable(relayed_url, plan) -> None:
    url, relay = relayed_url
    if relay is None:
        pytest.skip("PostgreSQL: a server reached over the network")
    store = open_store(url)
    try:
        _report(store, plan)
        relay.cut()
        with pytest.raises(DatabaseUnavailable, match="cannot use the status database .*: connection failed; "
                                                      "nothing was saved"):
            _report(store, plan, version=1)
        with pytest.raises(DatabaseUnavailable, match="connection failed"):
            report_history(store, "B01")
        with pytest.raises(DatabaseUnavailable, match="connection failed"):
            latest_change_id(store)
    finally:
        store.close()


def test_a_driver_error_of_a_single_value_read_takes_sqlalchemys_form_and_drops_the_connection(
        sqlite_store) -> None:
    def driver_connection() -> object:
        pooled = sqlite_store.engine.raw_connection()  # the one pooled connection, the one read_value used
        try:
            return pooled.driver_connection
        finally:
            pooled.close()

    assert sqlite_store.read_value("SELECT count(*) FROM audit_log") == 0
    used = driver_connection()
    with pytest.raises(sa.exc.OperationalError, match="no such table: nothing_here"):
        sqlite_store.read_value("SELECT max(id) FROM nothing_here")
    assert driver_connection() is not used
    assert sqlite_store.read_value("SELECT 7") == 7


def test_constraint_errors_are_no_database_faults(tmp_path) -> None:
    connection = sqlite3.connect(tmp_path / "x.sqlite3")
    connection.execute("CREATE TABLE t (x UNIQUE)")
    connection.execute("INSERT INTO t VALUES (1)")
    try:
        connection.execute("INSERT INTO t VALUES (1)")
    except sqlite3.IntegrityError as exc:
        error = sa.exc.IntegrityError("INSERT", {}, exc)
    assert database_fault(error, name="x", writing=True) is None


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:////srv/corridor/status.sqlite3", "/srv/corridor/status.sqlite3"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///file:/x.db?mode=ro&uri=true", None),
    ("postgresql+psycopg://u:p@h/db", None),
])
def test_sqlite_file_of_a_url(url: str, expected: str | None) -> None:
    assert sqlite_file(url) == (None if expected is None else Path(expected))
