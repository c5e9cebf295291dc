"""Quarterly bulletins: numbers equal to the database's, and the CSV and XLSX files."""
from __future__ import annotations

import csv
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from geo import models
from geo.bulletin import ROADS_DISTRICT, TABLE_TITLES, bulletin_bytes, quarterly_bulletin, table_rows, write_bulletin
from geo.errors import InvalidParameter
from geo.quarters import Quarter
from geo.records import add_report, close_item

Q2 = Quarter(2021, 2)


@pytest.fixture
def filled(store, plan):
    """B01 on schedule, R01 far behind in Q2 and completed in Q3, E01 closed in May, E02 never reported, and a
    report on a ring segment (not a bulletin item)."""
    common = {"reporter": "张三", "today": date(2021, 12, 31)}
    add_report(store, plan, "B01", percent=50, state="进行中", reported_on="2021-06-01", expected_version=0, **common)
    add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-15", reported_colour="green",
               expected_version=0, **common)
    add_report(store, plan, "R01", percent=100, state="已完成", reported_on="2021-07-05", expected_version=1, **common)
    add_report(store, plan, "RING-N", percent=0, state="未开始", reported_on="2021-06-01", expected_version=0, **common)
    close_item(store, plan, "E01", note="整治完成", actor="李四", effective_on="2021-05-20", expected_version=0,
               today=date(2021, 12, 31))
    return store


def database_facts(store, items: list[str], end: date) -> dict:
    """Reported and closed items as of ``end``, straight from the tables."""
    with store.read() as session:
        reports = session.execute(sa.select(models.ProgressReport.item_id, models.ProgressReport.reported_on)).all()
        events = session.execute(sa.select(models.CheckEvent.item_id, models.CheckEvent.action,
                                           models.CheckEvent.effective_on, models.CheckEvent.id)).all()
    latest_event = {}
    for item_id, action, effective_on, event_id in sorted(events, key=lambda e: (e.effective_on, e.id)):
        if effective_on <= end:
            latest_event[item_id] = action
    return {"reported": {i for i, on in reports if on <= end and i in items},
            "closed": {i for i, action in latest_event.items() if action == "close" and i in items}}


def row_of(table, key: str, value: str) -> dict:
    return table.set_index(key).loc[value].to_dict()


def test_q2_numbers_equal_the_database(filled, plan):
    bulletin = quarterly_bulletin(filled, plan, Q2)
    assert bulletin.as_of == date(2021, 6, 30)
    assert list(bulletin.items["id"]) == ["B01", "R01", "E01", "E02"]  # ring segments are not bulletin items
    facts = database_facts(filled, list(bulletin.items["id"]), Q2.end)
    total = row_of(bulletin.by_colour, "kind", "合计")
    assert total == {"green": 2, "yellow": 1, "red": 1, "unreported": 1, "closed": 1, "total": 4}
    assert total["total"] - total["unreported"] == len(facts["reported"] | facts["closed"])
    assert set(bulletin.closed_items["id"]) == facts["closed"] == {"E01"}
    assert list(bulletin.red_items["id"]) == ["R01"]
    assert list(bulletin.mismatches["id"]) == ["R01"]  # reported green, computed red
    assert row_of(bulletin.by_colour, "kind", "环境整治任务") == {"green": 1, "yellow": 1, "red": 0, "unreported": 1,
                                                               "closed": 1, "total": 2}
    assert row_of(bulletin.by_district, "district", "鹿城区") == {"green": 2, "yellow": 1, "red": 0, "unreported": 1,
                                                              "closed": 1, "total": 3}
    assert row_of(bulletin.by_district, "district", ROADS_DISTRICT)["red"] == 1
    assert row_of(bulletin.by_lead_unit, "lead_unit", "市综合行政执法局")["total"] == 2
    for table in (bulletin.by_district, bulletin.by_lead_unit):
        assert table[["green", "yellow", "red", "closed", "total"]].sum().to_dict() == {
            k: total[k] for k in ("green", "yellow", "red", "closed", "total")}


def test_q3_sees_later_reports_and_stale_ones(filled, plan):
    bulletin = quarterly_bulletin(filled, plan, Quarter(2021, 3))
    items = bulletin.items.set_index("id")
    assert (items.loc["R01", "colour"], items.loc["R01", "state"]) == ("green", "已完成")
    assert (items.loc["B01", "colour"], items.loc["B01", "stale"]) == ("yellow", True)  # 121 days since its report
    assert row_of(bulletin.by_colour, "kind", "合计") == {"green": 2, "yellow": 2, "red": 0, "unreported": 1,
                                                         "closed": 1, "total": 4}


def test_csv_is_utf8_with_bom_and_holds_every_table(filled, plan, tmp_path):
    bulletin = quarterly_bulletin(filled, plan, Q2)
    path = write_bulletin(bulletin, tmp_path / "q2.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    assert rows[0] == ["环大罗山科创走廊 2021Q2 季度通报（截至 2021-06-30）"]
    for name, table in bulletin.tables().items():
        start = rows.index([TABLE_TITLES[name]]) + 1
        expected = [[str(cell) for cell in row] for row in table_rows(table)]
        assert rows[start:start + len(expected)] == expected
    by_colour = rows[rows.index(["按颜色统计"]) + 1:]
    assert by_colour[0][:7] == ["类别", "绿", "黄（含未上报）", "红", "其中未上报", "已销号", "合计"]
    assert by_colour[4] == ["合计", "2", "1", "1", "1", "1", "4"]


def test_xlsx_has_one_sheet_per_table_with_the_same_numbers(filled, plan, tmp_path):
    bulletin = quarterly_bulletin(filled, plan, Q2)
    workbook = load_workbook(write_bulletin(bulletin, tmp_path / "q2.xlsx"))
    assert workbook.sheetnames == list(TABLE_TITLES.values())
    for name, table in bulletin.tables().items():
        sheet = workbook[TABLE_TITLES[name]]
        values = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert [[("" if v is None else v) for v in row] for row in values] == table_rows(table)
    red = workbook["红色事项"]
    assert [c.value for c in red[3]][:3] == ["交通项目", "R01", "测试大道"]


def test_other_formats_are_refused_naming_the_option(filled, plan, tmp_path):
    bulletin = quarterly_bulletin(filled, plan, Q2)
    with pytest.raises(InvalidParameter, match="out: expected a file name ending in .csv or .xlsx"):
        write_bulletin(bulletin, tmp_path / "q2.pdf")
    with pytest.raises(InvalidParameter, match="format: expected one of csv, xlsx, got 'pdf'"):
        bulletin_bytes(bulletin, fmt="pdf")
    assert bulletin_bytes(bulletin, fmt="csv") == write_bulletin(bulletin, tmp_path / "q2.CSV").read_bytes()
