"""The accessibility check: times against NetworkX on real OSM data, one-way asymmetry, ring, loop, report, errors."""
from __future__ import annotations

import json
from dataclasses import replace

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from conftest import TEST_DATA
from scipy.sparse.csgraph import dijkstra

from geo.access.check import check_access, prepare_network, prepare_plan, time_to_ring
from geo.access.coverage import length_within
from geo.errors import InvalidParameter, RingNotConnected
from geo.network.loading import load_network
from geo.network.road_network import RoadNetwork, haversine_m
from geo.plan.layers import PlanData, load_plan
from geo.access.plan_matching import match_ring, ring_edge_ids
from geo.access.ring import LineZone, entry_nodes, match_ring_edges, ring_entry_nodes, ring_line, ring_nodes
from geo.access.ring_loop import drive_loop, drive_routes
from geo.network.road_graph import EdgeTwins, SettledLayout, edge_travel_time_s, travel_graph
from geo.plan.schema import PLAN_DISTRICTS

HELSINKI = TEST_DATA / "helsinki-highways.osm.bz2"
STEP = 0.005  # degrees between grid lines of the hand-built network


@pytest.fixture(scope="module")
def helsinki() -> RoadNetwork:
    return load_network(HELSINKI)


def networkx_times(network: RoadNetwork, targets, *, congestion: float = 1.0) -> dict[int, float]:
    """Reference: NetworkX multi-source Dijkstra to ``targets`` on the reversed multigraph."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    times = network.travel_time_s(congestion=congestion)
    graph.add_weighted_edges_from(zip(network.edge_v.tolist(), network.edge_u.tolist(), times.tolist()))
    return nx.multi_source_dijkstra_path_length(graph, {int(t) for t in targets}, weight="weight")


def assert_same_times(ours: np.ndarray, reference: dict[int, float]) -> None:
    reached = np.array(sorted(reference))
    assert ours[reached] == pytest.approx(np.array([reference[i] for i in reached]), abs=1e-6)
    unreached = np.setdiff1d(np.arange(ours.size), reached)
    assert np.isinf(ours[unreached]).all()


@pytest.mark.parametrize("congestion", [1.0, 0.6])
def test_every_node_time_equals_networkx_multi_source_dijkstra(helsinki, congestion):
    targets = np.random.default_rng(7).choice(helsinki.n_nodes, size=6, replace=False)
    ours = time_to_ring(helsinki, targets, congestion=congestion)
    assert_same_times(ours, networkx_times(helsinki, targets, congestion=congestion))
    assert np.isfinite(ours).sum() > helsinki.n_nodes // 2


def test_parallel_edges_count_with_their_fastest_one():
    network = grid_network(cols=3, rows=1)
    slow = RoadNetwork(**{**_fields(network), "edge_u": np.append(network.edge_u, 0),
                          "edge_v": np.append(network.edge_v, 1), "length_m": np.append(network.length_m, 5.0),
                          "speed_kph": np.append(network.speed_kph, 36.0), "highway": np.append(network.highway, "x"),
                          "name": np.append(network.name, ""), "project_id": np.append(network.project_id, "")})
    ours = time_to_ring(slow, np.array([1]))
    assert ours[0] == pytest.approx(0.5)  # the 5 m parallel edge at 10 m/s, not the grid edge nor a sum
    assert_same_times(ours, networkx_times(slow, [1]))


def _fields(network: RoadNetwork) -> dict:
    return {k: getattr(network, k) for k in ("node_id", "x", "y", "edge_u", "edge_v", "length_m", "speed_kph",
                                             "highway", "name", "project_id", "source")}


def test_one_way_streets_make_times_asymmetric(helsinki):
    pairs = set(zip(helsinki.edge_u.tolist(), helsinki.edge_v.tolist()))
    one_way = [i for i, (u, v) in enumerate(zip(helsinki.edge_u, helsinki.edge_v))
               if helsinki.oneway[i] and (v, u) not in pairs]
    assert one_way, "the Helsinki extract has one-way streets"
    edge = one_way[0]
    u, v = int(helsinki.edge_u[edge]), int(helsinki.edge_v[edge])
    forward = time_to_ring(helsinki, np.array([v]))[u]
    backward = time_to_ring(helsinki, np.array([u]))[v]
    assert forward == pytest.approx(helsinki.travel_time_s()[edge])  # with the flow: the edge itself
    assert backward > forward + 1.0  # against it: round the block, or not at all
    assert backward == pytest.approx(networkx_times(helsinki, [u]).get(v, np.inf))


def test_travel_graph_reversed_puts_each_edge_in_the_row_of_its_head(helsinki):
    times = helsinki.travel_time_s()
    graph = travel_graph(helsinki, edge_time_s=times)
    assert graph.shape == (helsinki.n_nodes, helsinki.n_nodes)
    assert graph.nnz == helsinki.n_edges
    row_of = np.repeat(np.arange(helsinki.n_nodes), np.diff(graph.indptr))
    assert set(zip(row_of.tolist(), graph.indices.tolist())) == set(zip(helsinki.edge_v.tolist(),
                                                                        helsinki.edge_u.tolist()))


@pytest.mark.parametrize("settle", [True, False])
def test_the_laid_out_graph_gives_the_plain_pass_times_to_the_bit(helsinki, settle):
    rng = np.random.default_rng(5)
    sources = rng.choice(helsinki.n_nodes, size=4, replace=False)
    inactive = rng.choice(helsinki.n_edges, size=helsinki.n_edges // 10, replace=False)
    active = np.ones(helsinki.n_edges, dtype=bool)
    active[inactive] = False
    layout = SettledLayout.build(helsinki, sources=sources if settle else None)
    plain = travel_graph(helsinki, edge_time_s=helsinki.travel_time_s(congestion=0.6), active=active)
    expected = dijkstra(plain, indices=sources, min_only=True)
    assert np.array_equal(layout.time_to(sources, congestion=0.6, inactive=inactive), expected)
    assert (layout.rank != np.arange(helsinki.n_nodes)).any() == settle


@pytest.mark.parametrize("percent_out_of_use", [0, 10])
def test_a_pass_at_free_flow_uses_the_prepared_times_to_the_bit_and_leaves_them_alone(helsinki, percent_out_of_use):
    rng = np.random.default_rng(7)
    sources = rng.choice(helsinki.n_nodes, size=4, replace=False)
    inactive = rng.choice(helsinki.n_edges, size=helsinki.n_edges * percent_out_of_use // 100, replace=False)
    active = np.ones(helsinki.n_edges, dtype=bool)
    active[inactive] = False
    layout = SettledLayout.build(helsinki, sources=sources)
    prepared = layout.free_flow_s.copy()
    expected = dijkstra(travel_graph(helsinki, edge_time_s=helsinki.travel_time_s(), active=active), indices=sources,
                        min_only=True)
    for congestion in (1.0, 1):
        assert np.array_equal(layout.time_to(sources, congestion=congestion, inactive=inactive), expected)
    assert np.array_equal(layout.free_flow_s, prepared)  # edges out of use were marked on a copy


@pytest.mark.parametrize("congestion", [1.0, 1, 0.6, 1.37])
def test_edge_travel_times_are_the_networks_to_the_bit(helsinki, congestion):
    times = edge_travel_time_s(helsinki.length_m, helsinki.speed_kph, congestion=congestion)
    assert np.array_equal(times, helsinki.travel_time_s(congestion=congestion))


def test_metres_within_limits_handle_edges_of_no_length_unreached_ends_and_ends_beyond_the_limit():
    node_time = np.array([30.0, 120.0, 100.0, np.inf, 200.0])
    length = np.array([600.0, 0.0, 0.0, 100.0, 50.0])  # at 10 m/s: 60 s, none, none, 10 s, 5 s
    metres = length_within(node_time, length, np.full(5, 10.0), np.array([60.0, 120.0]))
    # edge 0: 30 s left at 60 s = its last 300 m, all 600 m at 120 s; the others have nothing within
    assert metres.tolist() == [[300.0, 0.0, 0.0, 0.0, 0.0], [600.0, 0.0, 0.0, 0.0, 0.0]]


# --- the ring on real data ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def helsinki_ring(helsinki) -> tuple[gpd.GeoDataFrame, list[int]]:
    """A city-block loop of two-way streets in the Helsinki extract, split into four named ring segments."""
    pairs = set(zip(helsinki.edge_u.tolist(), helsinki.edge_v.tolist()))
    two_way = nx.Graph([(u, v) for u, v in pairs if (v, u) in pairs and u != v])
    cycle = max((c for c in nx.cycle_basis(two_way) if len(c) >= 8), key=len)
    loop = cycle + [cycle[0]]
    cuts = np.linspace(0, len(cycle), 5).astype(int)
    segments = [{"id": f"RING-{side}", "name": f"环山{label}路", "category": "ring", "project_id": None,
                 "geometry": shapely.LineString([(helsinki.x[n], helsinki.y[n]) for n in loop[a:b + 1]])}
                for side, label, a, b in zip("NESW", "北东南西", cuts[:-1], cuts[1:])]
    return gpd.GeoDataFrame(segments, crs="EPSG:4326"), cycle


@pytest.fixture(scope="module")
def helsinki_matched(helsinki, helsinki_ring) -> RoadNetwork:
    """The Helsinki extract with the ring loop matched onto it (``ring_id`` set), as the access check places it."""
    ring, _ = helsinki_ring
    segments = match_ring(helsinki, ring_line(ring))
    return replace(helsinki, ring_id=ring_edge_ids(helsinki, segments, twins=EdgeTwins(helsinki)))


def test_ring_edges_are_the_matched_loop_and_entries_are_where_other_roads_join(helsinki_matched, helsinki_ring):
    helsinki = helsinki_matched
    ring, cycle = helsinki_ring
    edges = match_ring_edges(helsinki, ring_line(ring))
    on_cycle = set(cycle)
    loop_edges = {(a, b) for a, b in zip(cycle, cycle[1:] + cycle[:1])}
    matched = set(zip(helsinki.edge_u[edges.mask].tolist(), helsinki.edge_v[edges.mask].tolist()))
    assert matched == loop_edges | {(b, a) for a, b in loop_edges}  # the loop's streets both ways, nothing else
    on_ring = set(ring_nodes(helsinki, edges.mask).tolist())
    assert on_ring == on_cycle
    entries = entry_nodes(helsinki, edges)
    joined = {int(v) for u, v in zip(helsinki.edge_u, helsinki.edge_v) if (u, v) not in matched}
    assert set(entries.tolist()) == on_ring & joined
    assert on_cycle & joined


def test_entries_alone_give_the_same_off_ring_times_as_all_ring_nodes(helsinki_matched, helsinki_ring):
    helsinki = helsinki_matched
    ring, _ = helsinki_ring
    edges = match_ring_edges(helsinki, ring_line(ring))
    on_ring = ring_nodes(helsinki, edges.mask)
    from_entries = time_to_ring(helsinki, ring_entry_nodes(helsinki, ring))
    from_ring = time_to_ring(helsinki, on_ring)
    off = np.setdiff1d(np.arange(helsinki.n_nodes), on_ring)
    assert from_ring[off] == pytest.approx(from_entries[off], abs=1e-9)
    assert (from_ring[on_ring] == 0).all()


def test_loop_time_is_the_sum_of_its_edges_and_segments(helsinki_matched, helsinki_ring):
    helsinki = helsinki_matched
    ring, _ = helsinki_ring
    edges = match_ring_edges(helsinki, ring_line(ring))
    times = helsinki.travel_time_s()
    loops = drive_loop(helsinki, edges, times[edges.index])
    assert set(loops) == {"clockwise", "counterclockwise"}
    for loop in loops.values():
        assert loop.complete
        assert loop.time_s == pytest.approx(times[loop.edges].sum(), rel=1e-12)
        assert (helsinki.edge_v[loop.edges[:-1]] == helsinki.edge_u[loop.edges[1:]]).all()
        assert helsinki.edge_v[loop.edges[-1]] == helsinki.edge_u[loop.edges[0]]
        by_segment = [times[loop.edges][edges.segment_of(loop.edges) == s].sum() for s in range(4)]
        assert sum(by_segment) == pytest.approx(loop.time_s)


# --- the report on a hand-built grid and plan ---------------------------------------------------------------------

def grid_network(*, cols: int = 13, rows: int = 13, lon0: float = 120.10, lat0: float = 27.87) -> RoadNetwork:
    """Two-way grid streets every 0.005°, 36 km/h (10 m/s); the line lat 27.92 between lon 120.12 and 120.14 is
    built by project R01; plus a separate two-node street far east that cannot reach anything. The streets along
    the tiny plan's ring rectangle carry its segment ids in ``ring_id``, as the map matcher would set them."""
    index = np.arange(cols * rows).reshape(rows, cols)
    a = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    b = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    x = np.append(lon0 + STEP * (np.arange(cols * rows) % cols), [120.30, 120.305])
    y = np.append(lat0 + STEP * (np.arange(cols * rows) // cols), [27.90, 27.90])
    a, b = np.append(a, cols * rows), np.append(b, cols * rows + 1)
    u, v = np.concatenate([a, b]), np.concatenate([b, a])
    project = np.where(np.isclose(y[u], 27.92) & np.isclose(y[v], 27.92) & (x[u] > 120.1199) & (x[v] > 120.1199)
                       & (x[u] < 120.1401) & (x[v] < 120.1401), "R01", "")
    return RoadNetwork(node_id=np.arange(x.size) + 1, x=x, y=y, edge_u=u, edge_v=v,
                       length_m=haversine_m(x[u], y[u], x[v], y[v]), speed_kph=np.full(u.size, 36.0),
                       highway=np.full(u.size, "residential", dtype=object), name=np.full(u.size, "", dtype=object),
                       project_id=project.astype(object), source={"source": "test-grid"}, ring_id=_ring_ids(x, y, u, v))


def _ring_ids(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per edge: the tiny plan's ring segment it runs along (RING-N at lat 27.88, RING-E at lon 120.14, RING-S at
    lat 27.92, RING-W at lon 120.12, within the rectangle), ``""`` elsewhere."""
    def on(values: np.ndarray, value: float) -> np.ndarray:
        return np.isclose(values[u], value) & np.isclose(values[v], value)

    def between(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return ((values[u] > low - 1e-6) & (values[u] < high + 1e-6) & (values[v] > low - 1e-6)
                & (values[v] < high + 1e-6))

    ring_id = np.full(u.size, "", dtype=object)
    for side, along_x, value in (("RING-N", False, 27.88), ("RING-S", False, 27.92), ("RING-E", True, 120.14),
                                 ("RING-W", True, 120.12)):
        on_side = on(x, value) & between(y, 27.88, 27.92) if along_x else on(y, value) & between(x, 120.12, 120.14)
        ring_id[on_side] = side
    return ring_id


@pytest.fixture
def tiny_plan(write_layers) -> PlanData:
    return load_plan(write_layers())


def test_a_loop_with_one_way_on_from_every_node_is_the_loop_the_search_finds(tiny_plan):
    network = grid_network()
    placed = prepare_network(network, tiny_plan)
    routes = placed.placement(placed.scenario_edges("planned")).loop
    assert all(route.cycle is not None for route in routes)
    times = network.travel_time_s(congestion=0.7)[placed.ring.index]
    walked = drive_routes(network, placed.ring, routes, times)
    searched = drive_routes(network, placed.ring, tuple(replace(r, cycle=None) for r in routes), times)
    assert walked.keys() == searched.keys()
    for direction, loop in walked.items():
        assert loop.complete and loop.edges.tolist() == searched[direction].edges.tolist()
        assert loop.time_s == searched[direction].time_s


def test_report_has_every_section_and_is_json(tiny_plan):
    report = check_access(grid_network(), tiny_plan, scenario="planned")
    assert set(report) >= {"network", "params", "coverage", "districts", "blocks", "ring_loop", "verdict"}
    json.dumps(report)
    assert report["network"]["source"] == "test-grid" and report["network"]["nodes"] == 171
    assert len(report["districts"]) == 7
    assert report["ring_loop"]["complete"]
    loop = report["ring_loop"]["directions"]["clockwise"]
    # the ring is a 0.02° x 0.04° rectangle driven at 10 m/s
    perimeter = 2 * (haversine_m(120.12, 27.88, 120.14, 27.88) + haversine_m(120.12, 27.88, 120.12, 27.92))
    assert loop["time_min"] == pytest.approx(perimeter / 10 / 60, abs=0.02)
    assert sum(s["time_min"] for s in loop["segments"]) == pytest.approx(loop["time_min"], abs=0.03)
    block = report["blocks"][0]
    assert block["id"] == "B01" and block["measured_at"] == "block_nodes" and block["pass"]


def test_baseline_without_the_ring_project_reports_the_missing_segment(tiny_plan):
    report = check_access(grid_network(), tiny_plan, scenario="baseline")
    loop = report["ring_loop"]
    assert not loop["complete"] and not loop["pass"]
    assert [s["id"] for s in loop["missing_segments"]] == ["RING-S"]
    assert all(d["time_min"] is None for d in loop["directions"].values())
    assert not report["verdict"]["pass"] and "RING-S" in report["verdict"]["zh"]


def test_compare_gives_deltas_and_ranks_the_projects(tiny_plan):
    network = grid_network()
    report = check_access(network, tiny_plan, scenario="compare")
    assert report["params"]["scenario"] == "compare"
    # The scenarios computed on their own: the planned network, and the network without R01's edges at all (the
    # baseline's meaning, not its edge mask). R01 is the only project, so the baseline with it is the planned one.
    planned = check_access(network, tiny_plan, scenario="planned")
    without = network.select_edges(network.project_id != "R01")
    baseline = check_access(without, tiny_plan, scenario="planned")
    assert (network.project_id == "R01").sum() == 8 and without.n_edges == network.n_edges - 8
    for section in ("coverage", "ring_loop"):
        assert (report[section]["baseline"], report[section]["planned"]) == (baseline[section], planned[section])
    moved = 0
    pairs = [(report["coverage"], baseline["coverage"], planned["coverage"]),
             *zip(report["districts"], baseline["districts"], planned["districts"])]
    for compared, before, after in pairs:
        for key in ("road_within", "area_within", "served_area_within"):
            for limit, share in before[key].items():
                want = None if share is None else round(after[key][limit] - share, 4)
                assert compared["delta"][key][limit] == pytest.approx(want, abs=1e-12), (compared["id"], key, limit)
                moved += bool(want)
    assert moved  # the ring's south side shortens some trips: deltas with a sign to get right
    for compared, before, after in zip(report["blocks"], baseline["blocks"], planned["blocks"]):
        assert (compared["baseline"], compared["planned"]) == (before, after)
        assert compared["delta_worst_min"] == pytest.approx(round(after["worst_min"] - before["worst_min"], 2))
    project = report["projects"][0]
    assert project["id"] == "R01" and project["rank"] == 1 and project["edges"] == 8
    key = f"{report['params']['threshold_min']:g}"
    for gain, share in (("area_within_gain", "area_within"), ("road_within_gain", "road_within")):
        want = round(planned["coverage"][share][key] - baseline["coverage"][share][key], 4)
        assert project[gain] == pytest.approx(want, abs=1e-12)
    assert project["served_area_km2_gain"] == pytest.approx(
        round(planned["coverage"]["served_area_km2"] - baseline["coverage"]["served_area_km2"], 3))
    assert report["ring_loop"]["baseline"]["complete"] is False and report["ring_loop"]["planned"]["complete"]
    json.dumps(report)


def test_congestion_slows_every_time_by_its_factor(tiny_plan):
    free = check_access(grid_network(), tiny_plan, scenario="planned")
    peak = check_access(grid_network(), tiny_plan, scenario="planned", congestion=0.5)
    free_loop = free["ring_loop"]["directions"]["clockwise"]["time_min"]
    assert peak["ring_loop"]["directions"]["clockwise"]["time_min"] == pytest.approx(2 * free_loop, abs=0.02)


def test_a_prepared_plan_gives_the_same_report_for_every_scenario(tiny_plan):
    prepared = prepare_plan(tiny_plan)
    for scenario in ("baseline", "planned", "compare"):
        assert check_access(grid_network(), prepared, scenario=scenario) == check_access(
            grid_network(), tiny_plan, scenario=scenario)


def test_a_placed_network_gives_the_same_report_as_network_and_plan(write_layers):
    plan = load_plan(write_layers(_with_blocks_off_the_grid))
    network = grid_network()
    placed = prepare_network(network, plan)
    unplaced = prepare_network(network, prepare_plan(plan), scenarios=())  # every check places its own nodes
    assert len(placed.placements) == 2 and unplaced.placements == ()
    for scenario in ("baseline", "planned", "compare"):
        for congestion in (1.0, 0.6):
            expected = check_access(network, plan, scenario=scenario, congestion=congestion)
            assert check_access(placed, scenario=scenario, congestion=congestion) == expected
            assert check_access(placed, plan, scenario=scenario, congestion=congestion) == expected
            assert check_access(unplaced, scenario=scenario, congestion=congestion) == expected


def test_a_placed_network_refuses_another_plan_and_a_bare_network_needs_one(tiny_plan, write_layers):
    placed = prepare_network(grid_network(), tiny_plan)
    with pytest.raises(InvalidParameter, match="^plan: expected the plan the network was placed on"):
        check_access(placed, load_plan(write_layers()), scenario="planned")
    with pytest.raises(InvalidParameter, match="^plan: expected the plan data"):
        check_access(grid_network(), scenario="planned")


def test_line_zone_locates_points_as_shapely_does():
    line = shapely.LineString([(0, 0), (1000, 0), (1000, 500), (400, 900), (0, 0)])
    zone = LineZone.around(line, tolerance_m=30.0)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-100, 1100, 4000), rng.uniform(-100, 1000, 4000)
    points = shapely.points(x, y)
    assert zone.locate(x, y) == pytest.approx(shapely.line_locate_point(line, points), abs=1e-9)


def _with_blocks_off_the_grid(layers: dict) -> None:
    """Add B02, 0.0025° (~250 m) east of the grid's last column with no node inside, and B03, ~24 km east of the
    far two-node street: beyond every node of :func:`grid_network`."""
    template = layers["blocks"]["features"][0]
    for fid, lon, district in (("B02", 120.1625, PLAN_DISTRICTS[1]), ("B03", 120.55, PLAN_DISTRICTS[5])):
        half = 0.001
        ring = [[lon - half, 27.9 - half], [lon + half, 27.9 - half], [lon + half, 27.9 + half],
                [lon - half, 27.9 + half], [lon - half, 27.9 - half]]
        layers["blocks"]["features"].append({**template, "properties": {**template["properties"], "id": fid,
                                                                            "district": district},
                                             "geometry": {"type": "Polygon", "coordinates": [ring]}})


def test_a_block_far_from_every_node_is_reported_beyond_the_network(write_layers):
    plan = load_plan(write_layers(_with_blocks_off_the_grid))
    report = check_access(grid_network(), plan, scenario="planned")
    near, far = report["blocks"][1], report["blocks"][2]
    assert report["params"]["max_snap_distance_m"] == 2000.0
    assert near["status"] == "measured" and near["measured_at"] == "nearest_node" and near["reason"] is None
    assert near["nearest_node_m"] == pytest.approx(haversine_m(120.16, 27.9, 120.1625, 27.9), abs=5)
    assert near["worst_min"] is not None and near["pass"]
    assert far["status"] == "outside_network" and far["measured_at"] == "nearest_node"
    assert far["nearest_node_m"] == pytest.approx(haversine_m(120.305, 27.9, 120.55, 27.9), rel=0.01)
    assert far["worst_min"] is None and far["median_min"] is None and not far["pass"]
    assert "超出路网覆盖范围" in far["reason"] and "beyond the network" in far["reason"]
    verdict = report["verdict"]
    assert verdict["blocks_outside_network"] == ["B03"] and verdict["blocks_over_threshold"] == []
    assert not verdict["blocks_pass"] and not verdict["pass"]
    assert "1 个超出路网覆盖范围（B03）" in verdict["zh"] and "1 lie beyond the network (B03)" in verdict["en"]


def test_the_snap_distance_is_an_option(write_layers):
    plan = load_plan(write_layers(_with_blocks_off_the_grid))
    strict = check_access(grid_network(), plan, scenario="planned", max_snap_distance_m=200.0)
    assert [b["status"] for b in strict["blocks"]] == ["measured", "outside_network", "outside_network"]
    assert strict["verdict"]["blocks_outside_network"] == ["B02", "B03"]
    lenient = check_access(grid_network(), plan, scenario="planned", max_snap_distance_m=50_000.0)
    assert all(b["status"] == "measured" for b in lenient["blocks"])
    assert lenient["blocks"][2]["worst_min"] is None  # measured at the far street, which cannot reach the ring
    with pytest.raises(InvalidParameter, match="^max_snap_distance_m: expected"):
        check_access(grid_network(), plan, max_snap_distance_m=-1.0)


def test_the_text_summary_names_blocks_beyond_the_network(write_layers):
    from geo.access.report_text import summary_text

    report = check_access(grid_network(), load_plan(write_layers(_with_blocks_off_the_grid)), scenario="compare")
    text = summary_text(report)
    assert text.count("B03 测试区块: 超出路网覆盖范围 beyond the network (nearest node 最近节点 24.1 km) ✗") == 2
    assert report["blocks"][2]["delta_worst_min"] is None


# --- bad input ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("options", "field"), [
    ({"scenario": "future"}, "scenario"), ({"congestion": -0.5}, "congestion"), ({"congestion": 0}, "congestion"),
    ({"congestion": 2.0}, "congestion"), ({"congestion": float("nan")}, "congestion"),
    ({"threshold_min": 0}, "threshold_min"),
])
def test_bad_options_name_the_field(tiny_plan, options, field):
    with pytest.raises(InvalidParameter, match=f"^{field}: expected") as caught:
        check_access(grid_network(), tiny_plan, **options)
    assert caught.value.field == field


def test_empty_ring_is_refused(tiny_plan):
    no_ring = PlanData(blocks=tiny_plan.blocks, roads=tiny_plan.roads[tiny_plan.roads["category"] != "ring"],
                       tasks=tiny_plan.tasks, districts=tiny_plan.districts)
    with pytest.raises(RingNotConnected, match="ring is empty"):
        check_access(grid_network(), no_ring, scenario="planned")


def test_ring_away_from_the_network_is_refused(tiny_plan):
    far = grid_network(lon0=121.0)
    with pytest.raises(RingNotConnected, match="ring could not be matched onto the network test-grid: no road"):
        check_access(far, tiny_plan, scenario="planned")
    with pytest.raises(RingNotConnected, match="has no ring edge \\(no edge carries a ring_id\\)"):
        ring_entry_nodes(far, tiny_plan.ring)


def test_time_to_ring_refuses_no_entries_and_bad_congestion(helsinki):
    with pytest.raises(RingNotConnected, match="no ring entry nodes"):
        time_to_ring(helsinki, np.array([], dtype=np.int64))
    with pytest.raises(InvalidParameter, match="congestion"):
        time_to_ring(helsinki, np.array([0]), congestion=-1.0)


@pytest.fixture(scope="module")
def bundled() -> tuple:
    """The bundled real network and the shipped plan, placed once."""
    network, plan = load_network(), load_plan()
    return network, plan, prepare_network(network, plan)


def test_bundled_network_is_real_osm_and_every_block_is_measured(bundled):
    _, _, placed = bundled
    report = check_access(placed, scenario="planned")
    network = report["network"]
    assert network["source"] == "osm" and network["extract"] == "BBBike 2026-06-08" and not network["schematic"]
    assert network["attribution"] == "© OpenStreetMap contributors" and "OpenStreetMap" in network["label"]
    assert len(report["blocks"]) == 13 and len(report["districts"]) == 7
    assert all(b["status"] == "measured" for b in report["blocks"])  # the extent covers every block
    assert report["verdict"]["blocks_outside_network"] == []
    assert report["ring_loop"]["complete"]


def test_bundled_baseline_leaves_out_the_ring_segment_a_project_builds(bundled):
    _, _, placed = bundled
    report = check_access(placed, scenario="baseline")
    assert "RING-S" in [s["id"] for s in report["ring_loop"]["missing_segments"]]  # built by R12 (环山南路)
    assert not report["ring_loop"]["pass"]


def test_bundled_times_equal_networkx_on_the_built_graph(bundled):
    """Every node's time to the ring, recomputed by NetworkX on the placed (matched) network, within 1e-6 s."""
    _, _, placed = bundled
    network = placed.network
    for scenario in ("planned", "baseline"):
        active = placed.scenario_edges(scenario)
        sources = ring_nodes(network, placed.ring.index[active[placed.ring.index]])
        evaluation = placed.layout.time_to(sources, congestion=0.6, inactive=np.flatnonzero(~active))
        assert_same_times(evaluation, networkx_times(network.select_edges(active), sources, congestion=0.6))


def test_cli_prints_json_or_a_bilingual_summary_and_fails_cleanly_on_bad_congestion():
    from click.testing import CliRunner

    from web.cli.main import main

    runner = CliRunner()
    result = runner.invoke(main, ["access", "--scenario", "planned", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["params"]["scenario"] == "planned" and report["network"]["source"] == "osm"
    text = runner.invoke(main, ["access", "--scenario", "compare"])
    assert text.exit_code == 0 and "结论 Verdict" in text.output and "R12" in text.output
    bad = runner.invoke(main, ["access", "--congestion", "-1"])
    assert bad.exit_code == 2 and "congestion: expected" in bad.output


def test_each_threshold_says_where_it_comes_from_with_the_plans_words_on_their_line(tiny_plan):
    from geo.plan.provenance import read_plan_text

    lines = read_plan_text().split("\n")
    report = check_access(grid_network(), tiny_plan, scenario="planned", coverage_target=0.9)
    by_name = {t["name"]: t for t in report["params"]["thresholds"]}
    for name in ("threshold_min", "loop_threshold_min"):
        quote, line = by_name[name]["plan_quote"], by_name[name]["plan_line"]
        assert by_name[name]["source"] == "plan" and quote in lines[line - 1], name
    assert by_name["threshold_min"]["plan_quote"] == "10分钟入环"
    target = by_name["coverage_target"]
    assert (target["value"], target["source"], target["default"], target["default_source"]) == (
        0.9, "option", 0.95, "project assumption")
    assert target["plan_quote"] is None and target["plan_line"] is None
    assert "（目标 90%，本次设定）" in report["verdict"]["zh"]
    default = check_access(grid_network(), tiny_plan, scenario="planned")
    assert "（目标 95%，项目设定）" in default["verdict"]["zh"]
