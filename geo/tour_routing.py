"""Routing for inspection tours: snap points to the road network, build the travel-time matrix, draw legs.

Snapping rule: every point (start, end, site anchor) goes to the nearest node of the network's largest strongly
connected component (found with a KD-tree in EPSG:32651), so a tour can always drive on from it and back. A point
farther than ``max_snap_m`` from that component is unreachable: either no road at all lies within ``max_snap_m``
(reason ``"far"``), or the nearby roads do not connect to the main network (reason ``"disconnected"``).

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
from geo.network import RoadNetwork

logger = logging.getLogger(__name__)

METRIC_CRS = "EPSG:32651"
DEFAULT_MAX_SNAP_M = 2000.0
_MIN_EDGE_TIME_S = 1e-3  # SciPy drops explicit zeros from sparse graphs; keep zero-length edges as edges


@lru_cache(maxsize=1)
def _to_metric() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class RoutingGraph:
    """A network prepared for tours: travel-time CSR graph, edge lookup, main component and KD-trees.

    Build it once per (network, congestion) with :func:`routing_graph` and reuse it for many tours.
    """

    network: RoadNetwork
    congestion: float
    graph: sp.csr_matrix
    edge_keys: np.ndarray  # sorted u * n + v of the fastest edge per node pair
    edge_index: np.ndarray  # original edge index for each key
    main_nodes: np.ndarray  # node indices of the largest strongly connected component
    main_tree: cKDTree
    all_tree: cKDTree


@dataclass(frozen=True)
class Snap:
    """Where points meet the network: ``node`` (−1 when unreachable), ``distance_m`` and ``reason``."""

    node: np.ndarray
    distance_m: np.ndarray
    reason: list[str | None]


def routing_graph(network: RoadNetwork, *, congestion: float = 1.0) -> RoutingGraph:
    """Prepare ``network`` for tour routing at ``congestion`` × free-flow speed."""
    if not (np.isfinite(congestion) and 0 < congestion <= 1.5):
        raise InvalidParameter("congestion", f"expected a factor in (0, 1.5] (1 = free flow), got {congestion!r}")
    if network.n_nodes == 0 or network.n_edges == 0:
        raise InvalidParameter("network", "the road network has no edges; load another network")
    n = network.n_nodes
    seconds = np.maximum(network.travel_time_s(congestion=congestion), _MIN_EDGE_TIME_S)
    keys = network.edge_u.astype(np.int64) * n + network.edge_v.astype(np.int64)
    order = np.lexsort((seconds, keys))
    first = np.ones(len(order), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    fastest = order[first]
    graph = sp.csr_matrix((seconds[fastest], (network.edge_u[fastest], network.edge_v[fastest])), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="strong")
    main_nodes = np.flatnonzero(labels == np.bincount(labels).argmax())
    mx, my = _to_metric().transform(network.x, network.y)
    metric = np.column_stack([mx, my])
    logger.info("tour routing graph: %d nodes, %d edges, main component %d nodes", n, len(fastest), len(main_nodes))
    return RoutingGraph(network=network, congestion=congestion, graph=graph, edge_keys=keys[fastest],
                        edge_index=fastest, main_nodes=main_nodes, main_tree=cKDTree(metric[main_nodes]),
                        all_tree=cKDTree(metric))


def snap_points(graph: RoutingGraph, lon: np.ndarray, lat: np.ndarray, *,
                max_snap_m: float = DEFAULT_MAX_SNAP_M) -> Snap:
    """Snap WGS-84 points to the main component by the rule in the module docstring."""
    px, py = _to_metric().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = np.column_stack([np.atleast_1d(px), np.atleast_1d(py)])
    main_distance, main_position = graph.main_tree.query(points)
    any_distance, _ = graph.all_tree.query(points)
    reachable = main_distance <= max_snap_m
    node = np.where(reachable, graph.main_nodes[main_position], -1)
    reason = [None if ok else ("disconnected" if near <= max_snap_m else "far")
              for ok, near in zip(reachable, any_distance)]
    return Snap(node=node, distance_m=main_distance, reason=reason)


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
    return LegRoute(coordinates=_edge_chain(network, edges, path), length_m=float(network.length_m[edges].sum()),
                    seconds=seconds)


def _edge_chain(network: RoadNetwork, edges: np.ndarray, path: np.ndarray) -> list[tuple[float, float]]:
    coordinates = [(float(network.x[path[0]]), float(network.y[path[0]]))]
    for edge, u, v in zip(edges, path[:-1], path[1:]):
        shape = network.geometry[edge] if network.geometry is not None else None
        if shape is None:
            coordinates.append((float(network.x[v]), float(network.y[v])))
            continue
        points = [(float(px), float(py)) for px, py in shape.coords]
        start_xy = (float(network.x[u]), float(network.y[u]))
        if _squared(points[-1], start_xy) < _squared(points[0], start_xy):
            points.reverse()  # stored shapes may run against the edge's direction
        coordinates.extend(points[1:])
    return coordinates


def _squared(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
