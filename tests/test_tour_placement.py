"""Which chosen sites a tour can reach, told before planning (geo/tours/placement.py), and the result's header line."""
from __future__ import annotations

import pytest

from geo.errors import InvalidParameter
from geo.network.synthetic import synthetic_grid_network
from geo.tours.placement import reachability, selection_summary
from geo.tours.routing import routing_graph
from geo.tours.sites import Site
from geo.tours.planner import plan_tour
from geo.tours.request import TourRequest

START = Site(id="HQ", name="指挥部", kind="reference", lon=120.605, lat=27.905)
NEAR = [Site(id="S1", name="点位1", kind="block", lon=120.640, lat=27.930),
        Site(id="S2", name="点位2", kind="block", lon=120.615, lat=27.945)]
FAR = Site(id="FAR", name="远方点位", kind="block", lon=121.5, lat=28.5)


@pytest.fixture(scope="module")
def graph():
    return routing_graph(synthetic_grid_network(400, seed=3, spacing_m=300.0, origin=(120.60, 27.90)))


def test_reachability_names_each_unreachable_site_and_why(graph) -> None:
    report = reachability(graph, TourRequest(sites=[NEAR[0], FAR, NEAR[1], NEAR[0]], start=START))
    assert report["counts"] == {"chosen": 3, "reachable": 2, "unreachable": 1}
    assert [(s["id"], s["reachable"]) for s in report["sites"]] == [("S1", True), ("FAR", False), ("S2", True)]
    [far] = report["unreachable"]
    assert far["reason"] == "far" and far["distance_m"] == pytest.approx(102_600, abs=300)
    assert far["message"].startswith("远方点位：距最近道路 102,")
    assert report["can_plan"] is True and report["problem"] is None and report["max_snap_m"] == 1000
    assert report["summary"] == "共选 3 个点位，其中 1 个无法到达（FAR 远方点位），路线包含 2 个点位"


def test_reachability_when_nothing_can_be_reached(graph) -> None:
    report = reachability(graph, TourRequest(sites=[FAR], start=START))
    assert report["can_plan"] is False and report["problem"]["kind"] == "sites_unreachable"
    assert report["summary"] == "共选 1 个点位，全部无法到达（FAR 远方点位）"


def test_reachability_refuses_an_unreachable_start(graph) -> None:
    with pytest.raises(InvalidParameter, match="start: 远方点位 cannot be reached"):
        reachability(graph, TourRequest(sites=NEAR, start=FAR))


def test_the_tour_result_states_its_selection_in_the_header(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=[*NEAR, FAR], start=START, end="open"))
    assert tour["selection"] == {"chosen": 3, "unreachable": 1, "routed": 2,
                                 "summary": "共选 3 个点位，其中 1 个无法到达（FAR 远方点位），路线包含 2 个点位"}
    assert tour["selection"]["routed"] == tour["totals"]["stops"]
    assert tour["params"]["end_label"] == "不返回（开放路线，最后一个点位结束）"
    assert tour["params"]["start_label"] == "指挥部"


def test_a_start_among_the_sites_counts_as_chosen_and_routed(graph) -> None:
    inspected_start = Site(id="S3", name="点位3", kind="block", lon=120.655, lat=27.910)
    tour = plan_tour(graph, TourRequest(sites=[inspected_start, *NEAR], start=inspected_start, end=NEAR[1]))
    assert tour["selection"]["summary"] == "共选 3 个点位，全部可到达，路线包含 3 个点位"
    assert tour["params"]["end_label"] == "点位2" and tour["params"]["end"] == "S2"


@pytest.mark.parametrize(("chosen", "unreachable", "summary"), [
    (4, [], "共选 4 个点位，全部可到达，路线包含 4 个点位"),
    (5, [{"id": "B08", "name": "甲"}, {"id": "B09", "name": "乙"}],
     "共选 5 个点位，其中 2 个无法到达（B08 甲、B09 乙），路线包含 3 个点位"),
])
def test_selection_summary(chosen: int, unreachable: list[dict], summary: str) -> None:
    assert selection_summary(chosen, unreachable) == summary
