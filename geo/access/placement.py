"""The road network placed on a prepared plan: everything the accessibility check needs from the two together.

:func:`prepare_network` does, once per (network, plan), all the work that depends on neither the scenario nor the
congestion: group the edges by head node (the reversed graph's structure), project the nodes near the study area
to metres, match the ring edges, lay the reversed graph out for the Dijkstra passes (nodes in the order the ring
reaches them, :class:`geo.network.road_graph.SettledLayout`), find the edges road projects build, assign edges to areas,
find each block's nodes; and, with the edges of the ``baseline`` and of the ``planned`` scenario in use (which
edges those are is fixed by the network and the plan's road projects), place the corridor's cells and the blocks'
centroids on their nearest access nodes (a KD-tree query, which also gives the access legs' lengths), find the
ring's entry nodes and the routes round the ring, and lay out the coverage sums (:class:`Placement`). Access nodes
and the road length counted both rest on one definition, roads with roadside access
(:func:`geo.access.coverage.has_roadside_access`). The web app keeps one :class:`PlacedNetwork` per loaded
network and the CLI one per run; each check then only does the scenario's own work
(:func:`geo.access.evaluation.evaluate`). A check whose edges match no placement (``compare``'s "baseline plus one
project") places them itself, exactly as a placement would.
"""
from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

import numpy as np
import shapely

from geo.access import coverage
from geo.access.prepared_plan import PlanStudy, prepare_plan
from geo.network.road_network import RoadNetwork
from geo.plan.layers import PlanData
from geo.access.plan_matching import ensure_matched
from geo.access.ring import (
    RING_TOLERANCE_M,
    MetricNodes,
    RingEdges,
    entry_nodes,
    match_ring_edges,
    require_ring_edges,
    ring_nodes,
)
from geo.access.ring_loop import LoopRoute, loop_routes
from geo.network.road_graph import ReverseGraph, SettledLayout
from geo.access.rounding import rounded

logger = logging.getLogger(__name__)

PLACED_SCENARIOS = ("baseline", "planned")


@dataclass(frozen=True)
class Placement:
    """Everything about one set of edges in use that does not depend on the congestion: the corridor's cells and
    the blocks' centroids matched to their nearest access node, the ring's entry nodes, the routes round the ring,
    what the coverage sums run over.

    Attributes
    ----------
    active, inactive
        Per edge: is it in use — the edge set this placement is for; and the indices of the edges not in use.
    sources
        The nodes of the ring edges in use: the time-to-ring pass starts from them (none when no ring edge is).
    access
        Per network node: is it an access node with those edges (:meth:`PlacedNetwork.access_nodes`).
    entries, entry_points
        The ring's entry nodes with those edges (:func:`geo.access.ring.entry_nodes`), and each one's node id, lon and
        lat to 6 decimals (~0.1 m) as the report lists them: rounded once here, not in every check.
    loop
        Both directions' routes round the ring with those edges (:func:`geo.access.ring_loop.loop_routes`).
    cover
        The corridor's roads with roadside access in use and its served cells (an access node within
        :data:`geo.access.coverage.MAX_CELL_DISTANCE_M`) with their nearest access nodes and the access legs' lengths,
        for the coverage sums.
    block_access
        ``(blocks, most access nodes in a block)``: per block (a row), its own access nodes in use, then ``-1``.
    block_node, block_distance_m
        Per block: its centroid's nearest access node (network index, ``-1`` when there is none) and the distance
        in metres (``inf`` when there is none) — the access leg of a block measured there.
    """

    active: np.ndarray
    inactive: np.ndarray
    sources: np.ndarray
    access: np.ndarray
    entries: np.ndarray
    entry_points: tuple[tuple[int, float, float], ...]
    loop: tuple[LoopRoute, ...]
    cover: coverage.CoverageBase
    block_access: np.ndarray
    block_node: np.ndarray
    block_distance_m: np.ndarray


