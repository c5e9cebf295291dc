"""Isochrone bands of time to the ring (0–5, 5–10, 10–15, >15 min) as GeoJSON polygons built from the network.

Each directed edge is cut where the interpolated time to the ring crosses a band limit (a point a share ``f`` along
u→v drives on through v: ``(1 - f) * t_edge + t_v``); the pieces are drawn, band by band and cumulatively, into a
raster of 50 m cells in EPSG:32651, and the cells whose centre lies within the buffer distance of a drawn cell
(a Euclidean distance transform) become the band's polygon, so a place belongs to the fastest band that reaches it.
Where no reachable road passes within the buffer there is a hole — these are not convex hulls. The raster makes
the buffer exact to about ±35 m, several times faster than buffering and unioning thousands of street pieces; its
50 m stairs are simplified away for display (:data:`SIMPLIFY_M`, all bands together, so they keep their shared
edges), which moves an outline by up to about one cell. Edges are drawn straight between their nodes. Only edges near the corridor and the blocks are
drawn, so the cost follows the study area, not the whole network, and only roads with roadside access
(:func:`geo.access.coverage.has_roadside_access`, as in the coverage): a place beside a motorway cannot get on it.
The bands show the roads' own times; unlike the coverage's cells they add no access leg within the buffer.
"""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from geo.access import coverage
from geo.access.check import BANDS_MIN, check_open_projects, validate_options
from geo.access.evaluation import scenario_mask, time_to_ring_nodes
from geo.access.placement import PlacedNetwork
from geo.access.prepared_plan import PlanStudy, prepare_plan, study_box
from geo.access.report import network_info
from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork
from geo.plan.layers import PlanData
from geo.access.plan_matching import ensure_matched
from geo.access.ring import RING_TOLERANCE_M, RingEdges, match_ring_edges, require_ring_edges, to_metric_xy
from geo.network.road_graph import ReverseGraph
from geo.plan.shapes import round_coordinates, to_wgs84

logger = logging.getLogger(__name__)

BUFFER_M = 200.0
RASTER_M = 50.0  # cell size of the reach raster: places within buffer_m ± 35 m of a reachable road
# Three quarters of a cell: the raster's stairs are corner triangles of half a cell squared (√1250 m² ≈ 35 m in the
# Visvalingam–Whyatt measure of coverage simplification), so they fall under it and the outlines halve in bytes.
SIMPLIFY_M = 0.75 * RASTER_M
COORDINATE_DIGITS = 5  # about 1 m, far below the cells' 50 m: more digits would only add bytes
BAND_LABELS_ZH = ("5分钟以内", "5–10分钟", "10–15分钟", "15分钟以上")


def isochrone_bands(network: RoadNetwork | PlacedNetwork, plan: PlanData | PlanStudy | None = None, *,
                    scenario: str = "planned",
                    congestion: float = 1.0,
                    buffer_m: float = BUFFER_M, simplify_m: float = SIMPLIFY_M,
                    tolerance_m: float = RING_TOLERANCE_M, open_projects: Collection[str] | None = None) -> dict:
    """The isochrone bands of time to the ring as a GeoJSON FeatureCollection (WGS-84, simplified for display).

    Parameters
    ----------
    network, plan
        The road network and the plan (its ring, road projects, corridor and blocks), or the plan prepared by
        :func:`geo.access.prepared_plan.prepare_plan`; or the network placed on the plan by
        :func:`geo.access.placement.prepare_network` (then ``plan`` is not needed).
    scenario
        ``"baseline"``, ``"planned"`` or ``"current"`` (the baseline plus ``open_projects``, required there and
        only there: as :func:`geo.access.check.check_access` takes them).
    congestion
        Factor on free-flow speed, above 0 and at most 1.5.
    buffer_m
        How far from a reachable road a place counts as served (metres, to about ±35 m: the raster's cells are
        50 m).
    simplify_m
        Simplification tolerance for display (metres, about the square root of the largest triangle removed):
        the bands are simplified together as a coverage, so neighbours keep their shared edges and never overlap
        or leave gaps. ``area_km2`` is measured before simplifying.

    Returns
    -------
    dict
        A FeatureCollection of four features with properties ``band`` (``"0-5"`` …), ``from_min``, ``to_min``
        (``None`` for the last band), ``label_zh``, ``area_km2``; plus ``network`` and ``params`` members.

    Raises
    ------
    InvalidParameter
        For a scenario other than baseline/planned/current, an out-of-range congestion or open projects that do
        not fit the scenario.
    RingNotConnected
        When the ring is empty or no network edge runs along it.
    """
    validate_options(scenario=scenario, congestion=congestion, scenarios=("baseline", "planned", "current"))
    network, prepared, graph, ring, active = _network_and_ring(network, plan, scenario, tolerance_m=tolerance_m,
                                                               open_projects=open_projects)
    edge_time = network.travel_time_s(congestion=congestion)
    node_time = time_to_ring_nodes(network, ring.index[active[ring.index]], active, edge_time,
                                   label=f"the {scenario} scenario", graph=graph)
    edges = _edges_near(network, prepared.plan, active, margin_m=buffer_m + 1000.0)
    reached = _cumulative_reach(network, edges, node_time, edge_time, buffer_m=buffer_m)
    bands = [shapely.difference(area, within) for area, within in zip(reached, [shapely.Polygon(), *reached])]
    shown = _simplified_together(bands, simplify_m)
    features = []
    for i, (band, drawn, lower) in enumerate(zip(bands, shown, (0.0, *BANDS_MIN))):
        upper = BANDS_MIN[i] if i < len(BANDS_MIN) else None
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(
            round_coordinates(to_wgs84(drawn), ndigits=COORDINATE_DIGITS)), "properties": {
            "band": f"{lower:g}-{upper:g}" if upper is not None else f">{lower:g}", "from_min": lower,
            "to_min": upper, "label_zh": BAND_LABELS_ZH[i], "area_km2": round(band.area / 1e6, 3)}})
    return {"type": "FeatureCollection", "features": features, "network": network_info(network),
            "params": {"scenario": scenario, "congestion": float(congestion), "buffer_m": buffer_m,
                       "simplify_m": simplify_m, "raster_m": RASTER_M, "bands_min": list(BANDS_MIN),
                       **({} if open_projects is None else {"open_projects": sorted(set(open_projects))})}}


