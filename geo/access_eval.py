"""The numbers behind the accessibility check: one scenario's times to the ring, coverage, blocks and loop.

:func:`prepare_study` does the scenario-independent work once (match the ring, rasterise the corridor, place
nodes, edges and blocks); :func:`evaluate` then runs one scenario — a set of edges in use — with a single
multi-source Dijkstra pass on the reversed graph and vectorised aggregation (no per-node Python loops).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo import coverage
from geo.errors import RingNotConnected
from geo.network import RoadNetwork
from geo.plan import PlanData
from geo.ring import (RING_TOLERANCE_M, RingEdges, entry_nodes, match_ring_edges, require_ring_edges,
                      ring_line_from_parts, ring_nodes, to_metric_xy, to_wgs84_xy)
from geo.shapes import to_metric
from geo.ring_loop import LoopDirection, drive_loop
from geo.schema import PLAN_DISTRICTS

logger = logging.getLogger(__name__)

ROAD_PROJECT_CATEGORIES = ("road_complete_2021", "road_continuing")
EXPRESSWAY_CLASSES = ("motorway", "trunk")  # grade-separated: no access from the roadside
_METRES_PER_DEGREE_LAT = 110_574.0


def travel_graph(network: RoadNetwork, *, edge_time_s: np.ndarray, active: np.ndarray | None = None,
                 reverse: bool = True) -> sp.csr_matrix:
    """The network as an ``n × n`` CSR matrix of travel times; ``reverse`` puts each edge u→v in row v.

    Built by one stable counting sort of the rows, without SciPy's duplicate summing: parallel edges stay separate
    entries and Dijkstra relaxes each of them, so the fastest one counts.
    """
    rows, cols = (network.edge_v, network.edge_u) if reverse else (network.edge_u, network.edge_v)
    data = edge_time_s
    if active is not None and not active.all():
        keep = np.flatnonzero(active)
        rows, cols, data = rows[keep], cols[keep], edge_time_s[keep]
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(network.n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=network.n_nodes), out=indptr[1:])
    return sp.csr_matrix((data[order], cols[order], indptr), shape=(network.n_nodes, network.n_nodes))


@dataclass(frozen=True)
class Study:
    """Everything about a network and a plan that does not depend on the scenario.

    Attributes
    ----------
    ring
        The network's ring edges.
    grid
        The corridor raster with the corridor and the districts.
    projects
        Road project id → name (the plan's roads to finish or continue).
    study_nodes, node_mx, node_my
        Nodes near the corridor and the blocks, and their EPSG:32651 coordinates.
    local_edges
        Edges touching a study node that are not expressways.
    corridor_edges, edge_member
        Edges whose midpoint lies in the corridor, and the areas each lies in (``(areas, edges)``).
    blocks, block_nodes, block_centroids
        Per block: ``(id, name, district)``; the nodes inside it; its metric centroid.
    """

    network: RoadNetwork
    plan: PlanData
    ring: RingEdges
    grid: coverage.AreaGrid
    projects: dict[str, str]
    study_nodes: np.ndarray
    node_mx: np.ndarray
    node_my: np.ndarray
    local_edges: np.ndarray
    corridor_edges: np.ndarray
    edge_member: np.ndarray
    blocks: tuple[tuple[str, str, str], ...]
    block_nodes: tuple[np.ndarray, ...]
    block_centroids: np.ndarray
    tolerance_m: float


def prepare_study(network: RoadNetwork, plan: PlanData, *, tolerance_m: float = RING_TOLERANCE_M) -> Study:
    """Match the ring, rasterise the corridor and place nodes, edges and blocks (once per network and plan).

    Raises
    ------
    RingNotConnected
        When the plan has no ring or no edge of ``network`` runs along it.
    """
    roads = {column: plan.roads[column].to_numpy() for column in ("id", "name", "category")}
    is_ring = roads["category"] == "ring"
    ring = match_ring_edges(network, ring_line_from_parts(
        roads["id"][is_ring], roads["name"][is_ring], plan.roads.geometry.to_numpy()[is_ring],
        tolerance_m=tolerance_m), tolerance_m=tolerance_m)
    require_ring_edges(ring, network, tolerance_m=tolerance_m)
    grid = coverage.area_grid(_areas(plan))
    block_shapes = plan.blocks.geometry.to_numpy()
    blocks_metric = to_metric(block_shapes)
    study_nodes, mx, my = _nodes_near(network, grid, shapely.total_bounds(blocks_metric))
    position = np.full(network.n_nodes, -1, dtype=np.int64)
    position[study_nodes] = np.arange(study_nodes.size)
    pu, pv = position[network.edge_u], position[network.edge_v]
    touching = np.flatnonzero((pu >= 0) | (pv >= 0))
    near = touching[(pu[touching] >= 0) & (pv[touching] >= 0)]
    pu, pv = pu[near], pv[near]
    member = grid.membership((mx[pu] + mx[pv]) / 2, (my[pu] + my[pv]) / 2)
    is_project = np.isin(roads["category"], ROAD_PROJECT_CATEGORIES)
    blocks = tuple(zip(*(plan.blocks[c].to_numpy().tolist() for c in ("id", "name", "district"))))
    return Study(network=network, plan=plan, ring=ring, grid=grid,
                 projects=dict(zip(roads["id"][is_project].tolist(), roads["name"][is_project].tolist())),
                 study_nodes=study_nodes, node_mx=mx, node_my=my,
                 local_edges=touching[_is_local_road(network.highway[touching])],
                 corridor_edges=near[member[0]], edge_member=member[:, member[0]], blocks=blocks,
                 block_nodes=_block_nodes(network, block_shapes, study_nodes),
                 block_centroids=shapely.get_coordinates(shapely.centroid(blocks_metric)), tolerance_m=tolerance_m)


def _is_local_road(highway: np.ndarray) -> np.ndarray:
    """Not an expressway (``motorway``/``trunk``): such roads have roadside access."""
    expressway = np.zeros(highway.size, dtype=bool)
    for highway_class in EXPRESSWAY_CLASSES:  # element-wise == beats np.isin on object arrays by far
        expressway |= highway == highway_class
    return ~expressway


def _areas(plan: PlanData) -> list[tuple[str, str, shapely.Geometry]]:
    """The corridor, then the plan's districts in the plan's order (plain lists: pandas indexing is slow here)."""
    rows = list(zip(plan.districts["id"], plan.districts["name"], plan.districts["kind"], plan.districts.geometry))
    corridor = next(r for r in rows if r[2] == "corridor")
    by_name = {name: (fid, name, geometry) for fid, name, kind, geometry in rows if kind != "corridor"}
    return [(str(corridor[0]), str(corridor[1]), corridor[3])] + [
        (str(by_name[name][0]), name, by_name[name][2]) for name in PLAN_DISTRICTS if name in by_name]


def _nodes_near(network: RoadNetwork, grid: coverage.AreaGrid,
                block_bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes within reach of the corridor's cells or the blocks, with their metric coordinates."""
    gx0, gy0, gx1, gy1 = grid.bounds(margin_m=2 * coverage.MAX_CELL_DISTANCE_M)
    bx0, by0, bx1, by1 = block_bounds
    x0, y0, x1, y1 = min(gx0, bx0), min(gy0, by0), max(gx1, bx1), max(gy1, by1)
    outline = shapely.segmentize(shapely.box(x0, y0, x1, y1), 1000.0)
    lon, lat = to_wgs84_xy(*shapely.get_coordinates(outline).T)
    pad = 0.01  # degrees (~1 km): a loose box in lon/lat first, the exact metric test after projecting
    candidate = np.flatnonzero((network.x >= lon.min() - pad) & (network.x <= lon.max() + pad)
                               & (network.y >= lat.min() - pad) & (network.y <= lat.max() + pad))
    mx, my = (np.asarray(a) for a in to_metric_xy(network.x[candidate], network.y[candidate]))
    keep = (mx >= x0) & (mx <= x1) & (my >= y0) & (my <= y1)
    return candidate[keep], mx[keep], my[keep]


def _block_nodes(network: RoadNetwork, blocks: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, ...]:
    """The ``candidates`` (node indices) inside each block polygon."""
    x, y = network.x[candidates], network.y[candidates]
    out = []
    for polygon in blocks:
        x0, y0, x1, y1 = polygon.bounds
        box = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        out.append(candidates[box[shapely.contains_xy(polygon, x[box], y[box])]])
    return tuple(out)


def scenario_mask(network: RoadNetwork, plan: PlanData, scenario: str) -> np.ndarray:
    """Edges in use: ``planned`` all of them, ``baseline`` all but those a road project of ``plan`` builds."""
    if scenario == "planned":
        return np.ones(network.n_edges, dtype=bool)
    projects = plan.roads.loc[plan.roads["category"].isin(ROAD_PROJECT_CATEGORIES), "id"]
    return ~np.isin(network.project_id, list(projects))


def scenario_edges(study: Study, scenario: str) -> np.ndarray:
    """:func:`scenario_mask` for the study's network and plan."""
    return scenario_mask(study.network, study.plan, scenario)


def study_box(plan: PlanData, *, margin_m: float) -> tuple[float, float, float, float]:
    """Lon/lat box around the corridor and the blocks, widened by at least ``margin_m``."""
    both = np.vstack([plan.corridor.bounds, plan.blocks.total_bounds])
    (lon0, lat0), (lon1, lat1) = both[:, :2].min(axis=0), both[:, 2:].max(axis=0)
    pad_lat = margin_m / _METRES_PER_DEGREE_LAT
    pad_lon = pad_lat / math.cos(math.radians(max(abs(lat0), abs(lat1))))
    return lon0 - pad_lon, lat0 - pad_lat, lon1 + pad_lon, lat1 + pad_lat


def time_to_ring_nodes(network: RoadNetwork, ring_mask: np.ndarray, active: np.ndarray, edge_time_s: np.ndarray,
                       *, label: str = "") -> np.ndarray:
    """Seconds from every node to the ring over the ``active`` edges: one Dijkstra pass on the reversed graph from
    all nodes of the active ring edges ``ring_mask``; ``inf`` where the ring cannot be reached.

    Raises
    ------
    RingNotConnected
        When no ring edge is active (``label`` names the scenario in the message).
    """
    if not ring_mask.any():
        raise RingNotConnected(f"no ring edge exists in {label or 'this scenario'}: every edge along the ring is "
                               "built by a road project; use the planned scenario")
    graph = travel_graph(network, edge_time_s=edge_time_s, active=active)
    return dijkstra(graph, indices=ring_nodes(network, ring_mask), min_only=True)


def access_nodes(study: Study, active: np.ndarray) -> np.ndarray:
    """Per node: does an active road other than an expressway touch it near the corridor — can a place nearby get
    onto the network there (expressways have no roadside access)."""
    local = study.local_edges[active[study.local_edges]]
    touched = np.zeros(study.network.n_nodes, dtype=bool)
    touched[study.network.edge_u[local]] = touched[study.network.edge_v[local]] = True
    return touched


@dataclass(frozen=True)
class Evaluation:
    """One scenario's raw results (seconds, unrounded).

    Attributes
    ----------
    areas
        Per area of the study grid (corridor first), :func:`geo.coverage.summarize`'s dicts.
    blocks
        Per block: ``nodes``, ``measured_at``, ``nearest_node_m``, ``worst_s``, ``median_s``.
    """

    active: np.ndarray
    node_time_s: np.ndarray
    edge_time_s: np.ndarray
    entries: np.ndarray
    areas: list[dict]
    blocks: list[dict]
    loop: dict[str, LoopDirection]


def evaluate(study: Study, active: np.ndarray, *, congestion: float, limits_min: tuple[float, ...],
             label: str = "") -> Evaluation:
    """Time to the ring for every node, coverage per area, per block and the loop, with edges ``active`` in use.

    Nodes only on expressways are left out of the nearest-node searches (cells, block centroids) and of the
    blocks' own nodes: nothing nearby can drive onto an expressway there.

    Raises
    ------
    RingNotConnected
        When no ring edge is in use (``label`` names the scenario in the message).
    """
    network = study.network
    edge_time = network.travel_time_s(congestion=congestion)
    node_time = time_to_ring_nodes(network, study.ring.mask & active, active, edge_time, label=label)
    used = access_nodes(study, active)
    near = used[study.study_nodes]
    tree_nodes = study.study_nodes[near]
    tree = coverage.node_tree(study.node_mx[near], study.node_my[near])
    limits_s = np.asarray(limits_min, dtype=np.float64) * 60.0
    cell_time, served = coverage.cell_times(study.grid, tree, node_time[tree_nodes])
    edges = study.corridor_edges[active[study.corridor_edges]]
    share = coverage.edge_fraction_within(node_time, network.edge_v[edges], edge_time[edges], limits_s)
    areas = coverage.summarize(study.edge_member[:, active[study.corridor_edges]], network.length_m[edges], share,
                               study.grid.cell_membership(), cell_time, served, limits_s, cell_m=study.grid.cell_m)
    return Evaluation(active=active, node_time_s=node_time, edge_time_s=edge_time,
                      entries=entry_nodes(network, study.ring.mask, active=active), areas=areas,
                      blocks=_blocks(study, node_time, used, tree, tree_nodes),
                      loop=drive_loop(network, study.ring, edge_time, active=active, min_gap_m=study.tolerance_m))


def _blocks(study: Study, node_time: np.ndarray, used: np.ndarray, tree: cKDTree | None,
            tree_nodes: np.ndarray) -> list[dict]:
    """Worst and median time over each block's nodes in use, or its centroid's nearest node when it has none."""
    out = []
    for nodes, centroid in zip(study.block_nodes, study.block_centroids):
        nodes = nodes[used[nodes]]
        if nodes.size:
            times = node_time[nodes]
            out.append({"nodes": int(nodes.size), "measured_at": "block_nodes", "nearest_node_m": None,
                        "worst_s": float(times.max()), "median_s": float(np.median(times))})
        elif tree is not None:
            distance, nearest = tree.query(centroid)
            time = float(node_time[tree_nodes[nearest]])
            out.append({"nodes": 0, "measured_at": "nearest_node", "nearest_node_m": float(distance),
                        "worst_s": time, "median_s": time})
        else:
            out.append({"nodes": 0, "measured_at": "none", "nearest_node_m": None, "worst_s": np.inf,
                        "median_s": np.inf})
    return out
