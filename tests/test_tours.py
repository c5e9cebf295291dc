"""Tour planning end to end: optimal order on a road network, constraints, clock, unreachable sites, bad input."""
from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from geo.errors import InvalidParameter
from geo.tours.itinerary import GPX_NAMESPACE, format_itinerary, parse_lunch
from geo.network.road_network import RoadNetwork, save_network
from geo.plan.layers import load_plan, reference_points
from geo.network.synthetic import synthetic_grid_network
from geo.tours.routing import routing_graph, snap_points
from geo.tours.sites import Site
from geo.tours.planner import plan_tour, tour_graph, tour_request
from geo.tours.request import TourRequest
from web.cli.main import main

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


def test_lunch_is_taken_once_inside_its_window(graph) -> None:
    request = TourRequest(sites=SITES, start=START, depart=11 * 60 + 20, dwell=20,
                          lunch=parse_lunch("12:00-13:00", duration=50))
    tour = plan_tour(graph, request)
    lunch = tour["lunch"]
    assert lunch["taken"] and lunch["timing"] in ("before_visit", "after_visit")
    [at] = [p for p in tour["points"] if p["lunch_min"]]
    assert at["id"] == lunch["at"] and (at["lunch_start"], at["lunch_end"]) == (lunch["start"], lunch["end"])
    assert "12:00" <= lunch["start"] and lunch["end"] <= "13:00" and at["lunch_min"] == 50
    assert at["depart_min"] == pytest.approx(at["arrive_min"] + 20 + 50 + at["wait_min"], abs=0.01)
    assert lunch["note"].startswith(f"{lunch['start']}–{lunch['end']} 在 {at['name']}（")
    totals = tour["totals"]
    assert totals["duration_min"] == pytest.approx(totals["drive_min"] + totals["dwell_min"] + 50 + totals["wait_min"],
                                                   abs=0.2)


def test_lunch_not_taken_says_why_in_chinese(graph) -> None:
    early = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, depart=8 * 60,
                                         lunch=parse_lunch("12:00-13:00", duration=60)))
    assert early["lunch"]["taken"] is False and early["lunch"]["missed"] == "before_window"
    assert early["lunch"]["note"] == "行程在午餐时段开始前已结束，未安排午餐"
    late = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, depart=12 * 60 + 30,
                                        lunch=parse_lunch("12:00-13:00", duration=60)))
    assert late["lunch"]["missed"] == "no_slot" and "12:00-13:00" in late["lunch"]["note"]


def test_budget_check(graph) -> None:
    tight = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, budget=30))
    assert tight["budget"]["within"] is False and tight["budget"]["over_min"] > 0
    loose = plan_tour(graph, TourRequest(sites=SITES[:2], start=START, budget=600))
    assert loose["budget"]["within"] is True and loose["budget"]["over_min"] == 0


def test_unreachable_sites_are_named_and_the_rest_planned(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=[SITES[0], FAR_AWAY, SITES[1]], start=START))
    [far] = tour["unreachable"]
    assert (far["id"], far["name"], far["reason"]) == ("FAR", "远方点位", "far")
    assert far["distance_m"] == far["main_network_m"] == pytest.approx(102_600, abs=300)
    assert re.fullmatch(r"远方点位：距最近道路 102,\d{3} 米，超过 1,000 米上限", far["message"])
    assert [o["id"] for o in tour["order"]] in (["S1", "S2"], ["S2", "S1"])


def test_nothing_reachable_or_unreachable_start(graph) -> None:
    with pytest.raises(InvalidParameter, match="sites: none of the sites can be reached.*远方点位"):
        plan_tour(graph, TourRequest(sites=[FAR_AWAY], start=START))
    with pytest.raises(InvalidParameter, match="start: 远方点位 cannot be reached: 距最近道路 102,"):
        plan_tour(graph, TourRequest(sites=SITES[:2], start=FAR_AWAY))


