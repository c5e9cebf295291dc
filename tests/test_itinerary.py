"""Tour clock arithmetic (dwell, lunch), clock parsing, GPX and AMap links."""
from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from geo.plan.coords import wgs84_to_gcj02
from geo.errors import InvalidParameter
from geo.tours.itinerary import (GPX_NAMESPACE, amap_navigation_url, build_schedule, format_clock, format_itinerary,
                           parse_clock, parse_lunch, tour_to_gpx)
from geo.tours.lunch import LunchBreak

NOON = LunchBreak(window_start=12 * 60, window_end=13 * 60, duration=45)


def test_parse_clock() -> None:
    assert parse_clock("08:30", field="depart") == 510
    assert parse_clock(" 7:05 ", field="depart") == 425


@pytest.mark.parametrize("text", ["24:00", "8.30", "08:60", "", "noon"])
def test_parse_clock_rejects(text: str) -> None:
    with pytest.raises(InvalidParameter, match="depart: expected a time of day as HH:MM"):
        parse_clock(text, field="depart")


def test_parse_lunch() -> None:
    assert parse_lunch("12:00-13:00", duration=45) == NOON
    assert parse_lunch("12:00～13:00".replace("～", "~"), duration=45) == NOON


@pytest.mark.parametrize(("window", "duration", "message"), [
    ("13:00-12:00", 30, "must end after it starts"),
    ("12:00", 30, "HH:MM-HH:MM"),
    ("12:00-13:00", 0, "lunch_minutes: expected a lunch duration"),
    ("12:00-13:00", -5, "lunch_minutes"),
])
def test_parse_lunch_rejects(window: str, duration: float, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        parse_lunch(window, duration=duration)


def test_format_clock_rounds_and_marks_next_day() -> None:
    assert format_clock(510.4) == "08:30"
    assert format_clock(510.6) == "08:31"
    assert format_clock(24 * 60 + 75) == "01:15+1"


def test_schedule_without_lunch() -> None:
    schedule = build_schedule(depart=480, drive=[10, 15.5, 7], dwell=[0, 20, 30, 0])
    assert [v.arrive for v in schedule.visits] == [480, 490, 525.5, 562.5]
    assert [v.depart for v in schedule.visits] == [480, 510, 555.5, None]
    assert schedule.finish == 562.5
    assert schedule.lunch_at is None


def test_lunch_on_arrival_at_the_first_site_inside_the_window() -> None:
    # stop 1 ends 11:50 (before the window), stop 2 is reached at 12:00: lunch there first, then inspect, drive on
    schedule = build_schedule(depart=11 * 60, drive=[30, 10, 10], dwell=[0, 20, 20, 0], lunch=NOON)
    assert schedule.lunch_at == 2
    second = schedule.visits[2]
    assert (second.arrive, second.lunch_start, second.lunch_before_visit, second.wait) == (12 * 60, 12 * 60, True, 0)
    assert (second.depart, second.lunch) == (12 * 60 + 45 + 20, 45)
    assert schedule.visits[3].arrive == 12 * 60 + 45 + 20 + 10
    assert sum(v.lunch for v in schedule.visits) == 45  # taken once only


def test_lunch_ends_by_the_end_of_its_window() -> None:
    after_visit = build_schedule(depart=11 * 60 + 40, drive=[0, 5], dwell=[0, 20, 0], lunch=NOON)
    visit = after_visit.visits[1]
    assert (visit.lunch_start, visit.lunch_before_visit, visit.wait) == (12 * 60, False, 0)
    exactly = build_schedule(depart=12 * 60 + 15, drive=[0, 5], dwell=[0, 20, 0], lunch=NOON)
    assert exactly.visits[1].lunch_start == 12 * 60 + 15  # 12:15–13:00, on arrival
    too_late = build_schedule(depart=12 * 60 + 16, drive=[0, 5], dwell=[0, 20, 0], lunch=NOON)
    assert too_late.lunch_at is None and too_late.lunch_missed == "no_slot"


def test_lunch_waits_for_the_window_before_a_drive_across_it() -> None:
    crossing = build_schedule(depart=11 * 60, drive=[10, 90], dwell=[0, 20, 20], lunch=NOON)
    visit = crossing.visits[1]  # stop 1 ends 11:30; the drive on would carry the party past the window
    assert (visit.lunch_start, visit.lunch_before_visit, visit.wait) == (12 * 60, False, 30)
    assert visit.depart == 12 * 60 + 45 and crossing.finish == 12 * 60 + 45 + 90 + 20
    last = build_schedule(depart=11 * 60 + 50, drive=[0], dwell=[0, 0], lunch=NOON)
    assert last.lunch_at is None  # nothing is inspected at the last point: the tour is over


def test_dwell_at_the_start_is_spent_before_leaving() -> None:
    schedule = build_schedule(depart=480, drive=[10], dwell=[15, 0])
    assert schedule.visits[0].depart == 495 and schedule.visits[1].arrive == 505


def test_schedule_rejects_mismatched_legs() -> None:
    with pytest.raises(InvalidParameter, match="expected 2 legs for 3 points"):
        build_schedule(depart=480, drive=[1], dwell=[0, 0, 0])


def test_amap_link_uses_gcj02() -> None:
    url = amap_navigation_url(120.7, 28.0, "中国眼谷")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    lon, lat, name = query["to"][0].split(",")
    gcj_lon, gcj_lat = wgs84_to_gcj02(120.7, 28.0)
    assert (float(lon), float(lat)) == pytest.approx((float(gcj_lon), float(gcj_lat)), abs=1e-6)
    assert (float(lon), float(lat)) != pytest.approx((120.7, 28.0), abs=1e-4)
    assert name == "中国眼谷" and query["coordinate"] == ["gaode"] and query["mode"] == ["car"]


def small_tour() -> dict:
    point = {"lon": 120.7, "lat": 28.0, "dwell_min": 0, "lunch_min": 0}
    return {
        "title": "巡查路线（1 个点位）", "network": {"label": "示意路网", "schematic": True},
        "points": [{**point, "seq": 0, "label": "起点", "id": "S", "name": "起点甲", "arrive": None, "depart": "08:30"},
                   {**point, "seq": 1, "label": "1", "id": "B01", "name": "区块乙", "lon": 120.71, "arrive": "08:40",
                    "depart": "09:00", "dwell_min": 20}],
        "legs": [{"to": "B01", "drive_min": 10, "distance_km": 5.5,
                  "geometry": {"type": "LineString", "coordinates": [[120.7, 28.0], [120.705, 28.0], [120.71, 28.0]]}}],
        "totals": {"stops": 1, "drive_min": 10, "distance_km": 5.5, "dwell_min": 20, "lunch_min": 0,
                   "duration_min": 30, "depart": "08:30", "finish": "09:00"},
        "unreachable": [{"message": "区块丙：距最近道路 1,350 米，超过 1,000 米上限"}], "lunch": None, "budget": None,
    }


def test_gpx_parses_with_waypoints_and_track() -> None:
    root = ET.fromstring(tour_to_gpx(small_tour()))
    ns = {"g": GPX_NAMESPACE}
    assert root.tag == f"{{{GPX_NAMESPACE}}}gpx" and root.get("version") == "1.1"
    waypoints = root.findall("g:wpt", ns)
    assert [w.find("g:name", ns).text for w in waypoints] == ["起点 起点甲", "1 区块乙"]
    assert float(waypoints[1].get("lon")) == pytest.approx(120.71)
    points = root.findall("g:trk/g:trkseg/g:trkpt", ns)
    assert [(float(p.get("lon")), float(p.get("lat"))) for p in points] == [(120.7, 28.0), (120.705, 28.0),
                                                                           (120.71, 28.0)]


def test_text_itinerary() -> None:
    text = format_itinerary(small_tour())
    assert "区块乙　到达 08:40，停留 20 分钟，离开 09:00　车程 10 分钟 / 5.5 公里" in text
    assert "无法到达：区块丙：距最近道路 1,350 米，超过 1,000 米上限" in text and "示意路网" in text


def test_text_itinerary_names_the_scenario_and_credits_openstreetmap() -> None:
    tour = {**small_tour(), "params": {"scenario": "baseline", "scenario_label": "现状路网"},
            "network": {"label": "OpenStreetMap 路网", "schematic": False,
                        "attribution": "© OpenStreetMap contributors"}}
    lines = format_itinerary(tour).splitlines()
    assert lines[0] == "巡查路线（1 个点位）　路网：OpenStreetMap 路网（现状路网）"
    assert lines[-1] == "路网数据：© OpenStreetMap contributors" and "示意路网" not in "".join(lines)


def test_no_lunch_for_merely_leaving_the_start() -> None:
    schedule = build_schedule(depart=12 * 60, drive=[10, 5], dwell=[0, 20, 0], lunch=NOON)
    assert schedule.visits[0].depart == 12 * 60  # leaves on time although the clock is in the window
    assert schedule.lunch_at == 1 and schedule.visits[1].lunch_start == 12 * 60 + 10  # on arrival at the first stop


def test_lunch_after_inspecting_the_start() -> None:
    schedule = build_schedule(depart=11 * 60 + 50, drive=[10], dwell=[20, 0], lunch=NOON)
    assert schedule.lunch_at == 0 and schedule.visits[0].depart == 12 * 60 + 10 + 45


def test_text_itinerary_heads_with_the_selection_and_the_ends_in_words() -> None:
    summary = "共选 2 个点位，其中 1 个无法到达（B10 区块丙），路线包含 1 个点位"
    tour = {**small_tour(), "selection": {"chosen": 2, "unreachable": 1, "routed": 1, "summary": summary},
            "params": {"start_label": "起点甲", "end_label": "返回起点"},
            "lunch": {"window": "12:00-13:00", "duration_min": 60, "taken": False, "missed": "before_window",
                      "note": "行程在午餐时段开始前已结束，未安排午餐"}}
    lines = format_itinerary(tour).splitlines()
    assert lines[1:3] == [summary, "起点：起点甲；终点：返回起点"]
    assert "午餐（12:00-13:00，60 分钟）：行程在午餐时段开始前已结束，未安排午餐" in lines