@dataclass(frozen=True)
class PlacedNetwork:
    """A road network placed on a prepared plan: everything about the two that does not depend on the scenario.

    Attributes
    ----------
    network, plan
        The road network and the prepared plan.
    graph
        The network's edges grouped by head node (the reversed graph's structure).
    layout
        The reversed graph laid out for the time-to-ring passes (nodes in the order the ring reaches them, unless
        placed without ``settle``).
    ring, ring_node_ids
        The network's ring edges, and the node ids each runs from and to (as Python ints: every report lists them
        for the loop round the ring).
    project_edges
        Per edge: is it built by one of the plan's road projects.
    study_nodes, node_mx, node_my
        Nodes near the corridor and the blocks, and their EPSG:32651 coordinates.
    roadside_edges
        Edges touching a study node that are roads with roadside access
        (:func:`geo.access.coverage.has_roadside_access`).
    corridor_edges, edge_member
        Edges of roads with roadside access whose midpoint lies in the corridor — the road length the coverage
        counts — and the areas each lies in (``(areas, edges)``).
    block_nodes
        Per block: the study nodes inside it.
    placements
        Placements for the edge sets of the scenarios prepared for (see :meth:`placement`).
    """

    network: RoadNetwork
    plan: PlanStudy
    graph: ReverseGraph
    layout: SettledLayout
    ring: RingEdges
    ring_node_ids: tuple[tuple[int, int], ...]
    project_edges: np.ndarray
    study_nodes: np.ndarray
    node_mx: np.ndarray
    node_my: np.ndarray
    roadside_edges: np.ndarray
    corridor_edges: np.ndarray
    edge_member: np.ndarray
    block_nodes: tuple[np.ndarray, ...]
    placements: tuple[Placement, ...]

    def scenario_edges(self, scenario: str, *, open_projects: Collection[str] = ()) -> np.ndarray:
        """Edges in use: ``planned`` all of them, ``baseline`` all but those a road project of the plan builds,
        ``current`` the baseline's plus those of ``open_projects`` (open to traffic: :mod:`geo.status.open_to_traffic`)."""
        if scenario == "planned":
            return np.ones(self.network.n_edges, dtype=bool)
        if scenario == "current":
            return ~self.project_edges | project_edge_mask(self.network, open_projects)
        return ~self.project_edges

    def access_nodes(self, active: np.ndarray) -> np.ndarray:
        """Per node: does an active road with roadside access touch it near the corridor — can a place nearby get
        onto the network there (motorways, trunk roads and their links have no roadside access)."""
        local = self.roadside_edges[active[self.roadside_edges]]
        touched = np.zeros(self.network.n_nodes, dtype=bool)
        touched[self.network.edge_u[local]] = touched[self.network.edge_v[local]] = True
        return touched

    def placement(self, active: np.ndarray) -> Placement:
        """The placement for the edges ``active``: a prepared one when it is for the same edges, otherwise placed
        now (the same computation, so the result does not depend on which)."""
        for placement in self.placements:
            if np.array_equal(placement.active, active):
                return placement
        return _place(self, active)


def prepare_network(network: RoadNetwork, plan: PlanData | PlanStudy, *, tolerance_m: float = RING_TOLERANCE_M,
                    scenarios: tuple[str, ...] = PLACED_SCENARIOS, settle: bool = True) -> PlacedNetwork:
    """Place ``network`` on ``plan`` (prepared by :func:`geo.access.prepared_plan.prepare_plan` when it is not) for any
    number of checks of any scenario and congestion; ``scenarios`` are those whose edge sets are placed now.
    ``settle`` lays the reversed graph out in the order the ring reaches its nodes (one free-flow pass now, each
    later pass faster: worth it from about six passes on); without it, in the network's order. A network whose
    ring has not been matched yet (an OSM file, a synthetic network without ``ring_id``) is matched here first
    (:func:`geo.access.plan_matching.ensure_matched`): the placed network is the matched one.

    Raises
    ------
    RingNotConnected
        When the plan's ring is empty or cannot be matched onto ``network`` as a closed loop.
    """
    prepared = plan if isinstance(plan, PlanStudy) else prepare_plan(plan, tolerance_m=tolerance_m)
    network = ensure_matched(network, prepared.plan)
    graph = ReverseGraph.build(network)
    projected = MetricNodes.in_box(network, prepared.node_box_wgs84)
    ring = match_ring_edges(network, prepared.ring, tolerance_m=prepared.tolerance_m, zone=prepared.ring_zone)
    require_ring_edges(ring, network)
    x0, y0, x1, y1 = prepared.study_bounds_m
    keep = (projected.x >= x0) & (projected.x <= x1) & (projected.y >= y0) & (projected.y <= y1)
    study_nodes, mx, my = projected.index[keep], projected.x[keep], projected.y[keep]
    position = np.full(network.n_nodes, -1, dtype=np.int64)
    position[study_nodes] = np.arange(study_nodes.size)
    in_study = position >= 0
    touching = np.flatnonzero(in_study[network.edge_u] | in_study[network.edge_v])
    pu, pv = position[network.edge_u[touching]], position[network.edge_v[touching]]
    both = (pu >= 0) & (pv >= 0)
    roadside = coverage.has_roadside_access(network.highway[touching])
    keep_road = both & roadside  # only roads with roadside access count in the road length
    near, pu, pv = touching[keep_road], pu[keep_road], pv[keep_road]
    member = prepared.grid.membership((mx[pu] + mx[pv]) / 2, (my[pu] + my[pv]) / 2)
    placed = PlacedNetwork(
        network=network, plan=prepared, graph=graph, ring=ring,
        ring_node_ids=tuple(zip(network.node_id[network.edge_u[ring.index]].tolist(),
                                network.node_id[network.edge_v[ring.index]].tolist())),
        layout=SettledLayout.build(network, sources=ring_nodes(network, ring.index) if settle else None, graph=graph),
        project_edges=project_edge_mask(network, prepared.projects), study_nodes=study_nodes, node_mx=mx,
        node_my=my, roadside_edges=touching[roadside],
        corridor_edges=near[member[0]], edge_member=member[:, member[0]],
        block_nodes=_block_nodes(network, prepared, study_nodes), placements=())
    placements = tuple(_place(placed, placed.scenario_edges(scenario)) for scenario in dict.fromkeys(scenarios))
    logger.info("placed a network of %d nodes on the plan: %d study nodes, %d ring edges", network.n_nodes,
                study_nodes.size, ring.index.size)
    return replace(placed, placements=placements)


