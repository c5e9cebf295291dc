"""Tests for geo.network.line_topology: crossings, snapping and junction merging on tiny hand-built polylines."""
from __future__ import annotations

import numpy as np
import pytest

from bbbike_fixtures import at
from geo.network.line_topology import Polylines, build_topology
from geo.network.lonlat_keys import key_lonlat, to_keys
from geo.network.road_network import haversine_m


def polylines(*lines: list[tuple[float, float]], crossing: bool = True) -> Polylines:
    """Lines given as points in metres; one group, every flag set."""
    keys = [to_keys(*np.array([at(*p) for p in line]).T) for line in lines]
    n = len(lines)
    return Polylines(keys=np.concatenate(keys), offsets=np.concatenate([[0], np.cumsum([len(k) for k in keys])]),
                     group=np.arange(n), crossing=np.full(n, crossing), snap_from_any=np.ones(n, dtype=bool),
                     snap_to_all=np.ones(n, dtype=bool))


def ends(topology) -> np.ndarray:
    pieces = topology.pieces
    return np.concatenate([pieces.keys[pieces.offsets[:-1]], pieces.keys[pieces.offsets[1:] - 1]])


def test_crossing_is_noded_in_both_lines_only_where_both_are_at_grade():
    lines = ([(-100, 0), (100, 0)], [(0, -100), (0, 100)])
    topology = build_topology(polylines(*lines), snap_m=12.0)
    assert len(topology.crossings) == 1 and topology.pieces.n_lines == 4
    assert np.count_nonzero(ends(topology) == topology.crossings[0]) == 4
    bridged = build_topology(polylines(*lines, crossing=False), snap_m=12.0)
    assert (len(bridged.crossings), bridged.pieces.n_lines) == (0, 2)


def test_crossings_that_miss_a_junction_by_centimetres_merge_into_it():
    """Two lines share a vertex; a third crosses both 30 cm from it: one junction, six pieces."""
    topology = build_topology(polylines([(-100, 0), (0, 0), (100, 0)], [(0, -100), (0, 0), (0, 100)],
                                        [(-100, -99.7), (100, 100.3)]), snap_m=12.0)
    assert topology.pieces.n_lines == 6
    junction = to_keys(*at(0, 0))
    assert np.count_nonzero(ends(topology) == junction) == 6


def test_dangling_end_snaps_to_the_nearest_point_or_a_vertex_within_a_metre():
    topology = build_topology(polylines([(-100, 0), (100, 0)], [(30, 8), (30, 200)]), snap_m=12.0)
    assert list(topology.snap_m) == pytest.approx([8.0], abs=0.1)
    lon, lat = key_lonlat(topology.snap_to)
    assert float(haversine_m(lon[0], lat[0], *at(30, 0))) < 0.05
    pulled = build_topology(polylines([(-100, 0), (30.6, 0), (100, 0)], [(30, 8), (30, 200)]), snap_m=12.0)
    assert list(pulled.snap_to) == [to_keys(*at(30.6, 0))]


def test_ends_facing_each_other_snap_once_and_cut_ends_never():
    facing = polylines([(0, 0), (100, 0)], [(105, 0), (200, 0)])
    topology = build_topology(facing, snap_m=12.0)
    assert len(topology.snap_from) == 1
    assert topology.pieces.n_lines == 2  # joined end to end at the other line's end (two groups: a node there)
    cut = to_keys(*np.array([at(100, 0), at(105, 0)]).T)
    assert len(build_topology(facing, snap_m=12.0, cut_ends=cut).snap_from) == 0


def test_overshoot_does_not_snap_back_onto_the_line_it_crossed():
    topology = build_topology(polylines([(-100, 0), (100, 0)], [(0, 100), (0, -4)]), snap_m=12.0)
    assert len(topology.snap_from) == 0
    assert topology.trimmed == 1 and topology.pieces.n_lines == 3
