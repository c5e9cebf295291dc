"""Validation of writes, without a database: reports, check-off, periods, milestones, geometry edits."""
from __future__ import annotations

import json
import math
from datetime import date

import pytest
import shapely

from geo.status.edits import (
    check_check_off, check_geometry_edit, check_milestones, check_period, check_report,
)
from geo.status.colours import Milestone

TODAY = date(2021, 7, 1)



def square(lon: float, lat: float, half: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                                                [lon + half, lat + half], [lon - half, lat + half],
                                                [lon - half, lat - half]]]}


def fields(problems) -> set[str]:
    return {p.field for p in problems}


def test_a_good_report_is_normalised():
    values, problems = check_report("B01", percent="37.5", state="进行中", note="  推进中 \n", reported_on="2021-06-30",
                                    reporter="张三", reported_colour="", today=TODAY)
    assert problems == []
    assert values == {"percent": 37.5, "state": "进行中", "note": "推进中", "reported_on": date(2021, 6, 30),
                      "reporter": "张三", "reported_colour": None}


@pytest.mark.parametrize(("overrides", "field", "match"), [
    ({"percent": -0.1}, "percent", "expected a number from 0 to 100"),
    ({"percent": 100.01}, "percent", "expected a number from 0 to 100"),
    ({"percent": math.nan}, "percent", "expected a number from 0 to 100"),
    ({"percent": True}, "percent", "expected a number from 0 to 100"),
    ({"state": "done"}, "state", "expected one of 未开始 / 进行中 / 已完成 / 暂停"),
    ({"state": "已完成", "percent": 99}, "percent", "state 已完成 needs 100"),
    ({"state": "未开始", "percent": 5}, "percent", "state 未开始 needs 0"),
    ({"reported_on": "2021/06/30"}, "reported_on", "expected a date as YYYY-MM-DD"),
    ({"reported_on": "2021-07-02"}, "reported_on", "cannot be dated after today"),
    ({"reported_on": "0001-01-01"}, "reported_on", "cannot be dated before the plan year: expected a date from "
                                                   "2021-01-01 (the plan year's first day) to today (2021-07-01)"),
    ({"reported_on": "2020-12-31"}, "reported_on", "cannot be dated before the plan year"),
    ({"percent": "５０"}, "percent", "expected a number from 0 to 100"),  # float() reads full-width digits
    ({"percent": "5_0"}, "percent", "expected a number from 0 to 100"),  # ... and underscores
    ({"percent": "٥٠"}, "percent", "expected a number from 0 to 100"),  # ... and Arabic-Indic digits
    ({"reporter": ""}, "reporter", "must not be empty"),
    ({"reporter": "x" * 65}, "reporter", "at most 64 characters"),
    ({"note": "a\x1bb"}, "note", "control characters"),
    ({"note": "长" * 2001}, "note", "at most 2000 characters"),
    ({"reported_colour": "purple"}, "reported_colour", "expected one of green, yellow, red"),
])
def test_each_bad_report_field_is_named(overrides, field, match):
    values = {"percent": 50, "state": "进行中", "note": "", "reported_on": "2021-06-30", "reporter": "张三",
              "reported_colour": None, **overrides}
    _, problems = check_report("B01", today=TODAY, **values)
    assert [p.field for p in problems] == [field]
    assert match in problems[0].message and problems[0].feature_id == "B01"


def test_boundary_values_are_accepted():
    for percent, state in ((0, "未开始"), (100, "已完成"), (0.0, "暂停"), ("100", "进行中"), (" 1e1 ", "进行中"),
                           ("-0", "未开始"), (".5", "进行中")):
        for day in (TODAY, "2021-01-01"):
            _, problems = check_report("B01", percent=percent, state=state, note="", reported_on=day,
                                       reporter="a", reported_colour="red", today=TODAY)
            assert problems == []


@pytest.mark.parametrize(("day", "match"), [("0001-01-01", "before the plan year"),
                                            ("2020-12-31", "before the plan year"), ("2021-07-02", "after today")])
def test_check_off_dates_lie_from_the_plan_year_to_today(day, match):
    for closing in (True, False):
        _, problems = check_check_off("E01", closing=closing, currently_closed=not closing, note="说明",
                                      effective_on=day, actor="a", today=TODAY)
        assert fields(problems) == {"effective_on"} and match in problems[0].message
    _, problems = check_check_off("E01", closing=True, currently_closed=False, note="说明", effective_on="2021-01-01",
                                  actor="a", today=TODAY)
    assert problems == []


def test_check_off_needs_a_note_and_the_right_current_state():
    _, problems = check_check_off("E01", closing=True, currently_closed=True, note=" ", effective_on="2021-13-01",
                                  actor="a", today=TODAY)
    assert fields(problems) == {"closed", "note", "effective_on"}
    _, problems = check_check_off("E01", closing=False, currently_closed=False, note="重开", effective_on=TODAY,
                                  actor="a", today=TODAY)
    assert fields(problems) == {"closed"}


