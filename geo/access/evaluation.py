"""The numbers behind the accessibility check: one scenario's times to the ring, coverage, blocks and loop.

:func:`evaluate` runs one scenario — a set of edges in use, at a congestion — on a network placed on the plan
(:func:`geo.access.placement.prepare_network`, which did everything that does not depend on the congestion): the travel
times filled into the reversed graph's prepared layout, a single multi-source Dijkstra pass, and vectorised sums
over the placement's prepared arrays (no per-node Python loops).
"""
from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo.access import coverage
from geo.access.placement import PlacedNetwork, Placement, project_edge_mask
from geo.access.prepared_plan import ROAD_PROJECT_CATEGORIES, PlanStudy
from geo.access.coverage import ACCESS_SPEED_KPH
from geo.errors import RingNotConnected
from geo.network.road_network import RoadNetwork
from geo.plan.layers import PlanData
from geo.access.ring import ring_nodes
from geo.access.ring_loop import LoopDirection, drive_routes
from geo.network.road_graph import ReverseGraph, edge_travel_time_s

logger = logging.getLogger(__name__)

MAX_SNAP_DISTANCE_M = 2000.0  # a block farther than this from every access node lies beyond the network


def scenario_mask(network: RoadNetwork, plan: PlanData | PlanStudy, scenario: str, *,
                  open_projects: Collection[str] = ()) -> np.ndarray:
    """Edges in use: ``planned`` all of them, ``baseline`` all but those a road project of ``plan`` builds,
    ``current`` the baseline's plus those of ``open_projects``."""
    if scenario == "planned":
        return np.ones(network.n_edges, dtype=bool)
    if isinstance(plan, PlanStudy):
        projects = list(plan.projects)
    else:
        roads = plan.roads
        projects = list(roads.loc[roads["category"].isin(ROAD_PROJECT_CATEGORIES), "id"])
    if scenario == "current":
        return ~project_edge_mask(network, projects) | project_edge_mask(network, open_projects)
    return ~project_edge_mask(network, projects)


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
    sources = _ring_sources(network, ring_mask, label=label)
    matrix = (graph or ReverseGraph.build(network)).matrix(edge_time_s, active=active)
    return dijkstra(matrix, indices=sources, min_only=True)


def _ring_sources(network: RoadNetwork, ring_edges: np.ndarray, *, label: str) -> np.ndarray:
    """The nodes of the active ring edges ``ring_edges`` (a mask or indices), the sources of the pass."""
    return _require_sources(ring_nodes(network, ring_edges), label=label)


def _require_sources(sources: np.ndarray, *, label: str) -> np.ndarray:
    """``sources``, unless there are none: then no ring edge is in use, and nothing can reach the ring."""
    if sources.size == 0:
        raise RingNotConnected(f"no ring edge exists in {label or 'this scenario'}: every edge along the ring is "
                               "built by a road project; use the planned scenario")
    return sources


@dataclass(frozen=True)
class BlockTimes:
    """Per block (the plan's order), where and how fast it reaches the ring (seconds, unrounded).

    Attributes
    ----------
    nodes
        Its own access nodes in use; 0 when it is measured from its centroid instead.
    nearest_node_m
        Distance from its centroid to the nearest access node it is measured through; ``NaN`` when it is measured
        at its own nodes or there is no access node at all.
    outside
        It lies beyond the network (its centroid's nearest access node is too far, or there is none).
    access_leg_s, worst_s, median_s
        The access leg (0 at its own nodes), the worst and the median time including it; ``inf`` when outside.
    """

    nodes: np.ndarray
    nearest_node_m: np.ndarray
    outside: np.ndarray
    access_leg_s: np.ndarray
    worst_s: np.ndarray
    median_s: np.ndarray


