"""Checking a backup's rows (geo/status/backup_check.py): every problem named by table, row and field, no secret shown."""
from __future__ import annotations

import math
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from geo.status.backup import project_tables
from geo.status.backup_check import checked_rows, shown
from geo.errors import BackupContentError

NOW = "2021-07-01T04:00:00+00:00"
TABLES = {table.name: table for table in project_tables()}


def _stored(**rows: list[dict]) -> dict[str, tuple[list[str], list[list]]]:
    """Every project table, empty but for ``rows`` (per table, as column → value; missing columns null)."""
    stored = {}
    for name, table in TABLES.items():
        columns = list(table.columns.keys())
        stored[name] = (columns, [[row.get(column) for column in columns] for row in rows.get(name, [])])
    return stored


def _item(item_id: str) -> dict:
    return {"item_id": item_id, "version": 1, "updated_at": NOW}


def _actual(**changes: object) -> dict:
    return {"id": 1, "item_id": "A1-1@P1", "target_id": "A1-1", "park": "P1", "year": 2021, "quarter": 2,
            "value": 2.0, "note": "", "reported_on": "2021-07-01", "reporter": "王五", "created_at": NOW, **changes}


def test_good_rows_come_back_typed() -> None:
    stored = _stored(items=[_item("A1-1@P1")], target_actuals=[_actual()])
    rows = checked_rows(Path("b.json"), list(TABLES.values()), stored, json_as_text=False)
    assert rows["target_actuals"][0]["reported_on"] == date(2021, 7, 1)
    assert rows["items"][0]["updated_at"] == datetime(2021, 7, 1, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize(("changes", "says"), [
    ({"park": "P2"}, "field item_id, target_id, park: expected item_id = target_id || '@' || park, got "
                     "item_id='A1-1@P1', target_id='A1-1', park='P2'"),
    ({"value": math.nan}, "field value: expected a finite number, got nan"),
    ({"year": True}, "field year: expected a whole number, got True"),
    ({"note": "a\x00b"}, "field note: expected text without NUL characters"),
    ({"reporter": None}, "field reporter: expected a value, got none"),
    ({"quarter": 5}, "field quarter: expected quarter >= 1 AND quarter <= 4, got 5"),
])
def test_a_bad_cell_is_named_by_table_row_and_field(changes: dict, says: str) -> None:
    stored = _stored(items=[_item("A1-1@P1")], target_actuals=[_actual(), _actual(id=2, **changes)])
    with pytest.raises(BackupContentError, match="table target_actuals, row 2 \\(id 2\\), ") as refused:
        checked_rows(Path("b.json"), list(TABLES.values()), stored, json_as_text=False)
    assert says in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("password_hash", "scrypt:32768:8:1$salt$abc", "a value not shown (a secret)"),
    ("role", "scrypt:32768:8:1$salt$abc", "a text of 25 characters (not shown)"),
    ("note", "x" * 41, "a text of 41 characters (not shown)"),
    ("details", {"a": 1}, "a JSON dict (not shown)"),
    ("role", "superuser", "'superuser'"),
    ("reported_on", date(2021, 2, 1), "'2021-02-01'"),
])
def test_values_are_shown_only_when_they_cannot_be_secret(column: str, value: object, expected: str) -> None:
    assert shown(column, value) == expected
