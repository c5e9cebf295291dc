"""The 可达性 downloads: one CSV table and an Excel workbook of the page's figures, with their parameters."""
from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from openpyxl import load_workbook

from web_fixtures import real_app  # noqa: F401


def _get(app: Flask, path: str):
    response = app.test_client().get(path)
    assert response.status_code == 200, response.text[:500]
    return response


def _csv(app: Flask, path: str) -> list[list[str]]:
    response = _get(app, path)
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _figure(rows: list[list[str]], part: str, ident: str, metric: str) -> str:
    (row,) = [r for r in rows if r[0] == part and (r[1] == ident or r[2] == ident) and r[3] == metric]
    return row[4]


def test_the_csv_is_one_table_with_the_parameters_then_every_figure(real_app: Flask) -> None:
    rows = _csv(real_app, "/access/export.csv?scenario=compare&congestion=1&target=0.9")
    report = real_app.test_client().get("/api/access?scenario=compare&target=0.9").get_json()
    assert rows[0] == ["部分", "对象编号", "对象", "指标", "数值", "单位", "说明"]
    assert all(len(row) == 7 for row in rows)
    parameters = {row[3]: (row[4], row[6]) for row in rows if row[0] == "参数"}
    assert parameters["情景"][0] == "现状与规划对比" and parameters["拥堵系数（车速倍数）"][0] == "1.0"
    assert parameters["覆盖率目标"] == ("90 %", parameters["覆盖率目标"][1])
    assert parameters["覆盖率目标"][1].startswith("本次设定（默认 95%，项目设定）")
    assert parameters["入环时间（10分钟入环）"][1].startswith("规划原文「10分钟入环」（实施方案第127行）")
    assert parameters["路网来源"][0] == "OpenStreetMap 真实路网（BBBike 2026-06-08 提取）"
    served = report["coverage"]["planned"]["served_area_within"]["10"]
    assert float(_figure(rows, "分区", "CORRIDOR", "有路网服务区域10分钟内入环比例·规划")) == pytest.approx(served * 100)
    assert _figure(rows, "分区", "D04", "结论·规划") == "未达标"
    r12 = next(p for p in report["projects"] if p["id"] == "R12")
    share = float(_figure(rows, "道路项目排名", "R12", "占全部项目建成增幅"))
    assert share == pytest.approx(r12["share_of_total_gain"] * 100)
    assert _figure(rows, "结论", "总体结论", "结论·规划") == "未达标"


def test_a_single_scenario_csv_has_one_value_per_figure_and_no_ranking(real_app: Flask) -> None:
    rows = _csv(real_app, "/access/export.csv?scenario=baseline")
    assert {row[0] for row in rows[1:]} == {"标题", "参数", "结论", "分区", "重点区块", "环线"}
    assert _figure(rows, "环线", "顺时针", "结论") == "未达标（环线不连通，缺环山南路）"
    assert _figure(rows, "重点区块", "B03", "最不利入环时间") == "3.95"


def test_the_workbook_holds_numbers_as_numbers_with_filters_and_the_parameters(real_app: Flask) -> None:
    response = _get(real_app, "/access/export.xlsx?scenario=compare")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="corridor-access-compare-congestion1-target0.95.xlsx"')
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["说明", "结论", "分区", "重点区块", "环线", "道路项目排名"]
    readme = {row[0]: row[1:] for row in book["说明"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert readme["覆盖率目标"][0] == "95 %" and readme["覆盖率目标"][1].startswith("项目设定")
    assert readme["结论"][0].startswith("现状：未达标")
    ranking = book["道路项目排名"]
    assert ranking["A3"].value == "排名" and ranking.auto_filter.ref == f"A3:I{ranking.max_row}"
    assert "覆盖率目标 95%" in ranking["A1"].value and "路网来源" in ranking["A2"].value
    first = [cell.value for cell in ranking[4]]
    assert first[:3] == [1, "R12", "环山南路"] and isinstance(first[3], float) and isinstance(first[4], float)
    districts = book["分区"]
    header = [cell.value for cell in districts[3]]
    yueqing = next(row for row in districts.iter_rows(min_row=4, values_only=True) if row[0] == "D04")
    assert yueqing[header.index("结论·规划")] == "未达标"
    assert yueqing[header.index("有路网服务区域10分钟内入环比例·规划（%）")] is None  # no served area: no figure
    assert districts.freeze_panes == "A4" and districts.page_setup.orientation == "landscape"


def test_an_unknown_format_or_bad_parameter_is_a_400(real_app: Flask) -> None:
    client = real_app.test_client()
    for path, label in (("/access/export.pdf", "导出格式"), ("/access/export.csv?target=3", "目标"),
                        ("/access/export.xlsx?scenario=someday", "路网情景")):
        response = client.get(path)
        assert response.status_code == 400 and f"{label}：" in response.get_data(as_text=True), path