def _simplified_together(bands: list[shapely.Geometry], tolerance_m: float) -> list[shapely.Geometry]:
    """The bands simplified as one coverage (metric), or as they are for a tolerance of 0."""
    if tolerance_m <= 0:
        return bands
    # Outlines run along the raster's grid lines, but a shared edge may have a vertex at a grid node on one side
    # only; cut at every node, neighbours share their vertices exactly, as coverage simplification requires.
    return list(shapely.coverage_simplify(shapely.segmentize(np.array(bands, dtype=object), RASTER_M), tolerance_m))


def _network_and_ring(network: RoadNetwork | PlacedNetwork, plan: PlanData | PlanStudy | None, scenario: str, *,
                      tolerance_m: float, open_projects: Collection[str] | None
                      ) -> tuple[RoadNetwork, PlanStudy, ReverseGraph, RingEdges, np.ndarray]:
    """The network, prepared plan, reversed graph, ring edges and the scenario's edges — from a placed network
    when given one."""
    if isinstance(network, PlacedNetwork):
        opened = check_open_projects(scenario, open_projects, network.plan) or ()
        return (network.network, network.plan, network.graph, network.ring,
                network.scenario_edges(scenario, open_projects=opened))
    if plan is None:
        raise InvalidParameter("plan", "expected the plan data or a prepared plan with a road network, got none; "
                                       "pass one, or a network from geo.access.placement.prepare_network")
    prepared = plan if isinstance(plan, PlanStudy) else prepare_plan(plan, tolerance_m=tolerance_m)
    network = ensure_matched(network, prepared.plan)
    graph = ReverseGraph.build(network)
    ring = match_ring_edges(network, prepared.ring, tolerance_m=prepared.tolerance_m, zone=prepared.ring_zone)
    require_ring_edges(ring, network)
    opened = check_open_projects(scenario, open_projects, prepared) or ()
    return network, prepared, graph, ring, scenario_mask(network, prepared, scenario, open_projects=opened)


def _edges_near(network: RoadNetwork, plan: PlanData, active: np.ndarray, *, margin_m: float) -> np.ndarray:
    """Active edges of roads with roadside access with both ends in the box around the corridor and the blocks."""
    lon0, lat0, lon1, lat1 = study_box(plan, margin_m=margin_m)
    inside = (network.x >= lon0) & (network.x <= lon1) & (network.y >= lat0) & (network.y <= lat1)
    edges = np.flatnonzero(active & inside[network.edge_u] & inside[network.edge_v])
    return edges[coverage.has_roadside_access(network.highway[edges])]


