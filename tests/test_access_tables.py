"""The report's figures as tables (what the page shows and the exports hold) and as CSV/XLSX files."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from test_access import grid_network

from geo.access.check import check_access
from geo.access.files import csv_bytes, xlsx_bytes
from geo.access.tables import parameter_rows, tables
from geo.plan.layers import load_plan


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict:
    import json

    from conftest import tiny_layers

    folder = tmp_path_factory.mktemp("tiny")
    for name, doc in tiny_layers().items():
        (folder / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    plan = load_plan(folder)
    return {s: check_access(grid_network(), plan, scenario=s, coverage_target=0.9) for s in ("baseline", "compare")}


def test_single_scenario_tables_hold_one_value_per_figure(reports):
    report = reports["baseline"]
    by_key = {t.key: t for t in tables(report)}
    assert list(by_key) == ["headline", "districts", "blocks", "loop"]
    served = by_key["headline"].records()[0]
    assert served["value"] == pytest.approx(report["coverage"]["served_area_within"]["10"] * 100)
    assert (served["target"], served["source"]) == (90.0, "本次设定（默认 95%，项目设定）")
    loop = by_key["loop"].records()[0]
    assert loop["time"] is None and loop["verdict"] == "未达标（环线不连通，缺环山南路）"
    yueqing = next(r for r in by_key["districts"].records() if r["id"] == "D04")
    assert yueqing["verdict"] == "无法评估" and "均无道路服务" in yueqing["reason"]


def test_compare_tables_hold_both_scenarios_the_change_and_the_ranking(reports):
    report = reports["compare"]
    by_key = {t.key: t for t in tables(report)}
    block = by_key["blocks"].records()[0]
    assert block["worst_change"] == pytest.approx(block["worst_planned"] - block["worst_baseline"], abs=0.011)
    headings = [c.heading for c in by_key["districts"].columns]
    assert "有路网服务区域10分钟内入环比例·变化（百分点）" in headings and "结论·现状" in headings
    (r01,) = by_key["ranking"].records()
    assert (r01["rank"], r01["id"], r01["ring_gaps_km"]) == (1, "R01", 0.0)
    names = [name for name, _, _ in parameter_rows(report)]
    assert names[:3] == ["情景", "拥堵系数（车速倍数）", "入环时间（10分钟入环）"] and "路网来源" in names


def test_the_files_hold_the_same_figures(reports):
    report = reports["compare"]
    rows = list(csv.reader(io.StringIO(csv_bytes(report).decode("utf-8-sig"))))
    ranking = [r for r in rows if r[0] == "道路项目排名" and r[3] == "排名"]
    assert ranking == [["道路项目排名", "R01", "测试大道", "排名", "1", "", ""]]
    book = load_workbook(io.BytesIO(xlsx_bytes(report)))
    sheet = book["结论"]
    assert [c.value for c in sheet[3]][:4] == ["检验项", "数值·现状", "数值·规划", "数值·变化"]
    assert sheet["B4"].value == pytest.approx(report["coverage"]["baseline"]["served_area_within"]["10"] * 100)
    assert sheet["B4"].number_format == "0.###"
