"""Tour planning end to end: optimal order on a road network, constraints, clock, unreachable sites, bad input."""
from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from geo.errors import InvalidParameter
from geo.itinerary import GPX_NAMESPACE, parse_lunch
from geo.network import RoadNetwork, save_network
from geo.plan import load_plan, reference_points
from geo.synthetic_network import synthetic_grid_network
from geo.tour_routing import routing_graph, snap_points
from geo.tour_sites import Site
from geo.tours import TourRequest, plan_tour, tour_request
from web.cli import main

ORIGIN = (120.60, 27.90)  # south-west corner of a 20 × 20 grid with 300 m spacing (about 6 × 6 km)
START = Site(id="HQ", name="指挥部", kind="reference", lon=120.605, lat=27.905)
SITE_POSITIONS = [(120.640, 27.930), (120.615, 27.945), (120.655, 27.910), (120.625, 27.920),
                  (120.650, 27.950), (120.610, 27.925)]
SITES = [Site(id=f"S{i}", name=f"点位{i}", kind="block", lon=lon, lat=lat)
         for i, (lon, lat) in enumerate(SITE_POSITIONS, start=1)]
FAR_AWAY = Site(id="FAR", name="远方点位", kind="block", lon=121.5, lat=28.5)


@pytest.fixture(scope="module")
def network() -> RoadNetwork:
    return synthetic_grid_network(400, seed=3, spacing_m=300.0, origin=ORIGIN)


@pytest.fixture(scope="module")
def graph(network: RoadNetwork):
    return routing_graph(network)


def networkx_seconds(network: RoadNetwork, nodes: list[int]) -> np.ndarray:
    """Travel seconds between ``nodes`` by networkx, independently of the SciPy matrix."""
    digraph = nx.DiGraph()
    for u, v, seconds in zip(network.edge_u, network.edge_v, network.travel_time_s()):
        if not digraph.has_edge(u, v) or digraph[u][v]["weight"] > seconds:
            digraph.add_edge(int(u), int(v), weight=float(seconds))
    rows = [nx.single_source_dijkstra_path_length(digraph, node) for node in nodes]
    return np.array([[row[target] for target in nodes] for row in rows])


def brute_force_seconds(seconds: np.ndarray, *, end: int | None) -> float:
    stops = [i for i in range(1, len(seconds)) if i != end]
    return min(sum(seconds[a, b] for a, b in zip(path, path[1:]))
               for order in itertools.permutations(stops)
               for path in [[0, *order, *([end] if end is not None else [])]])


def visited_seconds(seconds: np.ndarray, ids: list[str], index: dict[str, int]) -> float:
    path = [index[i] for i in ids]
    return sum(seconds[a, b] for a, b in zip(path, path[1:]))


@pytest.mark.parametrize("end", ["start", "open", "S6"])
def test_order_is_optimal_and_respects_start_and_end(network, graph, end: str) -> None:
    places = [START, *SITES]
    snap = snap_points(graph, [p.lon for p in places], [p.lat for p in places])
    seconds = networkx_seconds(network, [int(n) for n in snap.node])
    index = {p.id: i for i, p in enumerate(places)}
    end_site = SITES[-1] if end == "S6" else end
    tour = plan_tour(graph, TourRequest(sites=SITES, start=START, end=end_site))
    ids = [p["id"] for p in tour["points"]]
    assert ids[0] == "HQ" and sorted(ids[1:len(SITES) + 1]) == sorted(s.id for s in SITES)
    expected_last = {"start": "HQ", "open": ids[-1], "S6": "S6"}[end]
    assert ids[-1] == expected_last and len(ids) == len(SITES) + 1 + (end == "start")
    optimum = brute_force_seconds(seconds, end={"start": 0, "open": None, "S6": index["S6"]}[end])
    assert visited_seconds(seconds, ids, index) == pytest.approx(optimum, rel=1e-9)
    assert tour["totals"]["drive_min"] == pytest.approx(optimum / 60, abs=0.05)
    assert tour["solver"] == {"method": "held-karp", "optimal": True}


