"""Map matching: an approximate line or ring, drawn near roads, found as one connected path on the road network.

The plan draws its ring and its road projects as approximate lines, 0.1–3 km off the real roads. They are matched
with a hidden Markov model solved by Viterbi (Newson & Krumm 2009): the observations are evenly spaced points along
the line (EPSG:32651), the hidden states are positions on the directed edges near each observation, the emission
cost is Gaussian in the perpendicular distance and the transition cost exponential in the route's plain length's
excess over the straight-line distance between consecutive observations (a shorter route, where the line bulges past
a road that cuts across, costs a share of that; a step back along an edge costs its length, so the match follows the
line's direction). Routes are chosen by *weighted* metres, length × a class factor (:data:`CLASS_FACTOR`: trunk 1,
primary 1.2, motorway 1.5, residential 3), and their weight beyond their length is a cost of its own, charged on the
straight distance where they fall short of it (standing still on a minor road saves none). With a change of road
name or class between consecutive observations costing extra, the match keeps to one continuous arterial rather than
hopping between parallel local streets, yet follows a minor road the whole way where the line means one.

Candidates (:mod:`geo.access.match_corridor`) are the edges within ``radius_m`` of an observation; where there is none the
radius is doubled up to ``MatchSettings.widen_to_m``, and an observation with none even then is skipped (it only
counts in the offsets and credibility). The nearest edges of the nearest major roads within
``MatchSettings.major_radius_m`` are candidates too, so a dense local grid never hides the arterial the line means.

Everything runs on a corridor of the network around the line: an STRtree over the edge shapes finds the candidates,
and SciPy's Dijkstra, bounded with ``limit=`` (unbounded only where the bound leaves no way on), measures the routes
from one observation's candidates to the next one's in one call per step. A closed ring is solved from every
candidate of its first observation at once, each path required to end where it started. The matched walk is then
cleaned (:mod:`geo.access.match_walk`): a line loses out-and-back spurs and detours that come back to a node; a loop
is cut at every node it passes twice, keeping the longer part, so it is one simple cycle with no spur.

The ring needs other weights than a project line (:data:`LOOP_SETTINGS`): tuned on the Wenzhou extract of
2026-06-08, the plan's ring then matches the arterial loop round the mountain (瓯海大道高架路, 环山东路, 罗山大道,
瓯越大道; 48 km) and the same loop when the ring is shifted 300 m or one of its eight waypoints is dropped, except
the north-west corner, whose loss pulls the line 3 km into the mountain.

Own code rather than leuvenmapmatching (the well-kept PyPI matcher): that package holds its map as Python objects
per node (seconds to load 100k nodes), searches routes in Python, has no road-class preference and no closed loops;
the network here is NumPy arrays already and SciPy does the searches, so the plan's 48 km ring matches in a
little over a second on the bundled network (60,000 nodes).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely

from geo.errors import InvalidGeometry, InvalidParameter
from geo.access.match_corridor import CLASS_FACTOR, Candidates, Corridor, Routes, find_candidates
from geo.access.match_walk import joined_walk, simple_cycle, trim_ends, without_detours
from geo.network.road_network import RoadNetwork
from geo.access.ring import to_metric_xy

logger = logging.getLogger(__name__)

# Routes between consecutive observations' edges are searched up to this many times the observations' straight
# distance plus the route excess that costs _ROUTE_LIMIT_COST: a longer route never wins while a plausible one
# exists, and the bound keeps each search to the few thousand nodes around the two observations.
_ROUTE_LIMIT_FACTOR = 3.0
_ROUTE_LIMIT_COST = 40.0

__all__ = ["CLASS_FACTOR", "LOOP_SETTINGS", "MatchSettings", "MatchedPath", "RoadShare", "match_line", "match_loop"]


@dataclass(frozen=True)
class MatchSettings:
    """How the matcher weighs distance, detours and road classes, and when it calls a match credible.

    Attributes
    ----------
    sigma_m
        Emission scale: an observation ``d`` metres from an edge costs ``(d / sigma_m)² / 2``.
    beta_m
        Transition scale: a route ``Δ`` metres longer than the straight line between consecutive observations
        costs ``Δ / beta_m``, and so do ``Δ`` metres of class weight (weighted less plain length).
    shortcut_share
        A route shorter than the straight line costs this share of what a route as much longer costs: an
        approximate line may bulge where the road cuts across, which a GPS trace cannot.
    switch_cost
        Cost of a change of road name or class between consecutive observations' edges.
    class_factor
        Route weight per metre by OSM ``highway`` class; classes not listed weigh ``other_class_factor``.
    max_candidates, major_candidates
        Per observation: the best ``max_candidates`` directed edges by distance × class factor, plus the nearest
        edges of the ``major_candidates`` nearest roads of the classes weighing at most ``major_factor`` (so a
        trunk road the line means is never crowded out by a dense local grid).
    major_radius_m
        How far from an observation the major roads (weighing at most ``major_factor``) are candidates.
    widen_to_m
        Largest search radius for an observation with no edge within the caller's radius.
    route_slack_m
        How far beyond the largest search radius the corridor, and so any route, may reach.
    credible_mean_offset_m, credible_length_ratio, credible_skipped_share
        A match is not credible when the observations lie further than this from it on average, when it is more
        than this many times as long as the line, or when more than this share of observations had no candidate.
    """

    sigma_m: float = 150.0
    beta_m: float = 150.0
    shortcut_share: float = 0.3
    switch_cost: float = 3.0
    class_factor: Mapping[str, float] = field(default_factory=lambda: dict(CLASS_FACTOR))
    other_class_factor: float = 3.0
    max_candidates: int = 12
    major_candidates: int = 4
    major_factor: float = 1.2
    major_radius_m: float = 1000.0
    widen_to_m: float = 1600.0
    route_slack_m: float = 600.0
    credible_mean_offset_m: float = 300.0
    credible_length_ratio: float = 1.6
    credible_skipped_share: float = 0.2


# The plan's ring is a smooth curve round the mountain's foot, drawn 0.1–3 km inside the arterial loop it means:
# distance from it says little (a wide emission), the major roads are candidates far from it, and the loop is
# credible while it stays within 1.5 km on average. Tuned on the 2026-06-08 Wenzhou extract (module docstring).
LOOP_SETTINGS = MatchSettings(sigma_m=1600.0, major_factor=1.0, major_radius_m=3000.0, credible_mean_offset_m=1500.0)


@dataclass(frozen=True)
class RoadShare:
    """How much of a matched path runs on one road (OSM name and class)."""

    name: str
    highway: str
    length_m: float


@dataclass(frozen=True)
class MatchedPath:
    """An approximate line matched onto the network.

    Attributes
    ----------
    edges
        Network edge indices in driving order; consecutive edges share a node, and for a loop the last edge ends
        where the first starts.
    closed
        Whether this is a loop (:func:`match_loop`).
    length_m
        Sum of the edges' ``length_m``.
    line_length_m
        Length of the approximate line (EPSG:32651), closed for a loop.
    composition
        Length per (OSM name, class), longest first; ``""`` is an unnamed road.
    mean_offset_m, max_offset_m
        Distance of the observations from the matched path.
    n_observations, n_skipped
        Observations along the line, and how many had no edge within the widest search radius.
    credible
        False when the match is poor; ``reason`` then says why.
    reason
        Empty when credible, else what was measured against which threshold.
    """

    edges: np.ndarray
    closed: bool
    length_m: float
    line_length_m: float
    composition: tuple[RoadShare, ...]
    mean_offset_m: float
    max_offset_m: float
    n_observations: int
    n_skipped: int
    credible: bool
    reason: str


def match_line(network: RoadNetwork, line_wgs84: shapely.LineString, *, radius_m: float = 400.0,
               spacing_m: float = 200.0, settings: MatchSettings | None = None) -> MatchedPath:
    """Match an approximate line (WGS-84), e.g. a road project's alignment, onto ``network``.

    Parameters
    ----------
    network
        The road network.
    line_wgs84
        The approximate line, lon/lat.
    radius_m
        Search radius for the edges near each observation (widened where none is found).
    spacing_m
        Largest distance between consecutive observations along the line.
    settings
        Model weights and credibility thresholds (:class:`MatchSettings` defaults when ``None``).

    Raises
    ------
    MatchFailed
        When no drivable road lies within ``settings.widen_to_m`` of the line.
    InvalidGeometry, InvalidParameter
        When the line or an option is not usable.
    """
    return _match(network, line_wgs84, closed=False, radius_m=radius_m, spacing_m=spacing_m,
                  settings=settings or MatchSettings())


def match_loop(network: RoadNetwork, ring_wgs84: shapely.LineString, *, radius_m: float = 400.0,
               spacing_m: float = 200.0, settings: MatchSettings | None = None) -> MatchedPath:
    """Match an approximate ring (WGS-84; closed by joining its ends if they differ) as one closed drivable loop.

    The loop starts and ends at its node nearest the ring's first point, has no out-and-back spur and passes no
    node twice. Parameters as for :func:`match_line`; ``settings`` defaults to :data:`LOOP_SETTINGS`.

    Raises
    ------
    MatchFailed
        When no road lies near the ring or the matched route encloses nothing (it only runs out and back).
    InvalidGeometry, InvalidParameter
        When the ring or an option is not usable.
    """
    return _match(network, ring_wgs84, closed=True, radius_m=radius_m, spacing_m=spacing_m,
                  settings=settings or LOOP_SETTINGS)


def _match(network: RoadNetwork, line_wgs84: shapely.LineString, *, closed: bool, radius_m: float,
           spacing_m: float, settings: MatchSettings) -> MatchedPath:
    _check_options(radius_m=radius_m, spacing_m=spacing_m, settings=settings)
    line = _metric_line(line_wgs84, closed=closed)
    points = _observations(line, spacing_m=spacing_m, closed=closed)
    reach = max(radius_m, settings.widen_to_m, settings.major_radius_m) + settings.route_slack_m
    corridor = Corridor.around(network, line, reach_m=reach,
                               class_factor=settings.class_factor, other_factor=settings.other_class_factor)
    candidates = find_candidates(corridor, points, radius_m=radius_m, widen_to_m=settings.widen_to_m,
                                 major_radius_m=settings.major_radius_m, keep=settings.max_candidates,
                                 keep_major=settings.major_candidates, major_factor=settings.major_factor)
    chosen = _viterbi(corridor, candidates, points, closed=closed, settings=settings)
    walk = joined_walk(corridor, candidates, chosen, closed=closed)
    if closed:
        local = simple_cycle(corridor, walk, points[0])
    else:
        local = without_detours(corridor, trim_ends(corridor, candidates, chosen, walk))
    return _result(network, corridor, local, line, points, candidates, closed=closed, settings=settings)


def _check_options(*, radius_m: float, spacing_m: float, settings: MatchSettings) -> None:
    checks = {"radius_m": radius_m, "spacing_m": spacing_m, "sigma_m": settings.sigma_m, "beta_m": settings.beta_m}
    for name, value in checks.items():
        if not (isinstance(value, (int, float)) and 0 < value < math.inf):
            raise InvalidParameter(name, f"expected a positive number of metres, got {value!r}")
    if settings.widen_to_m < radius_m:
        raise InvalidParameter("widen_to_m", f"expected at least radius_m ({radius_m} m), got {settings.widen_to_m}")
    if settings.max_candidates < 1:
        raise InvalidParameter("max_candidates", f"expected at least 1, got {settings.max_candidates}")


def _metric_line(line_wgs84: shapely.Geometry, *, closed: bool) -> shapely.LineString:
    """The line in EPSG:32651; a loop gets its closing segment when its ends differ."""
    if isinstance(line_wgs84, shapely.MultiLineString):
        line_wgs84 = shapely.line_merge(line_wgs84)
    if not isinstance(line_wgs84, shapely.LineString) or line_wgs84.is_empty or line_wgs84.length == 0:
        raise InvalidGeometry(f"expected a non-empty WGS-84 LineString to match, got "
                              f"{getattr(line_wgs84, 'geom_type', type(line_wgs84).__name__)}; pass one line "
                              "(a MultiLineString must join into one)")
    lon, lat = shapely.get_coordinates(line_wgs84).T
    if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
        raise InvalidGeometry("expected lon/lat coordinates (WGS-84), got values outside ±180/±90; reproject the "
                              "line to EPSG:4326")
    coords = np.column_stack(to_metric_xy(lon, lat))
    if closed and not np.array_equal(coords[0], coords[-1]):
        coords = np.vstack([coords, coords[:1]])
    return shapely.LineString(coords)


def _observations(line: shapely.LineString, *, spacing_m: float, closed: bool) -> np.ndarray:
    """Evenly spaced points along ``line`` at most ``spacing_m`` apart; a loop's end point (= start) is left out."""
    steps = max(3 if closed else 1, math.ceil(line.length / spacing_m))
    positions = np.linspace(0.0, line.length, steps + 1)
    return shapely.line_interpolate_point(line, positions[:-1] if closed else positions)


