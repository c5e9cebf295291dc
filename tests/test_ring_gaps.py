"""The ring as a scenario has it: built stretches and gaps, cut from the plan's ring line at the report's gaps."""
from __future__ import annotations

import pytest
import shapely
from test_access import grid_network

from geo.access.check import check_access, prepare_network
from geo.network.road_network import haversine_m
from geo.plan.layers import load_plan
from geo.access.ring import ring_line_from_parts
from geo.access.ring_gaps import merged_gaps, report_gaps, ring_stretches


def _length_m(coordinates: list) -> float:
    return sum(haversine_m(*a, *b) for a, b in zip(coordinates, coordinates[1:]))


def _lines(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]


def test_the_baseline_ring_is_drawn_without_the_segment_a_project_builds(write_layers):
    placed = prepare_network(grid_network(), load_plan(write_layers()))
    report = check_access(placed, scenario="baseline")
    built, gaps = ring_stretches(placed.ring.ring, report_gaps(report["ring_loop"]),
                                 segment_properties={"RING-N": {"id": "RING-N", "category": "ring"}})
    assert [f["id"] for f in built["features"]] == ["RING-N", "RING-E", "RING-W"]  # RING-S (R01) is the gap
    assert built["features"][0]["properties"] == {"id": "RING-N", "category": "ring"}
    assert built["features"][1]["properties"] == {"id": "RING-E", "name": "环山东路"}
    (gap,) = gaps["features"]
    assert gap["properties"]["segment_names"] == ["环山南路"]
    assert gap["properties"]["name"] == "环线缺口：环山南路（约 2.0 公里，本情景不通）"
    line = gap["geometry"]["coordinates"]
    # RING-S runs along lat 27.92 from lon 120.14 to 120.12 (the tiny plan's rectangle)
    assert line[0] == pytest.approx([120.14, 27.92], abs=1e-4) and line[-1] == pytest.approx([120.12, 27.92], abs=1e-4)
    drawn = sum(_length_m(c) for f in built["features"] for c in _lines(f["geometry"]))
    assert drawn + _length_m(line) == pytest.approx(placed.ring.ring.length_m, rel=2e-3)


def test_a_complete_ring_has_no_gap_and_every_segment_whole(write_layers):
    placed = prepare_network(grid_network(), load_plan(write_layers()))
    report = check_access(placed, scenario="planned")
    built, gaps = ring_stretches(placed.ring.ring, report_gaps(report["ring_loop"]))
    assert gaps["features"] == [] and len(built["features"]) == 4
    assert all(f["geometry"]["type"] == "LineString" for f in built["features"])


def _square_ring():
    """A 1 km square ring (four 1 km segments) near Wenzhou, chained N, E, S, W from its south-west corner."""
    x0, y0, d = 120.6, 28.0, 0.009
    corners = [(x0, y0), (x0, y0 + d), (x0 + d * 1.14, y0 + d), (x0 + d * 1.14, y0), (x0, y0)]
    lines = [shapely.LineString([corners[i], corners[i + 1]]) for i in range(4)]
    return ring_line_from_parts(["W", "N", "E", "S"], ["西", "北", "东", "南"], lines)


def test_overlapping_gaps_of_both_directions_merge_and_a_gap_may_wrap_past_the_start():
    ring = _square_ring()
    total = ring.length_m
    gaps = [{"from_km": 0.1, "length_km": 0.3, "segment_names": ["西"]},
            {"from_km": 0.35, "length_km": 0.2, "segment_names": ["西"]},  # the other direction's, overlapping
            {"from_km": (total - 100) / 1000, "length_km": 0.15, "segment_names": ["南", "西"]}]  # wraps
    merged = merged_gaps(ring, gaps)
    assert len(merged) == 2
    (first, wrapped) = sorted(merged)
    assert first[:2] == pytest.approx((100.0, 550.0)) and first[2] == ("西",)
    assert wrapped[:2] == pytest.approx((total - 100, total + 50)) and wrapped[2] == ("南", "西")
    built, drawn_gaps = ring_stretches(ring, gaps)
    west = built["features"][0]
    assert west["id"] == "W" and west["geometry"]["type"] == "MultiLineString"  # 50–100 m and 550 m to its end
    wrapped_line = next(f for f in drawn_gaps["features"] if f["properties"]["from_km"] > 1)["geometry"]
    assert _length_m(wrapped_line["coordinates"]) == pytest.approx(150, rel=0.01)


def test_a_gap_spanning_the_first_gap_after_wrapping_absorbs_it():
    ring = _square_ring()
    total = ring.length_m
    merged = merged_gaps(ring, [{"from_km": 0.0, "length_km": 0.2, "segment_names": ["西"]},
                                {"from_km": (total - 50) / 1000, "length_km": 0.1, "segment_names": ["南"]}])
    assert len(merged) == 1 and merged[0][:2] == pytest.approx((total - 50, total + 200))
