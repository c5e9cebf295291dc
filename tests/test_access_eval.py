"""One scenario's raw numbers (geo/access_eval.py) on the hand-drawn network of test_coverage.py: node times, block
times (own nodes, nearest node, beyond the network), the scenario's edges and a ring with no edge in use.

Times worked out by hand (see test_coverage's docstring): S(k) reaches the ring in 1.5 + 2k minutes; M (the motorway
node north of S4) through its 800 m trunk link at 40 km/h, 72 s, then S4's 9.5 min; MW and ME over 1625 m and
1375 m of motorway at 80 km/h, 73.125 s and 61.875 s, to M.
"""
from __future__ import annotations

import numpy as np
import pytest

from geo.access import prepare_network
from geo.access_eval import evaluate, scenario_mask, time_to_ring_nodes
from geo.errors import RingNotConnected
from geo.plan import load_plan
from test_coverage import hand_layers, hand_network, rectangle

S0, M, MW, ME = 5, 14, 13, 15
LIMITS = (5.0, 10.0, 15.0)


def _placed(write_layers, *, blocks=None, network=None):
    def layers(doc: dict) -> None:
        hand_layers(doc)
        for feature, geometry in zip(doc["blocks"]["features"], blocks or ()):
            feature["geometry"] = geometry

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
    assert scenario_mask(network, plan, "planned").all()
    assert np.array_equal(scenario_mask(network, placed.plan, "baseline"), baseline)
    ev = evaluate(placed, baseline, congestion=1.0, limits_min=LIMITS)
    assert np.isinf(ev.node_time_s[S0:S0 + 8]).all()  # cut off from the ring
    assert ev.areas.served_within[0].tolist() == [0.0, 0.0, 0.0]  # its cells are still served, but never reached


def test_no_ring_edge_in_use_is_refused_naming_the_scenario(write_layers):
    placed, _ = _placed(write_layers)
    active = placed.scenario_edges("planned").copy()
    active[placed.ring.index] = False
    with pytest.raises(RingNotConnected, match="no ring edge exists in the baseline with R99"):
        evaluate(placed, active, congestion=1.0, limits_min=LIMITS, label="the baseline with R99")
    with pytest.raises(RingNotConnected, match="no ring edge exists in this scenario"):
        time_to_ring_nodes(placed.network, np.zeros_like(active), active, placed.network.travel_time_s())
