"""Driving the whole ring: the loop in each direction as a sequence of ring edges, or where it is broken.

A direction's loop exists when that direction's ring edges cover the ring line without a gap and join up; its time
is one shortest path over those edges only, from a ring node back to itself, so parallel carriageways or duplicate
edges never count twice and the loop time is exactly the sum of the edges it lists.

What does not depend on travel times — which edges each direction uses, its gaps, and, when its edges leave no
choice (one way on from every node), the loop itself — is a :class:`LoopRoute`, found once per set of edges in use
(:func:`loop_routes`); :func:`drive_routes` then only adds up the times, or searches the fastest way round.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geo.network.road_network import RoadNetwork
from geo.access.ring import RingEdges

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gap:
    """A stretch of the ring with no drivable ring edge in one direction."""

    from_m: float
    to_m: float
    segment_ids: tuple[str, ...]
    segment_names: tuple[str, ...]

    @property
    def length_m(self) -> float:
        return self.to_m - self.from_m


@dataclass(frozen=True)
class LoopDirection:
    """One direction around the ring.

    Attributes
    ----------
    direction
        ``"clockwise"`` or ``"counterclockwise"``.
    complete
        Whether the ring can be driven all the way round in this direction.
    time_s
        Loop time in seconds, ``None`` when not complete.
    edges
        Edge indices in driving order (empty when not complete).
    edge_time_s
        Travel time of each of ``edges``.
    gaps
        Where the loop is broken (empty when complete).
    """

    direction: str
    complete: bool
    time_s: float | None
    edges: np.ndarray
    edge_time_s: np.ndarray
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class LoopRoute:
    """One direction round the ring over one set of edges in use, as far as travel times do not matter.

    Attributes
    ----------
    direction
        ``"clockwise"`` or ``"counterclockwise"``.
    use
        Positions (into the ring edges' per-edge arrays) of the edges in use in this direction.
    gaps
        Where the direction is broken by missing edges.
    start, start_m
        Position in ``use`` of the edge the loop starts with (the first along the ring) and where it starts along
        the ring; ``None`` when the loop is broken (gaps, or a ring line that is not closed).
    cycle
        Positions in ``use`` in driving order when the edges leave one way on from every node and it leads round:
        the loop whatever the times. ``None`` when the fastest way round must be searched (or when broken).
    """

    direction: str
    use: np.ndarray
    gaps: tuple[Gap, ...]
    start: int | None
    start_m: float | None
    cycle: np.ndarray | None


def drive_loop(network: RoadNetwork, ring_edges: RingEdges, ring_time_s: np.ndarray, *,
               active: np.ndarray | None = None, min_gap_m: float = 30.0) -> dict[str, LoopDirection]:
    """Both directions round the ring over the active ring edges, keyed ``"clockwise"`` / ``"counterclockwise"``.

    Parameters
    ----------
    network
        The road network.
    ring_edges
        Its ring edges (:func:`geo.access.ring.match_ring_edges`).
    ring_time_s
        Travel time of each ring edge (in the order of ``ring_edges.index``).
    active
        Edges that exist in the scenario (all when ``None``).
    min_gap_m
        Uncovered stretches shorter than this (junction offsets) are not gaps.
    """
    routes = loop_routes(network, ring_edges, active=active, min_gap_m=min_gap_m)
    return drive_routes(network, ring_edges, routes, ring_time_s)


def loop_routes(network: RoadNetwork, ring_edges: RingEdges, *, active: np.ndarray | None = None,
                min_gap_m: float = 30.0) -> tuple[LoopRoute, ...]:
    """Both directions' routes round the ring over the active ring edges (see :func:`drive_loop`)."""
    ring = ring_edges.ring
    in_use = np.ones(ring_edges.index.size, dtype=bool) if active is None else active[ring_edges.index]
    names = {True: ring.forward_direction,
             False: "clockwise" if ring.forward_direction == "counterclockwise" else "counterclockwise"}
    return tuple(_route(network, ring_edges, np.flatnonzero(in_use & (ring_edges.forward == forward)),
                        names[forward], min_gap_m=min_gap_m) for forward in (True, False))


def drive_routes(network: RoadNetwork, ring_edges: RingEdges, routes: tuple[LoopRoute, ...],
                 ring_time_s: np.ndarray) -> dict[str, LoopDirection]:
    """Each route driven with ring edge times ``ring_time_s`` (in the order of ``ring_edges.index``)."""
    return {route.direction: _drive(network, ring_edges, route, ring_time_s) for route in routes}


def _route(network: RoadNetwork, ring_edges: RingEdges, use: np.ndarray, direction: str, *,
           min_gap_m: float) -> LoopRoute:
    """One direction over the ring edges at positions ``use`` (into ``ring_edges``' per-edge arrays)."""
    ring = ring_edges.ring
    if not ring.closed:
        return LoopRoute(direction=direction, use=use, gaps=(), start=None, start_m=None, cycle=None)
    low = np.where(ring_edges.forward[use], ring_edges.start_m[use], ring_edges.start_m[use] - ring_edges.along_m[use])
    low %= ring.length_m
    gaps = _gaps(low, ring_edges.along_m[use], ring_edges, min_gap_m=min_gap_m)
    if gaps:  # also when no edge is in use: then the whole ring is one gap
        return LoopRoute(direction=direction, use=use, gaps=gaps, start=None, start_m=None, cycle=None)
    start = int(low.argmin())
    return LoopRoute(direction=direction, use=use, gaps=(), start=start, start_m=float(low[start]),
                     cycle=_only_way_round(network, ring_edges.index[use], start=start))


def _drive(network: RoadNetwork, ring_edges: RingEdges, route: LoopRoute, ring_time_s: np.ndarray) -> LoopDirection:
    if route.start is None:
        return _broken(route.direction, route.gaps)
    order = route.cycle
    if order is None:
        order = _cycle(network, ring_edges.index[route.use], ring_time_s[route.use], start=route.start)
    if order is None:
        return _broken(route.direction, (_gap(route.start_m, route.start_m, ring_edges),))
    times = ring_time_s[route.use[order]]
    return LoopDirection(direction=route.direction, complete=True, time_s=float(times.sum()),
                         edges=ring_edges.index[route.use[order]], edge_time_s=times, gaps=())


def _broken(direction: str, gaps: tuple[Gap, ...]) -> LoopDirection:
    return LoopDirection(direction=direction, complete=False, time_s=None, edges=np.empty(0, dtype=np.int64),
                         edge_time_s=np.empty(0), gaps=gaps)


def _gaps(low: np.ndarray, along: np.ndarray, ring_edges: RingEdges, *, min_gap_m: float) -> tuple[Gap, ...]:
    """Uncovered stretches of the (circular) ring given covered intervals ``[low, low + along]``."""
    total = ring_edges.ring.length_m
    if low.size == 0:
        return (_gap(0.0, total, ring_edges),)
    order = np.argsort(low)
    low, high = low[order], low[order] + along[order]
    reach = np.maximum.accumulate(high)
    # the stretch after each interval's running reach up to the next start, and round from the last to the first
    next_start = np.append(low[1:], low[0] + total)
    open_gap = next_start - reach > min_gap_m
    return tuple(_gap(float(a), float(b), ring_edges, min_overlap_m=min_gap_m)
                 for a, b in zip(reach[open_gap], next_start[open_gap]))


def _gap(start_m: float, end_m: float, ring_edges: RingEdges, *, min_overlap_m: float = 0.0) -> Gap:
    """The gap ``[start_m, end_m]`` (may run past the ring's end) with the segments it overlaps by more than
    ``min_overlap_m`` (so a junction offset at either end does not name the neighbouring segment)."""
    ring = ring_edges.ring
    starts, ends = ring.segment_start_m[:-1], ring.segment_start_m[1:]
    overlap = np.zeros(starts.size)
    for shift in (0.0, ring.length_m):  # a gap may wrap past the ring's start
        overlap += np.clip(np.minimum(ends + shift, end_m) - np.maximum(starts + shift, start_m), 0.0, None)
    touched = np.flatnonzero(overlap > min(min_overlap_m, (end_m - start_m) / 2))
    if touched.size == 0:
        touched = ring.segment_at(np.array([(start_m + end_m) / 2 % ring.length_m]))
    return Gap(from_m=start_m % ring.length_m, to_m=start_m % ring.length_m + (end_m - start_m),
               segment_ids=tuple(ring.segment_ids[i] for i in touched),
               segment_names=tuple(ring.segment_names[i] for i in touched))


def _cycle(network: RoadNetwork, edges: np.ndarray, time_s: np.ndarray, *, start: int) -> np.ndarray | None:
    """Positions in ``edges`` (edge indices, taking ``time_s``) of the fastest way from the start node of
    ``edges[start]`` back to it over ``edges``, in driving order."""
    nodes, local = np.unique(np.concatenate([network.edge_u[edges], network.edge_v[edges]]), return_inverse=True)
    u, v = local[:edges.size], local[edges.size:].copy()
    origin = u[start]
    home = nodes.size  # a copy of the start node: the loop ends there
    v[v == origin] = home
    size = home + 1
    pair, fastest = _fastest_per_pair(u, v, time_s, size=size)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair // size, minlength=size), out=indptr[1:])
    graph = sp.csr_matrix((time_s[fastest], pair % size, indptr), shape=(size, size))
    dist, predecessor = dijkstra(graph, indices=origin, return_predecessors=True)
    if not np.isfinite(dist[home]):
        return None
    path = [home]
    while path[-1] != origin:
        path.append(int(predecessor[path[-1]]))
    path.reverse()
    steps = np.asarray(path[:-1], dtype=np.int64) * size + np.asarray(path[1:], dtype=np.int64)
    return fastest[np.searchsorted(pair, steps)]


def _only_way_round(network: RoadNetwork, edges: np.ndarray, *, start: int) -> np.ndarray | None:
    """Positions in ``edges`` of the loop from ``edges[start]`` back to its start node when no node has two edges
    leaving it: the walk is then the only way and so the fastest whatever the times. ``None`` otherwise, leaving
    the search to :func:`_cycle`."""
    nodes, local = np.unique(np.concatenate([network.edge_u[edges], network.edge_v[edges]]), return_inverse=True)
    u, v = local[:edges.size], local[edges.size:]
    if np.bincount(u, minlength=nodes.size).max() > 1:
        return None
    leaving = np.full(nodes.size, -1, dtype=np.int64)
    leaving[u] = np.arange(edges.size)
    origin, order, node = u[start], [start], v[start]
    while node != origin and leaving[node] >= 0 and len(order) < edges.size:
        order.append(int(leaving[node]))
        node = v[order[-1]]
    return np.asarray(order, dtype=np.int64) if node == origin else None


def _fastest_per_pair(u: np.ndarray, v: np.ndarray, time_s: np.ndarray, *,
                      size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each (u, v) pair, ascending by pair code ``u * size + v``: the code and the position of its fastest edge
    (SciPy would sum duplicate entries, so parallel edges must be reduced to one first)."""
    code = u.astype(np.int64) * size + v
    order = np.lexsort((time_s, code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = code[order][1:] != code[order][:-1]
    return code[order][first], order[first]
