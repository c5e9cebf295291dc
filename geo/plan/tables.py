"""Reading hand-kept CSV tables: every row checked, every problem collected with its file, row and column."""
from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from geo.plan.validate import Problem

Item = TypeVar("Item")
RowParser = Callable[[dict[str, str], str], tuple["Item | None", list[tuple[str, str]]]]
_EXTRA_CELLS = "\0extra"


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's data rows as ``(line number, row)`` and the problems met reading it."""

    name: str
    rows: list[tuple[int, dict[str, str]]]
    problems: list[Problem]


def read_csv_table(path: Path, columns: tuple[str, ...]) -> CsvTable:
    """Read a UTF-8 CSV whose header must hold exactly ``columns``; without rows when a column is missing."""
    name = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, restkey=_EXTRA_CELLS)
            header = list(reader.fieldnames or [])
            rows = [(reader.line_num, row) for row in reader]
    except FileNotFoundError:
        return CsvTable(name, [], [Problem(name, None, None, f"file not found at {path}; restore it from git")])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return CsvTable(name, [], [Problem(name, None, None, f"expected a UTF-8 CSV file, could not read it: {exc}")])
    missing = [Problem(name, None, column, "missing column") for column in columns if column not in header]
    if missing:
        return CsvTable(name, [], missing)
    problems = []
    for column in header:
        if column not in columns:
            kind = "unknown park" if re.fullmatch(r"P\d+", column) else "unknown column"
            problems.append(Problem(name, None, column, f"{kind}; expected only the columns {', '.join(columns)}"))
    for line, row in rows:
        if _EXTRA_CELLS in row:
            problems.append(Problem(name, f"line {line}", None, f"expected {len(columns)} cells, got more"))
    return CsvTable(name, [(line, row) for line, row in rows if _EXTRA_CELLS not in row], problems)


def cell(row: dict[str, str], column: str) -> str:
    """The cell's text without surrounding spaces (empty for a short row)."""
    return (row.get(column) or "").strip()


def parse_integer(text: str, *, low: int, high: int) -> int | None:
    """The integer written in ``text`` if it lies in ``[low, high]``, else ``None``."""
    return int(text) if re.fullmatch(r"\d+", text) and low <= int(text) <= high else None


def parse_number(text: str) -> float | None:
    """The finite number ≥ 0 written in ``text`` (an ``int`` when whole), else ``None``."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value) if value.is_integer() else value


def parse_boolean(text: str) -> bool | None:
    """``true``/``false`` as a bool, anything else ``None``."""
    return {"true": True, "false": False}.get(text)


def parse_rows(table: CsvTable, *, id_pattern: re.Pattern, parse: RowParser) -> tuple[list[Item], list[Problem]]:
    """Parse every row with ``parse(row, ref)``; collect ``(column, message)`` errors and duplicate ids as problems.

    ``ref`` names the row in problems: its id when well-formed, else ``line N``.
    """
    items: list[Item] = []
    problems = list(table.problems)
    refs = []
    for line, row in table.rows:
        ident = cell(row, "id")
        ref = ident if id_pattern.fullmatch(ident) else f"line {line}"
        refs.append((ref, line))
        item, errors = parse(row, ref)
        problems += [Problem(table.name, ref, column, message) for column, message in errors]
        if item is not None:
            items.append(item)
    return items, problems + _duplicates(table.name, refs)


def _duplicates(name: str, refs: Iterable[tuple[str, int]]) -> list[Problem]:
    lines = defaultdict(list)
    for ref, line in refs:
        lines[ref].append(line)
    return [Problem(name, ref, "id", f"duplicate id: used on lines {', '.join(map(str, found))}; ids must be "
                                     "unique") for ref, found in lines.items() if len(found) > 1]