def _viterbi(corridor: Corridor, candidates: Candidates, points: np.ndarray, *, closed: bool,
             settings: MatchSettings) -> list[int]:
    """The cheapest sequence of candidates (indices), one per observation that has any; a loop's first candidate
    is repeated at the end. Solved from every first candidate at once: ``score[s, b]`` is the cheapest way from
    start ``s`` to candidate ``b`` of the current observation."""
    groups = candidates.groups()
    emission = [0.5 * (candidates.distance[g] / settings.sigma_m) ** 2 for g in groups]
    order = list(range(len(groups))) + ([0] if closed else [])
    n_first = groups[0].size
    score = np.where(np.eye(n_first, dtype=bool), emission[0], np.inf) if closed else emission[0][None, :]
    back = []
    for here, there in zip(order[:-1], order[1:]):
        cost = _transition(corridor, candidates, groups[here], groups[there], points, settings=settings,
                           reachable=np.isfinite(score).any(axis=0))
        total = score[:, :, None] + cost[None, :, :]
        best = total.argmin(axis=1)
        score = np.take_along_axis(total, best[:, None, :], axis=1)[:, 0, :]
        if not (closed and there == 0):
            score = score + emission[there]
        back.append(best)
    start = int(np.argmin(np.diagonal(score))) if closed else 0
    state = start if closed else int(np.argmin(score[0]))
    path = [state]
    for best in reversed(back):
        state = int(best[start, state])
        path.append(state)
    path.reverse()
    return [int(groups[g][s]) for g, s in zip(order, path)]


