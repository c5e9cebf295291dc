"""The road network as a SciPy sparse graph of travel times, grouped once by head node and reused.

:class:`ReverseGraph` sorts the edges by the node they arrive at (one stable sort per network). It serves reversed
CSR matrices of travel times (the sort is not repeated, only the times are laid out in its order) and answers
"which edges arrive at these nodes" by slicing, which is how ring edges and entry nodes are found without scanning
all edges. :class:`SettledLayout` is the reversed graph laid out once for many time-to-ring passes: nodes numbered
in the order a pass settles them, edge lengths and speeds already in matrix order. :class:`EdgeTwins` pairs each
edge with its reverse twin, so that what is found for one direction of a street can be marked on both.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from geo.errors import NetworkSourceError
from geo.network.road_network import RoadNetwork

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReverseGraph:
    """A network's edges grouped by head node: the structure of the reversed graph's CSR matrix.

    Attributes
    ----------
    n_nodes
        Number of nodes (rows and columns of the matrix).
    indptr
        Row pointers: the edges arriving at node ``v`` are the CSR positions ``indptr[v]:indptr[v + 1]``.
    tail
        Per CSR position: the edge's start node (the matrix column).
    edge
        Per CSR position: the edge's index in the network.
    """

    n_nodes: int
    indptr: np.ndarray
    tail: np.ndarray
    edge: np.ndarray

    @classmethod
    def build(cls, network: RoadNetwork, *, reverse: bool = True) -> ReverseGraph:
        """Group ``network``'s edges by head node (``reverse``) or, for a forward graph, by tail node.

        A stable sort keeps parallel edges as separate entries (SciPy would sum duplicates), so Dijkstra relaxes
        each of them and the fastest one counts.
        """
        rows, cols = (network.edge_v, network.edge_u) if reverse else (network.edge_u, network.edge_v)
        index_type = np.int32 if max(network.n_nodes, network.n_edges) < 2 ** 31 else np.int64
        order = np.argsort(rows, kind="stable").astype(index_type)
        indptr = np.zeros(network.n_nodes + 1, dtype=index_type)
        np.cumsum(np.bincount(rows, minlength=network.n_nodes), out=indptr[1:])
        return cls(n_nodes=network.n_nodes, indptr=indptr, tail=cols[order].astype(index_type), edge=order)

    def matrix(self, edge_time_s: np.ndarray, *, active: np.ndarray | None = None) -> sp.csr_matrix:
        """The ``n × n`` CSR matrix of travel times; only the ``active`` edges when given."""
        data = edge_time_s[self.edge]
        indptr, tail = self.indptr, self.tail
        if active is not None and not active.all():
            keep = active[self.edge]
            kept_before = np.zeros(keep.size + 1, dtype=self.indptr.dtype)
            np.cumsum(keep, out=kept_before[1:])
            indptr, tail, data = kept_before[self.indptr], tail[keep], data[keep]
        return sp.csr_matrix((data, tail, indptr), shape=(self.n_nodes, self.n_nodes))

    def positions_into(self, nodes: np.ndarray) -> np.ndarray:
        """CSR positions of every edge arriving at ``nodes`` (node indices), grouped by node in ``nodes``' order."""
        starts, ends = self.indptr[nodes].astype(np.int64), self.indptr[np.asarray(nodes) + 1].astype(np.int64)
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        # one arange over all positions, shifted per node so each run starts at its node's first position
        shift = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        return np.arange(total, dtype=np.int64) + shift


def edge_travel_time_s(length_m: np.ndarray, speed_kph: np.ndarray, *, congestion: float) -> np.ndarray:
    """Seconds per edge at ``congestion`` × free-flow speed: :meth:`geo.network.road_network.RoadNetwork.travel_time_s`'s
    arithmetic, element by element, so the times are bit-identical to it for any selection of edges."""
    time_s = np.multiply(speed_kph, congestion, dtype=np.float64)
    time_s /= 3.6  # in place: one temporary instead of three, which counts over a large network's edges
    return np.divide(length_m, time_s, out=time_s)


