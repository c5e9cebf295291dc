"""The road network as a SciPy sparse graph of travel times, grouped once by head node and reused.

:class:`ReverseGraph` sorts the edges by the node they arrive at (one stable sort per network). It then serves
every scenario's reversed CSR matrix for the time-to-ring Dijkstra pass (the sort is not repeated, only the
travel times are laid out in its order) and answers "which edges arrive at these nodes" by slicing, which is how
ring edges and entry nodes are found without scanning all edges.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from geo.network import RoadNetwork

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


def travel_graph(network: RoadNetwork, *, edge_time_s: np.ndarray, active: np.ndarray | None = None,
                 reverse: bool = True) -> sp.csr_matrix:
    """The network as an ``n × n`` CSR matrix of travel times; ``reverse`` puts each edge u→v in row v."""
    return ReverseGraph.build(network, reverse=reverse).matrix(edge_time_s, active=active)
