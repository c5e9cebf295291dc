"""Quarterly bulletins: numbers equal to the database's (department tasks included) and the parks' target tables
(the lagging list: ``test_bulletin_lagging.py``; the files: ``test_bulletin_files.py``)."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.status import models
from geo.bulletins.bulletin import DEPARTMENT_DISTRICT, NAME_CHARS, ROADS_DISTRICT, quarterly_bulletin
from geo.plan.quarters import Quarter
from geo.status.records import add_report, close_item
from geo.plan.target_plan import SHARED_LEAD, TargetPlan, lead_of, load_target_plan
from geo.status.target_records import add_actual

REPO = Path(__file__).resolve().parent.parent
Q2 = Quarter(2021, 2)
TODAY = date(2021, 12, 31)


def write_tiny_targets(folder: Path) -> Path:
    """Give a tiny plan's layer folder (``conftest.tiny_layers``) the repo's targets.csv and department_tasks.csv
    and six tiny parks, each a square inside the tiny plan area named by its real park's district."""
    for name in ("targets.csv", "department_tasks.csv"):
        shutil.copy(REPO / "data" / name, folder / name)
    areas = {f["properties"]["name"]: f["geometry"]["coordinates"][0]
             for f in json.loads((folder / "districts.geojson").read_text(encoding="utf-8"))["features"]}
    features = []
    for park in json.loads((REPO / "data" / "parks.geojson").read_text(encoding="utf-8"))["features"]:
        ring = areas[park["properties"]["district"]]
        lon, lat = sum(x for x, _ in ring[:4]) / 4, sum(y for _, y in ring[:4]) / 4
        square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
                  [lon - 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]
        features.append({"type": "Feature", "properties": park["properties"],
                         "geometry": {"type": "Polygon", "coordinates": [square]}})
    (folder / "parks.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                     ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def targets() -> TargetPlan:
    return load_target_plan()


@pytest.fixture
def filled(store, plan, targets):
    """B01 on schedule, R01 far behind in Q2 and completed in Q3, E01 closed in May, E02 never reported, a report
    on a ring segment (not a bulletin item); DT13-1 far behind in Q2, DT29-2 closed in May; three park actuals for
    Q2 (A3-1 P1 4 of 10, A1-1 P1 0 of 3, A8-1 9 % of 12 %) and one for Q4 (A3-1 P1 10)."""
    common = {"reporter": "张三", "today": TODAY}
    add_report(store, plan, "B01", percent=50, state="进行中", reported_on="2021-06-01", expected_version=0, **common)
    add_report(store, plan, "R01", percent=10, state="进行中", reported_on="2021-06-15", reported_colour="green",
               expected_version=0, **common)
    add_report(store, plan, "R01", percent=100, state="已完成", reported_on="2021-07-05", expected_version=1, **common)
    add_report(store, plan, "RING-N", percent=0, state="未开始", reported_on="2021-06-01", expected_version=0, **common)
    close_item(store, plan, "E01", note="整治完成", actor="李四", effective_on="2021-05-20", expected_version=0,
               today=TODAY)
    add_report(store, targets, "DT13-1", percent=10, state="进行中", reported_on="2021-06-15", expected_version=0,
               **common)
    close_item(store, targets, "DT29-2", note="券已发放", actor="李四", effective_on="2021-05-20", expected_version=0,
               today=TODAY)
    for target_id, park, quarter, value, version in (("A3-1", "P1", "2021Q2", 4, 0), ("A1-1", "P1", "2021Q2", 0, 0),
                                                      ("A8-1", "total", "2021Q2", 9, 0),
                                                      ("A3-1", "P1", "2021Q4", 10, 1)):
        add_actual(store, targets, target_id, park=park, quarter=quarter, value=value, expected_version=version,
                   reported_on=Quarter(2021, int(quarter[-1])).end.isoformat(), **common)
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


def test_q2_numbers_equal_the_database(filled, plan, targets):
    n = len(targets.department_tasks)
    bulletin = quarterly_bulletin(filled, plan, Q2, targets=targets)
    assert bulletin.as_of == date(2021, 6, 30)
    ids = list(bulletin.items["id"])
    assert ids == ["B01", "R01", "E01", "E02", *(t.id for t in targets.department_tasks)]  # no ring segments
    facts = database_facts(filled, ids, Q2.end)
    total = row_of(bulletin.by_colour, "kind", "合计")
    assert total == {"green": 3, "yellow": n - 1, "red": 2, "unreported": n - 1, "closed": 2, "total": n + 4}
    assert total["total"] - total["unreported"] == len(facts["reported"] | facts["closed"])
    assert set(bulletin.closed_items["id"]) == facts["closed"] == {"E01", "DT29-2"}
    assert list(bulletin.red_items["id"]) == ["R01", "DT13-1"]
    assert list(bulletin.mismatches["id"]) == ["R01"]  # reported green, computed red
    assert row_of(bulletin.by_colour, "kind", "环境整治任务") == {"green": 1, "yellow": 1, "red": 0, "unreported": 1,
                                                               "closed": 1, "total": 2}
    assert row_of(bulletin.by_colour, "kind", "部门工作任务") == {"green": 1, "yellow": n - 2, "red": 1,
                                                               "unreported": n - 2, "closed": 1, "total": n}
    assert row_of(bulletin.by_district, "district", "鹿城区") == {"green": 2, "yellow": 1, "red": 0, "unreported": 1,
                                                              "closed": 1, "total": 3}
    assert row_of(bulletin.by_district, "district", ROADS_DISTRICT)["red"] == 1
    assert row_of(bulletin.by_district, "district", DEPARTMENT_DISTRICT)["total"] == n
    assert list(bulletin.by_district["district"])[-2:] == [ROADS_DISTRICT, DEPARTMENT_DISTRICT]
    assert row_of(bulletin.by_lead_unit, "lead_unit", "市综合行政执法局")["total"] == 2 + sum(
        lead_of(t) == "市综合行政执法局" for t in targets.department_tasks)
    science = row_of(bulletin.by_lead_unit, "lead_unit", "市科技局")  # B01's lead unit and DT13-1's, DT29-2's
    assert science["total"] == 1 + sum(lead_of(t) == "市科技局" for t in targets.department_tasks)
    assert (science["red"], science["closed"]) == (1, 1)
    assert row_of(bulletin.by_lead_unit, "lead_unit", SHARED_LEAD)["total"] == sum(
        lead_of(t) == SHARED_LEAD for t in targets.department_tasks)
    for table in (bulletin.by_district, bulletin.by_lead_unit):
        assert table[["green", "yellow", "red", "closed", "total"]].sum().to_dict() == {
            k: total[k] for k in ("green", "yellow", "red", "closed", "total")}


def test_department_tasks_are_named_by_their_text(filled, plan, targets):
    items = quarterly_bulletin(filled, plan, Q2, targets=targets).items.set_index("id")
    for task in targets.department_tasks:
        name = items.loc[task.id, "name"]
        assert len(name) <= NAME_CHARS and task.text.startswith(name.removesuffix("…"))
        assert (items.loc[task.id, "kind"], items.loc[task.id, "lead_unit"]) == ("department_tasks", lead_of(task))
    assert items.loc["DT13-1", "percent"] == 10 and items.loc["DT01-1", "percent"] is None


def test_q3_sees_later_reports_and_stale_ones(filled, plan, targets):
    bulletin = quarterly_bulletin(filled, plan, Quarter(2021, 3), targets=targets)
    items = bulletin.items.set_index("id")
    assert (items.loc["R01", "colour"], items.loc["R01", "state"]) == ("green", "已完成")
    assert (items.loc["B01", "colour"], items.loc["B01", "stale"]) == ("yellow", True)  # 121 days since its report
    assert items.loc["DT13-1", "colour"] == "red"  # stale, but red stays red
    assert row_of(bulletin.by_colour, "kind", "合计")["red"] == 1


def _cell(bulletin, target_id: str, park_name: str) -> dict:
    rows = bulletin.park_targets
    [row] = rows[(rows["target_id"] == target_id) & (rows["park_name"] == park_name)].to_dict("records")
    return row


def test_park_targets_compare_the_actuals_with_the_pro_rata_target(filled, plan, targets):
    bulletin = quarterly_bulletin(filled, plan, Q2, targets=targets)
    assert bulletin.target_quarter == Q2 and "2021年度目标" in bulletin.target_note
    park = targets.park_name("P1")
    a31 = _cell(bulletin, "A3-1", park)  # 4 of 10 by mid-year: 5 due
    assert (a31["expected"], a31["actual"], a31["colour"]) == (pytest.approx(5), 4, "green")
    assert a31["achievement"] == pytest.approx(80) and a31["gap"] == pytest.approx(10)
    a11 = _cell(bulletin, "A1-1", park)  # 0 of 3: 1.5 due, gap 50 points
    assert (a11["gap"], a11["colour"]) == (pytest.approx(50), "red")
    rate = bulletin.park_targets[bulletin.park_targets["target_id"] == "A8-1"].to_dict("records")
    assert len(rate) == 1 and rate[0]["expected"] == pytest.approx(12)  # rates are not pro-rated
    assert (rate[0]["gap"], rate[0]["colour"]) == (pytest.approx(25), "yellow")
    unreported = _cell(bulletin, "A3-1", targets.park_name("P2"))
    assert unreported["colour"] == "grey" and pd.isna(unreported["actual"])
    none = _cell(bulletin, "A1-3", park)
    assert none["colour"] == "none" and none["target"] == "无量化目标"
    assert (a31["target"], a11["target"]) == (10, 3) and isinstance(a31["target"], int)
    numeric = {t.id for t in targets.targets if "P1" in t.park_values}
    p1 = row_of(bulletin.park_summary, "park", "P1")
    assert (p1["green_cells"], p1["red_cells"]) == (1, 1)
    assert p1["green_cells"] + p1["yellow_cells"] + p1["red_cells"] + p1["grey_cells"] == len(numeric)
    assert p1["colour"] in ("yellow", "red") and row_of(bulletin.park_summary, "park", "P3")["colour"] == "grey"


def test_quarters_beyond_the_plan_year_show_its_last_quarter(filled, plan, targets):
    later = quarterly_bulletin(filled, plan, Quarter(2022, 1), targets=targets)
    assert later.target_quarter == Quarter(2021, 4) and "2022Q1 已超出目标年度" in later.target_note
    a31 = _cell(later, "A3-1", targets.park_name("P1"))
    assert (a31["expected"], a31["actual"], a31["colour"]) == (pytest.approx(10), 10, "green")
    earlier = quarterly_bulletin(filled, plan, Quarter(2020, 4), targets=targets)
    assert earlier.target_quarter == Quarter(2021, 1) and "尚未开始" in earlier.target_note
    assert set(earlier.park_targets["colour"]) <= {"grey", "none"}
