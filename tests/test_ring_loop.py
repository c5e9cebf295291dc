"""Driving the whole ring (geo/access/ring_loop.py) on a hand-built ring: loop times, gaps, parallel edges, choices.

The ring is a 400 m square in metres (counterclockwise as drawn): four segments S, E, N, W of 400 m each and a node
every 200 m, node k at k × 200 m along the ring (k = 0..7). An edge k→k+1 runs forward (counterclockwise), k+1→k
backward (clockwise). Every edge's time is set by hand, so each loop time below is a sum worked out here.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely

from geo.network.road_network import RoadNetwork
from geo.access.ring import RingEdges, RingLine
from geo.access.ring_loop import drive_loop, drive_routes, loop_routes

STEP, NODES = 200.0, 8
LENGTH = STEP * NODES
FORWARD = [(k, (k + 1) % NODES) for k in range(NODES)]
BACKWARD = [((k + 1) % NODES, k) for k in range(NODES)]


def ring_line(*, closed: bool = True) -> RingLine:
    corners = [(0, 0), (400, 0), (400, 400), (0, 400), (0, 0)]
    return RingLine(line=shapely.LineString(corners), closed=closed, segment_ids=("S", "E", "N", "W"),
                    segment_names=("南段", "东段", "北段", "西段"),
                    segment_start_m=np.array([0.0, 400.0, 800.0, 1200.0, LENGTH]), bounds_wgs84=(120, 27, 121, 28))


def ring(edges: list[tuple[int, int]], *, position: dict[int, float] | None = None,
         closed: bool = True) -> tuple[RoadNetwork, RingEdges]:
    """A network holding only ``edges`` (node pairs) and those edges as ring edges. Node k lies at
    ``position[k]`` along the ring (default k × 200 m); an edge runs the shorter way round from u to v."""
    at = {k: k * STEP for k in range(NODES)} | (position or {})
    u, v = (np.array(c, dtype=np.int64) for c in zip(*edges))
    delta = (np.array([at[b] - at[a] for a, b in edges]) + LENGTH / 2) % LENGTH - LENGTH / 2
    start, along, forward = np.array([at[a] for a in u]), np.abs(delta), delta > 0
    middle = np.where(forward, start + along / 2, start - along / 2) % LENGTH
    n, line = max(at) + 1, ring_line(closed=closed)
    text = np.full(u.size, "", dtype=object)
    network = RoadNetwork(node_id=np.arange(n) + 1, x=np.full(n, 120.5), y=np.full(n, 27.5), edge_u=u, edge_v=v,
                          length_m=along, speed_kph=np.full(u.size, 36.0), highway=np.full(u.size, "primary",
                                                                                          dtype=object),
                          name=text, project_id=text.copy())
    return network, RingEdges(ring=line, index=np.arange(u.size), forward=forward, start_m=start, along_m=along,
                              segment=line.segment_at(middle), n_edges=u.size)


def pairs(network: RoadNetwork, edges: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(network.edge_u[edges].tolist(), network.edge_v[edges].tolist()))


def test_each_direction_is_its_edges_in_driving_order_and_the_sum_of_their_times():
    network, edges = ring(FORWARD + BACKWARD)
    times = np.array([10.0, 20, 30, 40, 50, 60, 70, 80, 1, 2, 3, 4, 5, 6, 7, 8])
    loops = drive_loop(network, edges, times)
    counter, clock = loops["counterclockwise"], loops["clockwise"]
    assert (counter.complete, counter.time_s, counter.gaps) == (True, 360.0, ())
    assert pairs(network, counter.edges) == FORWARD  # from the first edge along the ring, node 0
    assert counter.edge_time_s.tolist() == [10.0, 20, 30, 40, 50, 60, 70, 80]
    assert (clock.complete, clock.time_s) == (True, 36.0)
    assert sorted(pairs(network, clock.edges)) == sorted(BACKWARD)
    chained = pairs(network, clock.edges)
    assert all(a[1] == b[0] for a, b in zip(chained, chained[1:] + chained[:1]))


def test_a_missing_edge_is_a_gap_naming_the_segments_it_overlaps():
    network, edges = ring(FORWARD[:2] + FORWARD[3:] + BACKWARD)  # 2→3 (400..600 m, in E) is missing
    loops = drive_loop(network, edges, np.ones(15))
    broken = loops["counterclockwise"]
    assert (broken.complete, broken.time_s, broken.edges.size) == (False, None, 0)
    assert [(g.from_m, g.to_m, g.length_m, g.segment_ids, g.segment_names) for g in broken.gaps] == [
        (400.0, 600.0, 200.0, ("E",), ("东段",))]
    assert loops["clockwise"].complete and loops["clockwise"].time_s == 8.0


@pytest.mark.parametrize(("missing", "gaps"), [
    ([1], [(200.0, 400.0, ("S",))]),  # ends at the S/E boundary: E is touched, not overlapped
    ([3, 4], [(600.0, 1000.0, ("E", "N"))]),
    ([7], [(1400.0, 1600.0, ("W",))]),
    ([7, 0], [(1400.0, 1800.0, ("S", "W"))]),  # across the ring's start (segments in ring order)
    ([1, 5], [(200.0, 400.0, ("S",)), (1000.0, 1200.0, ("N",))]),
])
def test_gaps_follow_the_missing_stretches_round_the_ring(missing, gaps):
    network, edges = ring([e for k, e in enumerate(FORWARD) if k not in missing])
    (route, _) = loop_routes(network, edges)
    assert route.direction == "counterclockwise" and route.start is None and route.cycle is None
    assert [(g.from_m, g.to_m, g.segment_ids) for g in route.gaps] == gaps


def test_no_edge_in_use_is_one_gap_round_the_whole_ring():
    network, edges = ring(FORWARD + BACKWARD)
    loops = drive_loop(network, edges, np.ones(16), active=np.zeros(16, dtype=bool))
    for loop in loops.values():
        assert not loop.complete
        assert [(g.from_m, g.to_m, g.segment_ids) for g in loop.gaps] == [(0.0, LENGTH, ("S", "E", "N", "W"))]


def test_inactive_edges_break_only_their_direction():
    network, edges = ring(FORWARD + BACKWARD)
    active = np.ones(16, dtype=bool)
    active[8 + 5] = False  # 6→5, clockwise, 1000..1200 m in N
    loops = drive_loop(network, edges, np.ones(16), active=active)
    assert loops["counterclockwise"].complete and loops["counterclockwise"].time_s == 8.0
    assert [(g.from_m, g.to_m, g.segment_ids) for g in loops["clockwise"].gaps] == [(1000.0, 1200.0, ("N",))]


def test_junction_offsets_shorter_than_the_minimum_are_not_gaps():
    # node 3 sits 20 m short of 600 m: 2→3 ends at 580 and 3→4 starts there, leaving nothing uncovered
    network, edges = ring(FORWARD, position={3: 580.0})
    assert loop_routes(network, edges)[0].gaps == ()
    # a 25 m hole (node 8 at 625 m, so 8→4 starts 25 m past where 2→3 ends) is below the 30 m minimum...
    holed = [(0, 1), (1, 2), (2, 3), (8, 4), (4, 5), (5, 6), (6, 7), (7, 0)]
    network, edges = ring(holed, position={8: 625.0})
    assert loop_routes(network, edges)[0].gaps == ()
    # ...and a gap at 20 m minimum, but the loop cannot be driven: 3 does not lead on to 8
    assert [(g.from_m, g.to_m) for g in loop_routes(network, edges, min_gap_m=20.0)[0].gaps] == [(600.0, 625.0)]
    loop = drive_loop(network, edges, np.ones(8))["counterclockwise"]
    assert not loop.complete and [(g.from_m, g.to_m, g.segment_ids) for g in loop.gaps] == [(0.0, 0.0, ("S",))]


def test_parallel_edges_count_once_with_the_fastest():
    network, edges = ring(FORWARD + [(0, 1)])  # a second, slower carriageway 0→1
    times = np.array([5.0, 1, 1, 1, 1, 1, 1, 1, 2.0])
    (route, _) = loop_routes(network, edges)
    assert route.cycle is None  # node 0 has two ways on: the fastest way round is searched
    loop = drive_loop(network, edges, times)["counterclockwise"]
    assert loop.time_s == 9.0 and loop.edges.size == 8 and 8 in loop.edges.tolist() and 0 not in loop.edges.tolist()


def test_with_a_choice_the_fastest_way_round_wins_and_a_single_way_is_walked():
    network, edges = ring(FORWARD + [(1, 3)])  # a 400 m link from 200 m to 600 m past node 2
    (route, _) = loop_routes(network, edges)
    assert route.cycle is None and route.start == 0 and route.start_m == 0.0
    slow_link = drive_loop(network, edges, np.array([1.0] * 8 + [5.0]))["counterclockwise"]
    assert slow_link.time_s == 8.0 and pairs(network, slow_link.edges) == FORWARD
    fast_link = drive_loop(network, edges, np.array([1.0] * 8 + [1.5]))["counterclockwise"]
    assert fast_link.time_s == 7.5 and pairs(network, fast_link.edges) == [(0, 1), (1, 3)] + FORWARD[3:]
    network, edges = ring(FORWARD)
    walked = loop_routes(network, edges)[0]
    assert walked.cycle.tolist() == list(range(8))
    times = np.arange(1.0, 9.0)
    searched = drive_routes(network, edges, (replace(walked, cycle=None),), times)
    assert drive_routes(network, edges, (walked,), times)["counterclockwise"].time_s == 36.0
    assert searched["counterclockwise"].edges.tolist() == list(range(8))


def test_a_ring_that_is_not_closed_has_no_loop_and_no_gaps():
    network, edges = ring(FORWARD + BACKWARD, closed=False)
    for loop in drive_loop(network, edges, np.ones(16)).values():
        assert (loop.complete, loop.time_s, loop.gaps, loop.edges.size) == (False, None, (), 0)


def test_a_ring_drawn_clockwise_names_its_directions_the_other_way_round():
    network, edges = ring(FORWARD + BACKWARD)
    line = edges.ring
    clockwise = RingLine(line=shapely.LineString(list(line.line.coords)[::-1]), closed=True,
                         segment_ids=line.segment_ids, segment_names=line.segment_names,
                         segment_start_m=line.segment_start_m, bounds_wgs84=line.bounds_wgs84)
    loops = drive_loop(network, replace(edges, ring=clockwise), np.array([1.0] * 8 + [2.0] * 8))
    assert (loops["clockwise"].time_s, loops["counterclockwise"].time_s) == (8.0, 16.0)


def test_broken_directions_keep_their_name_and_empty_arrays():
    network, edges = ring(FORWARD[:2] + FORWARD[3:])
    route = loop_routes(network, edges)[0]
    assert route.use.tolist() == list(range(7))  # the edges in use, even when broken
    for name, loop in drive_loop(network, edges, np.ones(7)).items():
        assert loop.direction == name and not loop.complete
        assert loop.edges.dtype == np.int64 and loop.edges.size == 0 and loop.edge_time_s.size == 0
    network, edges = ring(FORWARD, closed=False)
    assert [r.direction for r in loop_routes(network, edges)] == ["counterclockwise", "clockwise"]
    assert loop_routes(network, edges)[0].use.tolist() == list(range(8))


def test_a_gap_names_the_segment_it_overlaps_most_or_the_one_at_its_middle():
    # 380..425 m: 20 m of S, 25 m of E -> E alone (more than half of it)
    network, edges = ring([(0, 1), (1, 2), (8, 3)] + FORWARD[3:], position={2: 380.0, 8: 425.0})
    assert [(g.from_m, g.to_m, g.segment_ids) for g in loop_routes(network, edges)[0].gaps] == [
        (380.0, 425.0, ("E",))]
    # 380..420 m: 20 m of each -> neither more than half: the segment at its middle, 400 m, where E starts
    network, edges = ring([(0, 1), (1, 2), (8, 3)] + FORWARD[3:], position={2: 380.0, 8: 420.0})
    assert [(g.from_m, g.to_m, g.segment_ids) for g in loop_routes(network, edges)[0].gaps] == [
        (380.0, 420.0, ("E",))]


@pytest.mark.parametrize(("hole_m", "gap"), [(30.0, False), (30.5, True)])
def test_a_hole_is_a_gap_only_beyond_30_m(hole_m, gap):
    holed = [(0, 1), (1, 2), (2, 3), (8, 4), (4, 5), (5, 6), (6, 7), (7, 0)]
    network, edges = ring(holed, position={8: 600.0 + hole_m})
    assert bool(loop_routes(network, edges)[0].gaps) is gap
    # not a gap, yet 3 does not lead on to 8: broken where the loop would start
    driven = drive_loop(network, edges, np.ones(8))["counterclockwise"].gaps
    assert [(g.from_m, g.to_m) for g in driven] == ([(600.0, 600.0 + hole_m)] if gap else [(0.0, 0.0)])
    tighter = drive_loop(network, edges, np.ones(8), min_gap_m=20.0)["counterclockwise"].gaps  # passed on
    assert [(g.from_m, g.to_m) for g in tighter] == [(600.0, 600.0 + hole_m)]


def test_the_walk_round_starts_from_the_first_edge_along_the_ring_wherever_it_is_listed():
    rotated = FORWARD[3:] + FORWARD[:3]  # the edge from 0 m is listed sixth
    network, edges = ring(rotated)
    route = loop_routes(network, edges)[0]
    assert route.start == 5 and route.cycle is not None and route.cycle.tolist() == [5, 6, 7, 0, 1, 2, 3, 4]
    loop = drive_loop(network, edges, np.arange(1.0, 9.0))["counterclockwise"]
    assert pairs(network, loop.edges) == FORWARD and loop.time_s == 36.0


def test_parallel_edges_anywhere_round_the_ring_count_once():
    network, edges = ring(FORWARD + [(5, 6)])  # a second, slower carriageway 5→6
    loop = drive_loop(network, edges, np.array([1.0] * 5 + [4.0, 1, 1, 2.0]))["counterclockwise"]
    assert loop.time_s == 9.0 and 8 in loop.edges.tolist() and 5 not in loop.edges.tolist()


def test_a_dead_end_stops_the_walk_round_instead_of_jumping_to_another_edge():
    # 3 leads nowhere (8, 25 m on, is no gap but 3→8 is missing); the edge listed second, 7→0, ends at the start
    edges_in_order = [(0, 1), (7, 0), (1, 2), (2, 3), (8, 4), (4, 5), (5, 6), (6, 7)]
    network, edges = ring(edges_in_order, position={8: 625.0})
    route = loop_routes(network, edges)[0]
    assert route.gaps == () and route.cycle is None
    loop = drive_loop(network, edges, np.ones(8))["counterclockwise"]
    assert (loop.direction, loop.complete) == ("counterclockwise", False)


def test_complete_directions_are_named():
    network, edges = ring(FORWARD + BACKWARD)
    assert [(name, loop.direction) for name, loop in drive_loop(network, edges, np.ones(16)).items()] == [
        ("counterclockwise", "counterclockwise"), ("clockwise", "clockwise")]
