"""Tests for scripts/build_bundled_network.py on the tiny hand-built plan layers."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo.network import load_network

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_bundled_network",
                                                  REPO / "scripts" / "build_bundled_network.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


def small_corridor(layers: dict) -> None:
    """Shrink the corridor to a 4 × 6 km box around the tiny ring; add a rail line and an expressway."""
    corridor = next(f for f in layers["districts"]["features"] if f["properties"]["id"] == "CORRIDOR")
    box = [[120.11, 27.875], [120.15, 27.875], [120.15, 27.925], [120.11, 27.925], [120.11, 27.875]]
    corridor["geometry"] = {"type": "Polygon", "coordinates": [box]}
    template = layers["roads"]["features"][0]
    rail = json.loads(json.dumps(template))
    rail["properties"].update(id="R15", name="市域铁路S2线一期")
    rail["geometry"]["coordinates"] = [[120.115, 27.88], [120.145, 27.92]]
    expressway = json.loads(json.dumps(template))
    expressway["properties"].update(id="R08", name="金丽温高速东延线")
    expressway["geometry"]["coordinates"] = [[120.100, 27.915], [120.150, 27.9155]]
    layers["roads"]["features"] += [rail, expressway]


def test_builds_a_connected_schematic_network(builder, write_layers, tmp_path):
    data_dir = write_layers(small_corridor)
    network, core = builder.build_bundled_network(data_dir)
    assert network.source["source"] == "bundled-schematic"
    assert any("R15" in note and "rail" in note for note in network.source["notes"])
    assert "R15" not in set(network.project_id)
    assert {"环山北路", "环山东路", "环山南路", "环山西路", "测试大道", "金丽温高速东延线"} <= set(network.name)
    assert set(network.project_id[network.name == "环山南路"]) == {"R01"}
    adjacency = coo_array((np.ones(network.n_edges), (network.edge_u, network.edge_v)),
                          shape=(network.n_nodes, network.n_nodes))
    assert connected_components(adjacency, directed=True, connection="strong")[0] == 1
    local = network.highway == "residential"
    assert 100 < np.median(network.length_m[local]) <= 500
    assert core.is_empty  # a ring 2 km wide has no core 1 km inside it


def test_expressway_passes_over_local_streets(builder, write_layers):
    network, _ = builder.build_bundled_network(write_layers(small_corridor))
    expressway_nodes = set(network.edge_u[network.name == "金丽温高速东延线"])
    local_nodes = set(network.edge_u[network.highway == "residential"]) | set(
        network.edge_u[network.highway == "secondary"])
    ring_nodes = set(network.edge_u[np.char.startswith(network.name.astype(str), "环山")])
    assert expressway_nodes & ring_nodes  # interchanges with the ring
    assert not (expressway_nodes & local_nodes) - ring_nodes  # no junction with a local street


def test_build_is_deterministic_and_the_loader_returns_the_source_unchanged(builder, write_layers, tmp_path):
    data_dir = write_layers(small_corridor)
    for out in ("a", "b"):
        builder.main(["--data-dir", str(data_dir), "--out", str(tmp_path / out)])
    for name in ("nodes.parquet", "edges.parquet", "meta.json", "no-road-areas.geojson"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    meta = json.loads((tmp_path / "a" / "meta.json").read_text(encoding="utf-8"))
    assert load_network(tmp_path / "a").source == meta["source"]


def test_bundled_network_is_up_to_date_with_the_plan_data(builder, tmp_path):
    """data/network/ must be rebuilt (python scripts/build_bundled_network.py) whenever data/*.geojson change."""
    builder.main(["--data-dir", str(REPO / "data"), "--out", str(tmp_path)])
    for name in ("nodes.parquet", "edges.parquet", "meta.json", "no-road-areas.geojson"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / "network" / name).read_bytes(), name
