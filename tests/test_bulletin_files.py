"""The bulletin as files (geo/bulletins/files.py): the XLSX read back with openpyxl (numbers stored as numbers,
number formats, autofilter, frozen header, print set-up), the zip of one CSV per table, a single table's CSV."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from geo.bulletins.bulletin import TABLE_TITLES, display_value, quarterly_bulletin, table_rows
from geo.bulletins.files import (
    DECIMAL_FORMAT, PERCENT_FORMAT, README_NAME, WHOLE_FORMAT, bulletin_bytes, write_bulletin,
)
from geo.errors import InvalidParameter
from test_bulletin import Q2, filled, targets  # noqa: F401

TITLE = "环大罗山科创走廊 2021Q2 季度通报（截至 2021-06-30）"


@pytest.fixture
def bulletin(filled, plan, targets):  # noqa: F811
    return quarterly_bulletin(filled, plan, Q2, targets=targets)


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens the Chinese text correctly
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _as_text(rows: list[list[object]]) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in rows]


def test_the_zip_holds_one_csv_per_table_and_a_readme(bulletin):
    content = bulletin_bytes(bulletin, fmt="zip")
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = [f"{i:02d}-{title}.csv" for i, title in enumerate(TABLE_TITLES.values(), start=1)]
    assert archive.namelist() == [README_NAME, *names]
    assert all(info.flag_bits & 0x800 for info in archive.infolist())  # names marked UTF-8
    for name, member in zip(TABLE_TITLES, names):
        rows = _csv_rows(archive.read(member))
        assert rows == _as_text(table_rows(bulletin.tables()[name])), member  # header first, no title rows
    lagging = _csv_rows(archive.read("05-滞后事项清单.csv"))
    assert lagging[0][:6] == ["地区", "类别", "编号", "名称", "牵头单位", "计算颜色"]
    assert lagging[0][-2:] == ["最新进展", "滞后情况"]
    readme = archive.read(README_NAME).decode("utf-8-sig")
    assert TITLE in readme and f"08-园区目标完成情况.csv：{bulletin.target_note}" in readme
    assert bulletin_bytes(bulletin, fmt="zip") == content  # the same bulletin, the same bytes


def test_a_csv_holds_one_named_table(bulletin, tmp_path):
    single = bulletin_bytes(bulletin, fmt="csv", table="lagging")
    assert _csv_rows(single) == _as_text(table_rows(bulletin.lagging))
    assert write_bulletin(bulletin, tmp_path / "lagging.CSV", table="lagging").read_bytes() == single
    archive = zipfile.ZipFile(write_bulletin(bulletin, tmp_path / "q2.zip"))
    assert archive.read("05-滞后事项清单.csv") == single
    with pytest.raises(InvalidParameter, match="table: a CSV file holds one table: expected one of by_colour, "):
        bulletin_bytes(bulletin, fmt="csv")
    with pytest.raises(InvalidParameter, match="table: expected one of .*lagging.*, got 'yellow'"):
        write_bulletin(bulletin, tmp_path / "q2.csv", table="yellow")


def _expected_cell(column: str, raw: object) -> object:
    """What the workbook should hold for a table value: the number itself (full precision), else the text shown."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw == raw:
        return pytest.approx(raw)
    shown = display_value(column, raw)
    return None if shown == "" else shown


def test_xlsx_sheets_have_autofilter_frozen_header_and_a4_landscape_print_setup(bulletin, tmp_path):
    workbook = load_workbook(write_bulletin(bulletin, tmp_path / "q2.xlsx"))
    assert workbook.sheetnames == list(TABLE_TITLES.values())
    for name, table in bulletin.tables().items():
        sheet = workbook[TABLE_TITLES[name]]
        last = get_column_letter(len(table.columns))
        assert sheet.auto_filter.ref == f"A2:{last}{2 + len(table)}", name
        assert sheet.freeze_panes == "A3" and sheet["A1"].value == TITLE
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", str(sheet.PAPERSIZE_A4))
        assert (setup.fitToWidth, setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
        assert sheet.print_title_rows == "$2:$2"  # the header row repeats on every printed page
        assert sheet.oddHeader.center.text == TITLE and "&P" in sheet.oddFooter.center.text
        values = [list(row)[:len(table.columns)] for row in sheet.iter_rows(min_row=3, values_only=True)]
        assert values == [[_expected_cell(column, raw) for column, raw in zip(table.columns, row)]
                          for row in table.itertuples(index=False)], name
    assert workbook["园区汇总"]["B1"].value == bulletin.target_note


def _row(sheet, **where: object) -> dict:
    header = [cell.value for cell in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        record = dict(zip(header, row))
        if all(record[key].value == value for key, value in where.items()):
            return record
    raise AssertionError(f"no row {where} on {sheet.title}")


def test_xlsx_numbers_are_stored_as_numbers_with_number_formats(bulletin, targets, tmp_path):  # noqa: F811
    workbook = load_workbook(io.BytesIO(bulletin_bytes(bulletin, fmt="xlsx")))
    park = targets.park_name("P1")
    a31 = _row(workbook["园区目标完成情况"], 指标编号="A3-1", 园区=park)  # 4 of 10 by mid-year: 5 due
    assert [(a31[k].value, a31[k].data_type, a31[k].number_format) for k in ("年度目标", "序时应完成", "累计完成")] == [
        (10, "n", WHOLE_FORMAT), (5, "n", WHOLE_FORMAT), (4, "n", WHOLE_FORMAT)]
    assert (a31["完成率（%）"].value, a31["完成率（%）"].data_type) == (pytest.approx(80), "n")
    assert a31["差距（百分点）"].number_format == PERCENT_FORMAT
    a11 = _row(workbook["园区目标完成情况"], 指标编号="A1-1", 园区=park)  # 1.5 due of 3
    assert (a11["序时应完成"].value, a11["序时应完成"].number_format) == (pytest.approx(1.5), DECIMAL_FORMAT)
    none = _row(workbook["园区目标完成情况"], 指标编号="A1-3", 园区=park)
    assert (none["年度目标"].value, none["累计完成"].value) == ("无量化目标", None)
    r01 = _row(workbook["滞后事项清单"], 编号="R01")
    assert (r01["完成进度（%）"].value, r01["完成进度（%）"].data_type) == (10, "n")
    assert r01["完成进度（%）"].number_format == PERCENT_FORMAT and r01["应完成进度（%）"].value > 40
    assert r01["计算颜色"].value == "严重滞后" and r01["最近上报日期"].value == "2021-06-15"
    total = _row(workbook["按颜色统计"], 类别="合计")
    assert total["合计"].data_type == "n" and total["合计"].value == 4 + len(targets.department_tasks)


def test_other_formats_are_refused_naming_the_option(bulletin, tmp_path):
    with pytest.raises(InvalidParameter, match=r"out: expected a file name ending in .xlsx, .zip or .csv"):
        write_bulletin(bulletin, tmp_path / "q2.pdf")
    with pytest.raises(InvalidParameter, match="format: expected one of csv, zip, xlsx, got 'pdf'"):
        bulletin_bytes(bulletin, fmt="pdf")
    assert not (tmp_path / "q2.pdf").exists()
