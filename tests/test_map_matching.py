"""Map matching on a hand-built network: a trunk loop round a 4 × 3 km rectangle, a residential street across it
500 m inside its north side, service stubs, and a straight project road south of it (all in EPSG:32651 metres)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from metric_streets import STEP_M, polyline, two_way_network

from geo.errors import InvalidGeometry, InvalidParameter, MatchFailed, NetworkError
from geo.access.map_matching import LOOP_SETTINGS, MatchedPath, MatchSettings, match_line, match_loop
from geo.network.road_network import RoadNetwork
from geo.access.ring import to_metric_xy, to_wgs84_xy
from geo.plan.shapes import smooth_path

ORIGIN = np.array(to_metric_xy(120.70, 27.90))


ROADS = [  # name, OSM class, vertices (metres from ORIGIN)
    ("南环路", "trunk", polyline((0, 0), (4000, 0))),
    ("东环路", "trunk", polyline((4000, 0), (4000, 3000))),
    ("北环路", "trunk", polyline((4000, 3000), (0, 3000))),
    ("西环路", "trunk", polyline((0, 3000), (0, 0))),
    ("里巷", "residential", polyline((0, 2500), (4000, 2500))),
    ("", "service", [(2000, 0), (2000, 170)]),  # its end lies 30 m from the ring's south side (y = 200)
    ("", "service", [(4000, 1500), (3800, 1500)]),
    ("", "service", [(1000, 0), (1000, -150)]),
    ("项目路", "primary", polyline((0, -1500), (3000, -1500))),
    ("连接路", "tertiary", polyline((0, 0), (0, -1500))),
]
STUBS = ((2000, 0), (2000, 170))


def build_network(*, shaped: bool = True) -> RoadNetwork:
    """Two edges (both directions) per road vertex pair; trunk edges carry a shape (the reverse edge's drawn the
    wrong way round, which the matcher must turn), the others none."""
    plain = two_way_network(ROADS, origin=ORIGIN)
    if not shaped:
        return plain
    u, v, lon, lat, m = plain.edge_u, plain.edge_v, plain.x, plain.y, plain.n_edges
    drawn_from, drawn_to = u.copy(), v.copy()
    drawn_from[m // 2:], drawn_to[m // 2:] = v[m // 2:], u[m // 2:]  # reverse edges drawn v→u
    geometry = np.array([shapely.LineString([(lon[a], lat[a]), (lon[b], lat[b])]) if h == "trunk" else None
                         for a, b, h in zip(drawn_from, drawn_to, plain.highway)], dtype=object)
    return dataclasses.replace(plain, geometry=geometry)


@pytest.fixture(scope="module")
def network() -> RoadNetwork:
    return build_network()


def wgs84_line(points, *, shift=(0.0, 0.0), closed: bool = False) -> shapely.LineString:
    """A WGS-84 line through metric points (metres from ORIGIN), smoothed round the waypoints when closed."""
    xy = np.asarray(points, dtype=float) + ORIGIN + np.asarray(shift)
    lon, lat = to_wgs84_xy(xy[:, 0], xy[:, 1])
    coords = list(zip(lon, lat))
    return shapely.LineString(smooth_path(coords, closed=True, samples=10) if closed else coords)


# The approximate ring: 8 waypoints, corners and midpoints of a rectangle 200 m inside the trunk loop; its north
# side runs as close to the residential street (y = 2500), which makes an 800 m shorter loop, as to the trunk
# (y = 3000).
WAYPOINTS = [(200, 200), (2000, 200), (3800, 200), (3800, 1500), (3800, 2750), (2000, 2750), (200, 2750),
             (200, 1500)]
TRUNK = {"南环路", "东环路", "北环路", "西环路"}


def assert_connected_path(network: RoadNetwork, path: MatchedPath) -> None:
    """Independent checks: consecutive edges share a node, the length adds up, the composition too."""
    edges = path.edges
    assert (network.edge_v[edges[:-1]] == network.edge_u[edges[1:]]).all()
    assert path.length_m == pytest.approx(float(network.length_m[edges].sum()))
    assert sum(share.length_m for share in path.composition) == pytest.approx(path.length_m)
    if path.closed:
        assert network.edge_v[edges[-1]] == network.edge_u[edges[0]]
        assert np.unique(network.edge_u[edges]).size == edges.size  # no node passed twice
    spur = (network.edge_u[edges[1:]] == network.edge_v[edges[:-1]]) & (network.edge_v[edges[1:]] ==
                                                                        network.edge_u[edges[:-1]])
    assert not spur.any()


def street_set(network: RoadNetwork, path: MatchedPath) -> set[tuple[int, int]]:
    """The streets (unordered node pairs) of a path: the same loop driven either way round is the same set."""
    return {tuple(sorted((int(network.edge_u[e]), int(network.edge_v[e])))) for e in path.edges}


def trunk_streets(network: RoadNetwork) -> set[tuple[int, int]]:
    trunk = np.flatnonzero(np.isin(network.name, list(TRUNK)))
    return {tuple(sorted((int(network.edge_u[e]), int(network.edge_v[e])))) for e in trunk}


def test_the_ring_matches_the_trunk_loop_as_one_closed_loop(network):
    loop = match_loop(network, wgs84_line(WAYPOINTS, closed=True))
    assert_connected_path(network, loop)
    assert street_set(network, loop) == trunk_streets(network)
    assert loop.length_m == pytest.approx(14_000, rel=0.01)
    assert {share.name for share in loop.composition} == TRUNK
    assert loop.credible and loop.reason == ""
    ring_m = shapely.LineString(np.array(WAYPOINTS + WAYPOINTS[:1], dtype=float))
    smooth_m = shapely.LineString(smooth_path(WAYPOINTS, closed=True, samples=10))  # as wgs84_line draws it
    samples = shapely.line_interpolate_point(smooth_m, np.linspace(0, smooth_m.length, 200, endpoint=False))
    rectangle = shapely.box(0, 0, 4000, 3000).exterior
    assert loop.mean_offset_m == pytest.approx(shapely.distance(samples, rectangle).mean(), rel=0.05)
    assert ring_m.length < smooth_m.length  # the smoothed ring bulges past its waypoints


def test_the_loop_prefers_the_continuous_trunk_to_a_parallel_residential_street_at_the_same_distance(network):
    loop = match_loop(network, wgs84_line(WAYPOINTS, closed=True))
    assert "里巷" not in set(network.name[loop.edges])
    assert dict((s.name, s.highway) for s in loop.composition)["北环路"] == "trunk"


def test_a_stub_30_m_from_the_ring_is_not_part_of_the_loop(network):
    loop = match_loop(network, wgs84_line(WAYPOINTS, closed=True))
    stub_end = int(np.argmin(np.hypot(*(np.array(to_metric_xy(network.x, network.y)).T - ORIGIN
                                        - np.array(STUBS[1])).T)))
    assert stub_end not in set(network.edge_u[loop.edges]) | set(network.edge_v[loop.edges])
    assert not (network.highway[loop.edges] == "service").any()


def test_a_walk_into_a_stub_is_cut_from_the_loop(network):
    # a narrow emission makes the walk run up the stub whose end lies 30 m from the ring; the loop must not
    loop = match_loop(network, wgs84_line(WAYPOINTS, closed=True),
                      settings=dataclasses.replace(LOOP_SETTINGS, sigma_m=10.0))
    assert_connected_path(network, loop)
    assert street_set(network, loop) == trunk_streets(network)


@pytest.mark.parametrize("shift", [(300, 300), (-300, 0), (0, -300)])
def test_shifting_the_ring_300_m_gives_the_same_loop(network, shift):
    loop = match_loop(network, wgs84_line(WAYPOINTS, shift=shift, closed=True))
    assert_connected_path(network, loop)
    assert street_set(network, loop) == trunk_streets(network)


@pytest.mark.parametrize("dropped", range(len(WAYPOINTS)))
def test_dropping_a_waypoint_gives_the_same_loop(network, dropped):
    loop = match_loop(network, wgs84_line(WAYPOINTS[:dropped] + WAYPOINTS[dropped + 1:], closed=True))
    assert street_set(network, loop) == trunk_streets(network)


def test_the_loop_is_deterministic_and_starts_near_the_rings_first_point(network):
    ring = wgs84_line(WAYPOINTS, closed=True)
    first, again = match_loop(network, ring), match_loop(network, ring)
    assert np.array_equal(first.edges, again.edges)
    start = np.array(to_metric_xy(network.x[network.edge_u[first.edges[0]]],
                                  network.y[network.edge_u[first.edges[0]]])) - ORIGIN
    assert np.hypot(*(start - np.array(WAYPOINTS[0]))) < 2 * STEP_M


def test_a_ring_with_no_loop_to_follow_is_an_error(network):
    # round the project road only: the one road there runs out and back, enclosing nothing
    ring = wgs84_line([(300, -1400), (1500, -1400), (2700, -1400), (2700, -1600), (1500, -1600), (300, -1600)],
                      closed=True)
    settings = dataclasses.replace(LOOP_SETTINGS, major_radius_m=400.0, widen_to_m=400.0, route_slack_m=100.0)
    with pytest.raises(MatchFailed, match="encloses nothing"):
        match_loop(network, ring, settings=settings)


def test_a_straight_alignment_100_m_off_its_road_matches_the_road(network):
    path = match_line(network, wgs84_line([(200, -1400), (2800, -1400)]))
    assert_connected_path(network, path)
    assert set(network.name[path.edges]) == {"项目路"}
    # the line starts and ends past the middle of the road's end edges, so those are left out: 250 m to 2750 m
    assert path.length_m == pytest.approx(2500, rel=0.005)  # haversine metres vs the UTM grid
    observations = shapely.points(np.column_stack([np.linspace(200, 2800, 14), np.full(14, -1400)]))
    road = shapely.LineString([(250, -1500), (2750, -1500)])
    assert path.mean_offset_m == pytest.approx(shapely.distance(observations, road).mean(), rel=0.001)
    assert path.credible
    assert not path.closed and path.n_skipped == 0


def test_the_matched_line_runs_in_the_lines_direction(network):
    east = match_line(network, wgs84_line([(200, -1400), (2800, -1400)]))
    west = match_line(network, wgs84_line([(2800, -1400), (200, -1400)]))
    x_east = np.array(to_metric_xy(network.x[network.edge_u[east.edges]], network.y[network.edge_u[east.edges]]))[0]
    x_west = np.array(to_metric_xy(network.x[network.edge_u[west.edges]], network.y[network.edge_u[west.edges]]))[0]
    assert (np.diff(x_east) > 0).all() and (np.diff(x_west) < 0).all()
    assert street_set(network, east) == street_set(network, west)


# Lines drawn exactly along 750 m of a minor road, node to node: the tertiary 连接路 (whose ends meet the trunk loop
# and the project road) and the residential 里巷 (500 m from the parallel trunk 北环路).
MINOR_ROAD_LINES = {"tertiary": ("连接路", [(0, -250), (0, -1000)]),
                    "residential": ("里巷", [(1000, 2500), (1750, 2500)])}


def metric_ends(network: RoadNetwork, edges: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Each edge's start and end, metres from ORIGIN, rounded to the metre."""
    def at(nodes: np.ndarray) -> np.ndarray:
        return np.round(np.column_stack(to_metric_xy(network.x[nodes], network.y[nodes])) - ORIGIN) + 0.0
    return [(tuple(a), tuple(b)) for a, b in zip(at(network.edge_u[edges]), at(network.edge_v[edges]))]