def test_legs_chain_and_clock_adds_up(graph) -> None:
    request = TourRequest(sites=SITES[:3], start=START, depart=8 * 60, dwell=15, dwell_by_site={"S2": 40})
    tour = plan_tour(graph, request)
    points, legs = tour["points"], tour["legs"]
    assert len(legs) == len(points) - 1
    for leg, origin, target in zip(legs, points, points[1:]):
        assert (leg["from"], leg["to"]) == (origin["id"], target["id"])
        assert target["arrive_min"] == pytest.approx(origin["depart_min"] + leg["drive_min"], abs=0.06)
        coordinates = leg["geometry"]["coordinates"]
        assert leg["geometry"]["type"] == "LineString" and len(coordinates) >= 2
    for point in points[1:-1]:
        assert point["depart_min"] - point["arrive_min"] == pytest.approx(40 if point["id"] == "S2" else 15)
    totals = tour["totals"]
    assert totals["dwell_min"] == 15 + 15 + 40 and totals["lunch_min"] == 0
    assert totals["duration_min"] == pytest.approx(totals["drive_min"] + totals["dwell_min"], abs=0.2)
    assert totals["distance_km"] == pytest.approx(sum(leg["distance_km"] for leg in legs), abs=0.02)
    assert all(p["amap_url"].startswith("https://uri.amap.com/navigation?to=") for p in points)


def test_lunch_is_taken_once_before_driving_on(graph) -> None:
    request = TourRequest(sites=SITES, start=START, depart=11 * 60 + 20, dwell=20,
                          lunch=parse_lunch("12:00-13:00", duration=50))
    tour = plan_tour(graph, request)
    lunch = tour["lunch"]
    assert lunch["taken"]
    at = next(p for p in tour["points"] if p["lunch_min"])
    assert at["id"] == lunch["at"]
    assert 12 * 60 <= at["arrive_min"] + 20 < 13 * 60
    assert at["depart_min"] == pytest.approx(at["arrive_min"] + 20 + 50)
    earlier = tour["points"][1:at["seq"]]
    assert all(p["arrive_min"] + 20 < 12 * 60 for p in earlier)
    totals = tour["totals"]
    assert totals["duration_min"] == pytest.approx(totals["drive_min"] + totals["dwell_min"] + 50, abs=0.2)


def test_budget_check(graph) -> None:
    tight = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, budget=30))
    assert tight["budget"]["within"] is False and tight["budget"]["over_min"] > 0
    loose = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, budget=600))
    assert loose["budget"]["within"] is True and loose["budget"]["over_min"] == 0


def test_unreachable_sites_are_named_and_the_rest_planned(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=[SITES[0], FAR_AWAY, SITES[1]], start=START))
    assert tour["unreachable"] == [{"id": "FAR", "name": "远方点位", "reason": "far",
                                    "message": "远方点位：距道路超过 2 公里"}]
    assert [o["id"] for o in tour["order"]] in (["S1", "S2"], ["S2", "S1"])


def test_nothing_reachable_or_unreachable_start(graph) -> None:
    with pytest.raises(InvalidParameter, match="sites: none of the sites can be reached.*远方点位"):
        plan_tour(graph, TourRequest(sites=[FAR_AWAY], start=START))
    with pytest.raises(InvalidParameter, match="start: 远方点位 cannot be reached"):
        plan_tour(graph, TourRequest(sites=SITES[:2], start=FAR_AWAY))


def test_start_among_the_sites_is_inspected_first(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=SITES[:3], start=SITES[0], dwell=25, depart=9 * 60))
    assert tour["points"][0]["depart_min"] == 9 * 60 + 25
    assert tour["totals"]["stops"] == 3 and len(tour["order"]) == 3


def test_schematic_network_is_labelled(network) -> None:
    schematic = replace(network, source={"source": "bundled-schematic", "description": "示意"})
    tour = plan_tour(routing_graph(schematic), TourRequest(sites=SITES[:1], start=START))
    assert tour["network"]["label"] == "示意路网" and tour["network"]["schematic"] is True


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sites": []}, "sites: expected at least one site"),
    ({"sites": [replace(SITES[0], id=f"X{i}") for i in range(61)]}, "sites: at most 60 stops per tour, got 61"),
    ({"dwell": -5}, "dwell: expected dwell minutes from 0 to 1440"),
    ({"dwell_by_site": {"S1": float("nan")}}, "dwell\\[S1\\]"),
    ({"end": "somewhere"}, "end: expected 'start', 'open' or a site"),
    ({"budget": 0}, "budget: expected a positive number"),
])
def test_bad_request(kwargs: dict, message: str) -> None:
    arguments = {"sites": SITES[:2], "start": START, **kwargs}
    with pytest.raises(InvalidParameter, match=message):
        TourRequest(**arguments)


