"""Coverage of the corridor by time to the ring: shares of road length and of area, overall and per district.

Only *roads with roadside access* count (:func:`has_roadside_access`: every class but motorways, trunk roads and
their links, which nothing along them can drive onto): their nodes are the access nodes, their length the road
length. The corridor is cut into square cells (~250 m) in EPSG:32651; a cell belongs to an area when its centre
does, and is *served* when an access node lies within :data:`MAX_CELL_DISTANCE_M` of its centre. A served cell's
time is the access leg from its centre to its nearest access node (straight-line distance at
:data:`ACCESS_SPEED_KPH`) plus that node's time to the ring; a cell that is not served has no road and is never
within a limit. Points (nodes, edge midpoints) are assigned to areas through the same cells: a cell the area's
boundary passes through gets an exact point-in-polygon test, every other cell answers for all its points at once, so
membership is exact and costs a few array lookups per point.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.spatial import cKDTree

from geo.plan.shapes import to_metric

logger = logging.getLogger(__name__)

CELL_SIZE_M = 250.0
MAX_CELL_DISTANCE_M = 500.0  # project assumption: a cell farther than this from every access node has no road
# Project assumption: the access leg from a point to its network node, over the straight-line distance. Local
# streets and lanes missing from the network are designed for ~20 km/h (支路 in CJJ 37), and the way there is
# ~1.3× the straight line (a usual detour factor): 20 / 1.3 ≈ 15 km/h, so 250 m take one minute.
ACCESS_SPEED_KPH = 15.0
# Grade-separated classes and their ramps: nothing along them can drive on, so they give no roadside access.
NO_ROADSIDE_ACCESS = ("motorway", "motorway_link", "trunk", "trunk_link")


@dataclass(frozen=True)
class Area:
    """A named polygon the coverage is reported for (the corridor or a district)."""

    id: str
    name: str
    polygon: shapely.Geometry  # WGS-84
    metric: shapely.Geometry  # EPSG:32651


@dataclass(frozen=True)
class AreaGrid:
    """The corridor's cells and which areas each cell and each point belongs to.

    Attributes
    ----------
    areas
        The corridor first, then the districts; district membership is always clipped to the corridor.
    origin, cell_m, shape
        Lower-left corner (metres), cell size and ``(rows, cols)`` of the raster over the corridor's bounds.
    centre_in
        ``(len(areas), rows * cols)``: the cell centre lies in the area.
    boundary
        ``(len(areas), rows * cols)``: the area's boundary may cross the cell, so its points are tested exactly.
    """

    areas: tuple[Area, ...]
    origin: tuple[float, float]
    cell_m: float
    shape: tuple[int, int]
    centre_in: np.ndarray
    boundary: np.ndarray

    @cached_property
    def corridor_cells(self) -> np.ndarray:
        """Flat indices of the cells inside the corridor."""
        return np.flatnonzero(self.centre_in[0])

    @cached_property
    def corridor_centres(self) -> np.ndarray:
        """``(len(corridor_cells), 2)``: the corridor cells' metric centres."""
        return np.column_stack(self.cell_centres(self.corridor_cells))

    @cached_property
    def cell_membership(self) -> np.ndarray:
        """``(len(areas), len(corridor_cells))``: which areas each corridor cell belongs to."""
        return self.centre_in[:, self.corridor_cells]

    def cell_centres(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row, col = np.divmod(cells, self.shape[1])
        return self.origin[0] + (col + 0.5) * self.cell_m, self.origin[1] + (row + 0.5) * self.cell_m

    def bounds(self, *, margin_m: float = 0.0) -> tuple[float, float, float, float]:
        """The raster's metric bounds, widened by ``margin_m``."""
        x0, y0 = self.origin
        return (x0 - margin_m, y0 - margin_m, x0 + self.shape[1] * self.cell_m + margin_m,
                y0 + self.shape[0] * self.cell_m + margin_m)

    def membership(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``(len(areas), len(x))`` booleans: which areas each metric point lies in (exactly)."""
        col = np.floor((x - self.origin[0]) / self.cell_m).astype(np.int64)
        row = np.floor((y - self.origin[1]) / self.cell_m).astype(np.int64)
        on_grid = (col >= 0) & (row >= 0) & (col < self.shape[1]) & (row < self.shape[0])
        cell = np.where(on_grid, row * self.shape[1] + col, 0)
        inside = np.zeros((len(self.areas), x.size), dtype=bool)
        in_corridor = self.centre_in[0, cell] & on_grid
        exact = np.flatnonzero(self.boundary[0, cell] & on_grid)
        in_corridor[exact] = shapely.contains_xy(self.areas[0].metric, x[exact], y[exact])
        inside[0] = in_corridor
        points = np.flatnonzero(in_corridor)  # districts count only inside the corridor
        cell, x, y = cell[points], x[points], y[points]
        for a, area in enumerate(self.areas[1:], start=1):
            inside[a, points] = self.centre_in[a, cell]
            exact = np.flatnonzero(self.boundary[a, cell])
            inside[a, points[exact]] = shapely.contains_xy(area.metric, x[exact], y[exact])
        return inside


def area_grid(areas: list[tuple[str, str, shapely.Geometry]], *, cell_m: float = CELL_SIZE_M) -> AreaGrid:
    """Build the raster for ``areas`` = ``[(id, name, WGS-84 polygon), ...]``, the corridor first."""
    built = tuple(Area(id=a, name=n, polygon=p, metric=to_metric(p)) for a, n, p in areas)
    for area in built:
        shapely.prepare(area.metric)
    x0, y0, x1, y1 = built[0].metric.bounds
    origin = (np.floor(x0 / cell_m) * cell_m, np.floor(y0 / cell_m) * cell_m)
    shape = (int(np.ceil((y1 - origin[1]) / cell_m)), int(np.ceil((x1 - origin[0]) / cell_m)))
    grid = AreaGrid(areas=built, origin=origin, cell_m=cell_m, shape=shape,
                    centre_in=np.zeros((len(built), shape[0] * shape[1]), dtype=bool),
                    boundary=np.zeros((len(built), shape[0] * shape[1]), dtype=bool))
    cx, cy = grid.cell_centres(np.arange(shape[0] * shape[1]))
    grid.centre_in[0] = shapely.contains_xy(built[0].metric, cx, cy)
    grid.boundary[0] = _boundary_cells(built[0].metric, grid)
    # a district only matters where a point can be in the corridor too
    relevant = np.flatnonzero(grid.centre_in[0] | grid.boundary[0])
    for a, area in enumerate(built[1:], start=1):
        ax0, ay0, ax1, ay1 = area.metric.bounds
        cells = relevant[(cx[relevant] >= ax0) & (cx[relevant] <= ax1) & (cy[relevant] >= ay0)
                         & (cy[relevant] <= ay1)]
        grid.centre_in[a, cells] = shapely.contains_xy(area.metric, cx[cells], cy[cells])
        grid.boundary[a] = _boundary_cells(area.metric, grid)
    logger.info("corridor raster: %d x %d cells of %.0f m, %d inside, %d on the corridor's boundary", shape[0],
                shape[1], cell_m, grid.corridor_cells.size, int(grid.boundary[0].sum()))
    grid.corridor_centres  # noqa: B018 — computed here, once per plan, not in the first check
    grid.cell_membership  # noqa: B018
    return grid


def _boundary_cells(polygon: shapely.Geometry, grid: AreaGrid) -> np.ndarray:
    """The cells the polygon's boundary touches (their points need an exact test; elsewhere the centre answers).

    Candidates are the cells within one cell of a boundary vertex, the boundary densified to half a cell (a
    superset: a straight piece shorter than half a cell only reaches neighbouring cells); each candidate's square,
    grown by a millimetre against rounding, is then tested against the boundary itself.
    """
    candidate = np.flatnonzero(_cells_near_vertices(polygon, grid))
    x, y = grid.cell_centres(candidate)
    half = grid.cell_m / 2 + 1e-3
    boundary = polygon.boundary
    shapely.prepare(boundary)
    touched = np.zeros(grid.shape[0] * grid.shape[1], dtype=bool)
    touched[candidate] = shapely.intersects(boundary, shapely.box(x - half, y - half, x + half, y + half))
    return touched


def _cells_near_vertices(polygon: shapely.Geometry, grid: AreaGrid) -> np.ndarray:
    vertices = shapely.get_coordinates(shapely.segmentize(polygon.boundary, grid.cell_m / 2))
    rows, cols = grid.shape
    col = np.floor((vertices[:, 0] - grid.origin[0]) / grid.cell_m).astype(np.int64)
    row = np.floor((vertices[:, 1] - grid.origin[1]) / grid.cell_m).astype(np.int64)
    marked = np.zeros((rows + 2, cols + 2), dtype=bool)
    keep = (col >= -1) & (row >= -1) & (col <= cols) & (row <= rows)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r, c = row[keep] + 1 + dr, col[keep] + 1 + dc
            ok = (r >= 0) & (c >= 0) & (r < rows + 2) & (c < cols + 2)
            marked[r[ok], c[ok]] = True
    return marked[1:-1, 1:-1].ravel()


def has_roadside_access(highway: np.ndarray) -> np.ndarray:
    """Per road: is it a road with roadside access — a class other than :data:`NO_ROADSIDE_ACCESS` (motorways,
    trunk roads and their links). The one definition behind both the access nodes and the road length counted."""
    no_access = np.zeros(highway.size, dtype=bool)
    for highway_class in NO_ROADSIDE_ACCESS:  # element-wise == beats np.isin on object arrays by far
        no_access |= highway == highway_class
    return ~no_access


def access_leg_s_per_m(*, congestion: float, access_speed_kph: float = ACCESS_SPEED_KPH) -> float:
    """Seconds per metre of straight-line access leg at ``access_speed_kph`` slowed by ``congestion`` (a factor
    on speed, like every road's)."""
    return 3.6 / (access_speed_kph * congestion)


def node_tree(x: np.ndarray, y: np.ndarray) -> cKDTree | None:
    """A KD-tree over metric node coordinates (``None`` when there are no nodes)."""
    if x.size == 0:
        return None
    return cKDTree(np.column_stack([x, y]), balanced_tree=False, compact_nodes=False, leafsize=16)


def nearest_cell_nodes(grid: AreaGrid, tree: cKDTree, *, max_distance_m: float = MAX_CELL_DISTANCE_M
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per corridor cell: has it a node of ``tree`` closer than ``max_distance_m`` (a road: it is served), the
    position in ``tree`` of its nearest one and the distance to it in metres (both meaningful where served)."""
    distance, nearest = tree.query(grid.corridor_centres, distance_upper_bound=max_distance_m)
    return np.isfinite(distance), nearest, distance


@dataclass(frozen=True)
class AreaGroups:
    """Items (roads or cells) grouped by the set of areas they lie in, so that the sums per area are one pass over
    the items and a product with a few columns, not a product with the whole ``(areas, items)`` membership.

    Attributes
    ----------
    starts
        Where each group starts among the items, which are kept in group order (a group's items are contiguous).
    member
        ``(areas, groups)``: 1.0 where the group's items lie in the area.
    """

    starts: np.ndarray
    member: np.ndarray

    @classmethod
    def of(cls, member: np.ndarray, *, node: np.ndarray) -> tuple[AreaGroups, np.ndarray]:
        """The groups of the items of ``member`` (``(areas, items)`` booleans), and the order of the items that
        puts them in group order, each group by ``node`` (per item, the node whose time it reads: the gathers of
        those times then walk through memory in order)."""
        member = np.asarray(member, dtype=bool)
        order = np.lexsort((node, *member[::-1]))
        grouped = member[:, order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = (grouped[:, 1:] != grouped[:, :-1]).any(axis=0)
        starts = np.flatnonzero(first)
        return cls(starts=starts, member=grouped[:, starts].astype(np.float64)), order

    def sums(self, values: np.ndarray) -> np.ndarray:
        """``(areas, rows)``: per area, the sum of each row of ``values`` (``(rows, items)``, items in group
        order) over the area's items."""
        return self.member @ np.add.reduceat(values, self.starts, axis=1, dtype=np.float64).T


@dataclass(frozen=True)
class CoverageBase:
    """What the coverage sums of one set of edges in use run over, fixed for that set: the corridor's roads with
    roadside access in use and its served cells, each kept in the order of :class:`AreaGroups` of the areas it lies
    in.

    Attributes
    ----------
    road_v, road_length_m, road_speed_kph
        Per corridor road in use (a directed edge of a road with roadside access whose midpoint lies in the
        corridor): the node it drives on to, its length and its free-flow speed.
    road_groups
        The roads grouped by the areas they lie in.
    road_total_m
        Per area: the length of its roads.
    cell_node, cell_leg_m
        Per served corridor cell (an access node within :data:`MAX_CELL_DISTANCE_M`): that node, and the
        straight-line distance in metres from the cell's centre to it (the access leg).
    cell_groups
        The served cells grouped by the areas they lie in.
    n_cells, n_served
        Per area: its corridor cells, and those served.
    """

    road_v: np.ndarray
    road_length_m: np.ndarray
    road_speed_kph: np.ndarray
    road_groups: AreaGroups
    road_total_m: np.ndarray
    cell_node: np.ndarray
    cell_leg_m: np.ndarray
    cell_groups: AreaGroups
    n_cells: np.ndarray
    n_served: np.ndarray

    @classmethod
    def of(cls, *, road_v: np.ndarray, road_length_m: np.ndarray, road_speed_kph: np.ndarray,
           road_member: np.ndarray, cell_node: np.ndarray, cell_leg_m: np.ndarray, cell_member: np.ndarray,
           n_cells: np.ndarray) -> CoverageBase:
        """From the roads in use and the served cells, with the areas each lies in (``road_member``,
        ``cell_member``: ``(areas, roads)`` and ``(areas, served cells)`` booleans), and the cells per area."""
        road_groups, roads = AreaGroups.of(road_member, node=road_v)
        cell_groups, cells = AreaGroups.of(cell_member, node=cell_node)
        length = np.asarray(road_length_m, dtype=np.float64)[roads]
        return cls(road_v=road_v[roads], road_length_m=length, road_speed_kph=road_speed_kph[roads],
                   road_groups=road_groups, road_total_m=road_groups.sums(length[None, :])[:, 0],
                   cell_node=cell_node[cells], cell_leg_m=np.asarray(cell_leg_m, dtype=np.float64)[cells],
                   cell_groups=cell_groups, n_cells=n_cells, n_served=np.asarray(cell_member).sum(axis=1))

    @classmethod
    def build(cls, grid: AreaGrid, *, road_v: np.ndarray, road_length_m: np.ndarray, road_speed_kph: np.ndarray,
              road_member: np.ndarray, served: np.ndarray, cell_node: np.ndarray,
              cell_leg_m: np.ndarray) -> CoverageBase:
        """From the roads in use (``road_member``: ``(areas, roads)`` booleans) and, per corridor cell of ``grid``,
        whether it is ``served`` and, per served cell, its ``cell_node`` and the ``cell_leg_m`` to it."""
        return cls.of(road_v=road_v, road_length_m=road_length_m, road_speed_kph=road_speed_kph,
                      road_member=road_member, cell_node=cell_node, cell_leg_m=cell_leg_m,
                      cell_member=grid.cell_membership[:, served], n_cells=grid.cell_membership.sum(axis=1))


@dataclass(frozen=True)
class AreaCoverage:
    """The coverage per area (rows: the areas of a :class:`CoverageBase`), unrounded. Shares are per limit
    (columns) and ``NaN`` where the area has nothing to share out (no road, no cell, no served cell).

    Attributes
    ----------
    road_length_m, road_within
        The area's road length, and the share of it within each limit.
    area_m2, served_area_m2, unserved_m2, unserved_share
        The area, its served part, the part no road serves and that part's share of the area.
    area_within, served_within
        The share of the area, and of its served part, within each limit.
    """

    road_length_m: np.ndarray
    road_within: np.ndarray
    area_m2: np.ndarray
    served_area_m2: np.ndarray
    unserved_m2: np.ndarray
    unserved_share: np.ndarray
    area_within: np.ndarray
    served_within: np.ndarray


def cell_times_s(base: CoverageBase, node_time_s: np.ndarray, *, congestion: float,
                 access_speed_kph: float = ACCESS_SPEED_KPH) -> np.ndarray:
    """Per served cell of ``base``: seconds to the ring — the access leg from its centre to its node at
    ``access_speed_kph`` × ``congestion``, plus the node's time (``node_time_s``, per network node)."""
    times = base.cell_leg_m * access_leg_s_per_m(congestion=congestion, access_speed_kph=access_speed_kph)
    times += node_time_s.take(base.cell_node)
    return times


def length_within(node_time_s: np.ndarray, length_m: np.ndarray, speed_mps: np.ndarray,
                  limits_s: np.ndarray) -> np.ndarray:
    """``(len(limits), len(edges))``: metres of each directed edge from which the ring is reached within each
    limit, given the time from each edge's end node (``node_time_s``), its length and its speed (m/s).

    A point ``d`` metres before the end node v drives on through v, in ``d / speed + t_v``: within ``L`` for ``d``
    up to ``(L - t_v) × speed``, and at most the whole edge. No division: an edge of no length or an unreached end
    node (``inf``) simply has no metres within.
    """
    within = np.subtract.outer(limits_s, node_time_s)
    np.maximum(within, 0.0, out=within)
    within *= speed_mps
    return np.minimum(within, length_m, out=within)


def summarize(base: CoverageBase, node_time_s: np.ndarray, limits_s: np.ndarray, *, congestion: float,
              cell_m: float, access_speed_kph: float = ACCESS_SPEED_KPH) -> AreaCoverage:
    """Road and area shares per area of ``base`` at ``congestion``, unrounded.

    Road length counts each direction of travel (a two-way street twice), each with the time from that
    carriageway driving on; area shares are of the area's cells, and of its served cells (a road within reach —
    a cell without one is never within a limit), each cell's time including its access leg
    (:func:`cell_times_s`).
    """
    speed_mps = base.road_speed_kph * (congestion / 3.6)
    metres_within = length_within(node_time_s.take(base.road_v), base.road_length_m, speed_mps, limits_s)
    cell_time = cell_times_s(base, node_time_s, congestion=congestion, access_speed_kph=access_speed_kph)
    cells_within = base.cell_groups.sums(np.greater_equal.outer(limits_s, cell_time))
    unserved = base.n_cells - base.n_served
    return AreaCoverage(road_length_m=base.road_total_m,
                        road_within=_shares(base.road_groups.sums(metres_within), base.road_total_m),
                        area_m2=base.n_cells * cell_m ** 2, served_area_m2=base.n_served * cell_m ** 2,
                        unserved_m2=unserved * cell_m ** 2, unserved_share=_shares(unserved, base.n_cells),
                        area_within=_shares(cells_within, base.n_cells),
                        served_within=_shares(cells_within, base.n_served))


def _shares(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole`` row by row (a row per area), ``NaN`` where ``whole`` is not positive."""
    whole = np.where(whole > 0, whole, np.nan)  # dividing by NaN gives NaN, without a warning
    return part / whole.reshape((-1,) + (1,) * (part.ndim - 1))
