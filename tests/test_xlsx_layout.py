"""The shared workbook sheet set-up (geo/xlsx_layout.py)."""
from __future__ import annotations

from openpyxl import Workbook

from geo.xlsx_layout import PAGE_FOOTER, finish_table_sheet


def test_a_table_sheet_is_frozen_filtered_and_printed_one_page_wide() -> None:
    sheet = Workbook().active
    sheet.append(["温州 & 瓯海 通报"])
    sheet.append(["编号", "名称", "进度"])
    sheet.append(["B01", "中国眼谷", 40])
    sheet.append(["B02", "温州南湖科创小镇", 30])
    finish_table_sheet(sheet, title="温州 & 瓯海 通报", header_row=2, columns=3)
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:C4"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.oddHeader.center.text == "温州 && 瓯海 通报"  # a lone & would start an Excel header code
    assert sheet.oddFooter.center.text == PAGE_FOOTER


def test_an_empty_table_still_filters_its_header_row() -> None:
    sheet = Workbook().active
    sheet.append(["标题"])
    sheet.append(["编号", "名称"])
    finish_table_sheet(sheet, title="标题", header_row=2, columns=2)
    assert sheet.auto_filter.ref == "A2:B2"