def _transition(corridor: Corridor, candidates: Candidates, here: np.ndarray, there: np.ndarray, points: np.ndarray,
                *, settings: MatchSettings, reachable: np.ndarray) -> np.ndarray:
    """Transition costs from the candidates ``here`` to ``there`` (index arrays), shape ``(here, there)``.

    Routes are searched up to a bound that no plausible route exceeds; only if that leaves every candidate that can
    still be reached without a way on (a gap in the roads) is the search repeated without bound.
    """
    a, b = candidates.obs[here[0]], candidates.obs[there[0]]
    straight = float(shapely.distance(points[a], points[b]))
    limit = _ROUTE_LIMIT_FACTOR * straight + _ROUTE_LIMIT_COST * settings.beta_m
    ends = (candidates.edge[here], candidates.offset_m[here], candidates.edge[there], candidates.offset_m[there])
    routes = corridor.routes(*ends, limit=limit)
    if not np.isfinite(routes.weighted_m[reachable]).any():
        routes = corridor.routes(*ends, limit=math.inf)
    switch = corridor.key[ends[0]][:, None] != corridor.key[ends[2]][None, :]
    return _route_cost(routes, straight, corridor.factor[ends[2]], settings=settings) + settings.switch_cost * switch


def _route_cost(routes: Routes, straight: float, factor_b: np.ndarray, *, settings: MatchSettings) -> np.ndarray:
    """Cost of ``routes`` between observations ``straight`` metres apart, bar a change of road (module docstring):
    Newson–Krumm on the progress (plain length less any step back, which costs its length on top), plus the class
    weight (weighted less plain length) and the progress's shortfall times the reached edge's ``factor_b`` - 1."""
    progress = routes.length_m - routes.back_m
    short = np.maximum(straight - progress, 0.0)
    excess = np.maximum(progress - straight, 0.0) + settings.shortcut_share * short + routes.back_m
    reached = np.isfinite(routes.length_m)  # inf - inf would be nan, which argmin takes for the cheapest
    class_weight = np.subtract(routes.weighted_m, routes.length_m, out=np.full(reached.shape, np.inf), where=reached)
    classes = class_weight + (factor_b[None, :] - 1.0) * short
    return (excess + classes) / settings.beta_m


