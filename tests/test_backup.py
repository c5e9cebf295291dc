"""Backup and restore of the status database (geo/status/backup.py, `corridor backup` / `corridor restore`)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date, datetime
from functools import cache

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from geo.status import records
from geo.status.backup import BACKUP_FORMAT, backup, project_tables, read_backup, restore
from geo.errors import BackupFormatError, InvalidParameter
from geo.plan.quarters import Quarter
from geo.status.snapshot import report_history
from geo.status.store import as_utc, open_store, upgrade_database
from geo.plan.target_plan import TargetPlan, load_target_plan
from geo.status.target_records import actual_history, add_actual, latest_actuals
from geo.accounts.users import add_user, authenticate
from web.cli.main import main

TODAY = date(2021, 7, 1)


@cache
def _targets() -> TargetPlan:
    return load_target_plan()


def _fill(store, plan) -> None:  # noqa: F811
    add_user(store, "王五", role="editor", password="backup test passphrase", actor="test")
    written = records.add_report(store, plan, "B01", percent=40, state="进行中", reported_on="2021-06-30",
                                 reporter="王五", note="按计划推进 <b>", expected_version=0, today=TODAY)
    records.add_report(store, plan, "B01", percent=55, state="进行中", reported_on="2021-07-01", reporter="王五",
                       note="第二次", expected_version=written.version, today=TODAY)
    records.close_item(store, plan, "E02", note="已完成整治", actor="王五", effective_on="2021-06-30",
                       expected_version=0, today=TODAY)
    add_actual(store, _targets(), "A1-1", park="P1", quarter="2021Q2", value=2, reported_on="2021-07-01",
               reporter="王五", note="二季度累计", expected_version=0, today=TODAY)


def _content(store) -> dict[str, list[tuple]]:  # noqa: F811
    """Every row as text; times in UTC (SQLite hands back naive UTC, PostgreSQL aware)."""
    with store.read() as session:
        return {table.name: sorted(tuple(str(as_utc(v) if isinstance(v, datetime) else v) for v in row)
                                   for row in session.execute(table.select()))
                for table in project_tables()}


@pytest.mark.parametrize("backup_format", ["default", "json"])
def test_round_trip_into_an_empty_database(store, plan, tmp_path, database_url, backup_format) -> None:  # noqa: F811
    _fill(store, plan)
    out = tmp_path / "status.backup"
    summary = backup(store, out, format=None if backup_format == "default" else backup_format)
    assert summary.format == ("sqlite" if store.dialect == "sqlite" and backup_format == "default" else "json")
    assert summary.rows["progress_reports"] == 2 and summary.rows["users"] == 1 and summary.revision
    assert summary.rows["target_actuals"] == 1
    original = _content(store)
    target = open_store(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    try:
        restored = restore(target, out)
        assert restored.total_rows == summary.total_rows
        assert _content(target) == original
        assert authenticate(target, "王五", "backup test passphrase").role == "editor"
        # the restored database keeps working: ids and versions continue after the restored ones
        later = records.add_report(target, plan, "B01", percent=60, state="进行中", reported_on="2021-07-01",
                                   reporter="王五", expected_version=2, today=TODAY)
        assert later.version == 3 and len(report_history(target, "B01")) == 3
        actual = add_actual(target, _targets(), "A1-1", park="P1", quarter="2021Q2", value=3, reporter="王五",
                            reported_on="2021-07-01", expected_version=1, today=TODAY)
        assert actual.version == 2 and [a.value for a in actual_history(target)] == [3, 2]
        assert latest_actuals(target)[("A1-1", "P1", Quarter(2021, 2))].id == actual.record.id
    finally:
        target.close()


def test_json_backup_restores_into_the_same_kind_of_database_and_replaces(store, plan, tmp_path) -> None:  # noqa: F811
    _fill(store, plan)
    out = tmp_path / "status.json"
    backup(store, out, format="json")
    original = _content(store)
    records.add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-01", reporter="王五",
                       expected_version=0, today=TODAY)
    with pytest.raises(InvalidParameter, match="--replace"):
        restore(store, out)
    restore(store, out, replace=True)
    assert _content(store) == original
    if store.dialect == "postgresql":  # sequences moved past the restored ids
        records.add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-01",
                           reporter="王五", expected_version=0, today=TODAY)
        add_actual(store, _targets(), "A1-1", park="P1", quarter="2021Q2", value=3, reported_on="2021-07-01",
                   reporter="王五", expected_version=1, today=TODAY)


def test_sqlite_backup_is_one_self_contained_consistent_file(store, plan, tmp_path) -> None:  # noqa: F811
    if store.dialect != "sqlite":
        pytest.skip("the sqlite format copies a SQLite database")
    _fill(store, plan)
    out = tmp_path / "copy.sqlite3"
    backup(store, out)
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with sqlite3.connect(out) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM progress_reports").fetchone() == (2,)
    assert not list(tmp_path.glob(".*.partial"))


def test_a_postgresql_database_cannot_be_copied_as_sqlite(store, tmp_path) -> None:  # noqa: F811
    if store.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    with pytest.raises(BackupFormatError, match="--format json"):
        backup(store, tmp_path / "x", format="sqlite")


@pytest.mark.parametrize(("content", "message"), [
    (b"hello, not a backup", "neither a SQLite file nor JSON"),
    (json.dumps({"format": "something-else"}).encode(), "format"),
    (json.dumps({"format": BACKUP_FORMAT, "format_version": 99}).encode(), "format version 99"),
    (json.dumps({"format": BACKUP_FORMAT, "format_version": 1, "tables": {}}).encode(), "without the schema"),
])
def test_a_file_of_the_wrong_format_is_refused_clearly(store, tmp_path, content: bytes,  # noqa: F811
                                                        message: str) -> None:
    path = tmp_path / "wrong.backup"
    path.write_bytes(content)
    before = _content(store)
    with pytest.raises(BackupFormatError, match=message):
        restore(store, path)
    assert _content(store) == before


def test_a_sqlite_file_that_is_not_the_status_database_is_refused(tmp_path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupFormatError, match="without the tables"):
        read_backup(other)


def test_a_backup_of_another_schema_revision_is_refused(store, plan, tmp_path) -> None:  # noqa: F811
    out = tmp_path / "status.json"
    backup(store, out, format="json")
    document = json.loads(out.read_text(encoding="utf-8"))
    out.write_text(json.dumps({**document, "revision": "9999"}), encoding="utf-8")
    with pytest.raises(BackupFormatError, match="revision 9999"):
        restore(store, out)


def test_a_backup_of_this_revision_without_a_table_is_refused(store, plan, tmp_path) -> None:  # noqa: F811
    _fill(store, plan)
    out = tmp_path / "status.json"
    backup(store, out, format="json")
    document = json.loads(out.read_text(encoding="utf-8"))
    del document["tables"]["target_actuals"]
    out.write_text(json.dumps(document), encoding="utf-8")
    before = _content(store)
    with pytest.raises(BackupFormatError, match="table target_actuals is missing or has other columns"):
        restore(store, out, replace=True)
    assert _content(store) == before


def test_a_backup_of_an_older_schema_is_refused_for_its_revision_not_its_missing_tables(store, plan,  # noqa: F811
                                                                                         tmp_path) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade_database(old_url, revision="0001")  # a database (and so a SQLite backup) from before target_actuals
    old_copy = tmp_path / "old.backup"
    shutil.copy(tmp_path / "old.sqlite3", old_copy)
    _fill(store, plan)
    out = tmp_path / "status.json"
    backup(store, out, format="json")
    document = json.loads(out.read_text(encoding="utf-8"))
    del document["tables"]["target_actuals"]
    old_json = tmp_path / "old.json"
    old_json.write_text(json.dumps({**document, "revision": "0001"}), encoding="utf-8")
    before = _content(store)
    for old_backup in (old_copy, old_json):
        with pytest.raises(BackupFormatError, match=r"made at schema revision 0001, the database is at \d{4}"):
            restore(store, old_backup, replace=True)
    assert _content(store) == before


def test_a_failed_restore_changes_nothing(store, plan, tmp_path) -> None:  # noqa: F811
    _fill(store, plan)
    out = tmp_path / "status.json"
    backup(store, out, format="json")
    document = json.loads(out.read_text(encoding="utf-8"))
    reports = document["tables"]["progress_reports"]
    reports["rows"].append(list(reports["rows"][0]))  # a duplicate primary key fails the insert half-way
    out.write_text(json.dumps(document), encoding="utf-8")
    before = _content(store)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        restore(store, out, replace=True)
    assert _content(store) == before


def test_cli_backup_and_restore(plan, tmp_path) -> None:  # noqa: F811
    source_url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    source = open_store(source_url)
    _fill(source, plan)
    expected = _content(source)
    source.close()
    runner = CliRunner()
    out = tmp_path / "cli.backup"
    made = runner.invoke(main, ["backup", "--out", str(out), "--database-url", source_url])
    assert made.exit_code == 0, made.output
    assert "backed up" in made.output and "as sqlite" in made.output
    target_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    done = runner.invoke(main, ["restore", str(out), "--database-url", target_url])
    assert done.exit_code == 0, done.output
    target = open_store(target_url)
    assert _content(target) == expected
    target.close()
    again = runner.invoke(main, ["restore", str(out), "--database-url", target_url])
    assert again.exit_code == 2 and "--replace" in again.output
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a backup", encoding="utf-8")
    refused = runner.invoke(main, ["restore", str(wrong), "--database-url", target_url])
    assert refused.exit_code == 2 and "is not a status-database backup" in refused.output


HASH_PREFIXES = ("scrypt:", "pbkdf2:", "argon2", "$2b$")


def _break_row(backup_file, backup_format: str, table: str, column: str, value) -> None:
    """Set ``column`` of the first row of ``table`` in the backup to ``value`` (the backup's own checks bypassed)."""
    if backup_format == "json":
        document = json.loads(backup_file.read_text(encoding="utf-8"))
        stored = document["tables"][table]
        stored["rows"][0][stored["columns"].index(column)] = value
        backup_file.write_text(json.dumps(document), encoding="utf-8")
        return
    with sqlite3.connect(backup_file) as copy:
        copy.execute("PRAGMA ignore_check_constraints = ON")
        copy.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = (SELECT min(rowid) FROM {table})", (value,))


def _password_hash(store) -> str:
    with store.read() as session:
        return session.execute(sa.text("SELECT password_hash FROM users")).scalar_one()


@pytest.mark.parametrize("backup_format", ["json", "sqlite"])
@pytest.mark.parametrize(("table", "column", "value", "says"), [
    ("users", "role", "superuser", "table users, row 1 (id 1), field role: expected role IN ('viewer', 'editor', "
                                   "'admin'), got 'superuser'"),
    ("progress_reports", "item_id", "B99", "table progress_reports, row 1 (id 1), field item_id: expected the "
                                           "item_id of a row in items, got 'B99': the backup has no such row"),
    ("progress_reports", "percent", 5000, "table progress_reports, row 1 (id 1), field percent: expected percent >= "
                                          "0 AND percent <= 100, got 5000"),
    ("progress_reports", "reported_on", "2021-13-45", "table progress_reports, row 1 (id 1), field reported_on: "
                                                      "expected a date YYYY-MM-DD, got '2021-13-45'"),
    ("users", "role", "HASH", "table users, row 1 (id 1), field role: expected at most 16 characters, got "),
])
def test_a_backup_with_invalid_rows_is_refused_in_one_line_and_changes_nothing(store, plan, tmp_path, database_url,
                                                                               monkeypatch, backup_format, table,
                                                                               column, value, says) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    _fill(source, plan)
    secret = _password_hash(source)
    backup_file = tmp_path / f"broken.{backup_format}"
    backup(source, backup_file, format=backup_format)
    source.close()
    _break_row(backup_file, backup_format, table, column, secret if value == "HASH" else value)
    _fill(store, plan)
    before = _content(store)
    monkeypatch.setenv("CORRIDOR_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["-v", "restore", str(backup_file), "--replace", "--database-url", database_url])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"error: {backup_file}: ") and "nothing was restored" in result.output
    assert says in result.output
    assert secret not in result.output and not any(prefix in result.output for prefix in HASH_PREFIXES)
    assert _content(store) == before
