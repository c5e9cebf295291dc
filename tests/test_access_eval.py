"""One scenario's raw numbers (geo/access/evaluation.py) on the hand-drawn network of test_coverage.py: node times, block
times (own nodes, nearest node, beyond the network), the scenario's edges and a ring with no edge in use.

Times worked out by hand (see test_coverage's docstring): S(k) reaches the ring in 1.5 + 2k minutes; M (the motorway
node north of S4) through its 800 m trunk link at 40 km/h, 72 s, then S4's 9.5 min; MW and ME over 1625 m and
1375 m of motorway at 80 km/h, 73.125 s and 61.875 s, to M.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from geo.access.check import prepare_network
from geo.access.evaluation import evaluate, scenario_mask, time_to_ring_nodes
from geo.errors import RingNotConnected
from geo.plan.layers import load_plan
from geo.plan.schema import PLAN_DISTRICTS
from test_coverage import hand_layers, hand_network, rectangle

S0, M, MW, ME = 5, 14, 13, 15
LIMITS = (5.0, 10.0, 15.0)


def _placed(write_layers, *, blocks=None, network=None):
    """The hand network placed on the hand plan, its blocks moved to ``blocks`` (鹿城区, D01, then reaches west past
    the ring so that they stay inside it)."""
    def layers(doc: dict) -> None:
        hand_layers(doc)
        for feature, geometry in zip(doc["blocks"]["features"], blocks or ()):
            feature["geometry"] = geometry
        if blocks:
            d01 = next(f for f in doc["districts"]["features"] if f["properties"]["name"] == PLAN_DISTRICTS[0])
            d01["geometry"] = rectangle(-1200, -300, 1100, 1200)

    plan = load_plan(write_layers(layers))
    return prepare_network(network or hand_network(), plan), plan


@pytest.mark.parametrize("congestion", [1.0, 0.5])
def test_node_times_are_the_hand_sums(write_layers, congestion):
    placed, _ = _placed(write_layers)
    ev = evaluate(placed, placed.scenario_edges("planned"), congestion=congestion, limits_min=LIMITS)
    street = np.array([(1.5 + 2 * k) * 60 for k in range(8)])
    assert ev.node_time_s[S0:S0 + 8] == pytest.approx(street / congestion)
    assert ev.node_time_s[:5].tolist() == [0.0] * 5  # the ring's own nodes
    motorway = np.array([73.125 + 72 + 570, 72 + 570, 61.875 + 72 + 570])  # MW, M, ME
    assert ev.node_time_s[[MW, M, ME]] == pytest.approx(motorway / congestion)
    assert ev.node_time_s == pytest.approx(time_to_ring_nodes(
        placed.network, placed.ring.mask, ev.active, placed.network.travel_time_s(congestion=congestion)))
    assert {name: d.time_s for name, d in ev.loop.items()} == pytest.approx(
        {"clockwise": 200 / congestion, "counterclockwise": 200 / congestion})


def test_block_times_at_own_nodes_through_the_nearest_node_and_beyond_the_network(write_layers):
    # B01 holds S1, S2 and S3 (3.5, 5.5, 7.5 min); B02 none: its centroid (875, 350) is 250 m from S3
    placed, _ = _placed(write_layers, blocks=[rectangle(300, 50, 950, 150)])
    ev = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS)
    blocks = ev.blocks
    assert blocks.nodes.tolist() == [3, 0] and blocks.outside.tolist() == [False, False]
    assert blocks.worst_s.tolist() == pytest.approx([450.0, 60 + 450.0])
    assert blocks.median_s.tolist() == pytest.approx([330.0, 60 + 450.0])  # odd count: the middle one
    assert blocks.access_leg_s.tolist() == pytest.approx([0.0, 60.0])  # 250 m at 15 km/h
    assert np.isnan(blocks.nearest_node_m[0]) and blocks.nearest_node_m[1] == pytest.approx(250.0, abs=0.1)
    slow = evaluate(placed, placed.scenario_edges("planned"), congestion=0.5, limits_min=LIMITS,
                    access_speed_kph=30.0)
    assert slow.blocks.access_leg_s[1] == pytest.approx(60.0)  # 30 km/h halved: 15 km/h again
    assert slow.blocks.worst_s[1] == pytest.approx(60.0 + 900.0)
    near = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS,
                    max_snap_distance_m=200.0)
    assert near.blocks.outside.tolist() == [False, True]
    assert np.isinf([near.blocks.access_leg_s[1], near.blocks.worst_s[1], near.blocks.median_s[1]]).all()
    assert near.blocks.worst_s[0] == pytest.approx(450.0)


def test_an_even_count_of_own_nodes_takes_the_mean_of_the_middle_two(write_layers):
    placed, _ = _placed(write_layers)  # B01 holds S1 and S2: 3.5 and 5.5 min
    ev = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS)
    assert (ev.blocks.nodes[0], ev.blocks.worst_s[0], ev.blocks.median_s[0]) == (2, 330.0, 270.0)


def test_the_baseline_leaves_out_the_edges_road_projects_build(write_layers):
    network = hand_network()
    network.project_id[network.edge_u == S0] = "R01"  # S0's streets, both ways, are built by project R01
    network.project_id[network.edge_v == S0] = "R01"
    placed, plan = _placed(write_layers, network=network)
    baseline = scenario_mask(network, plan, "baseline")
    assert (~baseline).sum() == 4 and not baseline[network.project_id == "R01"].any()
    assert scenario_mask(network, plan, "planned").all() and scenario_mask(network, plan, "planned").dtype == bool
    assert np.array_equal(scenario_mask(network, placed.plan, "baseline"), baseline)
    ev = evaluate(placed, baseline, congestion=1.0, limits_min=LIMITS)
    assert np.isinf(ev.node_time_s[S0:S0 + 8]).all()  # cut off from the ring
    assert np.array_equal(ev.node_time_s, time_to_ring_nodes(network, placed.ring.mask, baseline,
                                                             network.travel_time_s()))
    assert ev.areas.served_within[0].tolist() == [0.0, 0.0, 0.0]  # its cells are still served, but never reached


def test_no_ring_edge_in_use_is_refused_naming_the_scenario(write_layers):
    placed, _ = _placed(write_layers)
    active = placed.scenario_edges("planned").copy()
    active[placed.ring.index] = False
    message = ("no ring edge exists in {}: every edge along the ring is built by a road project; use the planned "
               "scenario")
    with pytest.raises(RingNotConnected, match=message.format("the baseline with R99")):
        evaluate(placed, active, congestion=1.0, limits_min=LIMITS, label="the baseline with R99")
    with pytest.raises(RingNotConnected, match=message.format("this scenario")):
        evaluate(placed, active, congestion=1.0, limits_min=LIMITS)
    with pytest.raises(RingNotConnected, match=message.format("the baseline")):
        time_to_ring_nodes(placed.network, np.zeros_like(active), active, placed.network.travel_time_s(),
                           label="the baseline")
    with pytest.raises(RingNotConnected, match=message.format("this scenario")):
        time_to_ring_nodes(placed.network, np.zeros_like(active), active, placed.network.travel_time_s())


def test_a_block_at_node_0_and_one_whose_nearest_node_is_node_0(write_layers):
    # node 0 is the ring's SW corner (-975, -150): B01 holds it alone; B02's centroid (-1025, -200) is 70.7 m from it
    placed, _ = _placed(write_layers, blocks=[rectangle(-1000, -175, -950, -125),
                                              rectangle(-1050, -225, -1000, -175)])
    ev = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS)
    assert ev.blocks.nodes.tolist() == [1, 0] and ev.blocks.worst_s[0] == 0.0 and ev.blocks.median_s[0] == 0.0
    assert not ev.blocks.outside.any() and ev.blocks.nearest_node_m[1] == pytest.approx(50 * 2 ** 0.5, abs=0.1)
    assert ev.blocks.worst_s[1] == pytest.approx(50 * 2 ** 0.5 * 0.24, abs=0.1)  # the access leg alone


def test_a_block_exactly_at_the_snap_distance_is_still_measured(write_layers):
    placed, _ = _placed(write_layers)
    distance = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0,
                        limits_min=LIMITS).blocks.nearest_node_m[1]
    at_limit = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS,
                        max_snap_distance_m=float(distance))
    assert not at_limit.blocks.outside[1] and np.isfinite(at_limit.blocks.worst_s[1])


def test_entries_and_a_ring_with_a_choice_of_ways_round(write_layers):
    network = hand_network()
    slow = np.flatnonzero((network.edge_u == 0) & (network.edge_v == 1))  # a second, slower SW→SE carriageway
    extra = {name: np.concatenate([getattr(network, name), getattr(network, name)[slow]])
             for name in ("edge_u", "edge_v", "length_m", "highway", "name", "project_id", "ring_id")}
    doubled = replace(network, **extra, speed_kph=np.concatenate([network.speed_kph, [18.0]]), oneway=None,
                      maxspeed=None, geometry=None)
    placed, _ = _placed(write_layers, network=doubled)
    ev = evaluate(placed, placed.scenario_edges("planned"), congestion=1.0, limits_min=LIMITS)
    assert ev.entries.tolist() == [2]  # Q, where the street joins the ring
    assert {name: d.time_s for name, d in ev.loop.items()} == pytest.approx({"clockwise": 200.0,
                                                                            "counterclockwise": 200.0})
    assert network.n_edges not in ev.loop["counterclockwise"].edges.tolist()  # the slow carriageway is not driven