def grid_sites(network: RoadNetwork, count: int) -> list[Site]:
    """``count`` sites on distinct nodes of the grid (each snaps to its own node)."""
    return [Site(id=f"N{i}", name=f"路口{i}", kind="task", lon=float(network.x[i]), lat=float(network.y[i]))
            for i in range(1, count + 1)]


def test_unreachable_sites_do_not_count_against_the_stop_limit(network, graph) -> None:
    sites = [*grid_sites(network, 59), FAR_AWAY, replace(FAR_AWAY, id="FAR2", name="远方点位二", lat=26.0)]
    tour = plan_tour(graph, TourRequest(sites=sites, start=START, end="open"))
    assert tour["totals"]["stops"] == 59 and [u["id"] for u in tour["unreachable"]] == ["FAR", "FAR2"]


@pytest.mark.parametrize(("extra", "message"), [
    ([], "sites: at most 60 stops per tour, got 61 that can be reached; split the tour by district"),
    ([FAR_AWAY], "sites: at most 60 stops per tour, got 61 that can be reached \\(and 1 that cannot\\)"),
])
def test_more_than_sixty_reachable_stops_are_refused(network, graph, extra: list[Site], message: str) -> None:
    with pytest.raises(InvalidParameter, match=message) as caught:
        plan_tour(graph, TourRequest(sites=[*grid_sites(network, 61), *extra], start=START))
    assert caught.value.field == "sites"


def test_start_among_the_sites_is_inspected_first(graph) -> None:
    tour = plan_tour(graph, TourRequest(sites=SITES[:3], start=SITES[0], dwell=25, depart=9 * 60))
    assert tour["points"][0]["depart_min"] == 9 * 60 + 25
    assert tour["totals"]["stops"] == 3 and len(tour["order"]) == 3


def test_schematic_network_is_labelled(network) -> None:
    schematic = replace(network, source={"source": "synthetic-grid", "description": "测试网格"})
    tour = plan_tour(routing_graph(schematic), TourRequest(sites=SITES[:1], start=START))
    assert tour["network"]["label"] == "示意路网（测试网格）：非真实道路" and tour["network"]["schematic"] is True
    assert tour["network"]["attribution"] is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"sites": []}, "sites: expected at least one site"),
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


# A shortcut built by road project R01 (0 ↔ 2, 2 km) and a detour of existing roads (0 ↔ 1 ↔ 3 ↔ 2, 3 × 2.2 km),
# all at 36 km/h (10 m/s): the planned network drives 200 s each way, the baseline 660 s.
SHORTCUT_NODES = [(120.70, 28.00), (120.70, 28.02), (120.72, 28.00), (120.72, 28.02)]
SHORTCUT_LINKS = [(0, 2, 2000.0, "R01"), (0, 1, 2200.0, ""), (1, 3, 2200.0, ""), (3, 2, 2200.0, "")]
HQ_WEST = Site(id="HQ", name="指挥部", kind="reference", lon=120.7001, lat=28.0001)
EAST_SITE = Site(id="B01", name="东侧区块", kind="block", lon=120.7199, lat=28.0001)
# 1,350 m due south of node 0 along the meridian (metres per degree of latitude at 28° N: 110,842)
ISLAND = Site(id="E01", name="七都岛", kind="task", lon=120.70, lat=28.00 - 1350 / 110_842)


def shortcut_network(source: dict | None = None) -> RoadNetwork:
    links = [*SHORTCUT_LINKS, *((v, u, length, project) for u, v, length, project in SHORTCUT_LINKS)]
    u, v, length, project = (np.array(column) for column in zip(*links))
    return RoadNetwork(node_id=np.arange(len(SHORTCUT_NODES)), x=np.array([p[0] for p in SHORTCUT_NODES]),
                       y=np.array([p[1] for p in SHORTCUT_NODES]), edge_u=u, edge_v=v,
                       length_m=length.astype(float), speed_kph=np.full(len(links), 36.0),
                       highway=np.full(len(links), "primary", dtype=object),
                       name=np.full(len(links), "", dtype=object), project_id=project.astype(object),
                       source=source or {"source": "test"})


