"""Tests for geo.network.synthetic: exact sizes, determinism, the named ring, strong connectivity."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo.errors import InvalidParameter
from geo.network.synthetic import RING_SEGMENT_NAMES, synthetic_grid_network


def strong_components(network) -> int:
    adjacency = coo_array((np.ones(network.n_edges), (network.edge_u, network.edge_v)),
                          shape=(network.n_nodes, network.n_nodes))
    return connected_components(adjacency, directed=True, connection="strong")[0]


@pytest.mark.parametrize("n_nodes", [16, 17, 101, 1000, 2501])
def test_exact_size_and_strongly_connected(n_nodes):
    network = synthetic_grid_network(n_nodes, seed=3)
    assert network.n_nodes == n_nodes
    assert strong_components(network) == 1
    assert list(network.node_id) == list(range(1, n_nodes + 1))


def test_same_seed_same_network_other_seed_other_positions():
    first, again, other = (synthetic_grid_network(400, seed=s) for s in (7, 7, 8))
    for name in ("x", "y", "edge_u", "edge_v", "length_m", "speed_kph", "name", "oneway"):
        assert np.array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.x, other.x)
    assert np.array_equal(first.edge_u, other.edge_u)


def test_lengths_follow_the_spacing():
    network = synthetic_grid_network(900, seed=0, spacing_m=400.0)
    assert np.median(network.length_m) == pytest.approx(400.0, rel=0.05)
    assert network.length_m.min() > 400.0 * 0.6


def test_ring_is_a_closed_loop_of_four_named_segments():
    network = synthetic_grid_network(400, seed=0)
    on_ring = np.isin(network.name, list(RING_SEGMENT_NAMES.values()))
    assert set(network.name[on_ring]) == set(RING_SEGMENT_NAMES.values())
    ring_nodes, degree = np.unique(np.concatenate([network.edge_u[on_ring], network.edge_v[on_ring]]),
                                   return_counts=True)
    assert np.all(degree == 4)  # two neighbours on the loop, both directions
    assert set(network.project_id[network.name == RING_SEGMENT_NAMES["S"]]) == {"R12"}
    assert not network.oneway[on_ring].any()
    assert (network.project_id == "R05").sum() > 0


def test_one_way_edges_have_no_reverse_and_two_way_edges_do():
    network = synthetic_grid_network(900, seed=0)
    edges = set(zip(network.edge_u.tolist(), network.edge_v.tolist()))
    reverse_exists = np.array([(v, u) in edges for u, v in zip(network.edge_u, network.edge_v)])
    assert network.oneway.any()
    assert np.array_equal(reverse_exists, ~network.oneway)


def test_too_small_grid_is_rejected():
    with pytest.raises(InvalidParameter, match="at least 16 nodes"):
        synthetic_grid_network(15)
