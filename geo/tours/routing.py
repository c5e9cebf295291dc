"""Routing for inspection tours: snap points to the road network, build the travel-time matrix, draw legs.

Only the edges in use count (all of them, or a scenario's, e.g. the network without the road projects' edges:
:func:`geo.tours.planner.tour_graph`); an edge left out is no road here, for routing and for snapping alike.

Snapping rule: every point (start, end, site anchor) goes to the nearest node of the network's largest strongly
connected component (found with a KD-tree in EPSG:32651), so a tour can always drive on from it and back. The
distance that counts is the one to that node: where the route begins. A point farther than ``max_snap_m``
(default :data:`DEFAULT_MAX_SNAP_M`) from that component is unreachable: either no road at all lies within
``max_snap_m`` (reason ``"far"``), or the nearby roads do not connect to the main network (reason
``"disconnected"``).

The matrix comes from ONE multi-source SciPy Dijkstra call (``indices`` = all snapped nodes), which computes a
one-to-all row per point; the predecessors of each row rebuild the leg routes. Parallel edges keep the fastest.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork, path_coordinates

logger = logging.getLogger(__name__)

METRIC_CRS = "EPSG:32651"
# An inspection party leaves the car for at most a walk of this length; the accessibility check draws the same line
# (geo.access.evaluation.MAX_SNAP_DISTANCE_M). Farther sites are reported, not routed to a road that is not theirs.
DEFAULT_MAX_SNAP_M = 1000.0
_MIN_EDGE_TIME_S = 1e-3  # SciPy drops explicit zeros from sparse graphs; keep zero-length edges as edges


@lru_cache(maxsize=1)
def _to_metric() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class RoutingGraph:
    """A network prepared for tours: travel-time CSR graph, edge lookup, main component and KD-trees.

    Build it once per (network, edges in use, congestion) with :func:`routing_graph` and reuse it for many tours.
    ``scenario`` names the edges in use and ``edges_left_out`` counts the others.
    """

    network: RoadNetwork
    congestion: float
    scenario: str
    edges_left_out: int
    graph: sp.csr_matrix
    edge_keys: np.ndarray  # sorted u * n + v of the fastest edge per node pair
    edge_index: np.ndarray  # original edge index for each key
    main_nodes: np.ndarray  # node indices of the largest strongly connected component
    main_tree: cKDTree
    road_tree: cKDTree  # every node on an edge in use, whatever its component


@dataclass(frozen=True)
class Snap:
    """Where points meet the network.

    Attributes
    ----------
    node
        The main component's node each point snaps to, −1 when unreachable.
    distance_m
        Metres to the nearest node of the main component (where the route begins).
    road_m
        Metres to the nearest node of any road in use (equals ``distance_m`` unless a disconnected road is nearer).
    reason
        ``None``, ``"far"`` or ``"disconnected"`` (module docstring).
    """

    node: np.ndarray
    distance_m: np.ndarray
    road_m: np.ndarray
    reason: list[str | None]


def routing_graph(network: RoadNetwork, *, congestion: float = 1.0, active: np.ndarray | None = None,
                  scenario: str = "planned") -> RoutingGraph:
    """Prepare the edges ``active`` (a mask; default all) of ``network`` for tour routing at ``congestion`` ×
    free-flow speed; ``scenario`` names that set of edges in results and messages.

    Raises
    ------
    InvalidParameter
        For a congestion outside (0, 1.5], or when no edge is in use.
    """
    if not (np.isfinite(congestion) and 0 < congestion <= 1.5):
        raise InvalidParameter("congestion", f"expected a factor in (0, 1.5] (1 = free flow), got {congestion!r}",
                               kind="congestion", details={"high": 1.5, "got": congestion})
    if network.n_nodes == 0 or network.n_edges == 0:
        raise InvalidParameter("network", "the road network has no edges; load another network")
    in_use = np.flatnonzero(np.ones(network.n_edges, dtype=bool) if active is None else active)
    if in_use.size == 0:
        raise InvalidParameter("scenario", f"no edge of the road network is in use in the {scenario} scenario; "
                                           "choose another scenario")
    n = network.n_nodes
    seconds = np.maximum(network.travel_time_s(congestion=congestion), _MIN_EDGE_TIME_S)
    keys = network.edge_u.astype(np.int64) * n + network.edge_v.astype(np.int64)
    order = in_use[np.lexsort((seconds[in_use], keys[in_use]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    fastest = order[first]
    graph = sp.csr_matrix((seconds[fastest], (network.edge_u[fastest], network.edge_v[fastest])), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    main_nodes = np.flatnonzero(labels == np.bincount(labels).argmax())
    road_nodes = np.union1d(network.edge_u[in_use], network.edge_v[in_use])
    mx, my = _to_metric().transform(network.x, network.y)
    metric = np.column_stack([mx, my])
    logger.info("tour routing graph (%s): %d nodes, %d edges, main component %d nodes", scenario, n, len(fastest),
                len(main_nodes))
    return RoutingGraph(network=network, congestion=congestion, scenario=scenario,
                        edges_left_out=network.n_edges - in_use.size, graph=graph, edge_keys=keys[fastest],
                        edge_index=fastest, main_nodes=main_nodes, main_tree=cKDTree(metric[main_nodes]),
                        road_tree=cKDTree(metric[road_nodes]))


def snap_points(graph: RoutingGraph, lon: np.ndarray, lat: np.ndarray, *,
                max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snap:
    """Snap WGS-84 points to the main component by the rule in the module docstring."""
    px, py = _to_metric().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = np.column_stack([np.atleast_1d(px), np.atleast_1d(py)])
    main_distance, main_position = graph.main_tree.query(points)
    road_distance, _ = graph.road_tree.query(points)
    reachable = main_distance <= max_snap_m
    node = np.where(reachable, graph.main_nodes[main_position], -1)
    reason = [None if ok else ("disconnected" if near <= max_snap_m else "far")
              for ok, near in zip(reachable, road_distance)]
    return Snap(node=node, distance_m=main_distance, road_m=road_distance, reason=reason)


def unreachable_text(snap: Snap, index: int, *, max_snap_m: float) -> str:
    """Why point ``index`` of ``snap`` is unreachable, in Chinese, with its distances rounded to the metre, e.g.
    ``距最近道路 1,350 米，超过 1,000 米上限``."""
    limit = f"超过 {_metres(max_snap_m)} 米上限"
    if snap.reason[index] == "disconnected":
        return (f"最近道路（{_metres(snap.road_m[index])} 米）与主路网不连通，距主路网 "
                f"{_metres(snap.distance_m[index])} 米，{limit}")
    return f"距最近道路 {_metres(snap.road_m[index])} 米，{limit}"


def _metres(value: float) -> str:
    return f"{round(float(value)):,}"


def travel_matrix(graph: RoutingGraph, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Travel seconds between ``nodes`` (``k × k``) and the predecessor rows (``k × n``) of one Dijkstra call."""
    distances, predecessors = dijkstra(graph.graph, directed=True, indices=np.asarray(nodes),
                                       return_predecessors=True)
    return distances[:, nodes], predecessors


