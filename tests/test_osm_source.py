"""Tests for geo.network.osm_source: drivable filter, graph conversion, and the download path (offline and local)."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import networkx as nx
import osmnx as ox
import pytest
import shapely
from click.testing import CliRunner

from geo.errors import DataFileError, InvalidGeometry, InvalidParameter, NetworkSourceError, NetworkUnavailable
from geo.network.loading import load_network
from geo.network.road_network import haversine_m
from geo.network.osm_source import fetch_network, graph_to_network, is_drivable, plan_extent
from web.cli.main import main

AREA = shapely.box(120.70, 27.90, 120.72, 27.92)


@pytest.mark.parametrize(("tags", "drivable"), [
    ({"highway": "primary"}, True), ({"highway": "service"}, True), ({"highway": "footway"}, False),
    ({"highway": "residential", "access": "private"}, False), ({"highway": "service", "service": "driveway"}, False),
    ({"highway": "pedestrian", "area": "yes"}, False), ({"building": "yes"}, False),
])
def test_is_drivable(tags, drivable):
    assert is_drivable(tags) is drivable


def test_graph_conversion_merges_parallel_edges_and_lists():
    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_node(1, x=120.70, y=27.90)
    graph.add_node(2, x=120.71, y=27.90)
    graph.add_edge(1, 2, length=1200.0, highway="primary", name="长路", oneway=False)
    graph.add_edge(1, 2, length=990.0, highway=["secondary", "primary"], name=["甲路", "乙路"], maxspeed=["60", "40"],
                   oneway=False)
    graph.add_edge(2, 1, length=990.0, highway="secondary", oneway=False)
    graph.add_edge(2, 2, length=50.0, highway="service", oneway=False)
    network = graph_to_network(graph, source={"source": "test"})
    assert (network.n_nodes, network.n_edges) == (2, 2)
    forward = list(zip(network.edge_u, network.edge_v)).index((0, 1))
    assert network.length_m[forward] == 990.0
    assert network.highway[forward] == "secondary"
    assert network.name[forward] == "甲路/乙路"
    assert network.maxspeed[forward] == "60;40"
    assert network.speed_kph[forward] == 40.0
    assert network.source["source"] == "test"


def test_download_area_must_be_a_polygon(tmp_path):
    with pytest.raises(InvalidGeometry, match="Polygon"):
        fetch_network(shapely.Point(120.7, 27.9), out=tmp_path)


def test_offline_download_fails_with_network_unavailable(tmp_path):
    """The test machine has no internet: the real download path must fail cleanly, not hang."""
    with pytest.raises(NetworkUnavailable, match="cannot reach .*needs internet access"):
        fetch_network(AREA, out=tmp_path / "osm", timeout_s=3)
    assert not (tmp_path / "osm").exists()


@pytest.fixture
def overpass_url(monkeypatch) -> Iterator[Callable[[str], None]]:
    def use(url: str) -> None:
        monkeypatch.setattr(ox.settings, "overpass_url", url)
    yield use


def test_refused_connection_is_network_unavailable(tmp_path, overpass_url):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    overpass_url(f"http://127.0.0.1:{port}/api")
    with pytest.raises(NetworkUnavailable, match="cannot reach 127.0.0.1"):
        fetch_network(AREA, out=tmp_path, timeout_s=2)


def test_server_that_never_answers_times_out(tmp_path, overpass_url):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        overpass_url(f"http://127.0.0.1:{silent.getsockname()[1]}/api")
        with pytest.raises(NetworkUnavailable, match="ReadTimeout"):
            fetch_network(AREA, out=tmp_path, timeout_s=1)


def _overpass_answer() -> dict:
    """A 3×3 grid of streets inside AREA: rows two-way, the middle column one-way northwards."""
    nodes = [{"type": "node", "id": 100 + 3 * r + c, "lat": 27.905 + 0.005 * r, "lon": 120.705 + 0.005 * c}
             for r in range(3) for c in range(3)]
    ways = [{"type": "way", "id": 10 + r, "nodes": [100 + 3 * r + c for c in range(3)],
             "tags": {"highway": "residential", "name": f"横{r}路"}} for r in range(3)]
    ways += [{"type": "way", "id": 20 + c, "nodes": [100 + 3 * r + c for r in range(3)],
              "tags": {"highway": "secondary", "maxspeed": "35", **({"oneway": "yes"} if c == 1 else {})}}
             for c in range(3)]
    return {"version": 0.6, "elements": nodes + ways}


def _overpass(answer: Callable[[], dict]) -> type[BaseHTTPRequestHandler]:
    """A request handler that answers every Overpass query with ``answer()``."""

    class FakeOverpass(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.dumps(answer()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return FakeOverpass


def test_download_from_a_local_overpass_server_saves_a_cache(tmp_path, overpass_url):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _overpass(_overpass_answer))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        overpass_url(f"http://127.0.0.1:{server.server_address[1]}/api")
        network = fetch_network(AREA, out=tmp_path / "osm", timeout_s=5)
    finally:
        server.shutdown()
    assert network.source["source"] == "osm-download"
    assert "downloaded" in network.source
    cached = load_network(tmp_path / "osm")
    assert cached.source == network.source
    assert list(cached.node_id) == [101, 103, 104, 105, 107]  # simplification merges the corners away
    one_way = [(cached.node_id[u], cached.node_id[v]) for u, v in zip(cached.edge_u[cached.oneway],
                                                                        cached.edge_v[cached.oneway])]
    assert sorted(one_way) == [(101, 104), (104, 107)]  # northwards only
    assert set(cached.speed_kph[cached.highway == "secondary"]) == {35.0}


def test_cli_fetch_network_fails_offline_with_a_clear_message(tmp_path):
    result = CliRunner().invoke(main, ["fetch-network", "--out", str(tmp_path / "osm"), "--timeout", "3"])
    assert result.exit_code == 2
    assert "cannot reach" in result.output and "needs internet access" in result.output


def test_osm_file_without_drivable_roads_is_an_error(tmp_path):
    footpath = tmp_path / "park.osm"
    footpath.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="27.90" lon="120.70"/><node id="2" lat="27.91" lon="120.70"/>'
        '<way id="5"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    with pytest.raises(NetworkSourceError, match=r"park\.osm holds no drivable road"):
        load_network(footpath)


def test_extent_is_the_plans_bounds_grown_by_the_margin_in_kilometres(write_layers):
    data_dir = write_layers()
    west, south, east, north = plan_extent(data_dir, margin_km=3.0)
    # tiny layers: the CORRIDOR square spans 120.05–120.75 E, 27.55–28.25 N and holds everything else
    assert south == pytest.approx(27.55 - 3000 / 111_195.08, abs=1e-6)
    for lon, lat, edge_lon in ((west, north, 120.05), (east, north, 120.75), (west, south, 120.05)):
        assert float(haversine_m(lon, lat, edge_lon, lat)) >= 3000.0
    assert float(haversine_m(east, south, 120.75, south)) == pytest.approx(3000.0, rel=0.02)
    wider = plan_extent(data_dir, margin_km=5.0)
    assert wider[0] < west and wider[3] > north


def test_extent_needs_a_margin_of_3_km_and_the_corridor(write_layers):
    with pytest.raises(InvalidParameter, match=r"margin_km: expected at least 3\.0 km"):
        plan_extent(write_layers(), margin_km=1.0)

    def drop_corridor(layers):
        layers["districts"]["features"] = [f for f in layers["districts"]["features"]
                                           if f["properties"]["id"] != "CORRIDOR"]

    with pytest.raises(DataFileError, match=r"districts\.geojson has no CORRIDOR feature"):
        plan_extent(write_layers(drop_corridor), margin_km=3.0)


def _ring_answer() -> dict:
    """Four two-way primary streets round the tiny plan's ring rectangle (conftest.tiny_layers), 150 m outside it,
    with residential streets leaving it at each corner and halfway along each side (junctions, which OSMnx keeps
    when it simplifies the network)."""
    corners = [(27.9214, 120.1185), (27.9214, 120.1415), (27.8786, 120.1415), (27.8786, 120.1185)]
    nodes = [{"type": "node", "id": 1 + i, "lat": lat, "lon": lon} for i, (lat, lon) in enumerate(corners)]
    nodes += [{"type": "node", "id": 31 + i, "lat": lat + 0.002, "lon": lon - 0.002}
              for i, (lat, lon) in enumerate(corners)]
    ways = [{"type": "way", "id": 300 + i, "nodes": [1 + i, 31 + i], "tags": {"highway": "residential"}}
            for i in range(4)]
    for i, ((lat0, lon0), (lat1, lon1)) in enumerate(zip(corners, corners[1:] + corners[:1])):
        middle, inner = 11 + i, 21 + i
        nodes += [{"type": "node", "id": middle, "lat": (lat0 + lat1) / 2, "lon": (lon0 + lon1) / 2},
                  {"type": "node", "id": inner, "lat": (lat0 + lat1) / 2 * 0.9 + 27.9 * 0.1,
                   "lon": (lon0 + lon1) / 2 * 0.9 + 120.13 * 0.1}]
        ways += [{"type": "way", "id": 100 + i, "nodes": [1 + i, middle, 1 + (i + 1) % 4],
                  "tags": {"highway": "primary", "name": f"环{i}路"}},
                 {"type": "way", "id": 200 + i, "nodes": [middle, inner], "tags": {"highway": "residential"}}]
    return {"version": 0.6, "elements": nodes + ways}


def test_cli_fetch_network_matches_the_ring_and_projects_before_caching(tmp_path, overpass_url, write_layers):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _overpass(_ring_answer))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        overpass_url(f"http://127.0.0.1:{server.server_address[1]}/api")
        result = CliRunner().invoke(main, ["fetch-network", "--out", str(tmp_path / "osm"), "--timeout", "5",
                                           "--data-dir", str(write_layers())])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "ring matched" in result.output
    cached = load_network(tmp_path / "osm")
    assert cached.source["source"] == "osm-download"
    on_ring = set(cached.name[cached.ring_id != ""])
    assert on_ring == {"环0路", "环1路", "环2路", "环3路"}  # the crossing street is not ring
    # the tiny plan draws its RING-S along lat 27.92 (the fixture's own naming), built by its R01
    assert set(cached.ring_id[cached.name == "环0路"]) == {"RING-S"}
    assert set(cached.project_id[cached.name == "环0路"]) == {"R01"}
    assert cached.source["plan_match"]["projects"][0]["method"] == "ring-segment"
