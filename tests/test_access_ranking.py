"""Each road project's own effect: coverage gain, its share of the total gain, what it does to the ring loop."""
from __future__ import annotations

import pytest
from test_access import grid_network

from geo.access.check import check_access, prepare_network
from geo.access.ranking import gain_summary, ring_effect, worst_loop_min
from geo.network.loading import load_network
from geo.plan.layers import load_plan


def _loop(*times: float | None, gaps_km: tuple[float, ...] = ()) -> dict:
    """A loop section: the two directions' times; when broken, the same gaps (km) in both directions."""
    gaps = [{"length_km": km} for km in gaps_km]
    return {"complete": None not in times,
            "directions": {k: {"time_min": v, "gaps": gaps} for k, v in zip(("clockwise", "counterclockwise"), times)}}


def test_the_ring_effect_is_closing_a_broken_ring_or_the_change_of_the_slower_direction():
    assert worst_loop_min(_loop(41.8, 43.0)) == 43.0 and worst_loop_min(_loop(None, None)) is None
    broken = _loop(None, None, gaps_km=(3.0, 2.5))
    assert ring_effect(broken, _loop(41.8, 42.5)) == {
        "ring_loop_min": 42.5, "ring_closed_by_project": True, "ring_loop_change_min": None, "ring_gaps_km": 0.0}
    assert ring_effect(_loop(40.0, 41.0), _loop(38.0, 39.5)) == {
        "ring_loop_min": 39.5, "ring_closed_by_project": False, "ring_loop_change_min": -1.5, "ring_gaps_km": 0.0}
    still = ring_effect(broken, _loop(None, None, gaps_km=(1.0, 0.25)))
    assert still["ring_closed_by_project"] is False and still["ring_gaps_km"] == 1.25
    assert ring_effect(broken, None) == {
        "ring_loop_min": None, "ring_closed_by_project": False, "ring_loop_change_min": None, "ring_gaps_km": 5.5}


def test_shares_are_of_the_total_gain_and_overlapping_effects_are_said_to_overlap():
    projects = [{"id": "R12", "served_area_within_gain": 0.08}, {"id": "R06", "served_area_within_gain": 0.06},
                {"id": "R01", "served_area_within_gain": None}]
    summary = gain_summary(projects, {"served_area_within": {"10": 0.1}}, "10")
    assert [p["share_of_total_gain"] for p in projects] == [pytest.approx(0.8), pytest.approx(0.6), None]
    assert summary["total_gain"] == 0.1 and summary["sum_of_own_gains"] == pytest.approx(0.14)
    assert summary["overlap"] and "相互重叠" in summary["zh"] and "超过 100%" in summary["zh"]
    none = gain_summary([{"id": "R01", "served_area_within_gain": 0.0}], {"served_area_within": {"10": 0.0}}, "10")
    assert none["overlap"] is False and none["zh"].endswith("0.0 个百分点。")


def test_on_the_tiny_grid_the_ring_project_closes_the_ring(write_layers):
    report = check_access(grid_network(), load_plan(write_layers()), scenario="compare")
    (project,) = report["projects"]
    planned = report["ring_loop"]["planned"]["directions"]
    assert project["ring_closed_by_project"] and project["ring_loop_change_min"] is None
    assert project["ring_loop_min"] == max(d["time_min"] for d in planned.values())
    assert report["project_gains"]["total_gain"] == 0.0 and project["share_of_total_gain"] is None


@pytest.fixture(scope="module")
def bundled_compare() -> dict:
    return check_access(prepare_network(load_network(), load_plan()), scenario="compare")


def test_on_real_roads_each_projects_share_is_its_own_gain_over_the_total(bundled_compare):
    report = bundled_compare
    total = report["coverage"]["delta"]["served_area_within"]["10"]
    assert report["project_gains"]["total_gain"] == total and total > 0
    ranked = [p for p in report["projects"] if p["rank"] is not None]
    gains = [p["served_area_within_gain"] for p in ranked]
    assert gains == sorted(gains, reverse=True) and [p["rank"] for p in ranked] == list(range(1, len(ranked) + 1))
    for project in ranked:
        assert project["share_of_total_gain"] == pytest.approx(project["served_area_within_gain"] / total, abs=1e-4)
    assert report["project_gains"]["sum_of_own_gains"] == pytest.approx(sum(gains), abs=1e-4)
    # RING-S (环山南路, 13.4 km) is built by R12 and R06 together: neither alone closes the ring, each shortens the gap
    gap = sum(g["length_km"] for g in report["ring_loop"]["baseline"]["directions"]["clockwise"]["gaps"])
    by_id = {p["id"]: p for p in report["projects"]}
    assert not any(p["ring_closed_by_project"] for p in report["projects"])
    assert by_id["R12"]["ring_gaps_km"] < gap and by_id["R06"]["ring_gaps_km"] < gap
    assert (gap - by_id["R12"]["ring_gaps_km"]) + (gap - by_id["R06"]["ring_gaps_km"]) == pytest.approx(gap, abs=0.01)
    assert by_id["R02"]["ring_gaps_km"] == pytest.approx(gap)
    absent = [p for p in report["projects"] if not p["in_network"]]
    assert absent and all(p["share_of_total_gain"] is None and p["ring_loop_min"] is None for p in absent)