def test_baseline_scenario_leaves_the_project_shortcut_out(plan_dir: Path) -> None:
    plan, request = load_plan(plan_dir), TourRequest(sites=[EAST_SITE], start=HQ_WEST)
    planned = plan_tour(tour_graph(shortcut_network(), plan), request)
    baseline = plan_tour(tour_graph(shortcut_network(), plan, scenario="baseline"), request)
    assert planned["params"]["scenario"] == "planned" and planned["params"]["scenario_label"] == "规划路网"
    assert baseline["params"]["scenario"] == "baseline" and baseline["params"]["scenario_label"] == "现状路网"
    assert (planned["params"]["edges_left_out"], baseline["params"]["edges_left_out"]) == (0, 2)
    assert planned["totals"]["drive_min"] == pytest.approx(400 / 60, abs=0.05)
    assert baseline["totals"]["drive_min"] == pytest.approx(1320 / 60, abs=0.05)
    assert baseline["legs"][0]["geometry"]["coordinates"] == [list(SHORTCUT_NODES[i]) for i in (0, 1, 3, 2)]
    assert planned["legs"][0]["geometry"]["coordinates"] == [list(SHORTCUT_NODES[i]) for i in (0, 2)]
    assert "规划路网" in format_itinerary(planned) and "现状路网" in format_itinerary(baseline)


@pytest.mark.parametrize("scenario", ["compare", "", None, "Baseline", ["planned"]])
def test_unknown_scenario(plan_dir: Path, scenario: object) -> None:
    with pytest.raises(InvalidParameter, match="scenario: expected 'planned' .* or 'baseline'"):
        tour_graph(shortcut_network(), load_plan(plan_dir), scenario=scenario)


def test_a_site_beyond_the_limit_is_reported_with_its_distance() -> None:
    tour = plan_tour(routing_graph(shortcut_network()), TourRequest(sites=[EAST_SITE, ISLAND], start=HQ_WEST))
    [island] = tour["unreachable"]
    assert island["distance_m"] == pytest.approx(1350, abs=2) and island["reason"] == "far"
    assert island["message"] == "七都岛：距最近道路 1,350 米，超过 1,000 米上限"
    assert "无法到达：七都岛：距最近道路 1,350 米，超过 1,000 米上限" in format_itinerary(tour)
    wider = plan_tour(routing_graph(shortcut_network()),
                      TourRequest(sites=[EAST_SITE, ISLAND], start=HQ_WEST, max_snap_m=1500))
    assert wider["unreachable"] == [] and wider["totals"]["stops"] == 2 and wider["params"]["max_snap_m"] == 1500


def test_osm_network_is_labelled_and_attributed() -> None:
    source = {"source": "osm", "extract": "BBBike 2026-06-08", "attribution": "© OpenStreetMap contributors"}
    tour = plan_tour(routing_graph(shortcut_network(source)), TourRequest(sites=[EAST_SITE], start=HQ_WEST))
    assert tour["network"]["label"] == "OpenStreetMap 真实路网（BBBike 2026-06-08 提取）"
    assert tour["network"]["schematic"] is False
    text = format_itinerary(tour)
    assert "路网：OpenStreetMap 真实路网（BBBike 2026-06-08 提取）（规划路网）" in text
    assert text.endswith("路网数据：© OpenStreetMap contributors") and "示意路网" not in text


def test_cli_scenario(plan_dir: Path, network_dir: Path) -> None:
    common = ["tour", "--data-dir", str(plan_dir), "--network", str(network_dir), "--sites", "B01"]
    result = CliRunner().invoke(main, common + ["--scenario", "baseline", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["params"]["scenario"] == "baseline"
    text = CliRunner().invoke(main, common)
    assert text.exit_code == 0 and "（规划路网）" in text.output
    bad = CliRunner().invoke(main, common + ["--scenario", "future"])
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines() == ["error: scenario: expected 'planned' (the network as mapped) or "
                                               "'baseline' (without the road projects' edges), got 'future'"]
