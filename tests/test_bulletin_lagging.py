"""The bulletin's list of lagging items (geo/bulletins/lagging.py): which items and park targets are listed, under
which district and lead unit, what is said to be overdue, and the grouping and order."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.plan.action_leads import action_lead
from geo.bulletins.bulletin import DEPARTMENT_DISTRICT, DISTRICT_ORDER, KIND_LABELS, ROADS_DISTRICT, quarterly_bulletin
from geo.bulletins.lagging import (
    LAGGING_COLUMNS, TARGET_KIND, ZONE_DISTRICT, district_groups, item_overdue, lagging_table, missed_milestone,
)
from geo.plan.quarters import Quarter
from geo.status.records import add_report, set_milestones
from geo.status.snapshot import ItemState
from geo.status.colours import Milestone
from geo.plan.target_plan import lead_of
from test_bulletin import Q2, TODAY, filled, targets  # noqa: F401

AS_OF = date(2021, 6, 30)


def _row(**values: object) -> dict:
    """An item row of the bulletin as far as :func:`item_overdue` reads it."""
    return {"id": "B01", "colour": "yellow", "state": "进行中", "percent": None, "expected_percent": None,
            "stale": False, "last_reported_on": None, **values}


def test_an_unreported_item_says_so():
    assert item_overdue(_row(colour="grey", state=None), None, as_of=AS_OF) == "截至 2021-06-30 未上报进展"


def test_a_gap_is_named_with_what_was_due():
    yellow = item_overdue(_row(percent=30, expected_percent=45.33), None, as_of=AS_OF)
    assert yellow == "进度滞后：上报时应完成 45.3%，实际 30%，落后 15.3 个百分点"
    red = item_overdue(_row(colour="red", percent=10, expected_percent=45.33), None, as_of=AS_OF)
    assert red.startswith("严重滞后：") and "落后 35.3 个百分点" in red


def test_a_stale_paused_item_behind_its_milestone():
    state = ItemState(item_id="B01", milestones=(Milestone(date(2021, 3, 31), 20), Milestone(date(2021, 6, 1), 50),
                                                 Milestone(date(2021, 9, 30), 80)))
    text = item_overdue(_row(percent=30, expected_percent=32, stale=True, last_reported_on="2021-03-20",
                             state="暂停"), state, as_of=AS_OF)
    assert text.split("；") == ["超一季度未上报（最近 2021-03-20 上报，至 2021-06-30 已 102 天）", "项目暂停",
                               "里程碑 2021-06-01 应完成 50%，未达到"]  # 32 − 30: not behind on the gap


def test_missed_milestone_is_the_latest_due_and_unmet():
    milestones = (Milestone(date(2021, 3, 31), 20), Milestone(date(2021, 6, 1), 50), Milestone(date(2021, 9, 1), 70))
    assert missed_milestone(milestones, percent=30, as_of=AS_OF) == milestones[1]
    assert missed_milestone(milestones, percent=60, as_of=AS_OF) is None
    assert missed_milestone(milestones, percent=None, as_of=date(2021, 4, 1)) == milestones[0]


def test_an_item_past_its_period_is_overdue():
    state = ItemState(item_id="B01", period_end=date(2021, 6, 30))
    assert item_overdue(_row(percent=95, expected_percent=96), state, as_of=AS_OF) == (
        "计划完成期限 2021-06-30 已到，尚未完成")
    assert item_overdue(_row(percent=95, expected_percent=96), None, as_of=AS_OF) == ""


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{column: None for column in LAGGING_COLUMNS} | dict(zip(("district", "kind", "id", "colour"),
                                                                                row)) for row in rows],
                        columns=list(LAGGING_COLUMNS), dtype=object)


def test_the_table_is_grouped_by_district_then_colour_then_kind():
    items = _frame([("瓯海区", "tasks", "E05", "grey"), ("鹿城区", "tasks", "E01", "yellow"),
                    ("瓯海区", "blocks", "B05", "grey"), (ROADS_DISTRICT, "roads", "R01", "red"),
                    ("瓯海区", "tasks", "E04", "red"), ("别处", "blocks", "B99", "yellow")])
    cells = _frame([("瓯海区", TARGET_KIND, "A1-1", "red"), (ZONE_DISTRICT, TARGET_KIND, "A8-1", "yellow")])
    table = lagging_table(items, cells, district_order=DISTRICT_ORDER, kind_order=list(KIND_LABELS))
    assert list(table["id"]) == ["E01", "E04", "A1-1", "B05", "E05", "R01", "A8-1", "B99"]
    groups = district_groups(table)
    assert [district for district, _ in groups] == ["鹿城区", "瓯海区", ROADS_DISTRICT, ZONE_DISTRICT, "别处"]
    assert list(groups[1][1]["id"]) == ["E04", "A1-1", "B05", "E05"]
    assert lagging_table(items.iloc[:0], cells.iloc[:0], district_order=DISTRICT_ORDER, kind_order=[]).empty


def test_q2_lists_every_yellow_and_red_item_with_its_lead_unit(filled, plan, targets):  # noqa: F811
    bulletin = quarterly_bulletin(filled, plan, Q2, targets=targets)
    lagging = bulletin.lagging.set_index("id")
    items = bulletin.items[bulletin.items["colour"].isin(("yellow", "red", "grey"))]
    listed = bulletin.lagging[bulletin.lagging["kind"] != TARGET_KIND]
    assert sorted(listed["id"]) == sorted(items["id"])  # B01 green, E01 closed, DT29-2 closed: left out
    assert not {"B01", "E01", "DT29-2"} & set(listed["id"])
    per_district = listed.groupby("district").size().to_dict()
    assert per_district == {row["district"]: row["yellow"] + row["red"]
                            for row in bulletin.by_district.to_dict("records") if row["yellow"] + row["red"]}
    r01 = lagging.loc["R01"]
    assert (r01["district"], r01["lead_unit"], r01["colour"]) == (ROADS_DISTRICT, "市住建局", "red")
    assert r01["percent"] == 10
    assert r01["overdue"].startswith("严重滞后：上报时应完成 4") and r01["last_reported_on"] == "2021-06-15"
    assert (lagging.loc["E02", "lead_unit"], lagging.loc["E02", "overdue"]) == ("市综合行政执法局",
                                                                               "截至 2021-06-30 未上报进展")
    dt13 = lagging.loc["DT13-1"]
    assert dt13["district"] == DEPARTMENT_DISTRICT
    assert dt13["lead_unit"] == lead_of(targets.department_task("DT13-1"))
    assert list(listed["id"][:2]) == ["E02", "R01"]  # 鹿城区 first, then the roads


def test_q2_lists_park_targets_behind_or_unreported_under_the_parks_district(filled, plan, targets):  # noqa: F811
    bulletin = quarterly_bulletin(filled, plan, Q2, targets=targets)
    cells = bulletin.lagging[bulletin.lagging["kind"] == TARGET_KIND]
    park = targets.park_name("P1")
    district = targets.parks.set_index("id").loc["P1", "district"]
    [a11] = cells[cells["name"] == f"{targets.target('A1-1').label} · {park}"].to_dict("records")
    assert (a11["district"], a11["lead_unit"], a11["colour"]) == (district, "市科技局", "red")
    assert (a11["percent"], a11["expected_percent"]) == (pytest.approx(0), pytest.approx(50))
    assert a11["overdue"] == "落后序时进度 50 个百分点（序时应完成 1.5个，累计完成 0个）"
    [a81] = cells[cells["id"] == "A8-1"].to_dict("records")  # a zone-wide rate: 9 % of 12 %
    assert (a81["district"], a81["colour"], a81["progress"]) == (ZONE_DISTRICT, "yellow", "实际 9%，年度目标 12%")
    assert f"{targets.target('A3-1').label} · {park}" not in set(cells["name"])  # on schedule
    assert not cells["name"].str.endswith("· 合计").any()  # a per-park target's total is its parks' cells
    a32 = cells[cells["name"] == f"{targets.target('A3-1').label} · {targets.park_name('P2')}"].iloc[0]
    assert a32["colour"] == "grey" and a32["overdue"].startswith("2021Q2 累计完成值未上报")
    assert a32["lead_unit"] == action_lead(targets.target("A3-1").action) == "市投促局"
    table = bulletin.park_targets
    behind = table["colour"].isin(("yellow", "red", "grey"))
    zone_wide = table["target_id"].isin([t.id for t in targets.targets if t.aggregation == "zone_wide"])
    assert len(cells) == (behind & (table["park_name"] != "合计")).sum() + (behind & zone_wide).sum()


def test_later_quarters_see_stale_reports_and_no_target_cells(filled, plan, targets):  # noqa: F811
    q3 = quarterly_bulletin(filled, plan, Quarter(2021, 3), targets=targets).lagging.set_index("id")
    assert q3.loc["B01", "overdue"] == "超一季度未上报（最近 2021-06-01 上报，至 2021-09-30 已 121 天）"
    assert "R01" not in q3.index  # completed in Q3
    later = quarterly_bulletin(filled, plan, Quarter(2022, 1), targets=targets).lagging
    assert not (later["kind"] == TARGET_KIND).any()  # the target tables show 2021Q4 there
    b01 = later.set_index("id").loc["B01"]
    assert b01["overdue"].endswith("计划完成期限 2021-12-31 已到，尚未完成")


def test_a_missed_milestone_is_listed(filled, plan, targets):  # noqa: F811
    set_milestones(filled, plan, "B01", [{"due_on": "2021-05-31", "percent": 60}], actor="李四", expected_version=1)
    lagging = quarterly_bulletin(filled, plan, Q2, targets=targets).lagging.set_index("id")
    assert "里程碑 2021-05-31 应完成 60%，未达到" in lagging.loc["B01", "overdue"]
    add_report(filled, plan, "B01", percent=70, state="进行中", reported_on="2021-06-20", reporter="张三",
               expected_version=2, today=TODAY)
    assert "B01" not in quarterly_bulletin(filled, plan, Q2, targets=targets).lagging["id"].tolist()
