"""Target achievement: pro-rata expectations, gaps and colours per cell, totals, park colours and counts."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.status.achievement import (
    ACHIEVEMENT_LABELS, NO_TARGET, NUMERIC_COLUMNS, ROW_COLUMNS, TOTAL, assess_target, expected_by, park_colour,
    park_summary, target_rows,
)
from geo.errors import InvalidParameter
from geo.plan.quarters import Quarter
from geo.status.colours import COLOUR_LABELS, Thresholds
from geo.plan.target_plan import TargetPlan, load_target_plan
from geo.plan.targets import (
    NO_NUMERIC_TARGET, NOT_APPLICABLE, PLAN_PARKS, SHARED, SUM_OF_PARKS, TOTAL_ONLY, ZONE_WIDE, Target,
)

DATA = Path(__file__).resolve().parent.parent / "data"
Q1, Q2, Q3, Q4 = (Quarter(2021, n) for n in range(1, 5))


def _target(target_id: str, parks: list, total, *, unit: str = "个", aggregation: str = SUM_OF_PARKS) -> Target:
    return Target(id=target_id, action=1, action_name="测试行动", measure=f"测试指标{target_id}", detail=None,
                  unit=unit, parent_id=None, aggregation=aggregation, per_park=dict(zip(PLAN_PARKS, parks)),
                  total=total)


def _plan(*targets: Target) -> TargetPlan:
    parks = gpd.GeoDataFrame({"id": list(PLAN_PARKS), "name": list(PLAN_PARKS.values())},
                             geometry=[Point(120.7 + 0.01 * i, 27.9) for i in range(len(PLAN_PARKS))], crs=4326)
    return TargetPlan(parks=parks, targets=targets, department_tasks=())


def _cell(rows: pd.DataFrame, target_id: str, park: str) -> dict:
    [row] = rows[(rows["target_id"] == target_id) & (rows["park"] == park)].to_dict("records")
    return row


COUNTS = _target("A1-1", [4, 4, 4, 4, 4, 4], 24)
SPLIT = _target("A2-1", [4, 4, 4, 4, 4, NOT_APPLICABLE], 20)
OPEN = _target("A1-3", [NO_NUMERIC_TARGET] * 6, NO_NUMERIC_TARGET)
RATE = _target("A8-1", [TOTAL_ONLY] * 6, 12, unit="%", aggregation=ZONE_WIDE)


def test_labels_extend_the_status_colours_with_no_target():
    assert ACHIEVEMENT_LABELS == {**COLOUR_LABELS, NO_TARGET: "无量化目标"}


@pytest.mark.parametrize(("quarter", "expected"), [(Q1, 2.5), (Q2, 5), (Q3, 7.5), (Q4, 10)])
def test_counts_are_expected_pro_rata_by_quarter(quarter, expected):
    assert expected_by(10, quarter, rate=False) == pytest.approx(expected)


@pytest.mark.parametrize("quarter", [Q1, Q2, Q3, Q4])
def test_rates_are_expected_in_full_from_the_first_quarter(quarter):
    assert expected_by(12, quarter, rate=True) == pytest.approx(12)


@pytest.mark.parametrize(("actual", "colour", "gap"), [
    (5, "green", 0), (4, "green", 10), (3.9, "yellow", 11), (2.5, "yellow", 25), (2.4, "red", 26),
    (8, "green", -30),
])
def test_gap_is_in_points_of_the_annual_target_with_status_boundaries(actual, colour, gap):
    assessment = assess_target(target=10, actual=actual, quarter=Q2, rate=False)
    assert assessment.colour == colour
    assert (assessment.target, assessment.expected, assessment.actual) == (10, pytest.approx(5), actual)
    assert assessment.gap == pytest.approx(gap)
    assert assessment.achievement == pytest.approx(actual / 5 * 100)


def test_thresholds_are_the_callers():
    strict = Thresholds(yellow_gap=5, red_gap=8)
    assert assess_target(target=10, actual=4, quarter=Q2, rate=False, thresholds=strict).colour == "red"


@pytest.mark.parametrize(("actual", "colour", "gap", "achievement"), [
    (12, "green", 0, 100), (10.8, "green", 10, 90), (9, "yellow", 25, 75), (8.9, "red", 25.833, 74.167),
    (-3, "red", 125, -25),
])
def test_rates_compare_with_the_target_itself_and_may_be_negative(actual, colour, gap, achievement):
    assessment = assess_target(target=12, actual=actual, quarter=Q1, rate=True)
    assert (assessment.colour, assessment.expected) == (colour, pytest.approx(12))
    assert assessment.gap == pytest.approx(gap, abs=1e-3)
    assert assessment.achievement == pytest.approx(achievement, abs=1e-3)


def test_no_actual_is_grey_with_the_expectation_kept():
    assessment = assess_target(target=10, actual=None, quarter=Q3, rate=False)
    assert (assessment.colour, assessment.expected) == ("grey", pytest.approx(7.5))
    assert (assessment.actual, assessment.achievement, assessment.gap) == (None, None, None)


def test_no_numeric_target_is_neutral_and_carries_its_actual():
    assessment = assess_target(target=NO_NUMERIC_TARGET, actual=3, quarter=Q2, rate=False)
    assert (assessment.colour, assessment.target, assessment.expected, assessment.actual) == (NO_TARGET, None,
                                                                                              None, 3)
    assert (assessment.achievement, assessment.gap) == (None, None)


def test_other_markers_take_no_assessment():
    with pytest.raises(InvalidParameter, match="expected a number or 'no numeric target', got 'not applicable'"):
        assess_target(target=NOT_APPLICABLE, actual=None, quarter=Q2, rate=False)


@pytest.mark.parametrize(("actual", "rate", "colour", "gap"), [(0, False, "green", 0), (2, False, "green", 0),
                                                             (-1, True, "red", 100)])
def test_a_zero_target_does_not_divide_by_zero(actual, rate, colour, gap):
    assessment = assess_target(target=0, actual=actual, quarter=Q2, rate=rate)
    assert (assessment.colour, assessment.gap, assessment.achievement) == (colour, pytest.approx(gap), None)


def test_rows_cover_parks_and_total_and_skip_not_applicable_cells():
    rows = target_rows(_plan(COUNTS, SPLIT, RATE), {}, Q2)
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert list(zip(rows["target_id"], rows["park"])) == [
        *(("A1-1", park) for park in [*PLAN_PARKS, TOTAL]), *(("A2-1", park) for park in ["P1", "P2", "P3", "P4", "P5",
                                                                                          TOTAL]), ("A8-1", TOTAL)]
    first = _cell(rows, "A1-1", "P1")
    assert (first["park_name"], first["label"], first["unit"], first["target_text"]) == (PLAN_PARKS["P1"],
                                                                                         "测试指标A1-1", "个", "4")
    assert (first["target"], first["expected"], first["actual"], first["colour"]) == (4, pytest.approx(2), None,
                                                                                      "grey")
    assert _cell(rows, "A1-1", TOTAL)["park_name"] == "合计"


def test_park_rows_take_their_own_actuals():
    rows = target_rows(_plan(COUNTS), {("A1-1", "P1", Q2): 2, ("A1-1", "P2", Q2): 0.9, ("A1-1", "P3", Q1): 2}, Q2)
    assert (_cell(rows, "A1-1", "P1")["colour"], _cell(rows, "A1-1", "P1")["achievement"]) == ("green",
                                                                                             pytest.approx(100))
    assert _cell(rows, "A1-1", "P2")["colour"] == "red"  # 0.9 of 2 due: 27.5 points of 4 behind
    assert _cell(rows, "A1-1", "P3")["colour"] == "grey"  # reported for Q1 only


def test_total_is_the_sum_of_parks_once_every_park_with_a_target_reported():
    complete = {("A2-1", park, Q2): 2.0 for park in ["P1", "P2", "P3", "P4", "P5"]}
    total = _cell(target_rows(_plan(SPLIT), complete, Q2), "A2-1", TOTAL)
    assert (total["target"], total["expected"], total["actual"], total["colour"]) == (20, pytest.approx(10),
                                                                                      pytest.approx(10), "green")
    partial = {key: value for key, value in complete.items() if key[1] != "P5"}
    total = _cell(target_rows(_plan(SPLIT), partial, Q2), "A2-1", TOTAL)
    assert (total["actual"], total["gap"], total["colour"]) == (None, None, "grey")


def test_a_reported_total_of_a_sum_of_parks_target_is_not_used():
    actuals = {("A1-1", TOTAL, Q2): 24.0}
    assert _cell(target_rows(_plan(COUNTS), actuals, Q2), "A1-1", TOTAL)["colour"] == "grey"


def test_no_numeric_target_rows_carry_actuals_and_add_up_when_every_park_reported():
    some = {("A1-3", "P1", Q2): 2.0}
    rows = target_rows(_plan(OPEN), some, Q2)
    assert set(rows["colour"]) == {NO_TARGET}
    assert _cell(rows, "A1-3", "P1")["actual"] == 2 and _cell(rows, "A1-3", TOTAL)["actual"] is None
    assert _cell(rows, "A1-3", "P1")["target_text"] == "无量化目标"
    every = {("A1-3", park, Q2): 1.0 for park in PLAN_PARKS}
    assert _cell(target_rows(_plan(OPEN), every, Q2), "A1-3", TOTAL)["actual"] == pytest.approx(6)


def test_a_shared_items_total_is_as_far_along_as_its_furthest_behind_park():
    mechanism = _target("A6-1", [1] * 6, 1, unit="项", aggregation=SHARED)  # 1 per park, 合计 1
    done = {("A6-1", park, Q4): 1.0 for park in PLAN_PARKS}
    total = _cell(target_rows(_plan(mechanism), done, Q4), "A6-1", TOTAL)
    assert (total["target"], total["actual"], total["colour"]) == (1, pytest.approx(1), "green")  # not 6 of 1
    one_behind = done | {("A6-1", "P3", Q4): 0.0}
    assert _cell(target_rows(_plan(mechanism), one_behind, Q4), "A6-1", TOTAL)["actual"] == pytest.approx(0)
    unreported = {key: value for key, value in done.items() if key[1] != "P6"}
    assert _cell(target_rows(_plan(mechanism), unreported, Q4), "A6-1", TOTAL)["colour"] == "grey"


def test_zone_wide_targets_have_only_a_total_reported_directly():
    rows = target_rows(_plan(RATE), {("A8-1", TOTAL, Q3): 6.0, ("A8-1", "P1", Q3): 12.0}, Q3)
    [row] = rows.to_dict("records")
    assert (row["park"], row["target"], row["expected"], row["actual"]) == (TOTAL, 12, pytest.approx(12), 6)
    assert (row["gap"], row["achievement"], row["colour"]) == (pytest.approx(50), pytest.approx(50), "red")


def _rows_of_p1(actuals: dict[str, float]) -> pd.DataFrame:
    plan = _plan(COUNTS, SPLIT, _target("A3-1", [8, 8, 8, 8, 8, 8], 48), OPEN)
    rows = target_rows(plan, {(target_id, "P1", Q2): value for target_id, value in actuals.items()}, Q2)
    return rows[rows["park"] == "P1"]


@pytest.mark.parametrize(("actuals", "colour"), [
    ({}, "grey"),
    ({"A1-3": 5}, "grey"),  # an actual without a numeric target does not count as reported
    ({"A1-1": 2, "A2-1": 2, "A3-1": 4}, "green"),
    ({"A1-1": 2, "A2-1": 2}, "yellow"),  # on schedule, but A3-1 unreported
    ({"A1-1": 1.5, "A2-1": 1.5, "A3-1": 3}, "yellow"),  # three gaps of 12.5, none red
    ({"A1-1": 2, "A2-1": 2, "A3-1": 1.9}, "yellow"),  # a red target (gap 26.25) in a green mean (8.75)
    ({"A1-1": 4, "A2-1": 0, "A3-1": 0}, "red"),  # 50 ahead on one does not offset 50 behind on two
    ({"A1-1": 0, "A2-1": 0, "A3-1": 0}, "red"),
])
def test_park_colour(actuals, colour):
    assert park_colour(_rows_of_p1(actuals)) == colour


def test_park_colour_without_any_numeric_target_is_neutral():
    rows = target_rows(_plan(OPEN), {}, Q2)
    assert park_colour(rows[rows["park"] == "P1"]) == NO_TARGET


def test_park_summary_counts_each_parks_cells_by_colour():
    plan = _plan(COUNTS, SPLIT, OPEN, RATE)
    actuals = {("A1-1", "P1", Q2): 2.0, ("A2-1", "P1", Q2): 0.0, ("A1-1", "P6", Q2): 2.0}
    summary = park_summary(target_rows(plan, actuals, Q2))
    assert list(summary["park"]) == list(PLAN_PARKS)
    assert list(summary["park_name"]) == list(PLAN_PARKS.values())
    by_park = summary.set_index("park")
    assert by_park.loc["P1", ["colour", "green", "yellow", "red", "grey", "none"]].tolist() == ["yellow", 1, 0, 1, 0, 1]
    assert by_park.loc["P6", ["colour", "green", "grey", "none"]].tolist() == ["green", 1, 0, 1]
    assert by_park.loc["P2", ["colour", "green", "grey", "none"]].tolist() == ["grey", 0, 2, 1]


@pytest.fixture(scope="module")
def real_plan() -> TargetPlan:
    return load_target_plan(DATA)


def test_real_targets_have_a_row_for_every_cell_and_are_grey_without_actuals(real_plan):
    rows = target_rows(real_plan, {}, Q2)
    expected = sum(1 + (0 if target.aggregation == ZONE_WIDE else
                        sum(cell != NOT_APPLICABLE for cell in target.per_park.values()))
                   for target in real_plan.targets)
    assert len(rows) == expected
    assert not rows.duplicated(["target_id", "park"]).any()
    numeric = rows["target"].notna()
    assert set(rows.loc[numeric, "colour"]) == {"grey"}
    assert set(rows.loc[~numeric, "colour"]) == {NO_TARGET}
    assert set(park_summary(rows)["colour"]) == {"grey"}


def test_the_refused_marker_is_named_as_the_target_field():
    with pytest.raises(InvalidParameter, match="^target: expected a number") as refused:
        assess_target(target=NOT_APPLICABLE, actual=None, quarter=Q2, rate=False)
    assert refused.value.field == "target"


def test_a_park_without_a_numeric_target_adds_its_actual_to_the_total_only_when_it_reported():
    mixed = _target("A4-1", [4, 4, 4, 4, 4, NO_NUMERIC_TARGET], 20)
    numeric = {("A4-1", park, Q2): 2.0 for park in ["P1", "P2", "P3", "P4", "P5"]}
    assert _cell(target_rows(_plan(mixed), numeric, Q2), "A4-1", TOTAL)["actual"] == 10.0  # P6 need not report
    with_p6 = numeric | {("A4-1", "P6", Q2): 3.0}
    assert _cell(target_rows(_plan(mixed), with_p6, Q2), "A4-1", TOTAL)["actual"] == 13.0


def test_a_rate_is_expected_in_full_in_each_park_too():
    growth = _target("A8-2", [10] * 6, 10, unit="%")
    rows = target_rows(_plan(growth), {("A8-2", "P1", Q2): 5.0}, Q2)
    assert (_cell(rows, "A8-2", "P1")["expected"], _cell(rows, "A8-2", "P1")["gap"]) == (10.0, 50.0)
    assert _cell(rows, "A8-2", TOTAL)["expected"] == 10.0


def test_rows_park_colours_and_the_summary_take_the_callers_thresholds():
    strict = Thresholds(yellow_gap=1, red_gap=2)
    actuals = {("A1-1", "P1", Q2): 1.8}  # 2 due of 4: 5 points behind
    rows = target_rows(_plan(COUNTS), actuals, Q2, thresholds=strict)
    assert _cell(rows, "A1-1", "P1")["colour"] == "red"
    assert _cell(target_rows(_plan(COUNTS), actuals, Q2), "A1-1", "P1")["colour"] == "green"
    every = {("A1-1", park, Q2): 1.8 for park in PLAN_PARKS}
    total = target_rows(_plan(COUNTS), every, Q2, thresholds=strict)
    assert _cell(total, "A1-1", TOTAL)["colour"] == "red"  # 10.8 of 12 due: 5 points of 24 behind
    lenient = target_rows(_plan(COUNTS), actuals, Q2)  # green cells, so only the thresholds can make P1 red
    assert park_colour(lenient[lenient["park"] == "P1"], thresholds=strict) == "red"
    assert park_summary(lenient, thresholds=strict).set_index("park").loc["P1", "colour"] == "red"


def test_the_summary_names_parks_as_the_plan_does_and_parks_without_cells_by_default():
    plan = _plan(SPLIT)  # P6 has no cell of A2-1
    plan.parks["name"] = [f"园区{n}" for n in range(1, 7)]
    summary = park_summary(target_rows(plan, {}, Q2)).set_index("park")
    assert summary.loc["P1", "park_name"] == "园区1" and summary.loc["P6", "park_name"] == PLAN_PARKS["P6"]


def test_numeric_columns_keep_none_and_the_others_keep_pandas_own_types(caplog):
    with caplog.at_level("DEBUG", logger="geo.status.achievement"):
        rows = target_rows(_plan(SPLIT), {}, Q2)
    assert rows["actual"].dtype == object and rows["actual"].tolist() == [None] * 6
    assert all(rows[column].dtype != object for column in ROW_COLUMNS if column not in NUMERIC_COLUMNS)
    assert "assessed 6 target cells for 2021Q2" in caplog.messages
