"""Driving the whole ring: the loop in each direction as a sequence of ring edges, or where it is broken.

A direction's loop exists when that direction's ring edges cover the ring line without a gap and join up; its time
is one shortest path over those edges only, from a ring node back to itself, so parallel carriageways or duplicate
edges never count twice and the loop time is exactly the sum of the edges it lists.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geo.network import RoadNetwork
from geo.ring import RingEdges

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


def drive_loop(network: RoadNetwork, ring_edges: RingEdges, edge_time_s: np.ndarray, *,
               active: np.ndarray | None = None, min_gap_m: float = 30.0) -> dict[str, LoopDirection]:
    """Both directions round the ring over the active ring edges, keyed ``"clockwise"`` / ``"counterclockwise"``.

    Parameters
    ----------
    network
        The road network.
    ring_edges
        Its ring edges (:func:`geo.ring.match_ring_edges`).
    edge_time_s
        Travel time of every edge of ``network``.
    active
        Edges that exist in the scenario (all when ``None``).
    min_gap_m
        Uncovered stretches shorter than this (junction offsets) are not gaps.
    """
    ring = ring_edges.ring
    in_use = np.ones(ring_edges.index.size, dtype=bool) if active is None else active[ring_edges.index]
    names = {True: ring.forward_direction,
             False: "clockwise" if ring.forward_direction == "counterclockwise" else "counterclockwise"}
    result = {}
    for forward in (True, False):
        use = np.flatnonzero(in_use & (ring_edges.forward == forward))
        result[names[forward]] = _one_direction(network, ring_edges, edge_time_s, use, names[forward],
                                                min_gap_m=min_gap_m)
    return result


def _one_direction(network: RoadNetwork, ring_edges: RingEdges, edge_time_s: np.ndarray, use: np.ndarray,
                   direction: str, *, min_gap_m: float) -> LoopDirection:
    """One direction over the ring edges at positions ``use`` (into ``ring_edges``' per-edge arrays)."""
    ring = ring_edges.ring
    if not ring.closed:
        return _broken(direction, ())
    low = np.where(ring_edges.forward[use], ring_edges.start_m[use], ring_edges.start_m[use] - ring_edges.along_m[use])
    gaps = _gaps(low % ring.length_m, ring_edges.along_m[use], ring_edges, min_gap_m=min_gap_m)
    if gaps:
        return _broken(direction, gaps)
    edges = ring_edges.index[use]
    order = _cycle(network, edges, edge_time_s, start_edge=edges[int(np.argmin(low % ring.length_m))])
    if order is None:
        where = float(low.min() % ring.length_m) if use.size else 0.0
        return _broken(direction, (_gap(where, where, ring_edges),))
    times = edge_time_s[order]
    return LoopDirection(direction=direction, complete=True, time_s=float(times.sum()), edges=order,
                         edge_time_s=times, gaps=())


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


def _cycle(network: RoadNetwork, use: np.ndarray, edge_time_s: np.ndarray, *, start_edge: int) -> np.ndarray | None:
    """Edge indices of the fastest way from ``start_edge``'s start node back to it over edges ``use``."""
    nodes, local = np.unique(np.concatenate([network.edge_u[use], network.edge_v[use]]), return_inverse=True)
    u, v = local[:use.size], local[use.size:].copy()
    start = int(np.searchsorted(nodes, network.edge_u[start_edge]))
    home = nodes.size  # a copy of the start node: the loop ends there
    v[v == start] = home
    size = home + 1
    pair, fastest = _fastest_per_pair(u, v, edge_time_s[use], size=size)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair // size, minlength=size), out=indptr[1:])
    graph = sp.csr_matrix((edge_time_s[use][fastest], pair % size, indptr), shape=(size, size))
    dist, predecessor = dijkstra(graph, indices=start, return_predecessors=True)
    if not np.isfinite(dist[home]):
        return None
    path = [home]
    while path[-1] != start:
        path.append(int(predecessor[path[-1]]))
    path.reverse()
    steps = np.asarray(path[:-1], dtype=np.int64) * size + np.asarray(path[1:], dtype=np.int64)
    return use[fastest[np.searchsorted(pair, steps)]]


def _fastest_per_pair(u: np.ndarray, v: np.ndarray, time_s: np.ndarray, *,
                      size: int) -> tuple[np.ndarray, np.ndarray]:
    """For each (u, v) pair, ascending by pair code ``u * size + v``: the code and the position of its fastest edge
    (SciPy would sum duplicate entries, so parallel edges must be reduced to one first)."""
    code = u.astype(np.int64) * size + v
    order = np.lexsort((time_s, code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = code[order][1:] != code[order][:-1]
    return code[order][first], order[first]