@dataclass(frozen=True)
class Evaluation:
    """One scenario's raw results (seconds, unrounded).

    Attributes
    ----------
    active, node_time_s
        Per edge: is it in use; per node: seconds to the ring.
    entries, entry_points
        The ring's entry nodes, and their node ids and lon/lat as the report lists them
        (:class:`geo.access.placement.Placement`).
    areas
        Per area of the study grid (corridor first), :func:`geo.access.coverage.summarize`'s rows.
    blocks
        Per block, :class:`BlockTimes`.
    loop
        Both directions round the ring.
    """

    active: np.ndarray
    node_time_s: np.ndarray
    entries: np.ndarray
    entry_points: tuple[tuple[int, float, float], ...]
    areas: coverage.AreaCoverage
    blocks: BlockTimes
    loop: dict[str, LoopDirection]


def evaluate(placed: PlacedNetwork, active: np.ndarray, *, congestion: float, limits_min: tuple[float, ...],
             label: str = "", max_snap_distance_m: float = MAX_SNAP_DISTANCE_M,
             access_speed_kph: float = ACCESS_SPEED_KPH) -> Evaluation:
    """Time to the ring for every node, coverage per area, per block and the loop, with edges ``active`` in use.

    Only access nodes (touched by a road with roadside access) are searched for cells and block centroids and
    count as a block's own nodes. A cell's or a block centroid's time includes the access leg to its node (the
    straight-line distance at ``access_speed_kph`` × ``congestion``); a block's own nodes are their own points.

    Raises
    ------
    RingNotConnected
        When no ring edge is in use (``label`` names the scenario in the message).
    """
    network, ring = placed.network, placed.ring
    placement = placed.placement(active)
    sources = _require_sources(placement.sources, label=label)
    node_time = placed.layout.time_to(sources, congestion=congestion, inactive=placement.inactive)
    limits_s = np.asarray(limits_min, dtype=np.float64) * 60.0
    ring_time = edge_travel_time_s(network.length_m[ring.index], network.speed_kph[ring.index], congestion=congestion)
    return Evaluation(active=active, node_time_s=node_time, entries=placement.entries,
                      entry_points=placement.entry_points,
                      areas=coverage.summarize(placement.cover, node_time, limits_s, congestion=congestion,
                                               cell_m=placed.plan.grid.cell_m, access_speed_kph=access_speed_kph),
                      blocks=_blocks(node_time, placement, max_snap_distance_m=max_snap_distance_m,
                                     leg_s_per_m=coverage.access_leg_s_per_m(congestion=congestion,
                                                                             access_speed_kph=access_speed_kph)),
                      loop=drive_routes(network, ring, placement.loop, ring_time))


def _blocks(node_time: np.ndarray, placement: Placement, *, max_snap_distance_m: float,
            leg_s_per_m: float) -> BlockTimes:
    """Worst and median time over each block's access nodes in use, or from its centroid through its nearest
    access node when it has none (the access leg, ``leg_s_per_m`` × distance, plus the node's time) — unless that
    node is farther than ``max_snap_distance_m``: the block then lies beyond the network, and a time measured
    somewhere else would say nothing about it."""
    padded = placement.block_access
    own_node = padded >= 0
    nodes = own_node.sum(axis=1)
    times = np.sort(np.where(own_node, node_time[padded], np.inf), axis=1)  # all blocks at once, padding last
    rows = np.arange(nodes.size)  # a block without nodes of its own reads inf or padding here, unused below
    worst = times[rows, nodes - 1]
    middle = (times[rows, (nodes - 1) // 2] + times[rows, nodes // 2]) / 2  # np.median's value
    nearest, distance = placement.block_node, placement.block_distance_m
    outside = (nodes == 0) & ((nearest < 0) | (distance > max_snap_distance_m))
    leg = np.where(outside, np.inf, distance * leg_s_per_m)
    via_nearest = np.where(outside, np.inf, leg + node_time[nearest])
    own = nodes > 0
    return BlockTimes(nodes=nodes, nearest_node_m=np.where(own | (nearest < 0), np.nan, distance), outside=outside,
                      access_leg_s=np.where(own, 0.0, leg), worst_s=np.where(own, worst, via_nearest),
                      median_s=np.where(own, middle, via_nearest))