PLACES = ("name,kind,district,lat,lon,crs,confidence,source\n"
          "温州市人民政府,reference,鹿城区,27.93,120.09,WGS84,high,test\n")


@pytest.fixture
def plan_dir(write_layers) -> Path:
    return write_layers(places=PLACES)


@pytest.fixture
def network_dir(tmp_path: Path) -> Path:
    """A 13 × 13 grid with 1 km spacing over the tiny plan's 鹿城区, cached like the bundled network."""
    grid = synthetic_grid_network(169, seed=1, spacing_m=1000.0, origin=(120.05, 27.85))
    directory = tmp_path / "network"
    save_network(replace(grid, source={"source": "bundled-schematic"}), directory)
    return directory


def test_tour_request_collects_every_problem(plan_dir: Path) -> None:
    plan, references = load_plan(plan_dir), reference_points(plan_dir)
    with pytest.raises(InvalidParameter) as caught:
        tour_request(plan, references, sites=["B01", "B99"], dwell=-1, depart="7h", start="nowhere")
    assert caught.value.field == "dwell, sites, start, depart"
    assert "unknown site id(s): B99" in str(caught.value)


def test_ending_where_it_starts_is_a_round_trip(plan_dir: Path) -> None:
    plan, references = load_plan(plan_dir), reference_points(plan_dir)
    request = tour_request(plan, references, sites=["B01", "R01"], start="B01", end="B01")
    assert request.end == "start"


def test_tour_request_by_query(plan_dir: Path) -> None:
    plan, references = load_plan(plan_dir), reference_points(plan_dir)
    request = tour_request(plan, references, query={"category": "ring_road"}, end="open", lunch="12:00-13:00")
    assert [s.id for s in request.sites] == ["E02"] and request.start.name == "温州市人民政府"
    assert request.lunch is not None and request.lunch.duration == 60
    with pytest.raises(InvalidParameter, match="query: no site matches"):
        tour_request(plan, references, query={"district": "龙湾区"})


def test_cli_itinerary_json_and_gpx(plan_dir: Path, network_dir: Path, tmp_path: Path) -> None:
    common = ["tour", "--data-dir", str(plan_dir), "--network", str(network_dir), "--sites", "B01,R01,E02"]
    text = CliRunner().invoke(main, common + ["--depart", "09:00", "--dwell", "30"])
    assert text.exit_code == 0, text.output
    assert "起点  温州市人民政府　离开 09:00" in text.output and "测试大道" in text.output
    assert "示意路网" in text.output
    gpx = tmp_path / "tour.gpx"
    result = CliRunner().invoke(main, common + ["--json", "--end", "open", "--gpx", str(gpx)])
    assert result.exit_code == 0, result.output
    tour = json.loads(result.output)
    assert {o["id"] for o in tour["order"]} == {"B01", "R01", "E02"} and tour["params"]["end"] == "open"
    waypoints = ET.parse(gpx).getroot().findall(f"{{{GPX_NAMESPACE}}}wpt")
    assert len(waypoints) == len(tour["points"]) == 4


@pytest.mark.parametrize(("arguments", "message"), [
    (["--sites", "B01,B77"], "sites: unknown site id(s): B77"),
    (["--sites", ""], "sites: expected at least one site"),
    (["--sites", "B01", "--dwell", "-10"], "dwell: expected dwell minutes"),
    (["--sites", "B01", "--depart", "8 o'clock"], "depart: expected a time of day as HH:MM"),
    (["--sites", "B01", "--dwell-at", "B01:20"], "--dwell-at: expected ID=MINUTES"),
])
def test_cli_bad_input(plan_dir: Path, network_dir: Path, arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["tour", "--data-dir", str(plan_dir), "--network", str(network_dir),
                                       *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_points_report_their_distance_to_the_network(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=SITES[:2], start=START))
    assert all(0 <= p["snap_m"] <= 300 for p in tour["points"])  # a 300 m grid: never farther than its cells