def _place(placed: PlacedNetwork, active: np.ndarray) -> Placement:
    """Nearest access node of every corridor cell (within the cell distance) and of every block centroid, with
    the distances (the access legs), entry nodes, loop routes and the coverage sums' base, with the edges
    ``active`` in use."""
    network, access, grid = placed.network, placed.access_nodes(active), placed.plan.grid
    near = access[placed.study_nodes]
    tree_nodes = placed.study_nodes[near]
    tree = coverage.node_tree(placed.node_mx[near], placed.node_my[near])
    n_blocks = len(placed.plan.blocks)
    served, cell_node = np.zeros(grid.corridor_cells.size, dtype=bool), np.empty(0, dtype=np.int64)
    cell_leg = np.empty(0, dtype=np.float64)
    block_node, block_distance = np.full(n_blocks, -1), np.full(n_blocks, np.inf)
    if tree is not None:
        served, nearest, distance = coverage.nearest_cell_nodes(grid, tree)
        cell_node, cell_leg = tree_nodes[nearest[served]], distance[served]
        block_distance, block_nearest = tree.query(placed.plan.block_centroids.reshape(-1, 2))
        block_node = tree_nodes[block_nearest]
    in_use = active[placed.corridor_edges]
    roads = placed.corridor_edges[in_use]
    cover = coverage.CoverageBase.build(grid, road_v=network.edge_v[roads], road_length_m=network.length_m[roads],
                                        road_speed_kph=network.speed_kph[roads],
                                        road_member=placed.edge_member[:, in_use], served=served,
                                        cell_node=cell_node, cell_leg_m=cell_leg)
    entries = entry_nodes(network, placed.ring, active=active, graph=placed.graph)
    return Placement(active=active, inactive=np.flatnonzero(~active),
                     sources=ring_nodes(network, placed.ring.index[active[placed.ring.index]]), access=access,
                     entries=entries, entry_points=tuple(zip(network.node_id[entries].tolist(),
                                                             rounded(network.x[entries], 6),
                                                             rounded(network.y[entries], 6))),
                     loop=loop_routes(network, placed.ring, active=active, min_gap_m=placed.plan.tolerance_m),
                     cover=cover, block_access=_block_access(placed.block_nodes, access), block_node=block_node,
                     block_distance_m=np.asarray(block_distance, dtype=float))


def _block_access(block_nodes: tuple[np.ndarray, ...], access: np.ndarray) -> np.ndarray:
    """Each block's access nodes as a row, padded with ``-1`` (one array: a check sorts all blocks' times at once;
    at least one column, so that every block has a last one)."""
    own = [nodes[access[nodes]] for nodes in block_nodes]
    padded = np.full((len(own), max([1] + [nodes.size for nodes in own])), -1, dtype=np.int64)
    for row, nodes in zip(padded, own):
        row[:nodes.size] = nodes
    return padded


def project_edge_mask(network: RoadNetwork, projects: Iterable[str]) -> np.ndarray:
    """Per edge: is it built by one of ``projects`` (road project ids)."""
    mask = network.project_id != ""  # element-wise on the object array: far faster than np.isin over all edges
    candidates = np.flatnonzero(mask)
    mask[candidates] = np.isin(network.project_id[candidates], list(projects))
    return mask


def _block_nodes(network: RoadNetwork, prepared: PlanStudy, candidates: np.ndarray) -> tuple[np.ndarray, ...]:
    """The ``candidates`` (node indices) inside each block polygon."""
    x, y = network.x[candidates], network.y[candidates]
    out = []
    for polygon, (x0, y0, x1, y1) in zip(prepared.block_shapes, prepared.block_bounds):
        box = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        out.append(candidates[box[shapely.contains_xy(polygon, x[box], y[box])]])
    return tuple(out)
