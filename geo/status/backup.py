"""Backing up and restoring the status database.

Two backup formats:

* ``sqlite`` (the default for a SQLite database): a consistent copy made with SQLite's online backup API while the
  app keeps running (writers wait a moment; readers never do), checked with ``PRAGMA integrity_check``;
* ``json`` (the default for PostgreSQL, possible for SQLite too): every row of the project's tables read in one
  ``REPEATABLE READ`` snapshot and written as JSON (no ``pg_dump`` needed). It names its format, its format version
  and the schema revision, so it can be restored into either kind of database.

:func:`restore` reads either format and replaces the content of the project's tables in one transaction: it either
all lands or the database is left as it was. The target is first migrated to the latest schema; a backup made at
another schema revision is refused, as is any file that is not a backup.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geo.status.backup_check import checked_rows
from geo.status.database_faults import driver_message
from geo.errors import BackupContentError, BackupFormatError, DataFileError, InvalidParameter
from geo.status.models import TRANSIENT, Base
from geo.status.store import Store, as_utc, utc_now

logger = logging.getLogger(__name__)

BACKUP_FORMAT = "corridor-status-backup"
BACKUP_FORMAT_VERSION = 1
FORMATS: tuple[str, ...] = ("sqlite", "json")
SQLITE_MAGIC = b"SQLite format 3\x00"
ALEMBIC_TABLE = "alembic_version"


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or restore moved: rows per table, the schema revision and the file."""

    path: Path
    format: str
    revision: str | None
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        """Rows over all tables."""
        return sum(self.rows.values())


def project_tables() -> list[sa.Table]:
    """The project's tables, parents before children (the order to insert; reversed to delete), without the
    transient ones: a restore must not bring back sessions ended since the backup (deleting the users ends the
    current ones: their rows cascade)."""
    return [table for table in Base.metadata.sorted_tables if not table.info.get(TRANSIENT)]