def _cumulative_reach(network: RoadNetwork, edges: np.ndarray, node_time: np.ndarray, edge_time: np.ndarray, *,
                      buffer_m: float) -> list[shapely.Geometry]:
    """Metric polygons reached within each band limit and within any time, each containing the one before."""
    u, v = network.edge_u[edges], network.edge_v[edges]
    a, b = np.minimum(u, v), np.maximum(u, v)  # each street drawn once, from its lower node index to the higher
    ax, ay = (np.asarray(c) for c in to_metric_xy(network.x[a], network.y[a]))
    bx, by = (np.asarray(c) for c in to_metric_xy(network.x[b], network.y[b]))
    raster = _Raster.around(np.concatenate([ax, bx]), np.concatenate([ay, by]), margin_m=buffer_m + RASTER_M)
    t_v, t_e = node_time[v], edge_time[edges]
    reached, previous = [], np.ones(edges.size)
    for limit in np.array([*BANDS_MIN, np.inf]) * 60.0:
        # share along u→v from which v, and so the ring, is reached within the limit: the edge's tail from there
        with np.errstate(divide="ignore", invalid="ignore"):
            start = np.where(t_e > 0, 1.0 - (limit - t_v) / t_e, np.where(t_v <= limit, 0.0, 1.0))
        start = np.clip(np.nan_to_num(start, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
        new = np.flatnonzero((start < previous) & np.isfinite(t_v))
        low, high = _street_intervals(u[new] == a[new], start[new], previous[new])
        low, high, new = _merge_directions(a[new], b[new], low, high, new)
        previous = np.minimum(previous, start)
        raster.mark(shapely.linestrings(np.stack([
            np.column_stack([ax[new] + low * (bx[new] - ax[new]), ay[new] + low * (by[new] - ay[new])]),
            np.column_stack([ax[new] + high * (bx[new] - ax[new]), ay[new] + high * (by[new] - ay[new])])], axis=1)))
        reached.append(raster.polygon_within(buffer_m))
    return reached


@dataclass
class _Raster:
    """Cells of :data:`RASTER_M` in EPSG:32651 marking where reachable road pieces run (cumulatively)."""

    origin: tuple[float, float]
    road: np.ndarray

    @classmethod
    def around(cls, x: np.ndarray, y: np.ndarray, *, margin_m: float) -> _Raster:
        x0, y0 = float(x.min()) - margin_m, float(y.min()) - margin_m
        shape = (int(np.ceil((y.max() + margin_m - y0) / RASTER_M)), int(np.ceil((x.max() + margin_m - x0) / RASTER_M)))
        return cls(origin=(x0, y0), road=np.zeros(shape, dtype=bool))

    def mark(self, pieces: np.ndarray) -> None:
        """Mark the cells the line ``pieces`` pass through (sampled every half cell)."""
        # GEOS cannot segmentize a zero-length piece (a street whose ends share a position): its point is enough
        has_length = shapely.length(pieces) > 0
        points = np.vstack([shapely.get_coordinates(shapely.segmentize(pieces[has_length], RASTER_M / 2)),
                            shapely.get_coordinates(pieces[~has_length])])
        cols = ((points[:, 0] - self.origin[0]) // RASTER_M).astype(np.int64)
        rows = ((points[:, 1] - self.origin[1]) // RASTER_M).astype(np.int64)
        self.road[rows, cols] = True

    def polygon_within(self, distance_m: float) -> shapely.Geometry:
        """The cells whose centre lies within ``distance_m`` of a marked cell's centre, as one polygon with holes:
        each row's runs of such cells become rectangles, then one union."""
        if not self.road.any():
            return shapely.Polygon()
        near = ndimage.distance_transform_edt(~self.road) * RASTER_M <= distance_m
        padded = np.zeros((near.shape[0], near.shape[1] + 2), dtype=np.int8)
        padded[:, 1:-1] = near
        step = np.diff(padded, axis=1)
        row, first = np.nonzero(step == 1)
        _, end = np.nonzero(step == -1)
        # runs repeated in the next row extend the rectangle upwards: fewer, taller rectangles to union
        order = np.lexsort((row, end, first))
        row, first, end = row[order], first[order], end[order]
        opens = np.ones(row.size, dtype=bool)
        opens[1:] = (first[1:] != first[:-1]) | (end[1:] != end[:-1]) | (row[1:] != row[:-1] + 1)
        group = np.cumsum(opens) - 1
        top = np.zeros(int(opens.sum()), dtype=np.int64)
        np.maximum.at(top, group, row + 1)
        x0, y0 = self.origin
        starts = np.flatnonzero(opens)
        return shapely.union_all(shapely.box(x0 + first[starts] * RASTER_M, y0 + row[starts] * RASTER_M,
                                             x0 + end[starts] * RASTER_M, y0 + top * RASTER_M))


def _street_intervals(forward: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Directed pieces ``[start, end]`` of u→v as intervals along the street from its lower node index."""
    return np.where(forward, start, 1.0 - end), np.where(forward, end, 1.0 - start)


def _merge_directions(a: np.ndarray, b: np.ndarray, low: np.ndarray, high: np.ndarray,
                      rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the overlapping pieces of the two directions of a street into one (fewer, longer buffers)."""
    order = np.lexsort((low, b, a))
    a, b, low, high, rows = a[order], b[order], low[order], high[order], rows[order]
    joins = np.zeros(a.size, dtype=bool)
    joins[1:] = (a[1:] == a[:-1]) & (b[1:] == b[:-1]) & (low[1:] <= high[:-1])
    joins[1:] &= ~joins[:-1]  # pairwise only: a third parallel piece stays separate, which is still correct
    into = np.flatnonzero(joins) - 1
    high[into] = np.maximum(high[into], high[into + 1])
    keep = ~joins
    return low[keep], high[keep], rows[keep]
