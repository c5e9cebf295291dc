"""The ring road on a road network: which edges are the ring, where traffic joins it, and the drive around it.

Ring edges are found geometrically, so the same code works on the bundled schematic network and on real OSM data:
a directed edge is a ring edge when both its ends and its midpoint lie within ``tolerance_m`` of the plan's ring
line (in EPSG:32651) and it runs along that line (its ends' positions along the ring are at least half its length
apart, which rules out short roads crossing the ring). Everything is vectorised over nodes and edges; only the
ring's own few hundred edges are walked one by one when the loop is put in driving order.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.errors import InvalidGeometry, RingNotConnected
from geo.network import RoadNetwork
from geo.schema import METRIC_CRS, WGS84

logger = logging.getLogger(__name__)

RING_TOLERANCE_M = 30.0
MIN_ALONG_SHARE = 0.5  # an edge must advance along the ring by at least half its length
_METRES_PER_DEGREE_LAT = 110_574.0  # the smallest value, at the equator: a safe margin in degrees


@lru_cache(maxsize=2)
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def to_metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat arrays to EPSG:32651 metres."""
    return _transformer(WGS84, METRIC_CRS).transform(lon, lat)


def to_wgs84_xy(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project EPSG:32651 arrays back to lon/lat."""
    return _transformer(METRIC_CRS, WGS84).transform(x, y)


@dataclass(frozen=True)
class RingLine:
    """The ring as one line in EPSG:32651, its segments chained end to end in driving order along it.

    Attributes
    ----------
    line
        The chained line; closed (first point = last point) when the segments form a loop.
    closed
        Whether the segments form a loop.
    segment_ids, segment_names
        The segments in order along ``line``.
    segment_start_m
        Position along ``line`` where each segment starts, plus the total length as a last entry.
    bounds_wgs84
        ``(min_lon, min_lat, max_lon, max_lat)`` of the ring.
    """

    line: shapely.LineString
    closed: bool
    segment_ids: tuple[str, ...]
    segment_names: tuple[str, ...]
    segment_start_m: np.ndarray
    bounds_wgs84: tuple[float, float, float, float]

    @property
    def length_m(self) -> float:
        return float(self.segment_start_m[-1])

    @property
    def forward_direction(self) -> str:
        """``"counterclockwise"`` or ``"clockwise"``: the sense of travel along ``line``."""
        x, y = np.asarray(self.line.coords).T
        signed_area = 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
        return "counterclockwise" if signed_area > 0 else "clockwise"

    def segment_at(self, position_m: np.ndarray) -> np.ndarray:
        """Index of the segment holding each position along the line."""
        index = np.searchsorted(self.segment_start_m, position_m, side="right") - 1
        return np.clip(index, 0, len(self.segment_ids) - 1)


def ring_line(ring_lines: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[shapely.Geometry], *,
              tolerance_m: float = RING_TOLERANCE_M) -> RingLine:
    """Chain the ring segments (WGS-84 lines, e.g. ``plan.ring``) into one line in driving order.

    Raises
    ------
    RingNotConnected
        When there are no ring segments.
    InvalidGeometry
        When a segment is not a line or the segments do not join end to end within ``tolerance_m``.
    """
    return ring_line_from_parts(*_segments(ring_lines), tolerance_m=tolerance_m)


def ring_line_from_parts(ids: Sequence[str], names: Sequence[str], lines: Sequence[shapely.Geometry], *,
                         tolerance_m: float = RING_TOLERANCE_M) -> RingLine:
    """:func:`ring_line` from plain sequences of segment ids, names and WGS-84 lines."""
    ids, names, lines = _split_parts(list(ids), list(names), list(lines))
    if not lines:
        raise RingNotConnected("the ring is empty: no ring segments (roads with category 'ring') were given; "
                               "add the ring road to data/roads.geojson")
    metric = [np.column_stack(to_metric_xy(*np.asarray(line.coords).T)) for line in lines]
    order, reverse, closed = _chain_order(metric, ids, tolerance_m=tolerance_m)
    pieces = [metric[i][::-1] if rev else metric[i] for i, rev in zip(order, reverse)]
    lengths = [float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in pieces]
    coords = np.vstack([pieces[0]] + [p[1:] for p in pieces[1:]])
    if closed:
        coords = np.vstack([coords, coords[:1]])
    starts = np.concatenate([[0.0], np.cumsum(lengths)])
    line = shapely.LineString(coords)
    starts[-1] = line.length  # the closing step (≤ tolerance) belongs to the last segment
    bounds = tuple(float(v) for v in shapely.total_bounds(lines))
    return RingLine(line=line, closed=closed, segment_ids=tuple(ids[i] for i in order),
                    segment_names=tuple(names[i] for i in order), segment_start_m=starts, bounds_wgs84=bounds)


def _segments(ring_lines) -> tuple[list[str], list[str], list[shapely.Geometry]]:
    if isinstance(ring_lines, gpd.GeoDataFrame):
        frame = ring_lines.to_crs(WGS84) if ring_lines.crs is not None and ring_lines.crs != WGS84 else ring_lines
        geoms = list(frame.geometry)
        ids = [str(v) for v in frame["id"]] if "id" in frame else [f"segment {i + 1}" for i in range(len(geoms))]
        names = [str(v) for v in frame["name"]] if "name" in frame else ids
        return ids, names, geoms
    geoms = list(ring_lines)
    ids = [f"segment {i + 1}" for i in range(len(geoms))]
    return ids, ids, geoms


def _split_parts(ids: list[str], names: list[str],
                 geoms: list[shapely.Geometry]) -> tuple[list[str], list[str], list[shapely.LineString]]:
    """One entry per LineString: MultiLineStrings are merged, and split into parts if they stay multi."""
    out_ids, out_names, out_lines = [], [], []
    for fid, name, geom in zip(ids, names, geoms):
        merged = shapely.line_merge(geom) if isinstance(geom, shapely.MultiLineString) else geom
        parts = shapely.get_parts(merged) if merged is not None else []
        if geom is None or geom.is_empty or not all(isinstance(p, shapely.LineString) for p in parts):
            raise InvalidGeometry(f"ring segment {fid}: expected a LineString in WGS-84, got "
                                  f"{getattr(geom, 'geom_type', 'nothing')}; fix its geometry in roads.geojson")
        for part in parts:
            out_ids.append(str(fid))
            out_names.append(str(name))
            out_lines.append(part)
    return out_ids, out_names, out_lines


def _chain_order(metric: list[np.ndarray], ids: list[str], *,
                 tolerance_m: float) -> tuple[list[int], list[bool], bool]:
    """Greedy chaining from the first segment: always continue with the segment whose end is nearest."""
    order, reverse = [0], [False]
    end = metric[0][-1]
    remaining = list(range(1, len(metric)))
    while remaining:
        to_start = [math.dist(end, metric[i][0]) for i in remaining]
        to_end = [math.dist(end, metric[i][-1]) for i in remaining]
        best = int(np.argmin(np.minimum(to_start, to_end)))
        gap = min(to_start[best], to_end[best])
        if gap > tolerance_m:
            raise InvalidGeometry(f"ring segment {ids[order[-1]]} ends {gap:.0f} m from the nearest free end of "
                                  f"another ring segment; expected the segments to join end to end within "
                                  f"{tolerance_m:.0f} m; fix the ring geometry in roads.geojson")
        chosen = remaining.pop(best)
        flipped = to_end[best] < to_start[best]
        order.append(chosen)
        reverse.append(flipped)
        end = metric[chosen][0] if flipped else metric[chosen][-1]
    closed = math.dist(end, metric[0][0]) <= tolerance_m
    return order, reverse, closed


@dataclass(frozen=True)
class RingEdges:
    """The network's ring edges.

    Attributes
    ----------
    ring
        The ring line they were matched to.
    mask
        Per edge: is it a ring edge.
    forward
        Per edge: does it run along ``ring.line``'s orientation (meaningful where ``mask``).
    start_m, along_m
        Per edge: position of its start along the ring and how far it advances (NaN off the ring).
    segment
        Per edge: index of its ring segment, -1 off the ring.
    """

    ring: RingLine
    mask: np.ndarray
    forward: np.ndarray
    start_m: np.ndarray
    along_m: np.ndarray
    segment: np.ndarray


def match_ring_edges(network: RoadNetwork, ring: RingLine, *, tolerance_m: float = RING_TOLERANCE_M) -> RingEdges:
    """Find the edges of ``network`` that run along ``ring`` within ``tolerance_m`` (none is an error-free result)."""
    position = _node_positions(network, ring, tolerance_m=tolerance_m)
    pu, pv = position[network.edge_u], position[network.edge_v]
    candidate = np.flatnonzero(np.isfinite(pu) & np.isfinite(pv))
    delta = pv[candidate] - pu[candidate]
    if ring.closed:  # the shorter way round
        delta = (delta + ring.length_m / 2) % ring.length_m - ring.length_m / 2
    along = np.abs(delta)
    runs_along = along >= MIN_ALONG_SHARE * network.length_m[candidate]
    midpoint = _edge_midpoints(network, candidate)
    runs_along &= shapely.dwithin(ring.line, midpoint, tolerance_m)
    hit = candidate[runs_along]
    m = network.n_edges
    start = np.full(m, np.nan)
    along_m = np.full(m, np.nan)
    forward = np.zeros(m, dtype=bool)
    start[hit], along_m[hit], forward[hit] = pu[hit], along[runs_along], delta[runs_along] > 0
    segment = np.full(m, -1, dtype=np.int64)
    middle = np.where(forward[hit], start[hit] + along_m[hit] / 2, start[hit] - along_m[hit] / 2)
    segment[hit] = ring.segment_at(middle % ring.length_m if ring.closed else middle)
    mask = np.zeros(m, dtype=bool)
    mask[hit] = True
    logger.info("matched %d ring edges within %.0f m", hit.size, tolerance_m)
    return RingEdges(ring=ring, mask=mask, forward=forward, start_m=start, along_m=along_m, segment=segment)


def _node_positions(network: RoadNetwork, ring: RingLine, *, tolerance_m: float) -> np.ndarray:
    """Position along the ring of every node within ``tolerance_m`` of it, NaN for the others."""
    lon0, lat0, lon1, lat1 = ring.bounds_wgs84
    margin_lat = 2 * tolerance_m / _METRES_PER_DEGREE_LAT
    margin_lon = margin_lat / math.cos(math.radians(max(abs(lat0), abs(lat1))))
    in_box = np.flatnonzero((network.x >= lon0 - margin_lon) & (network.x <= lon1 + margin_lon)
                            & (network.y >= lat0 - margin_lat) & (network.y <= lat1 + margin_lat))
    mx, my = to_metric_xy(network.x[in_box], network.y[in_box])
    near = _near_line(np.asarray(mx), np.asarray(my), ring.line, tolerance_m=tolerance_m)
    points = shapely.points(mx[near], my[near])
    position = np.full(network.n_nodes, np.nan)
    position[in_box[near]] = shapely.line_locate_point(ring.line, points)
    return position


def _near_line(x: np.ndarray, y: np.ndarray, line: shapely.LineString, *, tolerance_m: float) -> np.ndarray:
    """Indices of the points within ``tolerance_m`` of ``line``.

    A coarse raster first: cells of twice the tolerance around vertices spaced at most one tolerance apart, so any
    point within the tolerance of the line falls in a marked cell or a neighbour; exact distances only for those.
    """
    cell = 2 * tolerance_m
    vertices = shapely.get_coordinates(shapely.segmentize(line, tolerance_m))
    origin = vertices.min(axis=0) - 2 * cell
    shape = (np.ceil((vertices.max(axis=0) - origin) / cell).astype(int) + 3)[::-1]
    marked = np.zeros(shape, dtype=bool)
    col, row = np.floor((vertices - origin) / cell).astype(int).T
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            marked[row + dr, col + dc] = True
    pc = np.floor((x - origin[0]) / cell).astype(np.int64)
    pr = np.floor((y - origin[1]) / cell).astype(np.int64)
    inside = (pc >= 0) & (pr >= 0) & (pc < shape[1]) & (pr < shape[0])
    candidate = np.flatnonzero(inside)
    candidate = candidate[marked[pr[candidate], pc[candidate]]]
    exact = shapely.dwithin(line, shapely.points(x[candidate], y[candidate]), tolerance_m)
    return candidate[exact]


def _edge_midpoints(network: RoadNetwork, edges: np.ndarray) -> np.ndarray:
    """Metric midpoints of ``edges``: halfway along the edge's shape when it has one, else between its ends."""
    u, v = network.edge_u[edges], network.edge_v[edges]
    mx, my = to_metric_xy((network.x[u] + network.x[v]) / 2, (network.y[u] + network.y[v]) / 2)
    midpoints = shapely.points(mx, my)
    if network.geometry is not None:
        shapes = network.geometry[edges]
        has_shape = np.array([g is not None for g in shapes], dtype=bool)
        if has_shape.any():
            halfway = shapely.line_interpolate_point(list(shapes[has_shape]), 0.5, normalized=True)
            hx, hy = to_metric_xy(shapely.get_x(halfway), shapely.get_y(halfway))
            midpoints[has_shape] = shapely.points(hx, hy)
    return midpoints


def ring_nodes(network: RoadNetwork, ring_mask: np.ndarray) -> np.ndarray:
    """Indices of the nodes on ring edges."""
    on_ring = np.zeros(network.n_nodes, dtype=bool)
    on_ring[network.edge_u[ring_mask]] = True
    on_ring[network.edge_v[ring_mask]] = True
    return np.flatnonzero(on_ring)


def entry_nodes(network: RoadNetwork, ring_mask: np.ndarray, *, active: np.ndarray | None = None) -> np.ndarray:
    """Ring nodes where a non-ring edge joins the ring (traffic can drive onto it there)."""
    active = np.ones(network.n_edges, dtype=bool) if active is None else active
    on_ring = np.zeros(network.n_nodes, dtype=bool)
    on_ring[ring_nodes(network, ring_mask & active)] = True
    joined = np.zeros(network.n_nodes, dtype=bool)
    joined[network.edge_v[active & ~ring_mask]] = True
    return np.flatnonzero(on_ring & joined)


def ring_entry_nodes(network: RoadNetwork, ring_lines: gpd.GeoDataFrame | gpd.GeoSeries | Sequence,
                     *, tolerance_m: float = RING_TOLERANCE_M) -> np.ndarray:
    """Indices of the nodes where other roads join the ring road.

    Parameters
    ----------
    network
        The road network.
    ring_lines
        The ring segments in WGS-84 (``plan.ring``, a GeoSeries, or a list of LineStrings).
    tolerance_m
        How far (metres, EPSG:32651) a ring edge may lie from the ring line.

    Raises
    ------
    RingNotConnected
        When the ring is empty, or no edge of the network runs along it.
    """
    edges = match_ring_edges(network, ring_line(ring_lines, tolerance_m=tolerance_m), tolerance_m=tolerance_m)
    require_ring_edges(edges, network, tolerance_m=tolerance_m)
    return entry_nodes(network, edges.mask)


def require_ring_edges(edges: RingEdges, network: RoadNetwork, *, tolerance_m: float, what: str = "") -> None:
    """Raise :class:`RingNotConnected` unless ``edges`` holds at least one ring edge."""
    if not edges.mask.any():
        lon0, lat0, lon1, lat1 = (round(v, 4) for v in edges.ring.bounds_wgs84)
        raise RingNotConnected(
            f"the ring road (lon {lon0}–{lon1}, lat {lat0}–{lat1}) does not touch the road network "
            f"{network.source.get('source', '')}{what}: no edge runs within {tolerance_m:.0f} m along it; "
            "load a network that covers the ring (corridor access --network PATH) or fix the ring geometry")

