"""The numbers behind the accessibility check: one scenario's times to the ring, coverage, blocks and loop.

:func:`evaluate` runs one scenario — a set of edges in use, at a congestion — on a network placed on the plan
(:func:`geo.access_place.prepare_network`, which did everything that does not depend on the congestion): the travel
times filled into the reversed graph's prepared layout, a single multi-source Dijkstra pass, and vectorised sums
over the placement's prepared arrays (no per-node Python loops).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from geo import coverage
from geo.access_place import PlacedNetwork, Placement, project_edge_mask
from geo.access_plan import ROAD_PROJECT_CATEGORIES, PlanStudy
from geo.coverage import ACCESS_SPEED_KPH
from geo.errors import RingNotConnected
from geo.network import RoadNetwork
from geo.plan import PlanData
from geo.ring import ring_nodes
from geo.ring_loop import LoopDirection, drive_routes
from geo.road_graph import ReverseGraph, edge_travel_time_s

logger = logging.getLogger(__name__)

MAX_SNAP_DISTANCE_M = 2000.0  # a block farther than this from every access node lies beyond the network
MEASURED, OUTSIDE_NETWORK = "measured", "outside_network"


def scenario_mask(network: RoadNetwork, plan: PlanData | PlanStudy, scenario: str) -> np.ndarray:
    """Edges in use: ``planned`` all of them, ``baseline`` all but those a road project of ``plan`` builds."""
    if scenario == "planned":
        return np.ones(network.n_edges, dtype=bool)
    if isinstance(plan, PlanStudy):
        projects = list(plan.projects)
    else:
        roads = plan.roads
        projects = list(roads.loc[roads["category"].isin(ROAD_PROJECT_CATEGORIES), "id"])
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
    sources = ring_nodes(network, ring_edges)
    if sources.size == 0:
        raise RingNotConnected(f"no ring edge exists in {label or 'this scenario'}: every edge along the ring is "
                               "built by a road project; use the planned scenario")
    return sources


@dataclass(frozen=True)
class Evaluation:
    """One scenario's raw results (seconds, unrounded).

    Attributes
    ----------
    areas
        Per area of the study grid (corridor first), :func:`geo.coverage.summarize`'s dicts.
    blocks
        Per block: ``nodes``, ``measured_at``, ``nearest_node_m``, ``status`` (:data:`MEASURED` or
        :data:`OUTSIDE_NETWORK`), ``access_leg_s`` (0 at the block's own nodes; ``inf`` when outside),
        ``worst_s``, ``median_s`` (both including the access leg).
    """

    active: np.ndarray
    node_time_s: np.ndarray
    entries: np.ndarray
    areas: list[dict]
    blocks: list[dict]
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
    ring_in_use = active[ring.index]
    sources = _ring_sources(network, ring.index[ring_in_use], label=label)
    placement = placed.placement(active)
    node_time = placed.layout.time_to(sources, congestion=congestion, inactive=placement.inactive)
    limits_s = np.asarray(limits_min, dtype=np.float64) * 60.0
    ring_time = edge_travel_time_s(network.length_m[ring.index], network.speed_kph[ring.index], congestion=congestion)
    return Evaluation(active=active, node_time_s=node_time, entries=placement.entries,
                      areas=coverage.summarize(placement.cover, node_time, limits_s, congestion=congestion,
                                               cell_m=placed.plan.grid.cell_m, access_speed_kph=access_speed_kph),
                      blocks=_blocks(placed, node_time, placement, max_snap_distance_m=max_snap_distance_m,
                                     leg_s_per_m=coverage.access_leg_s_per_m(congestion=congestion,
                                                                             access_speed_kph=access_speed_kph)),
                      loop=drive_routes(network, ring, placement.loop, ring_time))


def _blocks(placed: PlacedNetwork, node_time: np.ndarray, placement: Placement, *, max_snap_distance_m: float,
            leg_s_per_m: float) -> list[dict]:
    """Worst and median time over each block's access nodes in use, or from its centroid through its nearest
    access node when it has none (the access leg, ``leg_s_per_m`` × distance, plus the node's time) — unless that
    node is farther than ``max_snap_distance_m``: the block then lies beyond the network, and a time measured
    somewhere else would say nothing about it."""
    out = []
    for b, nodes in enumerate(placed.block_nodes):
        nodes = nodes[placement.access[nodes]]
        if nodes.size:
            times = np.sort(node_time[nodes])
            middle = (times[(times.size - 1) // 2] + times[times.size // 2]) / 2  # np.median's value, less overhead
            out.append({"nodes": int(nodes.size), "measured_at": "block_nodes", "nearest_node_m": None,
                        "status": MEASURED, "access_leg_s": 0.0, "worst_s": float(times[-1]),
                        "median_s": float(middle)})
            continue
        nearest, distance = int(placement.block_node[b]), float(placement.block_distance_m[b])
        outside = nearest < 0 or distance > max_snap_distance_m
        leg = np.inf if outside else distance * leg_s_per_m
        time = np.inf if outside else leg + float(node_time[nearest])
        out.append({"nodes": 0, "measured_at": "none" if nearest < 0 else "nearest_node",
                    "nearest_node_m": None if nearest < 0 else distance,
                    "status": OUTSIDE_NETWORK if outside else MEASURED, "access_leg_s": leg,
                    "worst_s": time, "median_s": time})
    return out
