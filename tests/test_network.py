"""Tests for geo.network.road_network: the one loader over the three sources, the Parquet cache, clipping."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import osmnx as ox
import pytest
import shapely

from geo.errors import InvalidGeometry, InvalidParameter, NetworkSourceError
from geo.network.loading import load_network
from geo.network.road_network import (RoadNetwork, clip_network, default_network_dir, haversine_m, is_real_network, keep_nodes,
                         network_attribution, network_label, read_network_cache, save_network)
from geo.network.osm_source import graph_to_network
from geo.network.speeds import SpeedConfig
from osm_reference import Counts, drivable_counts, osmnx_default_counts

TEST_DATA = Path(__file__).resolve().parent / "data"
HELSINKI_XML = TEST_DATA / "helsinki-highways.osm.bz2"
HELSINKI_PBF = TEST_DATA / "helsinki.osm.pbf"
WEST_OAKLAND = TEST_DATA / "west-oakland.osm.bz2"
ARRAY_FIELDS = ("node_id", "x", "y", "edge_u", "edge_v", "length_m", "speed_kph", "highway", "name", "project_id",
                "oneway", "maxspeed")


@pytest.fixture(scope="module")
def helsinki() -> RoadNetwork:
    return load_network(HELSINKI_XML)


def tiny_network(**changes) -> RoadNetwork:
    """Three nodes in a row, a two-way street a–b and a one-way street b→c."""
    fields = dict(node_id=np.array([10, 20, 30]), x=np.array([120.70, 120.71, 120.72]),
                  y=np.array([27.90, 27.90, 27.90]), edge_u=np.array([0, 1, 1]), edge_v=np.array([1, 0, 2]),
                  length_m=np.array([985.0, 985.0, 985.0]), speed_kph=np.array([50.0, 50.0, 30.0]),
                  highway=np.array(["primary", "primary", "residential"], dtype=object),
                  name=np.array(["环山北路", "环山北路", ""], dtype=object),
                  project_id=np.array(["R12", "R12", ""], dtype=object), source={"source": "test", "n": 1},
                  oneway=np.array([False, False, True]), maxspeed=np.array(["", "", "30"], dtype=object))
    return RoadNetwork(**{**fields, **changes})


# The expected counts below come from tests/osm_reference.py, which reads each file with pyosmium and builds the
# network from the documented rules without OSMnx or the project's code; the literals pin the test data.
@pytest.fixture(scope="module")
def helsinki_counts() -> Counts:
    counts = drivable_counts(HELSINKI_XML)
    assert counts == Counts(nodes=321, edges=591, one_way=217)
    return counts


def test_osmnx_reads_the_helsinki_counts_and_the_conversion_merges_only_parallel_edges():
    graph = ox.graph_from_xml(HELSINKI_XML)
    assert (len(graph), graph.number_of_edges()) == osmnx_default_counts(HELSINKI_XML) == (2593, 7278)
    distinct = {(u, v) for u, v in graph.edges() if u != v}
    network = graph_to_network(graph)
    assert network.n_nodes == 2593
    assert network.n_edges == len(distinct) == 7009


def test_helsinki_drive_network_keeps_only_drivable_roads(helsinki, helsinki_counts):
    assert (helsinki.n_nodes, helsinki.n_edges) == (helsinki_counts.nodes, helsinki_counts.edges)
    assert set(helsinki.highway) <= {"primary", "primary_link", "secondary", "tertiary", "tertiary_link",
                                     "residential", "unclassified", "service", "living_street"}
    assert helsinki.source["source"] == "osm-file"
    assert "OpenStreetMap" in helsinki.source["description"]
    chords = haversine_m(helsinki.x[helsinki.edge_u], helsinki.y[helsinki.edge_u], helsinki.x[helsinki.edge_v],
                         helsinki.y[helsinki.edge_v])
    assert np.all(helsinki.length_m >= chords - 0.01)  # a shape is never shorter than its chord
    assert (helsinki.length_m > chords + 1.0).any()  # merged ways keep their curved length


def test_maxspeed_is_honoured_and_lists_use_the_smallest(helsinki):
    posted_30 = helsinki.maxspeed == "30"
    assert posted_30.sum() > 100
    assert np.all(helsinki.speed_kph[posted_30] == 30.0)
    assert np.all(helsinki.speed_kph[helsinki.maxspeed == "40;30"] == 30.0)
    unposted_service = (helsinki.maxspeed == "") & (helsinki.highway == "service")
    assert np.all(helsinki.speed_kph[unposted_service] == 20.0)


def test_maxspeed_can_be_ignored_by_config():
    network = load_network(HELSINKI_XML, speeds=SpeedConfig(honour_maxspeed=False))
    assert np.all(network.speed_kph[network.highway == "secondary"] == 40.0)


def test_one_way_streets_appear_in_one_direction_only(helsinki, helsinki_counts):
    edges = set(zip(helsinki.edge_u.tolist(), helsinki.edge_v.tolist()))
    two_way = ~helsinki.oneway
    assert all((v, u) in edges for u, v in zip(helsinki.edge_u[two_way], helsinki.edge_v[two_way]))
    fredrikinkatu = helsinki.name == "Fredrikinkatu"
    assert fredrikinkatu.sum() >= 3 and helsinki.oneway[fredrikinkatu].all()
    assert not any((v, u) in edges for u, v in zip(helsinki.edge_u[fredrikinkatu], helsinki.edge_v[fredrikinkatu]))
    assert helsinki.oneway.sum() == helsinki_counts.one_way


def test_merged_names_are_joined_with_a_slash(helsinki):
    assert any(set(name.split("/")) == {"Mikonkatu", "Yliopistonkatu"} for name in helsinki.name)


def test_pbf_with_missing_nodes_is_repaired_and_the_dropped_refs_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="geo.network.osm_source"):
        network = load_network(HELSINKI_PBF)
    counts = drivable_counts(HELSINKI_PBF)  # ways cut at their missing nodes, as the docstring there says
    assert (counts.nodes, counts.edges, counts.dropped_refs) == (337, 627, 133)
    assert (network.n_nodes, network.n_edges, network.oneway.sum()) == (counts.nodes, counts.edges, counts.one_way)
    assert network.source["dropped_node_refs"] == counts.dropped_refs
    assert "dropped 133 references to nodes missing" in caplog.text
    assert {"Mannerheimintie", "Fredrikinkatu"} <= set(network.name)


def test_polygon_clip_keeps_only_edges_inside(helsinki):
    box = shapely.box(24.940, 60.165, 24.948, 60.172)
    clipped = load_network(HELSINKI_XML, polygon=box)
    assert 0 < clipped.n_nodes < helsinki.n_nodes
    assert shapely.contains_xy(box, clipped.x, clipped.y).all()
    inside = shapely.contains_xy(box, helsinki.x, helsinki.y)
    assert clipped.n_edges == (inside[helsinki.edge_u] & inside[helsinki.edge_v]).sum()
    assert clipped.edge_u.max() < clipped.n_nodes and clipped.edge_v.max() < clipped.n_nodes


def test_polygon_outside_the_network_is_an_error(helsinki):
    with pytest.raises(NetworkSourceError, match="holds no edge of the network"):
        clip_network(helsinki, shapely.box(120.6, 27.8, 120.9, 28.0))


def test_clip_needs_a_polygon(helsinki):
    with pytest.raises(InvalidGeometry, match="Polygon"):
        clip_network(helsinki, shapely.Point(24.94, 60.17))


@pytest.mark.parametrize(("file_name", "content"), [
    ("notes.osm", b"these are not roads\n"), ("page.osm", b"<html><body>roads</body></html>"),
    ("broken.osm.bz2", b"not compressed at all"),
])
def test_a_file_that_is_not_osm_is_an_error_naming_it(tmp_path, file_name, content):
    (tmp_path / file_name).write_bytes(content)
    with pytest.raises(NetworkSourceError, match=rf"{file_name.replace('.', '[.]')} is not an OpenStreetMap XML file"):
        load_network(tmp_path / file_name)


def test_a_pbf_that_is_not_osm_is_an_error_naming_it(tmp_path):
    fake = tmp_path / "fake.osm.pbf"
    fake.write_bytes(b"\x00\x01 not a protobuf")
    with pytest.raises(NetworkSourceError, match=r"fake\.osm\.pbf is not an OpenStreetMap PBF file"):
        load_network(fake)


def test_unknown_suffix_and_missing_path_are_errors(tmp_path):
    table = tmp_path / "roads.csv"
    table.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(NetworkSourceError, match=r"roads\.csv is not a network source"):
        load_network(table)
    with pytest.raises(NetworkSourceError, match="does not exist"):
        load_network(tmp_path / "missing")
    with pytest.raises(NetworkSourceError, match="has no meta.json"):
        load_network(tmp_path)


def test_cache_round_trip_preserves_every_array_and_the_source(tmp_path, helsinki):
    save_network(helsinki, tmp_path / "cache")
    loaded = load_network(tmp_path / "cache")
    for name in ARRAY_FIELDS:
        assert np.array_equal(getattr(loaded, name), getattr(helsinki, name)), name
    assert loaded.source == helsinki.source
    assert all(a.equals(b) if a is not None else b is None for a, b in zip(loaded.geometry, helsinki.geometry))
    meta = json.loads((tmp_path / "cache" / "meta.json").read_text(encoding="utf-8"))
    assert (meta["n_nodes"], meta["n_edges"]) == (helsinki.n_nodes, helsinki.n_edges)


def test_cache_round_trip_of_a_hand_built_network(tmp_path):
    network = tiny_network()
    loaded = read_network_cache(save_network(network, tmp_path))
    for name in ARRAY_FIELDS:
        assert list(getattr(loaded, name)) == list(getattr(network, name)), name
    assert loaded.geometry is None
    assert loaded.source == {"source": "test", "n": 1}


def test_cache_speeds_can_be_recomputed_on_load(tmp_path):
    save_network(tiny_network(), tmp_path)
    faster = load_network(tmp_path, speeds=SpeedConfig().with_overrides({"primary": 60}))
    assert list(faster.speed_kph) == [60.0, 60.0, 30.0]
    assert faster.source["speeds"]["class_speeds"]["primary"] == 60.0


def test_cache_of_another_format_version_is_rejected(tmp_path):
    save_network(tiny_network(), tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "format_version": 99}), encoding="utf-8")
    with pytest.raises(NetworkSourceError, match="cache format 99"):
        load_network(tmp_path)


def test_bundled_network_is_real_osm_with_the_ring_and_projects_matched():
    network = load_network()
    assert network.source["source"] == "osm" and network.source["extract"] == "BBBike 2026-06-08"
    assert network.source["attribution"] == "© OpenStreetMap contributors"
    assert network.source["built_by"] == "scripts/build_bundled_network.py"
    assert not network.oneway.any()  # the extract has no oneway: every road is two-way
    assert set(network.ring_id) == {"", "RING-N", "RING-E", "RING-S", "RING-W"}
    assert {"瓯越大道", "环山东路", "罗山大道"} <= set(network.name[network.ring_id != ""])
    assert "R15" not in set(network.project_id)  # a railway builds no road edge
    assert network_label(network.source) == "OpenStreetMap 真实路网（BBBike 2026-06-08 提取）"
    assert network_attribution(network.source) == "© OpenStreetMap contributors"


def test_labels_say_plainly_when_a_network_is_not_real():
    synthetic = {"source": "synthetic-grid", "description": "synthetic 100-node grid"}
    assert not is_real_network(synthetic) and network_attribution(synthetic) is None
    assert network_label(synthetic) == "示意路网：非真实道路"  # an English description is not shown on Chinese pages
    assert network_label({"source": "osm-download", "downloaded": "2026-12-01"}) == \
        "OpenStreetMap 真实路网（2026-12-01 下载）"


def test_bundled_cache_is_small():
    total = sum(f.stat().st_size for f in default_network_dir().iterdir())
    assert total < 5 * 1024 * 1024


def test_network_env_var_is_read_at_call_time(tmp_path, monkeypatch):
    save_network(tiny_network(), tmp_path)
    monkeypatch.setenv("CORRIDOR_NETWORK", str(tmp_path))
    assert default_network_dir() == tmp_path
    assert load_network().source == {"source": "test", "n": 1}


def test_west_oakland_loads():
    network = load_network(WEST_OAKLAND)
    counts = drivable_counts(WEST_OAKLAND)
    assert counts == Counts(nodes=32, edges=61, one_way=9)
    assert (network.n_nodes, network.n_edges, network.oneway.sum()) == (counts.nodes, counts.edges, counts.one_way)


def test_travel_time_uses_congestion():
    network = tiny_network()
    assert network.travel_time_s() == pytest.approx([70.92, 70.92, 118.2])
    assert network.travel_time_s(congestion=0.5) == pytest.approx([141.84, 141.84, 236.4])


def test_select_edges_and_keep_nodes_renumber_consistently():
    network = tiny_network()
    without_project = network.select_edges(network.project_id == "")
    assert without_project.n_nodes == 3 and without_project.n_edges == 1
    compact = keep_nodes(without_project, None)
    assert list(compact.node_id) == [20, 30]
    assert (compact.edge_u[0], compact.edge_v[0]) == (0, 1)


def test_inconsistent_arrays_are_rejected():
    with pytest.raises(NetworkSourceError, match="name has 2"):
        tiny_network(name=np.array(["a", "b"], dtype=object))


@pytest.mark.parametrize("congestion", [0, -0.6, float("nan"), "fast"])
def test_bad_congestion_is_rejected(congestion):
    with pytest.raises(InvalidParameter, match="congestion"):
        tiny_network().travel_time_s(congestion=congestion)
