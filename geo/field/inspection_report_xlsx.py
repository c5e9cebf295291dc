"""The inspection report as an Excel workbook: one sheet, one row per stop, set up like the bulletin's sheets.

The title on row 1, the header on row 2, the stops below in visiting order. Numbers are numbers (distances,
accuracy, percents, counts) and the check-in time an Excel date-time in Beijing time; the sheet has an autofilter
over its table, a frozen header and an A4 landscape print set-up fitted to the page width, repeating the header row,
with the title in the page header and page numbers in the footer (as :mod:`geo.bulletins.files`).

A stop checked in more than once shows its first check-in (the arrival: time, distance, accuracy), its latest
progress estimate and every note.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geo.field.inspection_report import InspectionReport, StopReport
from geo.xlsx_layout import finish_table_sheet

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
SHEET_TITLE = "巡查点位"
# (header, number format or None, column width)
COLUMNS: tuple[tuple[str, str | None, float], ...] = (
    ("序号", "0", 6), ("编号", None, 10), ("名称", None, 30), ("计划到达", None, 9),
    ("签到时间（北京时间）", "yyyy-mm-dd hh:mm", 18), ("签到次数", "0", 8), ("距点位（米）", "#,##0", 10),
    ("超过500米", None, 9), ("定位精度（米）", "#,##0", 10), ("进度估计（%）", "0", 10), ("现场记录", None, 40),
    ("照片数", "0", 7), ("签到人", None, 10), ("巡查前颜色", None, 10), ("巡查前进度（%）", "0.0", 11),
    ("巡查前状态", None, 9), ("当前颜色", None, 10), ("当前进度（%）", "0.0", 11), ("当前状态", None, 9),
)
WRAPPED = frozenset({"名称", "现场记录"})
HEADER_FILL = PatternFill("solid", fgColor="F1F3F5")


def report_title(report: InspectionReport) -> str:
    """The workbook's and the page's title: 「巡查报告 · <title>（YYYY-MM-DD）」."""
    return f"巡查报告 · {report.title}（{report.tour_date.isoformat()}）"


def _beijing(moment: datetime) -> datetime:
    return moment.astimezone(BEIJING).replace(tzinfo=None)  # Excel has no time zones: the header says which


def stop_row(stop: StopReport) -> list[object]:
    """The sheet row of one stop, in :data:`COLUMNS` order (``None`` for an empty cell)."""
    first = stop.first_checkin
    return [stop.order, stop.site_id, stop.name, stop.planned_arrive,
            _beijing(first.checked_in_at) if first else None, len(stop.checkins),
            first.distance_m if first else None, ("是" if first.far else "否") if first else None,
            first.accuracy_m if first else None, stop.progress_estimate, stop.notes or None, len(stop.photos),
            first.author if first else None, stop.before.colour_label, stop.before.percent, stop.before.state,
            stop.after.colour_label, stop.after.percent, stop.after.state]


def _write_rows(sheet: Worksheet, report: InspectionReport) -> None:
    for row_number, stop in enumerate(report.stops, start=3):
        for col_number, ((header, number_format, _), value) in enumerate(zip(COLUMNS, stop_row(stop)), start=1):
            cell = sheet.cell(row=row_number, column=col_number, value=value)
            if number_format and value is not None:
                cell.number_format = number_format
            if header in WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def report_xlsx(report: InspectionReport) -> bytes:
    """The workbook's bytes (see the module for its layout)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    title = report_title(report)
    sheet.append([title, f"路线编号 {report.tour_id}；负责人 {report.owner}；签到 {report.checked_in}/"
                         f"{len(report.stops)} 个点位；当前状态按 {report.today.isoformat()}（北京时间）判定"])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([header for header, _, _ in COLUMNS])
    for cell in sheet[2]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    _write_rows(sheet, report)
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    finish_table_sheet(sheet, title=title, header_row=2, columns=len(COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    logger.debug("inspection report workbook of tour %d: %d stops", report.tour_id, len(report.stops))
    return buffer.getvalue()
