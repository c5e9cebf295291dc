"""Tests for the bookkeeping of scripts/load_test.py (the run itself is a measurement, not a test)."""
from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def load_test():
    spec = importlib.util.spec_from_file_location("load_test", REPO / "scripts" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_test"] = module
    spec.loader.exec_module(module)
    return module


def _database(tmp_path: Path, rows: list[tuple[int, str]]) -> Path:
    path = tmp_path / "reports.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE progress_reports (id INTEGER PRIMARY KEY, note TEXT)")
        connection.executemany("INSERT INTO progress_reports VALUES (?, ?)", rows)
    return path


def test_exactly_the_acknowledged_reports_pass(load_test, tmp_path) -> None:
    acknowledged = [(1, "editor0-0"), (2, "editor1-0")]
    assert load_test.check_reports(_database(tmp_path, acknowledged), acknowledged) == []


@pytest.mark.parametrize(("stored", "problem"), [
    ([(1, "editor0-0")], "1 acknowledged reports missing"),
    ([(1, "editor0-0"), (2, "editor1-0"), (3, "editor1-0")], "1 reports stored twice"),
    ([(1, "editor0-0"), (2, "editor1-0"), (3, "editor2-0")], "1 stored reports never acknowledged"),
])
def test_lost_doubled_or_unacknowledged_reports_are_found(load_test, tmp_path, stored, problem: str) -> None:
    problems = load_test.check_reports(_database(tmp_path, stored), [(1, "editor0-0"), (2, "editor1-0")])
    assert any(p.startswith(problem) for p in problems), problems


def test_percentiles_and_bounded_options(load_test) -> None:
    values = [float(v) for v in range(1, 101)]
    assert load_test.percentile(values, 50) == pytest.approx(50.5)
    assert load_test.percentile(values, 99) == pytest.approx(99.01)
    assert load_test.bounded(1, 200)("50") == 50
    with pytest.raises(Exception, match="expected 1–200"):
        load_test.bounded(1, 200)("500")
