"""What the accessibility check needs from the plan alone, prepared once per plan and reused for every network.

:func:`prepare_plan` chains the ring line and its search zone, rasterises the corridor and the districts into
250 m cells in EPSG:32651, and lays out the blocks, the road projects and the study box. None of it depends on the
road network, so the CLI and the web app (which load the plan once) can prepare it once; everything that depends
on the network is done once per network by :func:`geo.access.placement.prepare_network`.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import shapely

from geo.access import coverage
from geo.plan.layers import PlanData
from geo.access.ring import RING_TOLERANCE_M, LineZone, RingLine, ring_box_wgs84, ring_line_from_parts, to_wgs84_xy
from geo.plan.schema import PLAN_DISTRICTS
from geo.plan.shapes import to_metric

logger = logging.getLogger(__name__)

ROAD_PROJECT_CATEGORIES = ("road_complete_2021", "road_continuing")
STUDY_MARGIN_M = 2 * coverage.MAX_CELL_DISTANCE_M  # nodes this far beyond the corridor's cells still count
_METRES_PER_DEGREE_LAT = 110_574.0  # the smallest value, at the equator: a safe margin in degrees
_BOX_PAD_DEGREES = 0.001  # ~100 m: the metric box's outline, densified to 1 km, is all but straight in lon/lat


@dataclass(frozen=True)
class PlanStudy:
    """The plan, prepared for the accessibility check (independent of the road network).

    Attributes
    ----------
    plan
        The plan data.
    tolerance_m
        How far (metres) a ring edge may lie from the ring line.
    ring, ring_zone
        The ring chained into one metric line, and the raster zone within ``tolerance_m`` of it.
    grid
        The corridor raster with the corridor and the districts.
    projects
        Road project id → name (the plan's roads to finish or continue).
    blocks, block_shapes, block_bounds, block_centroids
        Per block: ``(id, name, district)``; its prepared WGS-84 polygon and lon/lat bounds; its metric centroid.
    study_bounds_m
        Metric box holding the corridor's cells (widened by :data:`STUDY_MARGIN_M`) and the blocks.
    node_box_wgs84
        Lon/lat box around ``study_bounds_m`` and the ring: the nodes a check projects to metres.
    """

    plan: PlanData
    tolerance_m: float
    ring: RingLine
    ring_zone: LineZone
    grid: coverage.AreaGrid
    projects: dict[str, str]
    blocks: tuple[tuple[str, str, str], ...]
    block_shapes: np.ndarray
    block_bounds: np.ndarray
    block_centroids: np.ndarray
    study_bounds_m: tuple[float, float, float, float]
    node_box_wgs84: tuple[float, float, float, float]


def prepare_plan(plan: PlanData, *, tolerance_m: float = RING_TOLERANCE_M) -> PlanStudy:
    """Prepare ``plan`` for any number of accessibility checks (on any networks, scenarios and congestions).

    Raises
    ------
    RingNotConnected
        When the plan has no ring segments.
    InvalidGeometry
        When the ring segments do not join end to end.
    """
    roads = {column: plan.roads[column].to_numpy() for column in ("id", "name", "category")}
    is_ring = roads["category"] == "ring"
    ring = ring_line_from_parts(roads["id"][is_ring], roads["name"][is_ring], plan.roads.geometry.to_numpy()[is_ring],
                                tolerance_m=tolerance_m)
    grid = coverage.area_grid(_areas(plan))
    block_shapes = plan.blocks.geometry.to_numpy()
    blocks_metric = to_metric(block_shapes)
    shapely.prepare(block_shapes)
    study_bounds = _study_bounds(grid, shapely.total_bounds(blocks_metric))
    is_project = np.isin(roads["category"], ROAD_PROJECT_CATEGORIES)
    return PlanStudy(
        plan=plan, tolerance_m=tolerance_m, ring=ring, ring_zone=LineZone.around(ring.line, tolerance_m=tolerance_m),
        grid=grid, projects=dict(zip(roads["id"][is_project].tolist(), roads["name"][is_project].tolist())),
        blocks=tuple(zip(*(plan.blocks[c].to_numpy().tolist() for c in ("id", "name", "district")))),
        block_shapes=block_shapes, block_bounds=shapely.bounds(block_shapes),
        block_centroids=shapely.get_coordinates(shapely.centroid(blocks_metric)), study_bounds_m=study_bounds,
        node_box_wgs84=_union_box(_wgs84_box(study_bounds), ring_box_wgs84(ring, tolerance_m=tolerance_m)))


def _areas(plan: PlanData) -> list[tuple[str, str, shapely.Geometry]]:
    """The corridor, then the plan's districts in the plan's order (plain lists: pandas indexing is slow here)."""
    rows = list(zip(*(plan.districts[c].to_numpy().tolist() for c in ("id", "name", "kind")),
                    plan.districts.geometry.to_numpy()))
    corridor = next(r for r in rows if r[2] == "corridor")
    by_name = {name: (fid, name, geometry) for fid, name, kind, geometry in rows if kind != "corridor"}
    return [(str(corridor[0]), str(corridor[1]), corridor[3])] + [
        (str(by_name[name][0]), name, by_name[name][2]) for name in PLAN_DISTRICTS if name in by_name]


def _study_bounds(grid: coverage.AreaGrid, block_bounds: np.ndarray) -> tuple[float, float, float, float]:
    gx0, gy0, gx1, gy1 = grid.bounds(margin_m=STUDY_MARGIN_M)
    bx0, by0, bx1, by1 = block_bounds
    return float(min(gx0, bx0)), float(min(gy0, by0)), float(max(gx1, bx1)), float(max(gy1, by1))


def _wgs84_box(bounds_m: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A lon/lat box holding the metric box ``bounds_m`` (its outline densified, projected, padded)."""
    outline = shapely.segmentize(shapely.box(*bounds_m), 1000.0)
    lon, lat = to_wgs84_xy(*shapely.get_coordinates(outline).T)
    return (float(lon.min()) - _BOX_PAD_DEGREES, float(lat.min()) - _BOX_PAD_DEGREES,
            float(lon.max()) + _BOX_PAD_DEGREES, float(lat.max()) + _BOX_PAD_DEGREES)


def _union_box(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def study_box(plan: PlanData, *, margin_m: float) -> tuple[float, float, float, float]:
    """Lon/lat box around the corridor and the blocks, widened by at least ``margin_m``."""
    both = np.vstack([plan.corridor.bounds, plan.blocks.total_bounds])
    (lon0, lat0), (lon1, lat1) = both[:, :2].min(axis=0), both[:, 2:].max(axis=0)
    pad_lat = margin_m / _METRES_PER_DEGREE_LAT
    pad_lon = pad_lat / math.cos(math.radians(max(abs(lat0), abs(lat1))))
    return lon0 - pad_lon, lat0 - pad_lat, lon1 + pad_lon, lat1 + pad_lat
