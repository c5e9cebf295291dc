"""The corridor a map match runs on: its graph, routes and candidates, checked against NetworkX on a hand-built
network (a 5 × 5 residential grid 200 m apart, a trunk road 800 m south of it, parallel edges, an island and a
one-way dead end), in EPSG:32651 metres."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely

from geo.errors import MatchFailed
from geo.access.match_corridor import CLASS_FACTOR, Corridor, find_candidates
from geo.network.road_network import RoadNetwork
from geo.access.ring import to_metric_xy, to_wgs84_xy

ORIGIN = np.array(to_metric_xy(120.70, 27.90))
GRID = [(200.0 * i, 200.0 * j) for j in range(5) for i in range(5)]  # node = 5 * row + column
TRUNK = [(-400.0, -800.0), (400.0, -800.0), (1200.0, -800.0)]  # nodes 25, 26, 27
ISLAND = [(3000.0, 0.0), (3200.0, 0.0)]  # nodes 28, 29
DEAD_END = (400.0, 1000.0)  # node 30, reached one way from node 22
POINTS = GRID + TRUNK + ISLAND + [DEAD_END]


def _edges() -> list[tuple[int, int, str]]:
    edges = []
    for j in range(5):
        for i in range(5):
            here = 5 * j + i
            if i < 4:
                edges.append((here, here + 1, "residential"))
            if j < 4:
                edges.append((here, here + 5, "residential"))
    edges += [(25, 26, "trunk"), (26, 27, "trunk"), (26, 2, "tertiary"), (28, 29, "residential")]
    edges += [(b, a, h) for a, b, h in edges]
    edges += [(0, 1, "primary"), (22, 30, "service")]  # a cheaper parallel edge; a one-way dead end
    return edges


def build_network(*, reversed_shapes: bool = False) -> RoadNetwork:
    xy = np.array(POINTS) + ORIGIN
    lon, lat = (np.asarray(a) for a in to_wgs84_xy(xy[:, 0], xy[:, 1]))
    u, v, highway = (np.array(c) for c in zip(*_edges()))
    m = u.size
    geometry = None
    if reversed_shapes:  # every shape drawn from v to u, with a bend half-way to tell the ends apart
        mid_lon, mid_lat = (lon[u] + lon[v]) / 2 + 0.0005, (lat[u] + lat[v]) / 2
        geometry = np.array([shapely.LineString([(lon[b], lat[b]), (x, y), (lon[a], lat[a])])
                             for a, b, x, y in zip(u, v, mid_lon, mid_lat)], dtype=object)
    length = np.hypot(*(np.array(POINTS)[u] - np.array(POINTS)[v]).T)
    return RoadNetwork(node_id=np.arange(len(POINTS)), x=lon, y=lat, edge_u=u, edge_v=v, length_m=length,
                       speed_kph=np.full(m, 30.0), highway=highway.astype(object),
                       name=np.array([f"路{min(a, b)}" if h != "trunk" else "干道" for a, b, h in zip(u, v, highway)],
                                     dtype=object),
                       project_id=np.full(m, "", dtype=object), source={"source": "test"}, geometry=geometry)


def metric(points) -> np.ndarray:
    return shapely.points(np.asarray(points, dtype=float) + ORIGIN)


@pytest.fixture(scope="module")
def network() -> RoadNetwork:
    return build_network()


@pytest.fixture(scope="module")
def corridor(network) -> Corridor:
    line = shapely.LineString(np.array([(-500.0, 400.0), (1500.0, 400.0)]) + ORIGIN)
    return Corridor.around(network, line, reach_m=1500.0, class_factor=CLASS_FACTOR, other_factor=3.0)


def local_node(corridor: Corridor, point: tuple[float, float]) -> int:
    return int(np.argmin(np.hypot(*(corridor.node_xy - ORIGIN - np.asarray(point)).T)))


def networkx_graph(network: RoadNetwork, corridor: Corridor) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for local, edge in enumerate(corridor.edges):
        weight = network.length_m[edge] * CLASS_FACTOR[network.highway[edge]]
        graph.add_edge(int(corridor.u[local]), int(corridor.v[local]), weight=weight, local=local)
    return graph


def test_the_corridor_holds_the_edges_near_the_line_and_only_the_main_part_is_usable(network, corridor):
    held = set(corridor.edges.tolist())
    island = np.flatnonzero(network.edge_u >= 28)
    assert not held & set(island.tolist())  # 2.6 km from the line: outside the reach
    dead_end = int(np.flatnonzero((network.edge_u == 22) & (network.edge_v == 30))[0])
    assert dead_end in held
    assert not corridor.usable[list(corridor.edges).index(dead_end)]  # no way back: never a candidate
    assert corridor.usable.sum() == corridor.edges.size - 1


def test_routes_equal_networkx_shortest_paths(network, corridor):
    graph = networkx_graph(network, corridor)
    edges = np.flatnonzero(corridor.usable)[::7]
    offsets = corridor.length_m[edges] * 0.25
    weights = corridor.routes(edges, offsets, edges, offsets, limit=np.inf).weighted_m
    for i, (a, ta) in enumerate(zip(edges, offsets)):
        between = nx.single_source_dijkstra_path_length(graph, int(corridor.v[a]), weight="weight")
        for j, (b, tb) in enumerate(zip(edges, offsets)):
            if a == b:
                assert weights[i, j] == 0.0
                continue
            expected = (corridor.length_m[a] - ta) * corridor.factor[a] + between[int(corridor.u[b])] \
                + tb * corridor.factor[b]
            assert weights[i, j] == pytest.approx(expected)


def test_routes_beyond_the_limit_are_infinite_and_a_step_back_on_one_edge_is_its_length(corridor):
    a = np.flatnonzero(corridor.usable)[:1]
    far = corridor.routes(a, np.zeros(1), np.flatnonzero(corridor.usable), np.zeros(corridor.usable.sum()),
                          limit=250.0).weighted_m
    assert np.isinf(far).any() and np.isfinite(far).any()
    back = corridor.routes(a, corridor.length_m[a], a, np.zeros(1), limit=np.inf).weighted_m
    assert back[0, 0] == pytest.approx(corridor.length_m[a[0]] * corridor.factor[a[0]])


def test_routes_report_the_plain_length_of_the_cheapest_route_and_steps_back_along_an_edge(network, corridor):
    def local_edge(a: int, b: int) -> int:
        return int(np.flatnonzero((network.edge_u[corridor.edges] == a) & (network.edge_v[corridor.edges] == b))[0])

    trunk, grid = local_edge(25, 26), local_edge(2, 3)  # joined only through the tertiary 26 → 2, 800 m
    edges, offsets = np.array([trunk, grid]), np.array([0.0, 150.0])
    routes = corridor.routes(edges, offsets, np.array([grid, grid]), np.array([180.0, 50.0]), limit=np.inf)
    assert routes.length_m[0] == pytest.approx([800.0 + 800.0 + 180.0, 800.0 + 800.0 + 50.0])
    assert routes.weighted_m[0] == pytest.approx([800.0 + 2 * 800.0 + 3 * 180.0, 800.0 + 2 * 800.0 + 3 * 50.0])
    assert routes.back_m[0] == pytest.approx([0.0, 0.0])
    # on one edge (residential): 30 m on from 150 m is no step back, 100 m back to 50 m is
    assert routes.length_m[1] == pytest.approx([30.0, 100.0])
    assert routes.weighted_m[1] == pytest.approx([90.0, 300.0])
    assert routes.back_m[1] == pytest.approx([0.0, 100.0])


def test_a_route_is_the_cheapest_and_takes_the_cheaper_of_parallel_edges(network, corridor):
    graph = networkx_graph(network, corridor)
    source, target = local_node(corridor, GRID[0]), local_node(corridor, GRID[24])
    route = corridor.route(source, target)
    assert (corridor.v[route[:-1]] == corridor.u[route[1:]]).all()
    assert corridor.u[route[0]] == source and corridor.v[route[-1]] == target
    weight = float((corridor.length_m[route] * corridor.factor[route]).sum())
    assert weight == pytest.approx(nx.dijkstra_path_length(graph, source, target, weight="weight"))
    first = corridor.route(source, local_node(corridor, GRID[1]))
    assert [network.highway[corridor.edges[e]] for e in first] == ["primary"]
    assert corridor.route(source, source) == []


def test_candidates_are_the_best_edges_near_each_observation(network, corridor):
    points = metric([(400.0, 400.0), (1000.0, -400.0), (400.0, -2500.0)])
    found = find_candidates(corridor, points, radius_m=150.0, widen_to_m=1000.0, major_radius_m=1000.0, keep=4,
                            keep_major=1, major_factor=1.0)
    groups = dict(zip((int(found.obs[g[0]]) for g in found.groups()), found.groups()))
    near = groups[0]
    assert (found.distance[near][:4] <= 150.0).all()
    assert found.distance[near].min() == pytest.approx(0.0, abs=1e-6)
    # observation 1 (east of the grid) has nothing within 150 m: widened to 600 m it finds the trunk (400 m away)
    # and the grid's corner edges (447 m); ranked by distance × class factor the trunk's two directions come first
    ranked = found.edge[groups[1]]
    assert list(network.highway[corridor.edges[ranked]][:2]) == ["trunk", "trunk"]
    assert found.distance[groups[1]] == pytest.approx([400.0, 400.0, np.hypot(200, 400), np.hypot(200, 400)])
    # observation 2 lies 1.7 km from everything: skipped
    assert 2 not in groups
    assert np.all(np.diff(found.obs) >= 0)


def test_the_nearest_major_road_is_a_candidate_even_where_a_dense_grid_is_nearer(network, corridor):
    points = metric([(400.0, 0.0)])
    found = find_candidates(corridor, points, radius_m=100.0, widen_to_m=100.0, major_radius_m=900.0, keep=2,
                            keep_major=1, major_factor=1.0)
    names = set(network.name[corridor.edges[found.edge]])
    assert "干道" in names and len(found.edge) >= 3
    trunk = found.distance[network.name[corridor.edges[found.edge]] == "干道"]
    assert trunk == pytest.approx(np.full(trunk.size, 800.0))


def test_offsets_run_from_the_edge_start_even_when_its_shape_is_drawn_backwards():
    bent = build_network(reversed_shapes=True)
    line = shapely.LineString(np.array([(-500.0, 400.0), (1500.0, 400.0)]) + ORIGIN)
    corridor = Corridor.around(bent, line, reach_m=1500.0, class_factor=CLASS_FACTOR, other_factor=3.0)
    start = np.array([shapely.get_point(s, 0).coords[0] for s in corridor.shapes])
    assert start == pytest.approx(corridor.node_xy[corridor.u])
    found = find_candidates(corridor, metric([(50.0, 0.0)]), radius_m=10.0, widen_to_m=10.0, major_radius_m=10.0,
                            keep=8, keep_major=0, major_factor=1.0)
    east = [i for i, e in enumerate(found.edge) if bent.edge_u[corridor.edges[e]] == 0
            and bent.edge_v[corridor.edges[e]] == 1]
    assert east and all(found.offset_m[i] > 0 for i in east)


def test_no_road_near_the_line_is_an_error(network):
    line = shapely.LineString(np.array([(20_000.0, 20_000.0), (21_000.0, 20_000.0)]) + ORIGIN)
    with pytest.raises(MatchFailed, match="no road of the network .* within 500 m"):
        Corridor.around(network, line, reach_m=500.0, class_factor=CLASS_FACTOR, other_factor=3.0)