def test_period_and_milestone_rules():
    assert fields(check_period("B01", start="2021-05-01", end="2021-05-01")[1]) == {"period_end"}
    assert fields(check_period("B01", start="soon", end=None)[1]) == {"period_start", "period_end"}
    parsed, problems = check_milestones("B01", [Milestone(date(2021, 9, 1), 80), {"due_on": "2021-03-01",
                                                                                  "percent": 20}],
                                        start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert problems == [] and [m.percent for m in parsed] == [20, 80]
    _, problems = check_milestones("B01", [{"due_on": "2021-03-01", "percent": 20},
                                           {"due_on": "2021-03-01", "percent": 30}, "junk"],
                                   start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert fields(problems) == {"milestones", "milestones[2].due_on", "milestones[2].percent"}


def test_a_good_geometry_is_accepted_in_any_geojson_wrapping(plan):
    geometry = square(120.1, 27.9, 0.005)
    wrappings = [geometry, {"type": "Feature", "properties": {}, "geometry": geometry},
                 {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                              "geometry": geometry}]},
                 json.dumps(geometry)]
    for wrapped in wrappings:
        parsed, problems = check_geometry_edit(plan, "B01", wrapped)
        assert problems == [] and parsed.equals(shapely.geometry.shape(geometry))


@pytest.mark.parametrize(("item_id", "geojson", "field", "match"), [
    ("B01", {"type": "LineString", "coordinates": [[120.1, 27.9], [120.11, 27.9]]}, "geometry",
     "expected Polygon or MultiPolygon"),
    ("E02", square(120.1, 27.9, 0.005), "geometry", "a kind 'ring_road' needs LineString or MultiLineString"),
    ("B01", square(120.3, 27.9, 0.005), "geometry", "lies outside its district 鹿城区"),
    ("R01", {"type": "LineString", "coordinates": [[120.1, 27.9], [120.1, 28.5]]}, "geometry",
     "lies outside its district 规划范围"),
    ("B01", square(13_370_000, 3_230_000, 500), "geometry", "out of WGS-84 range"),
    ("B01", {"type": "Polygon", "coordinates": [[[120.09, 27.89], [120.11, 27.91], [120.11, 27.89],
                                                 [120.09, 27.91], [120.09, 27.89]]]}, "geometry", "invalid geometry"),
    ("B01", {**square(120.1, 27.9, 0.005), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}, "crs",
     "expected WGS-84"),
    ("B01", {"type": "FeatureCollection", "features": []}, "geometry", "exactly one feature"),
    ("B01", {"type": "Feature", "properties": {}, "geometry": None}, "geometry", "the Feature has no geometry"),
    ("B01", "{not json", "geometry", "expected GeoJSON"),
    ("B01", {"type": "Polygon", "coordinates": [[[120.09, 27.89], [math.inf, 27.89], [120.1, 27.9],
                                                 [120.09, 27.89]]]}, "geometry", "finite numbers"),
    ("RING-S", {"type": "LineString", "coordinates": [[120.12, 27.921], [120.14, 27.92]]}, "geometry",
     "the ring must close"),
    ("B01", {"type": "Polygon", "coordinates": [square(120.1, 27.9, 0.005)["coordinates"][0][:-1]]}, "geometry",
     "ring coordinates[0] is not closed"),
    ("B01", {"coordinates": square(120.1, 27.9, 0.005)["coordinates"]}, "geometry", "missing member 'type'"),
])
def test_bad_geometries_are_refused_naming_the_field(plan, item_id, geojson, field, match):
    parsed, problems = check_geometry_edit(plan, item_id, geojson)
    assert parsed is None
    assert field in fields(problems)
    assert any(match in p.message for p in problems), [str(p) for p in problems]


def test_size_limits(plan):
    circle = shapely.Point(120.1, 27.9).buffer(0.04, quad_segs=2600)  # ~10,400 vertices
    assert shapely.get_num_coordinates(circle) > 10_000
    _, problems = check_geometry_edit(plan, "B01", shapely.geometry.mapping(circle))
    assert any("expected at most 10000 vertices" in p.message for p in problems)
    _, problems = check_geometry_edit(plan, "B01", square(120.1, 27.9, 0.045))  # ~9.9 km × 8.9 km
    assert any("expected at most 50 km²" in p.message for p in problems)
    _, problems = check_geometry_edit(plan, "B01", square(120.1, 27.9, 0.045), max_area_km2=100)
    assert problems == []
    _, problems = check_geometry_edit(plan, "R01", {"type": "LineString", "coordinates": [[120.1, 27.9],
                                                                                          [120.14, 27.9]]},
                                      max_length_km=3)
    assert any("expected at most 3 km long, got 3.9 km" in p.message for p in problems)
