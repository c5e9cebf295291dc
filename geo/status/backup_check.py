"""Checking a backup's rows before they replace the status database: one clear line, and never a secret.

Every cell is converted from its stored form (JSON, or SQLite's own values) to its column's type and checked:
present where required, a whole number, a finite number, text within its length and without NUL, a real date.
Each table's rows are then inserted into a scratch in-memory SQLite database with the project's schema, which
applies the CHECK and UNIQUE constraints exactly as the models write them, and every foreign key is looked up among
the backup's own rows. A problem names the table, the row (its position in the backup and its key) and the field
(:class:`RowProblem`). Values are quoted only when they cannot be secret: never from a column named like a secret
(``password_hash``), never long text or text holding ``$`` (every common password-hash format does).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from geo.status.database_faults import driver_message
from geo.errors import BackupContentError
from geo.status.store import as_utc

SECRET_COLUMN = re.compile(r"hash|secret|token|password|salt", re.IGNORECASE)
SHOWN_TEXT_MAX = 40
_CONSTRAINT_FAILED = re.compile(r"(CHECK|UNIQUE|NOT NULL) constraint failed: (.+)")


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (or row) of a backup."""

    table: str
    row: int
    key: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"table {self.table}, row {self.row} ({self.key}), field {self.field}: {self.message}"


def shown(column: str, value: Any) -> str:
    """``value`` of ``column`` as it may appear in a message: quoted, or only described when it could be secret."""
    if SECRET_COLUMN.search(column):
        return "a value not shown (a secret)"
    if isinstance(value, str) and (len(value) > SHOWN_TEXT_MAX or "$" in value):
        return f"a text of {len(value)} characters (not shown)"
    if isinstance(value, (dict, list)):
        return f"a JSON {type(value).__name__} (not shown)"
    return repr(value.isoformat() if isinstance(value, (date, datetime)) else value)


def _row_key(table: sa.Table, values: dict[str, Any]) -> str:
    return ", ".join(f"{column.name} {shown(column.name, values.get(column.name))}"
                     for column in table.primary_key.columns)


def _typed(column: sa.Column, value: Any, *, json_as_text: bool) -> Any:
    """``value`` converted to ``column``'s type; raises ValueError saying what was expected."""
    if value is None:
        if not column.nullable:
            raise ValueError("expected a value, got none")
        return None
    kind = column.type
    if isinstance(kind, sa.Boolean):
        if value in (0, 1) and not isinstance(value, float):
            return bool(value)
        raise ValueError(f"expected true or false, got {shown(column.name, value)}")
    if isinstance(kind, sa.Integer):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"expected a whole number, got {shown(column.name, value)}")
    if isinstance(kind, sa.Float):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise ValueError(f"expected a finite number, got {shown(column.name, value)}")
    if isinstance(kind, (sa.DateTime, sa.Date)):
        return _moment(column, value)
    if isinstance(kind, sa.JSON):
        return _json(column, value) if json_as_text else value
    if isinstance(kind, sa.String):
        return _text(column, value)
    return value


def _moment(column: sa.Column, value: Any) -> date | datetime:
    wants_time = isinstance(column.type, sa.DateTime)
    expected = "a date and time (ISO 8601)" if wants_time else "a date YYYY-MM-DD"
    try:
        if wants_time:
            return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected {expected}, got {shown(column.name, value)}") from None


def _json(column: sa.Column, value: Any) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected JSON text, got {shown(column.name, value)}") from None


def _text(column: sa.Column, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {shown(column.name, value)}")
    if "\x00" in value:
        raise ValueError("expected text without NUL characters")
    length = column.type.length
    if length is not None and len(value) > length:
        raise ValueError(f"expected at most {length} characters, got {len(value)}")
    return value


def _typed_table(table: sa.Table, columns: Sequence[str], rows: Sequence[Any], *, json_as_text: bool,
                 problems: list[RowProblem]) -> dict[int, dict[str, Any]]:
    """The rows of ``table`` that convert, by position (1-based); a problem for each cell that does not."""
    typed: dict[int, dict[str, Any]] = {}
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (list, tuple)) or len(row) != len(columns):
            problems.append(RowProblem(table.name, number, "?", "(row)",
                                       f"expected a list of {len(columns)} values ({', '.join(columns)})"))
            continue
        raw = dict(zip(columns, row))
        values, failed = {}, False
        for column in table.columns:
            try:
                values[column.name] = _typed(column, raw[column.name], json_as_text=json_as_text)
            except ValueError as exc:
                problems.append(RowProblem(table.name, number, _row_key(table, raw), column.name, str(exc)))
                failed = True
        if not failed:
            typed[number] = values
    return typed