@pytest.mark.parametrize("highway", list(MINOR_ROAD_LINES))
def test_a_short_line_along_a_minor_road_matches_the_whole_stretch_in_its_direction(network, highway):
    name, (start, end) = MINOR_ROAD_LINES[highway]
    path = match_line(network, wgs84_line([start, end]))
    assert_connected_path(network, path)
    assert [(s.name, s.highway) for s in path.composition] == [(name, highway)]
    ends = metric_ends(network, path.edges)
    assert len(ends) == 3 and ends[0][0] == start and ends[-1][1] == end  # every 250 m edge, start to end
    assert path.length_m == pytest.approx(750.0, rel=0.005)
    assert path.credible and path.mean_offset_m == pytest.approx(0.0, abs=0.5)


@pytest.mark.parametrize("highway", list(MINOR_ROAD_LINES))
def test_the_same_line_reversed_matches_the_reverse_edges(network, highway):
    _, points = MINOR_ROAD_LINES[highway]
    forward = match_line(network, wgs84_line(points))
    backward = match_line(network, wgs84_line(points[::-1]))
    assert metric_ends(network, backward.edges) == [(b, a) for a, b in metric_ends(network, forward.edges)[::-1]]
    assert not set(backward.edges.tolist()) & set(forward.edges.tolist())


