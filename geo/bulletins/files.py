"""The bulletin as files: an Excel workbook, one CSV per table, or every CSV in one zip.

- **XLSX**: one sheet per table (:data:`geo.bulletins.bulletin.TABLE_TITLES`): the title (and the table's note) on row 1, the
  header on row 2, the rows below. Numbers are stored as numbers with number formats (percentages and gaps to one
  decimal, counts, targets and actual values as whole numbers or with their decimals); every sheet has an autofilter
  over its table, a frozen header and an A4 landscape print set-up fitted to the page width, repeating the header
  row, with the title in the page header and page numbers in the footer.
- **CSV**: one table per file, header first, UTF-8 with BOM so that Excel opens the Chinese text correctly.
- **ZIP**: every table's CSV (``01-按颜色统计.csv`` …, in bulletin order; names are marked UTF-8 in the zip) and
  ``00-说明.txt`` with the title, the as-of day and the tables' notes.
"""
from __future__ import annotations

import csv
import io
import logging
import math
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.bulletins.bulletin import COLUMN_LABELS, TABLE_TITLES, Bulletin, bulletin_title, display_value, table_rows
from geo.errors import InvalidParameter
from geo.xlsx_layout import finish_table_sheet

logger = logging.getLogger(__name__)

PERCENT_COLUMNS = frozenset({"percent", "expected_percent", "achievement", "gap"})
PERCENT_FORMAT = "0.0"
WHOLE_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0#"
WRAPPED_COLUMNS = frozenset({"name", "progress", "overdue", "close_note", "action_name", "label"})
WRAPPED_WIDTH = 36
MAX_WIDTH = 40
HEADER_FILL = PatternFill("solid", fgColor="F1F3F5")
README_NAME = "00-说明.txt"
FORMATS: tuple[str, ...] = ("csv", "zip", "xlsx")


def csv_name(index: int, name: str) -> str:
    """The zip member of the table ``name``, the ``index``-th (from 1) in bulletin order: ``01-按颜色统计.csv``."""
    return f"{index:02d}-{TABLE_TITLES[name]}.csv"


def table_csv(bulletin: Bulletin, table: str) -> bytes:
    """One table (a key of :data:`geo.bulletins.bulletin.TABLE_TITLES`) as CSV: header then rows, UTF-8 with BOM."""
    tables = bulletin.tables()
    if table not in tables:
        raise InvalidParameter("table", f"expected one of {', '.join(tables)}, got {table!r}", kind="choice",
                               details={"got": table, "choices": tuple(tables)})
    text = io.StringIO(newline="")
    csv.writer(text).writerows(table_rows(tables[table]))
    return text.getvalue().encode("utf-8-sig")


def readme_text(bulletin: Bulletin) -> str:
    """What the zip holds: the title, the day it is judged as of, each file with its table's note."""
    notes = bulletin.notes()
    lines = [bulletin_title(bulletin), f"统计截至 {bulletin.as_of.isoformat()}（季度末日）。每个 CSV 文件一张表，"
                                       "UTF-8（带 BOM）编码，可直接用 Excel 打开。", ""]
    for index, name in enumerate(bulletin.tables(), start=1):
        lines.append(csv_name(index, name) + (f"：{notes[name]}" if name in notes else ""))
    return "\r\n".join(lines) + "\r\n"


def zip_bytes(bulletin: Bulletin) -> bytes:
    """Every table's CSV and :data:`README_NAME` in one zip (members dated the bulletin's as-of day, so that the
    same bulletin gives the same bytes)."""
    stamp = (bulletin.as_of.year, bulletin.as_of.month, bulletin.as_of.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(README_NAME, stamp), readme_text(bulletin).encode("utf-8-sig"))
        for index, name in enumerate(bulletin.tables(), start=1):
            archive.writestr(zipfile.ZipInfo(csv_name(index, name), stamp), table_csv(bulletin, name))
    return buffer.getvalue()


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
            and not math.isnan(float(value)))


def sheet_value(column: str, value: object) -> tuple[object, str | None]:
    """A cell for the workbook and its number format: numbers kept as numbers (full precision; the format rounds
    the display), a missing value as an empty cell, anything else as :func:`geo.bulletins.bulletin.display_value` shows it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    if not _is_number(value):
        return display_value(column, value), None
    number = value.item() if hasattr(value, "item") else value
    if column in PERCENT_COLUMNS:
        return float(number), PERCENT_FORMAT
    return number, WHOLE_FORMAT if float(number).is_integer() else DECIMAL_FORMAT


def _widths(sheet: Worksheet, columns: list[str]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        texts = [str(cell.value) for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index)
                 if cell.value is not None]
        wide = max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) for text in texts), default=6)
        sheet.column_dimensions[letter].width = (WRAPPED_WIDTH if column in WRAPPED_COLUMNS
                                                 else min(MAX_WIDTH, wide + 2))


def _write_sheet(sheet: Worksheet, table, *, title: str, note: str | None) -> None:
    columns = [str(c) for c in table.columns]
    sheet.append([title, *([note] if note else [])])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([COLUMN_LABELS.get(column, column) for column in columns])
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row_number, row in enumerate(table.itertuples(index=False), start=3):
        for col_number, (column, value) in enumerate(zip(columns, row), start=1):
            shown, number_format = sheet_value(column, value)
            cell = sheet.cell(row=row_number, column=col_number, value=shown)
            if number_format:
                cell.number_format = number_format
            if column in WRAPPED_COLUMNS:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    _widths(sheet, columns)
    finish_table_sheet(sheet, title=title, header_row=2, columns=len(columns))


def xlsx_bytes(bulletin: Bulletin) -> bytes:
    """An Excel workbook with one sheet per table, titled in Chinese (see the module for its set-up)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    notes = bulletin.notes()
    title = bulletin_title(bulletin)
    for name, table in bulletin.tables().items():
        _write_sheet(workbook.create_sheet(TABLE_TITLES[name]), table, title=title, note=notes.get(name))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bulletin_bytes(bulletin: Bulletin, *, fmt: str, table: str | None = None) -> bytes:
    """The bulletin as ``xlsx``, ``zip`` (every table's CSV) or ``csv`` (the one ``table``) file content;
    :class:`InvalidParameter` naming ``format`` or ``table`` otherwise."""
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}", kind="choice",
                               details={"got": fmt, "choices": FORMATS})
    if fmt == "csv":
        if table is None:
            raise InvalidParameter("table", f"a CSV file holds one table: expected one of "
                                            f"{', '.join(bulletin.tables())}, or the format zip for all of them",
                                   kind="required")
        return table_csv(bulletin, table)
    return xlsx_bytes(bulletin) if fmt == "xlsx" else zip_bytes(bulletin)


def write_bulletin(bulletin: Bulletin, path: Path | str, *, table: str | None = None) -> Path:
    """Write the bulletin as chosen by the file's extension: ``.xlsx``, ``.zip`` (every table's CSV) or ``.csv``
    (the one ``table``)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidParameter("out", f"expected a file name ending in .xlsx, .zip or .csv, got {path.name!r}",
                               kind="choice", details={"got": path.suffix, "choices": FORMATS})
    content = bulletin_bytes(bulletin, fmt=fmt, table=table)
    logger.info("writing the %s bulletin to %s", bulletin.quarter, path)
    path.write_bytes(content)
    return path
