"""The set-up every workbook the project writes shares: a table under a title row, its header frozen and filtered,
printed on A4 landscape one page wide with the header repeated, the title in the page header and page numbers below.
"""
from __future__ import annotations

import logging

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

logger = logging.getLogger(__name__)

PAGE_FOOTER = "第 &P 页，共 &N 页"


def finish_table_sheet(sheet: Worksheet, *, title: str, header_row: int, columns: int) -> None:
    """Freeze and filter the table whose header is ``header_row`` (``columns`` wide) and set up printing."""
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(sheet.max_row, header_row)}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.oddHeader.center.text = title.replace("&", "&&")  # a lone & starts a code in Excel's page header
    sheet.oddFooter.center.text = PAGE_FOOTER