def test_a_line_turning_a_corner_follows_both_roads_without_spurs(network):
    path = match_line(network, wgs84_line([(-100, -800), (-100, -1400), (1500, -1400)]))
    assert_connected_path(network, path)
    assert {s.name for s in path.composition} == {"连接路", "项目路"}


def test_a_line_that_runs_out_along_a_stub_and_back_keeps_no_spur(network):
    # a narrow emission makes the walk follow the line into the stub; the cleaning must cut the spur
    line = wgs84_line([(250, 20), (1000, 20), (1000, -140), (1010, 20), (1750, 20)])
    path = match_line(network, line, settings=MatchSettings(sigma_m=10.0))
    assert_connected_path(network, path)
    assert set(network.name[path.edges]) == {"南环路"}


def test_a_line_far_from_every_road_is_an_error_naming_the_distance(network):
    with pytest.raises(MatchFailed, match="no road of the network .* within"):
        match_line(network, wgs84_line([(20_000, 20_000), (22_000, 20_000)]))
    assert issubclass(MatchFailed, NetworkError) and issubclass(MatchFailed, ValueError)


def test_a_line_beyond_the_widest_search_is_an_error_naming_the_radius(network):
    # 2 km south of the project road: inside the corridor, but no road within the widest radius (1.6 km)
    with pytest.raises(MatchFailed, match="no drivable road within 1600 m"):
        match_line(network, wgs84_line([(500, -3500), (2500, -3500)]))


