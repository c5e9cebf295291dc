"""The numbers behind the accessibility check: one scenario's times to the ring, coverage, blocks and loop.

:func:`study_network` does the network's scenario-independent work for a prepared plan
(:func:`geo.access_plan.prepare_plan`): group the edges by head node once, project the nodes near the study area,
match the ring, and place edges and blocks. :func:`evaluate` then runs one scenario — a set of edges in use — with a
single multi-source Dijkstra pass on the reversed graph and vectorised aggregation (no per-node Python loops).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo import coverage
from geo.access_plan import ROAD_PROJECT_CATEGORIES, PlanStudy
from geo.errors import RingNotConnected
from geo.network import RoadNetwork
from geo.plan import PlanData
from geo.ring import MetricNodes, RingEdges, entry_nodes, match_ring_edges, require_ring_edges, ring_nodes
from geo.ring_loop import LoopDirection, drive_loop
from geo.road_graph import ReverseGraph

logger = logging.getLogger(__name__)

EXPRESSWAY_CLASSES = ("motorway", "trunk")  # grade-separated: no access from the roadside
MAX_SNAP_DISTANCE_M = 1000.0  # a block farther than this from every access node lies beyond the network
MEASURED, OUTSIDE_NETWORK = "measured", "outside_network"


@dataclass(frozen=True)
class Study:
    """Everything about a network and a prepared plan that does not depend on the scenario.

    Attributes
    ----------
    network, plan
        The road network and the prepared plan.
    graph
        The network's edges grouped by head node (the reversed graph's structure).
    ring
        The network's ring edges.
    study_nodes, node_mx, node_my
        Nodes near the corridor and the blocks, and their EPSG:32651 coordinates.
    local_edges
        Edges touching a study node that are not expressways.
    corridor_edges, edge_member
        Edges whose midpoint lies in the corridor, and the areas each lies in (``(areas, edges)``).
    block_nodes
        Per block: the study nodes inside it.
    """

    network: RoadNetwork
    plan: PlanStudy
    graph: ReverseGraph
    ring: RingEdges
    study_nodes: np.ndarray
    node_mx: np.ndarray
    node_my: np.ndarray
    local_edges: np.ndarray
    corridor_edges: np.ndarray
    edge_member: np.ndarray
    block_nodes: tuple[np.ndarray, ...]

    @cached_property
    def project_edges(self) -> np.ndarray:
        """Per edge: is it built by one of the plan's road projects."""
        return np.isin(self.network.project_id, list(self.plan.projects))


def study_network(network: RoadNetwork, prepared: PlanStudy) -> Study:
    """Group the edges, project the nodes near the study area, match the ring and place edges and blocks.

    Raises
    ------
    RingNotConnected
        When no edge of ``network`` runs along the ring.
    """
    graph = ReverseGraph.build(network)
    projected = MetricNodes.in_box(network, prepared.node_box_wgs84)
    ring = match_ring_edges(network, prepared.ring, tolerance_m=prepared.tolerance_m, zone=prepared.ring_zone,
                            nodes=projected, graph=graph)
    require_ring_edges(ring, network, tolerance_m=prepared.tolerance_m)
    x0, y0, x1, y1 = prepared.study_bounds_m
    keep = (projected.x >= x0) & (projected.x <= x1) & (projected.y >= y0) & (projected.y <= y1)
    study_nodes, mx, my = projected.index[keep], projected.x[keep], projected.y[keep]
    position = np.full(network.n_nodes, -1, dtype=np.int64)
    position[study_nodes] = np.arange(study_nodes.size)
    in_study = position >= 0
    touching = np.flatnonzero(in_study[network.edge_u] | in_study[network.edge_v])
    pu, pv = position[network.edge_u[touching]], position[network.edge_v[touching]]
    both = (pu >= 0) & (pv >= 0)
    near, pu, pv = touching[both], pu[both], pv[both]
    member = prepared.grid.membership((mx[pu] + mx[pv]) / 2, (my[pu] + my[pv]) / 2)
    return Study(network=network, plan=prepared, graph=graph, ring=ring, study_nodes=study_nodes, node_mx=mx,
                 node_my=my, local_edges=touching[_is_local_road(network.highway[touching])],
                 corridor_edges=near[member[0]], edge_member=member[:, member[0]],
                 block_nodes=_block_nodes(network, prepared, study_nodes))


def _is_local_road(highway: np.ndarray) -> np.ndarray:
    """Not an expressway (``motorway``/``trunk``): such roads have roadside access."""
    expressway = np.zeros(highway.size, dtype=bool)
    for highway_class in EXPRESSWAY_CLASSES:  # element-wise == beats np.isin on object arrays by far
        expressway |= highway == highway_class
    return ~expressway


def _block_nodes(network: RoadNetwork, prepared: PlanStudy, candidates: np.ndarray) -> tuple[np.ndarray, ...]:
    """The ``candidates`` (node indices) inside each block polygon."""
    x, y = network.x[candidates], network.y[candidates]
    out = []
    for polygon, (x0, y0, x1, y1) in zip(prepared.block_shapes, prepared.block_bounds):
        box = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        out.append(candidates[box[shapely.contains_xy(polygon, x[box], y[box])]])
    return tuple(out)


def scenario_mask(network: RoadNetwork, plan: PlanData | PlanStudy, scenario: str) -> np.ndarray:
    """Edges in use: ``planned`` all of them, ``baseline`` all but those a road project of ``plan`` builds."""
    if scenario == "planned":
        return np.ones(network.n_edges, dtype=bool)
    if isinstance(plan, PlanStudy):
        projects = list(plan.projects)
    else:
        roads = plan.roads
        projects = list(roads.loc[roads["category"].isin(ROAD_PROJECT_CATEGORIES), "id"])
    return ~np.isin(network.project_id, projects)