def _result(network: RoadNetwork, corridor: Corridor, local: list[int], line: shapely.LineString,
            points: np.ndarray, candidates: Candidates, *, closed: bool, settings: MatchSettings) -> MatchedPath:
    edges = corridor.edges[local]
    length = float(network.length_m[edges].sum())
    offsets = shapely.distance(points, shapely.multilinestrings(corridor.shapes[local]))
    skipped = int(points.size - np.unique(candidates.obs).size)
    problems = []
    if offsets.mean() > settings.credible_mean_offset_m:
        problems.append(f"the line lies {offsets.mean():.0f} m from the match on average (at most "
                        f"{settings.credible_mean_offset_m:.0f} m expected)")
    if length > settings.credible_length_ratio * line.length:
        problems.append(f"the match is {length / line.length:.2f} times as long as the line (at most "
                        f"{settings.credible_length_ratio:g} expected)")
    if skipped > settings.credible_skipped_share * points.size:
        problems.append(f"{skipped} of {points.size} observations have no road within "
                        f"{settings.widen_to_m:.0f} m")
    result = MatchedPath(edges=edges, closed=closed, length_m=length, line_length_m=float(line.length),
                         composition=_composition(network, edges), mean_offset_m=float(offsets.mean()),
                         max_offset_m=float(offsets.max()), n_observations=int(points.size), n_skipped=skipped,
                         credible=not problems, reason="; ".join(problems))
    logger.info("matched %s of %.1f km: %d edges, %.1f km, mean offset %.0f m%s", "loop" if closed else "line",
                line.length / 1000, edges.size, length / 1000, offsets.mean(),
                "" if result.credible else f", not credible: {result.reason}")
    return result


def _composition(network: RoadNetwork, edges: np.ndarray) -> tuple[RoadShare, ...]:
    totals: dict[tuple[str, str], float] = {}
    for name, highway, length in zip(network.name[edges], network.highway[edges], network.length_m[edges]):
        key = (str(name), str(highway))
        totals[key] = totals.get(key, 0.0) + float(length)
    shares = (RoadShare(name=n, highway=h, length_m=m) for (n, h), m in totals.items())
    return tuple(sorted(shares, key=lambda s: (-s.length_m, s.name, s.highway)))