def test_a_line_running_off_the_roads_skips_its_far_observations_and_is_not_credible(network):
    path = match_line(network, wgs84_line([(500, -1400), (2500, -1400), (2500, -5500)]))
    assert path.n_skipped > 0
    assert not path.credible
    assert "no road within" in path.reason and "on average" in path.reason


def test_a_line_with_no_road_nearby_widens_its_search(network):
    # 1 km south of the project road: nothing within the 400 m radius, the widened search finds the road
    path = match_line(network, wgs84_line([(500, -2500), (2500, -2500)]))
    assert set(network.name[path.edges]) == {"项目路"}
    assert path.n_skipped == 0 and path.mean_offset_m == pytest.approx(1000, abs=1)
    assert not path.credible and "on average" in path.reason


def test_edges_without_shapes_match_the_same(network):
    bare = build_network(shaped=False)
    ring = wgs84_line(WAYPOINTS, closed=True)
    assert np.array_equal(match_loop(bare, ring).edges, match_loop(network, ring).edges)


@pytest.mark.parametrize("bad", [shapely.Point(120.7, 27.9), shapely.LineString(), None])
def test_a_geometry_that_is_not_a_line_is_rejected(network, bad):
    with pytest.raises(InvalidGeometry, match="expected a non-empty WGS-84 LineString"):
        match_line(network, bad)


def test_projected_coordinates_are_rejected(network):
    with pytest.raises(InvalidGeometry, match="EPSG:4326"):
        match_line(network, shapely.LineString([(300_000, 3_000_000), (301_000, 3_000_000)]))


@pytest.mark.parametrize(("option", "value"), [("radius_m", 0), ("spacing_m", -5), ("radius_m", float("nan"))])
def test_bad_options_are_rejected(network, option, value):
    with pytest.raises(InvalidParameter, match=option):
        match_line(network, wgs84_line([(200, -1400), (2800, -1400)]), **{option: value})