def scenario_edges(study: Study, scenario: str) -> np.ndarray:
    """:func:`scenario_mask` for the study's network and plan (the project edges are found once per study)."""
    return np.ones(study.network.n_edges, dtype=bool) if scenario == "planned" else ~study.project_edges


def time_to_ring_nodes(network: RoadNetwork, ring_mask: np.ndarray, active: np.ndarray, edge_time_s: np.ndarray,
                       *, label: str = "", graph: ReverseGraph | None = None) -> np.ndarray:
    """Seconds from every node to the ring over the ``active`` edges: one Dijkstra pass on the reversed graph from
    all nodes of the active ring edges ``ring_mask`` (a mask over the edges, or edge indices); ``inf`` where the
    ring cannot be reached. ``graph`` is the network's :class:`ReverseGraph`, built when not given.

    Raises
    ------
    RingNotConnected
        When no ring edge is active (``label`` names the scenario in the message).
    """
    sources = ring_nodes(network, ring_mask)
    if sources.size == 0:
        raise RingNotConnected(f"no ring edge exists in {label or 'this scenario'}: every edge along the ring is "
                               "built by a road project; use the planned scenario")
    matrix = (graph or ReverseGraph.build(network)).matrix(edge_time_s, active=active)
    return dijkstra(matrix, indices=sources, min_only=True)


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
        Per block: ``nodes``, ``measured_at``, ``nearest_node_m``, ``status`` (:data:`MEASURED` or
        :data:`OUTSIDE_NETWORK`), ``worst_s``, ``median_s``.
    """

    active: np.ndarray
    node_time_s: np.ndarray
    edge_time_s: np.ndarray
    entries: np.ndarray
    areas: list[dict]
    blocks: list[dict]
    loop: dict[str, LoopDirection]


def evaluate(study: Study, active: np.ndarray, *, congestion: float, limits_min: tuple[float, ...],
             label: str = "", max_snap_distance_m: float = MAX_SNAP_DISTANCE_M) -> Evaluation:
    """Time to the ring for every node, coverage per area, per block and the loop, with edges ``active`` in use.

    Nodes only on expressways are left out of the nearest-node searches (cells, block centroids) and of the
    blocks' own nodes: nothing nearby can drive onto an expressway there.

    Raises
    ------
    RingNotConnected
        When no ring edge is in use (``label`` names the scenario in the message).
    """
    network, grid = study.network, study.plan.grid
    edge_time = network.travel_time_s(congestion=congestion)
    ring_in_use = study.ring.index[active[study.ring.index]]
    node_time = time_to_ring_nodes(network, ring_in_use, active, edge_time, label=label, graph=study.graph)
    used = access_nodes(study, active)
    near = used[study.study_nodes]
    tree_nodes = study.study_nodes[near]
    tree = coverage.node_tree(study.node_mx[near], study.node_my[near])
    limits_s = np.asarray(limits_min, dtype=np.float64) * 60.0
    cell_time, served = coverage.cell_times(grid, tree, node_time[tree_nodes])
    in_use = active[study.corridor_edges]
    edges = study.corridor_edges[in_use]
    share = coverage.edge_fraction_within(node_time, network.edge_v[edges], edge_time[edges], limits_s)
    areas = coverage.summarize(study.edge_member[:, in_use], network.length_m[edges], share, grid.cell_membership,
                               cell_time, served, limits_s, cell_m=grid.cell_m)
    return Evaluation(active=active, node_time_s=node_time, edge_time_s=edge_time,
                      entries=entry_nodes(network, study.ring, active=active, graph=study.graph), areas=areas,
                      blocks=_blocks(study, node_time, used, tree, tree_nodes,
                                     max_snap_distance_m=max_snap_distance_m),
                      loop=drive_loop(network, study.ring, edge_time, active=active,
                                      min_gap_m=study.plan.tolerance_m))


def _blocks(study: Study, node_time: np.ndarray, used: np.ndarray, tree: cKDTree | None,
            tree_nodes: np.ndarray, *, max_snap_distance_m: float) -> list[dict]:
    """Worst and median time over each block's nodes in use, or its centroid's nearest node when it has none —
    unless that node is farther than ``max_snap_distance_m``: the block then lies beyond the network, and a time
    measured somewhere else would say nothing about it."""
    out = []
    for nodes, centroid in zip(study.block_nodes, study.plan.block_centroids):
        nodes = nodes[used[nodes]]
        if nodes.size:
            times = np.sort(node_time[nodes])
            middle = (times[(times.size - 1) // 2] + times[times.size // 2]) / 2  # np.median's value, less overhead
            out.append({"nodes": int(nodes.size), "measured_at": "block_nodes", "nearest_node_m": None,
                        "status": MEASURED, "worst_s": float(times[-1]), "median_s": float(middle)})
            continue
        distance, time = None, np.inf
        if tree is not None:
            distance, nearest = tree.query(centroid)
            distance, time = float(distance), float(node_time[tree_nodes[nearest]])
        outside = distance is None or distance > max_snap_distance_m
        out.append({"nodes": 0, "measured_at": "none" if distance is None else "nearest_node",
                    "nearest_node_m": distance, "status": OUTSIDE_NETWORK if outside else MEASURED,
                    "worst_s": np.inf if outside else time, "median_s": np.inf if outside else time})
    return out