def _constraint_problem(table: sa.Table, number: int, values: dict[str, Any],
                        exc: sa.exc.IntegrityError) -> RowProblem:
    message = driver_message(exc)
    matched = _CONSTRAINT_FAILED.match(message)
    kind, names = matched.groups() if matched else ("", "")
    if kind == "CHECK":
        check = next((c for c in table.constraints if isinstance(c, sa.CheckConstraint)
                      and names in (c.name, str(c.sqltext))), None)
        text = str(check.sqltext) if check is not None else names
        fields = [c.name for c in table.columns if re.search(rf"\b{re.escape(c.name)}\b", text)]
        got = (shown(fields[0], values[fields[0]]) if len(fields) == 1
               else ", ".join(f"{field}={shown(field, values[field])}" for field in fields))
        return RowProblem(table.name, number, _row_key(table, values), ", ".join(fields) or "?",
                          f"expected {text}, got {got}")
    fields = [name.split(".", 1)[-1].strip() for name in names.split(",")] if matched else []
    if kind == "UNIQUE":
        got = ", ".join(shown(field, values.get(field)) for field in fields)
        return RowProblem(table.name, number, _row_key(table, values), ", ".join(fields),
                          f"expected a unique value, got {got}, which an earlier row has (a duplicate)")
    return RowProblem(table.name, number, _row_key(table, values), ", ".join(fields) or "?", message)


def _constraint_problems(scratch: sa.Connection, table: sa.Table, typed: dict[int, dict[str, Any]]) -> list:
    """Insert ``typed`` into the scratch copy of ``table``: all at once, else row by row to find the culprits."""
    if not typed:
        return []
    try:
        with scratch.begin_nested():
            scratch.execute(table.insert(), list(typed.values()))
        return []
    except sa.exc.IntegrityError:
        pass
    problems = []
    for number, values in typed.items():
        try:
            with scratch.begin_nested():
                scratch.execute(table.insert(), values)
        except sa.exc.IntegrityError as exc:
            problems.append(_constraint_problem(table, number, values, exc))
    return problems


def _foreign_key_problems(table: sa.Table, typed: dict[int, dict[str, Any]],
                          every: dict[str, dict[int, dict[str, Any]]]) -> list[RowProblem]:
    problems = []
    for key in table.foreign_keys:
        parent = key.column.table.name
        present = {values[key.column.name] for values in every.get(parent, {}).values()}
        for number, values in typed.items():
            value = values[key.parent.name]
            if value is not None and value not in present:
                problems.append(RowProblem(table.name, number, _row_key(table, values), key.parent.name,
                                           f"expected the {key.column.name} of a row in {parent}, got "
                                           f"{shown(key.parent.name, value)}: the backup has no such row"))
    return problems


def _scratch_engine() -> sa.Engine:
    """An in-memory SQLite database to try rows in: foreign keys off (they are looked up apart, to name the field),
    and savepoints that work (pysqlite's own transaction handling replaced by a plain BEGIN)."""
    engine = sa.create_engine("sqlite://", hide_parameters=True)
    sa.event.listen(engine, "connect", lambda dbapi_connection, _record: setattr(dbapi_connection,
                                                                                 "isolation_level", None))
    sa.event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
    return engine


def checked_rows(path: Path, tables: Sequence[sa.Table], stored: dict[str, tuple[Sequence[str], Sequence[Any]]],
                 *, json_as_text: bool) -> dict[str, list[dict[str, Any]]]:
    """The rows of a backup converted to their columns' types, per table, after checking them all.

    Parameters
    ----------
    tables
        The tables to restore, parents before children.
    stored
        Per table name: its column names and its rows (each a sequence in that column order), as stored.
    json_as_text
        Whether JSON columns hold JSON text (a SQLite backup) rather than the values themselves.

    Raises
    ------
    BackupContentError
        Naming the first problem (table, row, field) and how many there are.
    """
    problems: list[RowProblem] = []
    every = {table.name: _typed_table(table, *stored[table.name], json_as_text=json_as_text, problems=problems)
             for table in tables}
    scratch_engine = _scratch_engine()
    try:
        tables[0].metadata.create_all(scratch_engine, tables=list(tables))
        with scratch_engine.begin() as scratch:
            for table in tables:
                problems += _constraint_problems(scratch, table, every[table.name])
                problems += _foreign_key_problems(table, every[table.name], every)
    finally:
        scratch_engine.dispose()
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise BackupContentError(f"{path}: {problems[0]}{more}; the backup breaks the schema's rules (damaged, or "
                                 f"edited by hand), so nothing was restored and the database is unchanged: restore "
                                 f"another backup")
    return {table.name: list(every[table.name].values()) for table in tables}
