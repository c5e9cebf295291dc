"""The ring road on a road network: which edges are the ring, where traffic joins it, and the drive around it.

Ring edges are the edges of the ring loop matched onto the network (the network's ``ring_id`` column, written by
:func:`geo.access.plan_matching.match_plan` with a map matcher): a road that merely lies near the plan's ring line is never a
ring edge. Each ring edge is then located along the plan's ring line (in EPSG:32651, through :class:`LineZone`, built
once per ring): where it starts, how far it advances and in which direction, which is what the loop and the gaps
of a broken ring are measured in.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.errors import InvalidGeometry, RingNotConnected
from geo.network.road_network import RoadNetwork
from geo.network.road_graph import ReverseGraph
from geo.plan.schema import METRIC_CRS, WGS84

logger = logging.getLogger(__name__)

RING_TOLERANCE_M = 30.0
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
class LineZone:
    """A metric line prepared for locating many points along it (built once per ring, reused for every network)."""

    line: shapely.LineString
    tolerance_m: float

    @classmethod
    def around(cls, line: shapely.LineString, *, tolerance_m: float) -> LineZone:
        return cls(line=shapely.LineString(line), tolerance_m=tolerance_m)

    @cached_property
    def segments(self) -> tuple[np.ndarray, ...]:
        """Per segment of the line: start x, y, extent dx, dy, squared length, length, position of its start."""
        coords = shapely.get_coordinates(self.line)
        dx, dy = np.diff(coords[:, 0]), np.diff(coords[:, 1])
        length2 = dx * dx + dy * dy
        length = np.sqrt(length2)
        start = np.concatenate(([0.0], np.cumsum(length)[:-1]))
        return coords[:-1, 0], coords[:-1, 1], dx, dy, length2, length, start

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Position along the line of the nearest point to each metric point (GEOS ``project``'s arithmetic).

        The same formulas as GEOS's length-indexed projection (first nearest segment, projection factor clamped
        to it), vectorised over points × segments in chunks: GEOS projects one point at a time, far slower.
        """
        ax, ay, dx, dy, length2, length, start = self.segments
        out = np.empty(x.size)
        chunk = max(1, 2 ** 20 // max(1, ax.size))
        for lo in range(0, x.size, chunk):
            px, py = x[lo:lo + chunk, None], y[lo:lo + chunk, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = ((px - ax) * dx + (py - ay) * dy) / length2
            factor = np.where(length2 > 0, factor, 0.0)
            nearest_x = np.where(factor <= 0, ax, np.where(factor >= 1, ax + dx, ax + factor * dx))
            nearest_y = np.where(factor <= 0, ay, np.where(factor >= 1, ay + dy, ay + factor * dy))
            best = np.argmin((px - nearest_x) ** 2 + (py - nearest_y) ** 2, axis=1)
            f = np.clip(factor[np.arange(best.size), best], 0.0, 1.0)
            out[lo:lo + chunk] = start[best] + np.where(f >= 1, length[best], f * length[best])
        return out


@dataclass(frozen=True)
class MetricNodes:
    """Some nodes of a network (indices) with their EPSG:32651 coordinates."""

    index: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def in_box(cls, network: RoadNetwork, box_wgs84: tuple[float, float, float, float]) -> MetricNodes:
        """The nodes inside a lon/lat box, projected."""
        lon0, lat0, lon1, lat1 = box_wgs84
        index = np.flatnonzero((network.x >= lon0) & (network.x <= lon1) & (network.y >= lat0) & (network.y <= lat1))
        x, y = to_metric_xy(network.x[index], network.y[index])
        return cls(index=index, x=np.asarray(x), y=np.asarray(y))


def ring_box_wgs84(ring: RingLine, *, tolerance_m: float) -> tuple[float, float, float, float]:
    """The ring's lon/lat bounds widened by at least twice ``tolerance_m``: every node near the ring is inside."""
    lon0, lat0, lon1, lat1 = ring.bounds_wgs84
    margin_lat = 2 * tolerance_m / _METRES_PER_DEGREE_LAT
    margin_lon = margin_lat / math.cos(math.radians(max(abs(lat0), abs(lat1))))
    return lon0 - margin_lon, lat0 - margin_lat, lon1 + margin_lon, lat1 + margin_lat


@dataclass(frozen=True)
class RingEdges:
    """The network's ring edges.

    Attributes
    ----------
    ring
        The ring line they were matched to.
    index
        The ring edges' indices in the network, ascending; the other arrays hold one value per ring edge.
    forward
        Does the edge run along ``ring.line``'s orientation.
    start_m, along_m
        Position of its start along the ring and how far it advances.
    segment
        Index of its ring segment.
    n_edges
        Number of edges of the network.
    """

    ring: RingLine
    index: np.ndarray
    forward: np.ndarray
    start_m: np.ndarray
    along_m: np.ndarray
    segment: np.ndarray
    n_edges: int

    @cached_property
    def mask(self) -> np.ndarray:
        """Per network edge: is it a ring edge."""
        mask = np.zeros(self.n_edges, dtype=bool)
        mask[self.index] = True
        return mask

    def segment_of(self, edges: np.ndarray) -> np.ndarray:
        """Ring segment index of each of ``edges`` (ring edge indices in the network)."""
        return self.segment[np.searchsorted(self.index, edges)]


def match_ring_edges(network: RoadNetwork, ring: RingLine, *, tolerance_m: float = RING_TOLERANCE_M,
                     zone: LineZone | None = None) -> RingEdges:
    """The ring edges of ``network`` — the edges of its matched ring loop (``network.ring_id``, set by
    :func:`geo.access.plan_matching.match_plan`) — located along ``ring`` (none is an error-free result).

    An edge that merely lies near the ring line is not a ring edge: only the matched loop counts. ``zone`` (of
    ``ring.line`` and ``tolerance_m``) is built when not given.
    """
    zone = zone or LineZone.around(ring.line, tolerance_m=tolerance_m)
    candidate = np.flatnonzero(network.ring_id != "").astype(np.int64)
    ends = np.concatenate([network.edge_u[candidate], network.edge_v[candidate]])
    mx, my = to_metric_xy(network.x[ends], network.y[ends])
    located = zone.locate(np.asarray(mx, dtype=float), np.asarray(my, dtype=float))
    pu, pv = located[:candidate.size], located[candidate.size:]
    delta = pv - pu
    if ring.closed:  # the shorter way round
        delta = (delta + ring.length_m / 2) % ring.length_m - ring.length_m / 2
    along, forward = np.abs(delta), delta > 0
    middle = np.where(forward, pu + along / 2, pu - along / 2)
    segment = ring.segment_at(middle % ring.length_m if ring.closed else middle)
    named = {segment_id: k for k, segment_id in enumerate(ring.segment_ids)}
    by_id = np.array([named.get(str(r), -1) for r in network.ring_id[candidate]], dtype=np.int64)
    segment = np.where(by_id >= 0, by_id, segment)  # the matched segment where the loop names one of the plan's
    logger.info("%d ring edges on the matched loop", candidate.size)
    return RingEdges(ring=ring, index=candidate, forward=forward, start_m=pu, along_m=along, segment=segment,
                     n_edges=network.n_edges)


def edge_midpoints(network: RoadNetwork, edges: np.ndarray) -> np.ndarray:
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


def ring_nodes(network: RoadNetwork, ring_edges: np.ndarray) -> np.ndarray:
    """Indices of the nodes on ring edges, given as a boolean mask over the edges or as edge indices."""
    edges = np.flatnonzero(ring_edges) if ring_edges.dtype == bool else ring_edges
    return np.unique(np.concatenate([network.edge_u[edges], network.edge_v[edges]]))


def entry_nodes(network: RoadNetwork, ring_edges: RingEdges, *, active: np.ndarray | None = None,
                graph: ReverseGraph | None = None) -> np.ndarray:
    """Ring nodes where a non-ring edge arrives (traffic can drive onto the ring there), over ``active`` edges.

    Only the edges arriving at ring nodes are looked at (through ``graph``, built when not given).
    """
    graph = graph or ReverseGraph.build(network)
    in_use = ring_edges.index if active is None else ring_edges.index[active[ring_edges.index]]
    on_ring = ring_nodes(network, in_use)
    arriving = graph.positions_into(on_ring)
    edge = graph.edge[arriving]
    joins = ~np.isin(edge, ring_edges.index, assume_unique=False)
    if active is not None:
        joins &= active[edge]
    head = np.repeat(on_ring, graph.indptr[on_ring + 1] - graph.indptr[on_ring])
    return np.unique(head[joins])


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
    require_ring_edges(edges, network)
    return entry_nodes(network, edges)


def require_ring_edges(edges: RingEdges, network: RoadNetwork) -> None:
    """Raise :class:`RingNotConnected` unless ``edges`` holds at least one ring edge."""
    if edges.index.size == 0:
        lon0, lat0, lon1, lat1 = (round(v, 4) for v in edges.ring.bounds_wgs84)
        raise RingNotConnected(
            f"the road network {network.source.get('source', '')} has no ring edge (no edge carries a ring_id) "
            f"for the ring road at lon {lon0}–{lon1}, lat {lat0}–{lat1}; match the ring onto it "
            "(geo.access.plan_matching.match_plan, which placing a network does for a network without ring ids) or load a "
            "network that covers the ring (corridor access --network PATH)")

