"""The accessibility figures as files: one CSV table, or an Excel workbook with a sheet per table.

Both start from :func:`geo.access.tables.tables` and :func:`geo.access.tables.parameter_rows`, so they hold exactly
what the 可达性 page shows, and both say what the figures were computed with (scenario, congestion, each threshold
with its source, the network).

- **CSV**: one table in long form, UTF-8 with BOM (Excel opens the Chinese text correctly), columns
  部分, 对象编号, 对象, 指标, 数值, 单位, 说明: first the parameters (部分 = 参数), then one row per figure of every
  table (部分 = the table's title). Numbers are written as numbers: percentages as 0–100, changes in percentage
  points, minutes, km².
- **XLSX**: a 说明 sheet (the parameters and the verdict in words) and one sheet per table: the title and the
  parameters on rows 1–2, the header on row 3, the rows below; numbers stored as numbers with number formats, an
  autofilter over the table, a frozen header and an A4 landscape print set-up fitted to the page width.
"""
from __future__ import annotations

import csv
import io
import logging

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.access.tables import SCENARIO_TITLES, Column, Table, parameter_rows, tables
from geo.xlsx_layout import finish_table_sheet

logger = logging.getLogger(__name__)

CSV_HEADER = ("部分", "对象编号", "对象", "指标", "数值", "单位", "说明")
UNIT_TEXT = {"percent": "%", "points": "百分点", "min": "分钟", "km2": "平方公里", "km": "公里", "count": ""}
NUMBER_FORMATS = {"percent": "0.0", "points": "+0.00;-0.00;0.00", "min": "0.0", "km2": "0.000", "km": "0.0",
                  "count": "0", "number": "0.###"}
IDENTIFYING = frozenset({"id", "name", "item", "direction"})  # the columns that say which row it is
HEADER_FILL = PatternFill("solid", fgColor="F1F3F5")
MAX_WIDTH = 48
PARAMETER_ROW = 2
HEADER_ROW = 3


def export_title(report: dict) -> str:
    """The files' title: the check, the scenario, the congestion and the coverage target."""
    params = report["params"]
    return (f"可达性分析「10分钟入环、30分钟通环」· {SCENARIO_TITLES[params['scenario']]} · 拥堵系数 "
            f"{params['congestion']:g} · 覆盖率目标 {params['coverage_target'] * 100:g}%")


def csv_bytes(report: dict) -> bytes:
    """The parameters and every figure of ``report`` as one long CSV table (see the module)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(CSV_HEADER)
    writer.writerow(("标题", "", "", "", export_title(report), "", ""))
    for name, value, note in parameter_rows(report):
        writer.writerow(("参数", "", "", name, value, "", note))
    for table in tables(report):
        writer.writerows(_long_rows(table))
    return text.getvalue().encode("utf-8-sig")


def _long_rows(table: Table) -> list[tuple]:
    keys = [c.key for c in table.columns]
    out = []
    for row in table.rows:
        cells = dict(zip(keys, row))
        ident = cells.get("id") or ""
        name = cells.get("name") or cells.get("item") or cells.get("direction") or ""
        for column, value in zip(table.columns, row):
            if column.key in IDENTIFYING or column.key == "unit":
                continue
            unit = cells.get("unit", "") if column.unit == "number" else UNIT_TEXT.get(column.unit, "")
            if column.key.endswith("_change") and unit == "%":
                unit = UNIT_TEXT["points"]  # a change of a percentage
            out.append((table.title, ident, name, column.label, "" if value is None else value, unit, ""))
    return out


def xlsx_bytes(report: dict) -> bytes:
    """An Excel workbook: the 说明 sheet and one sheet per table (see the module)."""
    workbook = Workbook()
    title = export_title(report)
    _write_readme(workbook.active, report, title=title)
    parameters = "；".join(f"{name} {value}" for name, value, _ in parameter_rows(report))
    for table in tables(report):
        _write_table(workbook.create_sheet(table.title), table, title=f"{title} · {table.title}",
                     parameters=parameters)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_readme(sheet: Worksheet, report: dict, *, title: str) -> None:
    sheet.title = "说明"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append(["项目", "取值", "来源与说明"])
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for row in parameter_rows(report):
        sheet.append(list(row))
    sheet.append([])
    sheet.append(["结论", report["verdict"]["zh"]])
    sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in (("A", 30), ("B", 60), ("C", 80)):
        sheet.column_dimensions[letter].width = width
    finish_table_sheet(sheet, title=title, header_row=2, columns=3)


def _write_table(sheet: Worksheet, table: Table, *, title: str, parameters: str) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([parameters])
    sheet.append([column.heading for column in table.columns])
    for cell in sheet[HEADER_ROW]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in table.rows:
        sheet.append(list(row))
        for column, cell in zip(table.columns, sheet[sheet.max_row]):
            if isinstance(cell.value, (int, float)) and column.unit in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.unit]
    _widths(sheet, table.columns)
    finish_table_sheet(sheet, title=title, header_row=HEADER_ROW, columns=len(table.columns))


def _widths(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    for index, column in enumerate(columns, start=1):
        texts = [str(cell.value) for (cell,) in sheet.iter_rows(min_row=HEADER_ROW, min_col=index, max_col=index)
                 if cell.value is not None]
        wide = max((sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) for text in texts), default=6)
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(6, wide + 2))