@dataclass(frozen=True)
class SettledLayout:
    """The reversed graph laid out once for many time-to-ring passes (any scenario, any congestion).

    Nodes are numbered in the order one pass from the ring settles them. SciPy's Dijkstra then finds the nodes its
    heap holds at the same time side by side in memory, which makes a pass on a large network markedly faster
    (~1.4× at 100k nodes) with the very same times: only the numbering differs, and it is undone on the way out.
    Edge lengths and speeds are kept in matrix order, so a pass computes the travel times and nothing else; the
    times at free flow (the default congestion) are computed once here.

    Attributes
    ----------
    rank
        Per network node: its row and column in the matrix (``intp``: it gathers every pass's times, and NumPy
        would convert narrower indices first).
    indptr, tail
        The CSR structure: the edges arriving at the node of rank ``r`` are the positions ``indptr[r]:indptr[r +
        1]``, each with its start node's rank.
    position
        Per network edge: its CSR position.
    length_m, speed_kph, free_flow_s
        Per CSR position: the edge's length, free-flow speed and seconds at free flow (read-only).
    """

    rank: np.ndarray
    indptr: np.ndarray
    tail: np.ndarray
    position: np.ndarray
    length_m: np.ndarray
    speed_kph: np.ndarray
    free_flow_s: np.ndarray

    @classmethod
    def build(cls, network: RoadNetwork, *, sources: np.ndarray | None,
              graph: ReverseGraph | None = None) -> SettledLayout:
        """Lay ``network`` out in the order a free-flow pass over all its edges from ``sources`` (node indices, the
        ring's nodes) settles its nodes, unreachable nodes last; ``None`` keeps the network's order (the settling
        pass and its sort cost about what the layout then saves in six passes). ``graph`` is built when not
        given."""
        graph = graph or ReverseGraph.build(network)
        index_type = graph.indptr.dtype
        if sources is None:
            order = np.arange(network.n_nodes, dtype=index_type)
        else:
            settled = dijkstra(graph.matrix(network.travel_time_s()), indices=sources, min_only=True)
            order = np.argsort(settled, kind="stable").astype(index_type)
        rank = np.empty(network.n_nodes, dtype=np.intp)
        rank[order] = np.arange(network.n_nodes, dtype=np.intp)
        edge = graph.edge[graph.positions_into(order)]  # the reversed graph's rows, taken in settling order
        indptr = np.zeros(network.n_nodes + 1, dtype=index_type)
        np.cumsum(np.diff(graph.indptr)[order], out=indptr[1:])
        position = np.empty(network.n_edges, dtype=index_type)
        position[edge] = np.arange(network.n_edges, dtype=index_type)
        length_m, speed_kph = network.length_m[edge], network.speed_kph[edge]
        free_flow_s = edge_travel_time_s(length_m, speed_kph, congestion=1.0)
        free_flow_s.flags.writeable = False  # passes at free flow share it with their matrix
        return cls(rank=rank, indptr=indptr, tail=rank[network.edge_u[edge]].astype(index_type), position=position,
                   length_m=length_m, speed_kph=speed_kph, free_flow_s=free_flow_s)

    def time_to(self, sources: np.ndarray, *, congestion: float, inactive: np.ndarray) -> np.ndarray:
        """Seconds from every node (network order) to the nearest of ``sources`` (node indices) over every edge
        but ``inactive`` (edge indices) at ``congestion``; ``inf`` where none can be reached."""
        if congestion != 1.0:  # computed: the free-flow times divided by the factor could differ in the last bit
            data = edge_travel_time_s(self.length_m, self.speed_kph, congestion=congestion)
        elif inactive.size:
            data = self.free_flow_s.copy()
        else:  # free flow with every edge in use: the prepared times as they are
            data = self.free_flow_s
        if inactive.size:  # an infinite time never shortens a path: as good as absent
            data[self.position[inactive]] = np.inf
        n_nodes = self.rank.size
        matrix = sp.csr_matrix((data, self.tail, self.indptr), shape=(n_nodes, n_nodes))
        return dijkstra(matrix, indices=self.rank[sources], min_only=True).take(self.rank)


def travel_graph(network: RoadNetwork, *, edge_time_s: np.ndarray, active: np.ndarray | None = None,
                 reverse: bool = True) -> sp.csr_matrix:
    """The network as an ``n × n`` CSR matrix of travel times; ``reverse`` puts each edge u→v in row v."""
    return ReverseGraph.build(network, reverse=reverse).matrix(edge_time_s, active=active)


class EdgeTwins:
    """Each edge's street: the edge and its reverse twin (same ends swapped, same length) on two-way streets."""

    def __init__(self, network: RoadNetwork) -> None:
        low = np.minimum(network.edge_u, network.edge_v)
        high = np.maximum(network.edge_u, network.edge_v)
        keys = np.column_stack([low, high, np.round(network.length_m * 1000).astype(np.int64)])
        _, self.street = np.unique(keys, axis=0, return_inverse=True)
        self.street = self.street.ravel()
        self._order = np.argsort(self.street, kind="stable")
        self._starts = np.searchsorted(self.street[self._order], np.arange(self.street.max(initial=-1) + 2))
        self._network = network

    def both_ways(self, edges: np.ndarray) -> np.ndarray:
        """``edges`` and their twins, ascending and unique."""
        streets = np.unique(self.street[edges])
        runs = [self._order[self._starts[s]:self._starts[s + 1]] for s in streets]
        return np.unique(np.concatenate(runs)) if runs else np.empty(0, dtype=np.int64)

    def one_way(self, edges: np.ndarray) -> np.ndarray:
        """One edge per street among ``edges`` (the lowest index), ascending."""
        edges = np.unique(edges)
        _, first = np.unique(self.street[edges], return_index=True)
        return np.sort(edges[first])

    def reverse(self, edge: int) -> int:
        """The twin running the other way; raises :class:`MatchFailed` on a one-way street."""
        network = self._network
        for candidate in self._order[self._starts[self.street[edge]]:self._starts[self.street[edge] + 1]]:
            if network.edge_u[candidate] == network.edge_v[edge] and network.edge_v[candidate] == network.edge_u[edge]:
                return int(candidate)
        raise NetworkSourceError(f"edge {edge} has no reverse edge: the matched ring uses a one-way street, so it "
                                 "cannot be turned to the plan's direction; check the network's oneway tags")