@dataclass(frozen=True)
class LegRoute:
    """One leg on the network: its polyline (lon, lat pairs), length in metres and driving seconds."""

    coordinates: list[tuple[float, float]]
    length_m: float
    seconds: float


def leg_route(graph: RoutingGraph, predecessors: np.ndarray, origin: int, target: int) -> LegRoute:
    """Rebuild the fastest route ``origin`` → ``target`` from the origin's predecessor row."""
    path = [target]
    while path[-1] != origin:
        previous = int(predecessors[path[-1]])
        if previous < 0:
            raise InvalidParameter("sites", f"node {target} cannot be reached from node {origin}")
        path.append(previous)
    path = np.array(path[::-1], dtype=np.int64)
    network = graph.network
    if len(path) == 1:
        point = (float(network.x[origin]), float(network.y[origin]))
        return LegRoute(coordinates=[point, point], length_m=0.0, seconds=0.0)
    keys = path[:-1] * network.n_nodes + path[1:]
    edges = graph.edge_index[np.searchsorted(graph.edge_keys, keys)]
    seconds = float(np.asarray(graph.graph[path[:-1], path[1:]]).sum())
    return LegRoute(coordinates=path_coordinates(network, edges), length_m=float(network.length_m[edges].sum()),
                    seconds=seconds)
