"""Snapping, the travel-time matrix and leg routes on a tiny hand-built network."""
from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork
from geo.tours.routing import (DEFAULT_MAX_SNAP_M, leg_route, routing_graph, snap_points, travel_matrix,
                              unreachable_text)

# 0..3: a one-way square loop 0→1→2→3→0 (1 km sides at 36 km/h = 100 s); 4, 5: a two-way island far east;
# 6: a dead end reached one way from 0 (not strongly connected).
NODES = [(120.70, 28.00), (120.71, 28.00), (120.71, 28.01), (120.70, 28.01), (120.80, 28.00), (120.801, 28.00),
         (120.7005, 27.995)]
EDGES = [(0, 1, 1000, 36), (1, 2, 1000, 36), (2, 3, 1000, 36), (3, 0, 1000, 36), (0, 1, 1000, 18),
         (4, 5, 100, 36), (5, 4, 100, 36), (0, 6, 600, 36)]


def tiny_network(*, geometry: np.ndarray | None = None, source: str = "test") -> RoadNetwork:
    u, v, length, speed = (np.array(column) for column in zip(*EDGES))
    m = len(EDGES)
    return RoadNetwork(node_id=np.arange(len(NODES)), x=np.array([p[0] for p in NODES]),
                       y=np.array([p[1] for p in NODES]), edge_u=u, edge_v=v, length_m=length.astype(float),
                       speed_kph=speed.astype(float), highway=np.full(m, "residential", dtype=object),
                       name=np.full(m, "", dtype=object), project_id=np.full(m, "", dtype=object),
                       source={"source": source}, geometry=geometry)


def test_main_component_is_the_loop() -> None:
    assert sorted(routing_graph(tiny_network()).main_nodes) == [0, 1, 2, 3]


def test_matrix_is_asymmetric_and_keeps_the_fastest_parallel_edge() -> None:
    graph = routing_graph(tiny_network())
    cost, predecessors = travel_matrix(graph, np.array([0, 1, 3]))
    assert cost == pytest.approx(np.array([[0, 100, 300], [300, 0, 200], [100, 200, 0]]))
    assert predecessors.shape == (3, len(NODES))


def test_congestion_scales_times() -> None:
    cost, _ = travel_matrix(routing_graph(tiny_network(), congestion=0.5), np.array([0, 1]))
    assert cost[0, 1] == pytest.approx(200)


@pytest.mark.parametrize("congestion", [0, -1, 2, float("nan")])
def test_bad_congestion(congestion: float) -> None:
    with pytest.raises(InvalidParameter, match="congestion: expected a factor"):
        routing_graph(tiny_network(), congestion=congestion)


def test_snapping_reasons() -> None:
    graph = routing_graph(tiny_network())
    snap = snap_points(graph, np.array([120.7006, 120.8005, 121.5, 120.7101]),
                       np.array([27.995, 28.0001, 28.0, 28.0099]))
    assert list(snap.node) == [0, -1, -1, 2]  # the dead end's neighbour snaps to the loop
    assert snap.reason == [None, "disconnected", "far", None]
    assert snap.distance_m[0] == pytest.approx(560, abs=30)
    assert snap.road_m[0] == pytest.approx(10, abs=5)  # node 6, a road, but off the main component
    assert snap.road_m[1] == pytest.approx(50, abs=5)  # by the island (50 m to its nearer end node) ...
    assert snap.distance_m[1] == pytest.approx(8900, abs=50)  # ... and 8.9 km from the loop


def test_default_limit_is_one_kilometre() -> None:
    graph = routing_graph(tiny_network())
    snap = snap_points(graph, np.array([120.71 + 0.0090, 120.71 + 0.0110]), np.array([28.00, 28.00]))
    assert DEFAULT_MAX_SNAP_M == 1000
    assert snap.distance_m == pytest.approx([885, 1080], abs=10)  # 0.001° of longitude at 28° N ≈ 98 m
    assert list(snap.node) == [1, -1] and snap.reason == [None, "far"]


def test_unreachable_text_gives_the_distances_in_metres() -> None:
    graph = routing_graph(tiny_network())
    snap = snap_points(graph, np.array([120.71 + 0.0137, 120.8005]), np.array([28.00, 28.0001]))
    assert snap.distance_m[0] == pytest.approx(1346, abs=10)
    expected = f"距最近道路 {round(snap.road_m[0]):,} 米，超过 1,000 米上限"
    assert unreachable_text(snap, 0, max_snap_m=1000) == expected
    assert re.fullmatch(r"距最近道路 1,3[45]\d 米，超过 1,000 米上限", unreachable_text(snap, 0, max_snap_m=1000))
    assert re.fullmatch(r"最近道路（\d\d 米）与主路网不连通，距主路网 8,9\d\d 米，超过 1,000 米上限",
                        unreachable_text(snap, 1, max_snap_m=1000))
    assert "超过 2,500 米上限" in unreachable_text(snap, 1, max_snap_m=2500)


def test_edges_left_out_are_no_roads() -> None:
    active = np.ones(len(EDGES), dtype=bool)
    active[[0, 5, 6]] = False  # the fast parallel edge 0→1 and the island
    graph = routing_graph(tiny_network(), active=active, scenario="baseline")
    assert (graph.scenario, graph.edges_left_out) == ("baseline", 3)
    cost, _ = travel_matrix(graph, np.array([0, 1]))
    assert cost[0, 1] == pytest.approx(200)  # only the slow edge 0→1 is left
    snap = snap_points(graph, np.array([120.8005]), np.array([28.0001]))
    assert snap.reason == ["far"] and snap.road_m[0] > 8000  # the island's roads are not in use


def test_no_edge_in_use() -> None:
    with pytest.raises(InvalidParameter, match="scenario: no edge of the road network is in use in the baseline"):
        routing_graph(tiny_network(), active=np.zeros(len(EDGES), dtype=bool), scenario="baseline")


def test_snapping_limit_is_configurable() -> None:
    graph = routing_graph(tiny_network())
    snap = snap_points(graph, np.array([120.705, 120.7006]), np.array([28.005, 27.995]), max_snap_m=100)
    assert list(snap.node) == [-1, -1] and snap.reason == ["far", "disconnected"]  # the second is 10 m from node 6


def test_leg_route_follows_the_one_way_loop() -> None:
    graph = routing_graph(tiny_network())
    _, predecessors = travel_matrix(graph, np.array([1, 0]))
    leg = leg_route(graph, predecessors[0], 1, 0)
    assert leg.coordinates == [NODES[1], NODES[2], NODES[3], NODES[0]]
    assert leg.length_m == pytest.approx(3000) and leg.seconds == pytest.approx(300)


def test_leg_route_uses_edge_shapes_in_driving_direction() -> None:
    shapes = np.full(len(EDGES), None, dtype=object)
    shapes[1] = shapely.LineString([NODES[2], (120.715, 28.005), NODES[1]])  # stored against the edge 1→2
    graph = routing_graph(tiny_network(geometry=shapes))
    _, predecessors = travel_matrix(graph, np.array([0]))
    leg = leg_route(graph, predecessors[0], 0, 2)
    assert leg.coordinates == [NODES[0], NODES[1], (120.715, 28.005), NODES[2]]


def test_leg_to_the_same_node() -> None:
    graph = routing_graph(tiny_network())
    _, predecessors = travel_matrix(graph, np.array([2]))
    leg = leg_route(graph, predecessors[0], 2, 2)
    assert leg.length_m == 0 and leg.seconds == 0 and len(leg.coordinates) == 2
