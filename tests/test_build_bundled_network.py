"""Tests for scripts/build_bundled_network.py: the extent, the files written, and the real Wenzhou build."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from bbbike_fixtures import TYPES, road, write_extract
from geo.network.loading import load_network
from geo.network.road_network import haversine_m
from geo.network.osm_source import DRIVABLE_HIGHWAYS

REPO = Path(__file__).resolve().parent.parent
CACHE_FILES = ("nodes.parquet", "edges.parquet", "meta.json")


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_bundled_network",
                                                  REPO / "scripts" / "build_bundled_network.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# Four streets on the tiny plan's ring rectangle (conftest.tiny_layers), 150 m outside it, as OSM would map them.
RING_STREETS = [
    [TYPES.index("primary"), "北环路", [[120.1185, 27.9214], [120.1415, 27.9214]]],
    [TYPES.index("primary"), "东环路", [[120.1415, 27.9214], [120.1415, 27.8786]]],
    [TYPES.index("primary"), "南环路", [[120.1415, 27.8786], [120.1185, 27.8786]]],
    [TYPES.index("primary"), "西环路", [[120.1185, 27.8786], [120.1185, 27.9214]]],
    [TYPES.index("residential"), "", [[120.1300, 27.9214], [120.1300, 27.9000]]],  # a street off the ring
]


def test_writes_the_cache_diagnostics_and_matched_ring_identically_twice(builder, write_layers, tmp_path):
    data_dir = write_layers()
    source = write_extract(tmp_path / "extract.json", [road("primary", "东西路", (-500, 0), (500, 0)),
                                                       road("residential", "南北路", (0, -400), (0, 400)),
                                                       road("residential", "近路", (300, 8), (300, 200)),
                                                       *RING_STREETS])
    for out in ("a", "b"):
        builder.main(["--data-dir", str(data_dir), "--source", str(source), "--out", str(tmp_path / out)])
    for name in CACHE_FILES + ("diagnostics.geojson", "ring.geojson"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    network = load_network(tmp_path / "a")
    assert network.source["built_by"] == "scripts/build_bundled_network.py"
    assert network.source["build"]["ends_snapped"] == 1
    assert set(network.name[network.ring_id != ""]) == {"北环路", "东环路", "南环路", "西环路"}
    ring = json.loads((tmp_path / "a" / "ring.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["id"] for f in ring["features"]] == ["RING-N", "RING-E", "RING-S", "RING-W"]
    corners = [street[2][0] for street in RING_STREETS[:4]]
    perimeter = sum(haversine_m(*a, *b) for a, b in zip(corners, corners[1:] + corners[:1]))
    assert sum(f["properties"]["matched_length_m"] for f in ring["features"]) == pytest.approx(perimeter, abs=0.2)
    assert network.source["plan_match"]["projects"][0]["id"] == "R01"  # the tiny plan's one road project
    diagnostics = json.loads((tmp_path / "a" / "diagnostics.geojson").read_text(encoding="utf-8"))
    # the streets round ORIGIN are kept apart from the ring: outside the largest component
    assert sorted({f["properties"]["kind"] for f in diagnostics["features"]}) == ["noded", "outside_component",
                                                                                 "snap_line", "snapped"]
    assert not (tmp_path / "a" / "no-road-areas.geojson").exists()


@pytest.fixture(scope="module")
def real_builds(builder, tmp_path_factory) -> list[Path]:
    """The real Wenzhou network for the plan's extent, built twice (about ten seconds each)."""
    outs = [tmp_path_factory.mktemp(name) for name in ("real-a", "real-b")]
    for out in outs:
        builder.main(["--out", str(out)])
    return outs


def test_real_build_is_deterministic(real_builds):
    first, second = real_builds
    for name in CACHE_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_real_network_is_one_strongly_connected_drivable_component(real_builds):
    network = load_network(real_builds[0])
    build = network.source["build"]
    assert build["largest_component_share"] >= 0.98
    assert build["repaired"] == [3624, 3669]
    assert set(network.highway) <= DRIVABLE_HIGHWAYS
    adjacency = coo_array((np.ones(network.n_edges), (network.edge_u, network.edge_v)),
                          shape=(network.n_nodes, network.n_nodes))
    assert connected_components(adjacency, directed=True, connection="strong")[0] == 1
    assert network.n_nodes > 20_000 and 7000 < network.length_m.sum() / 2000 < 9000
    assert network.source["extract"] == "BBBike 2026-06-08" and network.source["source"] == "osm"


def test_bundled_network_is_up_to_date(real_builds):
    """data/network/ must be rebuilt (python scripts/build_bundled_network.py) when its inputs or rules change."""
    for name in CACHE_FILES:
        assert (real_builds[0] / name).read_bytes() == (REPO / "data" / "network" / name).read_bytes(), name
