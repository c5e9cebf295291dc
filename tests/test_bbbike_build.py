"""Tests for geo.network.bbbike_build on tiny hand-built extracts: the topology rules, artefacts, attributes, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from bbbike_fixtures import EXTENT, METRES_PER_DEGREE, TYPES, at, road, write_extract
from geo.network.bbbike import read_extract
from geo.network.bbbike_build import build_network, diagnostics_geojson, remove_spikes
from geo.errors import InvalidParameter, NetworkSourceError
from geo.network.road_network import haversine_m


def build(tmp_path, roads, **options):
    extract = read_extract(write_extract(tmp_path / "extract.json", roads))
    return build_network(extract, extent_wgs84=options.pop("extent", EXTENT), **options)


def pieces(network) -> tuple[list[str], list[float]]:
    """Names and lengths of the road pieces (the forward half of the edges), sorted by name, then length."""
    half = network.n_edges // 2
    rows = sorted(zip(map(str, network.name[:half]), map(float, network.length_m[:half])))
    return [name for name, _ in rows], [metres for _, metres in rows]


def length_by_name(network) -> dict[str, float]:
    """Total length of each named road (one direction)."""
    half = network.n_edges // 2
    totals: dict[str, float] = {}
    for name, metres in zip(network.name[:half], network.length_m[:half]):
        totals[str(name)] = totals.get(str(name), 0.0) + float(metres)
    return totals


def degree_of(network, point) -> int:
    node = np.flatnonzero((network.x == point[0]) & (network.y == point[1]))
    assert len(node) == 1, f"no node at {point}"
    return int((network.edge_u == node[0]).sum())


def test_at_grade_roads_crossing_without_a_shared_vertex_are_noded(tmp_path):
    network, report = build(tmp_path, [road("primary", "东西路", (-500, 0), (500, 0)),
                                       road("residential", "南北路", (0, -400), (0, 400))])
    assert report.crossings_noded == 1
    assert (network.n_nodes, network.n_edges) == (5, 8)
    names, metres = pieces(network)
    assert names == ["东西路", "东西路", "南北路", "南北路"]
    assert metres == pytest.approx([500.0, 500.0, 400.0, 400.0], abs=0.3)
    crossing = np.argmax(np.bincount(network.edge_u))
    assert np.bincount(network.edge_u)[crossing] == 4
    assert report.largest_component_share == pytest.approx(1.0)


@pytest.mark.parametrize("kind", ["trunk", "motorway"])
def test_expressway_crossing_a_residential_road_is_not_joined(tmp_path, kind):
    network, report = build(tmp_path, [road(kind, "快速路", (-1000, 0), (1000, 0)),
                                       road("residential", "小路", (0, -400), (0, 400))])
    assert report.crossings_noded == 0
    assert set(network.name) == {"快速路"}  # the residential road is a component of its own, left out
    assert report.largest_component_share == pytest.approx(2000 / 2800, abs=1e-3)
    left_out = report.diagnostics[report.diagnostics["kind"] == "outside_component"]
    assert list(left_out["name"]) == ["小路"]


def test_a_link_joins_an_expressway_and_a_local_road_at_shared_vertices(tmp_path):
    network, report = build(tmp_path, [road("motorway", "高速", (-1000, 0), (0, 0), (1000, 0)),
                                       road("motorway_link", "", (0, 0), (100, 100), (100, 300)),
                                       road("residential", "小路", (-300, 300), (100, 300), (400, 300))])
    assert report.largest_component_share == pytest.approx(1.0)
    assert degree_of(network, at(0, 0)) == 3
    assert degree_of(network, at(100, 300)) == 3


def test_dangling_end_8_m_from_a_road_is_snapped_and_20_m_is_not(tmp_path):
    network, report = build(tmp_path, [road("primary", "干道", (-500, 0), (500, 0)),
                                       road("residential", "近路", (100, 8), (100, 400)),
                                       road("residential", "远路", (-100, 20), (-100, 400))], snap_m=12.0)
    assert report.ends_snapped == 1
    assert set(network.name) == {"干道", "近路"}
    assert length_by_name(network)["近路"] == pytest.approx(400.0, abs=0.3)  # 392 m and the 8 m snap
    snaps = report.diagnostics[report.diagnostics["kind"] == "snap_line"]
    assert list(snaps["metres"]) == pytest.approx([8.0], abs=0.2)
    assert degree_of(network, at(100, 0)) == 3


def test_diagnostics_file_groups_snaps_and_crossings_per_kind(tmp_path):
    _, report = build(tmp_path, [road("primary", "干道", (-500, 0), (500, 0)),
                                 road("residential", "近路", (100, 8), (100, 400)),
                                 road("residential", "横路", (-100, -300), (-100, 300)),
                                 road("residential", "远路", (300, 20), (300, 400))])
    features = diagnostics_geojson(report.diagnostics)["features"]
    summary = [(f["properties"]["kind"], f["geometry"]["type"], f["properties"].get("count")) for f in features]
    assert summary == [("snapped", "MultiPoint", 1), ("snap_line", "MultiLineString", 1), ("noded", "MultiPoint", 1),
                       ("outside_component", "LineString", None)]
    assert features[0]["properties"]["metres"] == pytest.approx([8.0], abs=0.2)
    assert features[3]["properties"]["name"] == "远路"


def test_only_expressways_and_links_snap_onto_a_motorway(tmp_path):
    network, report = build(tmp_path, [road("motorway", "高速", (-1000, 0), (1000, 0)),
                                       road("residential", "小路", (-200, 5), (-200, 600)),
                                       road("motorway_link", "匝道", (200, 5), (200, 300), (-300, 300))])
    assert report.ends_snapped == 1  # the link's end; the residential end 5 m from the motorway stays a dead end
    assert list(network.name).count("高速") == 4  # split where the link joins: two pieces, two directions
    assert report.crossings_noded == 1  # the link crosses the residential road: both at-grade classes
    assert report.largest_component_share == pytest.approx(1.0)


def test_end_to_end_records_merge_unless_their_attributes_change(tmp_path):
    network, _ = build(tmp_path, [road("tertiary", "长街", (0, 0), (300, 0)),
                                  road("tertiary", "长街", (300, 0), (300, 400)),
                                  road("tertiary", "短街", (300, 400), (300, 600))])
    assert pieces(network)[0] == ["短街", "长街"]
    assert pieces(network)[1] == pytest.approx([200.0, 700.0], abs=0.3)
    assert network.n_nodes == 3  # two dead ends and the change of name; the shared corner is no node


def test_shared_exact_coordinate_joins_even_an_expressway(tmp_path):
    network, report = build(tmp_path, [road("trunk", "快速路", (-500, 0), (0, 0), (500, 0)),
                                       road("residential", "支路", (0, 0), (0, 300))])
    assert degree_of(network, at(0, 0)) == 3
    assert report.largest_component_share == pytest.approx(1.0)


def test_overshoot_past_a_crossing_is_trimmed(tmp_path):
    network, report = build(tmp_path, [road("primary", "干道", (-500, 0), (500, 0)),
                                       road("residential", "支路", (0, 300), (0, -5))])
    assert report.stubs_trimmed == 1
    assert pieces(network)[0] == ["干道", "干道", "支路"]
    assert pieces(network)[1] == pytest.approx([500.0, 500.0, 300.0], abs=0.3)


def test_length_is_the_geodesic_length_along_the_geometry(tmp_path):
    meridian = [TYPES.index("secondary"), "经线路", [[120.7, 27.90], [120.7, 27.905], [120.7, 27.91]]]
    bend = [TYPES.index("secondary"), "折线路", [[120.7, 27.905], [120.701, 27.905], [120.701, 27.906]]]
    network, _ = build(tmp_path, [meridian, bend])
    # 0.005° of latitude, twice; 0.001° of longitude at 27.905° N plus 0.001° of latitude (R = 6371008.8 m)
    half_meridian = 0.005 * METRES_PER_DEGREE
    bend_m = 0.001 * METRES_PER_DEGREE * math.cos(math.radians(27.905)) + 0.001 * METRES_PER_DEGREE
    assert half_meridian == pytest.approx(555.975, abs=1e-3)
    assert bend_m == pytest.approx(209.461, abs=1e-3)
    half = network.n_edges // 2
    assert sorted(network.length_m[:half]) == pytest.approx(sorted([half_meridian, half_meridian, bend_m]),
                                                           abs=1e-3)


def test_spike_artefact_is_cut_and_an_out_and_back_record_dropped(tmp_path):
    jump = road("primary", "阳光大道", (0, 0), (200, 0), (36_000, -30_000), (400, 0), (600, 0))
    stub = road("unclassified", "", (0, 500), (5_000, 500), (20, 500))
    divided = road("secondary", "金海五道", (0, -500), (1300, -500), (0, -512))
    across = road("residential", "连接路", (100, -600), (100, 100))
    network, report = build(tmp_path, [jump, stub, divided, across])
    assert report.repaired == (0,)
    assert report.dropped == {1: "out-and-back"}
    assert length_by_name(network)["阳光大道"] == pytest.approx(600.0, abs=0.3)
    assert length_by_name(network)["金海五道"] == pytest.approx(2600.0, abs=1.0)  # merged carriageways: kept
    kinds = report.diagnostics.loc[report.diagnostics["record"] >= 0].set_index("record")["kind"]
    assert kinds.to_dict() == {0: "repaired", 1: "dropped"}


def test_remove_spikes_cuts_runs_of_up_to_three_far_vertices():
    near = np.array([at(0, 0), at(100, 0), at(200, 0), at(300, 0), at(400, 0)])
    far = np.array(at(0, -36_000))
    coords = np.vstack([near[:2], far, far + 1e-4, near[2:]])
    kept, cut = remove_spikes(coords)
    assert np.array_equal(kept, near)
    assert len(cut) == 1 and cut[0].shape == (4, 2)
    assert np.array_equal(remove_spikes(near)[0], near)


def test_network_attributes_and_deterministic_numbering(tmp_path):
    roads = [road("primary", "东西路", (-500, 0), (500, 0)), road("residential", "南北路", (0, -400), (0, 400))]
    network, report = build(tmp_path, roads)
    again, _ = build(tmp_path, roads)
    for name in ("x", "y", "edge_u", "edge_v", "length_m", "highway", "name"):
        assert np.array_equal(getattr(network, name), getattr(again, name)), name
    assert list(network.node_id) == [1, 2, 3, 4, 5]
    assert np.all(np.diff(network.x) >= 0)
    assert not network.oneway.any() and set(network.project_id) == {""} and set(network.ring_id) == {""}
    assert set(network.maxspeed) == {""}
    assert dict(zip(network.highway, network.speed_kph)) == {"primary": 50.0, "residential": 30.0}
    starts = shapely.get_point(network.geometry, 0)
    assert np.array_equal(shapely.get_x(starts), network.x[network.edge_u])
    assert np.array_equal(shapely.get_y(shapely.get_point(network.geometry, -1)), network.y[network.edge_v])
    lengths = [haversine_m(*np.asarray(g.coords)[:-1].T, *np.asarray(g.coords)[1:].T).sum() for g in network.geometry]
    assert network.length_m == pytest.approx(lengths)
    assert network.source["source"] == "osm" and network.source["extract"] == "BBBike 2026-06-08"
    assert network.source["build"]["crossings_noded"] == report.crossings_noded == 1
    assert "two-way" in network.source["oneway"]


def test_records_are_clipped_to_the_extent_and_cut_ends_are_not_snapped(tmp_path):
    """Two parallel roads 6 m apart leave the extent: their cut ends are no dead ends to snap."""
    network, report = build(tmp_path, [road("primary", "横路", (-500, 0), (6, 0), (500, 0)),
                                       road("residential", "西路", (0, -300), (0, 6_000)),
                                       road("residential", "东路", (6, 0), (6, 6_000))],
                            extent=(120.68, 27.88, 120.72, 27.9 + 300 / METRES_PER_DEGREE))
    assert report.ends_snapped == 0
    assert length_by_name(network)["东路"] == pytest.approx(300.0, abs=0.3)
    assert length_by_name(network)["西路"] == pytest.approx(600.0, abs=0.3)
    assert report.drivable_km == pytest.approx(1.9, abs=1e-3)


@pytest.mark.parametrize(("options", "error", "match"), [
    ({"extent": (120.72, 27.88, 120.68, 27.92)}, InvalidParameter, r"extent_wgs84: expected \(west, south"),
    ({"extent": (120.68, 27.88, 120.72)}, InvalidParameter, r"extent_wgs84"),
    ({"snap_m": -1}, InvalidParameter, r"snap_m: expected a snapping distance in metres"),
    ({"extent": (121.5, 27.0, 121.6, 27.1)}, NetworkSourceError, r"extract\.json holds no drivable road inside"),
])
def test_invalid_options_and_an_empty_extent(tmp_path, options, error, match):
    with pytest.raises(error, match=match):
        build(tmp_path, [road("primary", "干道", (-500, 0), (500, 0))], **options)