def schema_revision(connection: sa.Connection) -> str | None:
    """The Alembic revision of the database behind ``connection`` (``None`` when it has none)."""
    if not sa.inspect(connection).has_table(ALEMBIC_TABLE):
        return None
    return connection.execute(sa.text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalar_one_or_none()


def _count_rows(connection: sa.Connection) -> dict[str, int]:
    return {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in project_tables()}


def backup(store: Store, out: Path, *, format: str | None = None) -> BackupSummary:
    """Write a consistent backup of ``store`` to ``out`` (replaced atomically: a reader never sees half a file).

    Parameters
    ----------
    format
        ``sqlite`` or ``json``; default ``sqlite`` for a SQLite database, ``json`` for PostgreSQL.

    Raises
    ------
    BackupFormatError
        For an unknown format, or ``sqlite`` asked of a PostgreSQL database.
    DataFileError
        When ``out`` cannot be written.
    """
    chosen = format or ("sqlite" if store.dialect == "sqlite" else "json")
    if chosen not in FORMATS:
        raise BackupFormatError(f"backup format: expected one of {', '.join(FORMATS)}, got {chosen!r}")
    if chosen == "sqlite" and store.dialect != "sqlite":
        raise BackupFormatError(f"a {store.dialect} database is backed up as json (the sqlite format copies a "
                                f"SQLite file); use --format json")
    out = Path(out)
    partial = out.with_name(f".{out.name}.partial")
    try:
        summary = (_sqlite_copy if chosen == "sqlite" else _json_dump)(store, partial)
        os.replace(partial, out)
    except (OSError, sqlite3.Error) as exc:  # sqlite3 opens the copy itself: its errors are the file's too
        raise DataFileError(f"cannot write the backup {out}: {getattr(exc, 'strerror', None) or exc}; check the "
                            f"folder exists and is writable") from exc
    finally:
        partial.unlink(missing_ok=True)
    logger.info("backed up %d rows (revision %s) to %s as %s", summary.total_rows, summary.revision, out, chosen)
    return BackupSummary(out, chosen, summary.revision, summary.rows)


def _sqlite_copy(store: Store, target: Path) -> BackupSummary:
    target.unlink(missing_ok=True)
    raw = store.engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
    finally:
        raw.close()
    if problems != ["ok"]:
        raise BackupFormatError(f"the copy failed SQLite's integrity check: {'; '.join(problems[:5])}")
    return _summary_of_sqlite_file(target, "sqlite")


def _summary_of_sqlite_file(path: Path, format: str) -> BackupSummary:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return BackupSummary(path, format, schema_revision(connection), _count_rows(connection))
    finally:
        engine.dispose()


def _utc(value: Any) -> Any:
    """Times as aware UTC: SQLite hands back naive UTC, which PostgreSQL would read in its session's zone."""
    return as_utc(value) if isinstance(value, datetime) else value


def _json_value(value: Any) -> Any:
    value = _utc(value)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _json_dump(store: Store, target: Path) -> BackupSummary:
    snapshot = {"isolation_level": "REPEATABLE READ"} if store.dialect == "postgresql" else {}
    with store.engine.connect().execution_options(**snapshot) as connection, connection.begin():
        revision = schema_revision(connection)
        tables = {}
        for table in project_tables():
            columns = [column.name for column in table.columns]
            rows = connection.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            tables[table.name] = {"columns": columns, "rows": [[_json_value(v) for v in row] for row in rows]}
    document = {"format": BACKUP_FORMAT, "format_version": BACKUP_FORMAT_VERSION, "revision": revision,
                "source_dialect": store.dialect, "created_at": utc_now().isoformat(), "tables": tables}
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    return BackupSummary(target, "json", revision, {name: len(t["rows"]) for name, t in tables.items()})


def _is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError as exc:
        raise DataFileError(f"cannot read the backup {path}: {exc.strerror or exc}") from exc


def backup_revision(path: Path) -> str | None:
    """The schema revision a backup file was made at, after checking that it is a backup of either format.

    Raises
    ------
    BackupFormatError, DataFileError
        As :func:`read_backup`.
    """
    path = Path(path)
    if not _is_sqlite_file(path):
        revision = _json_document(path).get("revision")
        if not isinstance(revision, str):
            raise _not_a_backup(path, "JSON without the schema revision it was made at")
        return revision
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(ALEMBIC_TABLE):
                raise _not_a_backup(path, f"a SQLite file without the {ALEMBIC_TABLE} table")
            return schema_revision(connection)
    except sa.exc.DatabaseError as exc:
        raise _not_a_backup(path, f"SQLite cannot read it: {exc.orig}") from exc
    finally:
        engine.dispose()


def read_backup(path: Path) -> tuple[str | None, dict[str, list[dict[str, Any]]]]:
    """The schema revision and the rows (per table, as column → value) of a backup file of either format, every
    row checked against the schema (:func:`geo.status.backup_check.checked_rows`).

    Raises
    ------
    BackupFormatError
        When ``path`` is neither a SQLite backup of the status database nor a JSON backup of this format, or
        lacks one of the current schema's tables; :class:`~geo.errors.BackupContentError` when a row breaks the
        schema's rules.
    DataFileError
        When ``path`` cannot be read.
    """
    path = Path(path)
    sqlite_copy = _is_sqlite_file(path)
    revision, stored = _read_sqlite_backup(path) if sqlite_copy else _read_json_backup(path)
    return revision, checked_rows(path, project_tables(), stored, json_as_text=sqlite_copy)


def _not_a_backup(path: Path, why: str) -> BackupFormatError:
    return BackupFormatError(f"{path} is not a status-database backup ({why}); expected a file written by "
                             f"`corridor backup` (a SQLite copy, or JSON with \"format\": \"{BACKUP_FORMAT}\")")


def _read_sqlite_backup(path: Path) -> tuple[str | None, dict[str, tuple[list[str], list[Any]]]]:
    """The revision and, per table, its columns and rows as SQLite holds them (converted when checked)."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            present = set(sa.inspect(connection).get_table_names())
            missing = [table.name for table in project_tables() if table.name not in present]
            if missing:
                raise _not_a_backup(path, f"a SQLite file without the tables {', '.join(missing)}")
            quote = connection.dialect.identifier_preparer.quote
            rows = {}
            for table in project_tables():
                columns = list(table.columns.keys())
                rows[table.name] = (columns, [tuple(row) for row in connection.exec_driver_sql(
                    f"SELECT {', '.join(map(quote, columns))} FROM {quote(table.name)}")])
            return schema_revision(connection), rows
    except sa.exc.DatabaseError as exc:
        raise _not_a_backup(path, f"SQLite cannot read it: {exc.orig}") from exc
    finally:
        engine.dispose()


def _json_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _not_a_backup(path, "neither a SQLite file nor JSON") from exc
    if not isinstance(document, dict) or document.get("format") != BACKUP_FORMAT:
        raise _not_a_backup(path, "JSON without the backup's \"format\" marker")
    if document.get("format_version") != BACKUP_FORMAT_VERSION:
        raise BackupFormatError(f"{path} has backup format version {document.get('format_version')!r}; this "
                                f"version restores {BACKUP_FORMAT_VERSION}")
    return document


def _read_json_backup(path: Path) -> tuple[str | None, dict[str, tuple[list[str], list[Any]]]]:
    """The revision and, per table, its columns and rows as the JSON holds them (converted when checked)."""
    document = _json_document(path)
    rows: dict[str, tuple[list[str], list[Any]]] = {}
    tables = document.get("tables")
    for table in project_tables():
        stored = tables.get(table.name) if isinstance(tables, dict) else None
        columns = stored.get("columns") if isinstance(stored, dict) else None
        if not isinstance(columns, list) or sorted(map(str, columns)) != sorted(table.columns.keys()) \
                or not isinstance(stored.get("rows"), list):
            raise BackupFormatError(f"{path}: table {table.name} is missing or has other columns than "
                                    f"{', '.join(table.columns.keys())}")
        rows[table.name] = (columns, stored["rows"])
    return document.get("revision"), rows


def restore(store: Store, path: Path, *, replace: bool = False) -> BackupSummary:
    """Replace the content of ``store``'s tables by the backup at ``path``, in one transaction.

    Parameters
    ----------
    replace
        Allow overwriting a database that already holds data (otherwise it must be empty).

    Raises
    ------
    BackupFormatError
        For a file that is not a backup, or a backup of another schema revision than the database's;
        :class:`~geo.errors.BackupContentError` (one line: table, row, field) for rows that break the schema.
    InvalidParameter
        When the database already holds data and ``replace`` is false.
    """
    revision = backup_revision(path)  # first: a backup of another revision may well lack tables of this one
    with store.read() as session:
        current = schema_revision(session.connection())
    if revision != current:
        raise BackupFormatError(f"{path} was made at schema revision {revision}, the database is at {current}; "
                                f"restore it with the version of the project that made it, then upgrade")
    _, rows = read_backup(path)  # every row checked before the database is touched
    with store.write() as session:
        connection = session.connection()
        existing = _count_rows(connection)
        if any(existing.values()) and not replace:
            raise InvalidParameter("replace", f"the database already holds {sum(existing.values())} rows; pass "
                                              f"--replace to overwrite them with the backup")
        for table in reversed(project_tables()):
            connection.execute(table.delete())
        for table in project_tables():
            _insert_rows(connection, table, rows[table.name], path)
        if store.dialect == "postgresql":
            _reset_sequences(connection)
    logger.info("restored %d rows (revision %s) from %s", sum(map(len, rows.values())), revision, path)
    return BackupSummary(Path(path), "restore", revision, {name: len(r) for name, r in rows.items()})


def _insert_rows(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], path: Path) -> None:
    """Insert ``rows`` into ``table``; a refusal the checks did not foresee rolls the whole restore back with the
    driver's first line (SQLAlchemy's message would quote the rows: password hashes)."""
    if not rows:
        return
    try:
        connection.execute(table.insert(), rows)
    except sa.exc.IntegrityError as exc:
        raise BackupContentError(f"{path}: the database refused the rows of table {table.name}: "
                                 f"{driver_message(exc)}; nothing was restored, the database is unchanged") from exc


def _reset_sequences(connection: sa.Connection) -> None:
    """Move each serial id's sequence past the restored ids, so the next insert does not collide."""
    for table in project_tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and
                                                isinstance(column.type, sa.Integer)):
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column.name}), 1), "
                    f"MAX({column.name}) IS NOT NULL) FROM {table.name}"), {"table": table.name,
                                                                           "column": column.name})
