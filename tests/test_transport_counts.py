"""The transport battle's counts: the plan's figures as stated, the data's beside them, and what is accepted."""
from __future__ import annotations

import pytest

from geo.plan.provenance import read_plan_text
from geo.plan.schema import (
    PLAN_NAMED_ROADS, PLAN_ROAD_ROWS, PLAN_TRANSIT_ROW, PLAN_TRANSPORT_TOTAL, PLAN_TRANSPORT_TOTAL_PARTS,
)
from geo.plan.transport_counts import format_transport_counts, transport_counts

SHIPPED = ["road_complete_2021"] * 7 + ["road_continuing"] * 8 + ["transit"] * 2 + ["ring"] * 4


def plan_line(number: int) -> str:
    """Line ``number`` (from 1) of the plan text."""
    return read_plan_text().split("\n")[number - 1]


def test_the_plans_statements_are_its_words_on_their_lines():
    for statement in (PLAN_TRANSPORT_TOTAL, PLAN_TRANSPORT_TOTAL_PARTS, *PLAN_ROAD_ROWS.values(), PLAN_TRANSIT_ROW):
        assert statement.quote in plan_line(statement.line), statement
    for category, names in PLAN_NAMED_ROADS.items():  # the names are the row's, all of them, in its order
        row = PLAN_ROAD_ROWS[category]
        assert plan_line(row.line).endswith("\t" + "、".join(names) + f"等{row.figure}条")


def test_the_shipped_counts_beside_the_plans():
    counts = transport_counts(SHIPPED)
    assert (counts.items, counts.roads, counts.transit) == (17, 15, 2)
    assert [(r.category, r.plan.figure, r.named, r.found) for r in counts.rows] == [
        ("road_complete_2021", 7, 7, 7), ("road_continuing", 10, 8, 8), ("transit", None, None, 2)]
    assert counts.problems() == []


@pytest.mark.parametrize(("continuing", "valid"), [(7, False), (8, True), (9, True), (10, True), (11, False)])
def test_continuing_roads_may_run_from_the_named_to_the_stated(continuing, valid):
    categories = ["road_complete_2021"] * 7 + ["road_continuing"] * continuing + ["transit"] * 2
    problems = transport_counts(categories).problems()
    assert (problems == []) is valid
    if not valid:
        assert str(problems[0]) == (f"roads.geojson category: road_continuing: the plan names 8 and states 10 "
                                    f"(“市域铁路S2线一期等10条”, line 216); the data has {continuing}: expected 8 to 10")


def test_the_transit_row_needs_an_item_however_the_project_splits_it():
    assert transport_counts(SHIPPED[:15]).problems()[0].message.startswith("transit: the plan's transit row (line "
                                                                           "218) has no item in the data")
    assert transport_counts(SHIPPED[:15] + ["transit"] * 4).problems() == []


def test_printed_lines_state_the_plans_figure_then_the_datas():
    lines = format_transport_counts(transport_counts(SHIPPED).to_dict())
    assert lines[0] == ("roads: plan 17 (“交通路网建设（17项）”, line 213; = “完成道路建成7条、续建10条”, line 241: roads "
                        "only); data 17 (15 roads + 2 transit items)")
    assert lines[1:3] == ["    road_complete_2021: plan 7 (“环山路二期等7条”, line 215; 7 named); data 7",
                          "    road_continuing: plan 10 (“市域铁路S2线一期等10条”, line 216; 8 named); data 8"]
    assert lines[3].startswith("    transit: plan one row (“公交首末站建成 3 个") and lines[3].endswith(
        "line 218); data 2 items (the project's reading of the one row)")
