"""The part of a road network around an approximate line, ready for map matching (:mod:`geo.access.map_matching`).

A :class:`Corridor` holds the edges with both ends within a reach of the line: their EPSG:32651 shapes (oriented
u→v), lengths weighted by road class, and a SciPy CSR graph over them. Routes are chosen by weighted length and
report their plain length too (:class:`Routes`). Only the edges of the corridor's largest strongly connected part may
be candidates, so a route joins any two candidates and a match never strands on an island. :func:`find_candidates`
finds each observation's candidate edges through an STRtree over the shapes.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components, dijkstra

from geo.errors import MatchFailed
from geo.network.road_network import RoadNetwork
from geo.access.ring import to_metric_xy

logger = logging.getLogger(__name__)

# Route weight per metre by OSM class: a matched route prefers the continuous arterial (trunk, then primary and
# secondary) to a parallel local street, which weighs two to three times as much per metre. Motorways weigh more than
# trunk roads: the plan's ring and projects are urban roads, and an expressway (often in tunnel through the
# mountain) is taken only where the line clearly follows it. Links weigh a little more than their road, so a match
# does not leave a carriageway for a slip road without reason.
CLASS_FACTOR: dict[str, float] = {
    "trunk": 1.0, "primary": 1.2, "secondary": 1.4, "motorway": 1.5, "tertiary": 2.0, "unclassified": 2.5,
    "residential": 3.0, "living_street": 3.5, "service": 3.5,
    "trunk_link": 1.3, "primary_link": 1.4, "motorway_link": 1.6, "secondary_link": 1.6, "tertiary_link": 2.0,
}
# Edges of one road up to this much further from an observation than its nearest edge count as nearest too: the
# reverse twin and the other carriageway of a dual carriageway (mapped as two roads of one name, 20-60 m apart).
_SAME_DISTANCE_M = 60.0
_MIN_WEIGHT = 0.01  # SciPy's Dijkstra must not meet zero-length edges (coincident nodes) as zero weights


@dataclass(frozen=True)
class Corridor:
    """The network's edges near a line (*local* edges and nodes, numbered from 0).

    Attributes
    ----------
    edges
        Network edge index of each local edge.
    u, v
        Local start and end node of each local edge.
    node_xy
        EPSG:32651 coordinates of the local nodes, shape ``(n, 2)``.
    length_m, factor
        Each local edge's length and class factor (route weight = length × factor).
    key
        Per local edge, a code of its (name, class): equal codes are the same road.
    shapes
        EPSG:32651 LineStrings of the local edges, oriented from u to v.
    usable
        Local edges in the largest strongly connected part: the only possible candidates.
    graph
        CSR matrix of the class-weighted lengths, one entry per node pair (its cheapest edge).
    pair_code, pair_edge
        Ascending codes ``u * n + v`` of the node pairs joined by an edge and the cheapest such edge.
    """

    edges: np.ndarray
    u: np.ndarray
    v: np.ndarray
    node_xy: np.ndarray
    length_m: np.ndarray
    factor: np.ndarray
    key: np.ndarray
    shapes: np.ndarray
    usable: np.ndarray
    graph: sp.csr_matrix
    pair_code: np.ndarray
    pair_edge: np.ndarray

    @classmethod
    def around(cls, network: RoadNetwork, line: shapely.LineString, *, reach_m: float,
               class_factor: Mapping[str, float], other_factor: float) -> Corridor:
        """The edges of ``network`` with both ends within ``reach_m`` of ``line`` (EPSG:32651).

        Raises
        ------
        MatchFailed
            When no edge lies that close to the line.
        """
        near, node_xy = _nodes_near(network, line, reach_m=reach_m)
        edges = np.flatnonzero(near[network.edge_u] & near[network.edge_v])
        if edges.size == 0:
            lon, lat = np.round(network.x.mean(), 3), np.round(network.y.mean(), 3)
            raise MatchFailed(f"no road of the network (around lon {lon}, lat {lat}) lies within {reach_m:.0f} m of "
                              f"the line (bounds {tuple(round(b) for b in line.bounds)} in EPSG:32651); expected a "
                              "line drawn near the network's roads: check its coordinates and the network")
        local = np.cumsum(near) - 1
        u, v = local[network.edge_u[edges]], local[network.edge_v[edges]]
        highways, which = np.unique(network.highway[edges].astype(str), return_inverse=True)
        factor = np.array([class_factor.get(h, other_factor) for h in highways], dtype=float)[which.ravel()]
        length = network.length_m[edges].astype(float)
        code, first = _cheapest_pairs(u, v, length * factor, n_nodes=int(near.sum()))
        graph = _pair_graph(code, np.maximum(length * factor, _MIN_WEIGHT)[first], n_nodes=int(near.sum()))
        _, labels = connected_components(graph, directed=True, connection="strong")
        largest = np.bincount(labels).argmax()
        _, key = np.unique((network.name[edges] + "\x1f" + network.highway[edges]).astype(str), return_inverse=True)
        return cls(edges=edges, u=u, v=v, node_xy=node_xy, length_m=length, factor=factor, key=key.ravel(),
                   shapes=_shapes(network, edges, node_xy[u], node_xy[v]),
                   usable=(labels[u] == largest) & (labels[v] == largest), graph=graph, pair_code=code,
                   pair_edge=first)

    def routes(self, edge_a: np.ndarray, offset_a: np.ndarray, edge_b: np.ndarray, offset_b: np.ndarray, *,
               limit: float) -> Routes:
        """The cheapest routes (by weighted length) from each position ``(edge_a, offset_a)`` to each
        ``(edge_b, offset_b)``; unreached (``inf``) where the route between the edges weighs more than ``limit``.

        Two positions on one edge are joined along it, also backwards: where an approximate line runs far from
        its road, consecutive observations may project slightly back along a long edge, which is noise, not a
        reason to drive round a block and come back. Such a step is reported in ``back_m`` for the caller to
        price (a match that runs against its edges must not tie with one that follows them)."""
        sources, which = np.unique(self.v[edge_a], return_inverse=True)
        which = which.ravel()
        targets = self.u[edge_b]
        dist, predecessor = dijkstra(self.graph, indices=sources, limit=limit, return_predecessors=True)
        between = dist[:, targets]
        plain = np.where(np.isfinite(between), self._tree_lengths(predecessor, targets), np.inf)
        rest_a = self.length_m[edge_a] - offset_a
        weighted = (rest_a * self.factor[edge_a])[:, None] + between[which] + (offset_b * self.factor[edge_b])[None, :]
        length = rest_a[:, None] + plain[which] + offset_b[None, :]
        same = edge_a[:, None] == edge_b[None, :]
        step = offset_b[None, :] - offset_a[:, None]
        return Routes(weighted_m=np.where(same, np.abs(step) * self.factor[edge_b][None, :], weighted),
                      length_m=np.where(same, np.abs(step), length),
                      back_m=np.where(same, np.maximum(-step, 0.0), 0.0))

    def route(self, source: int, target: int) -> list[int]:
        """Local edges of the cheapest route from local node ``source`` to ``target`` (searched in widening
        bounds: most routes are short, and a bounded search touches only the nodes near them)."""
        if source == target:
            return []
        limit = 4 * float(np.hypot(*(self.node_xy[source] - self.node_xy[target]))) + 1000.0
        while True:
            dist, predecessor = dijkstra(self.graph, indices=source, limit=limit, return_predecessors=True)
            if np.isfinite(dist[target]) or limit == math.inf:
                break
            limit = limit * 4 if limit < 1e6 else math.inf
        if not np.isfinite(dist[target]):
            raise MatchFailed(f"no route between corridor nodes {source} and {target}; expected both in the "
                              "corridor's connected part (a bug: candidates are taken from it only)")
        nodes = [target]
        while nodes[-1] != source:
            nodes.append(int(predecessor[nodes[-1]]))
        nodes.reverse()
        return [int(e) for e in self._pair_edges(np.asarray(nodes[:-1]), np.asarray(nodes[1:]))]

    def _pair_edges(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """The cheapest local edge from each node ``start`` to the node ``end`` beside it."""
        codes = start.astype(np.int64) * self.node_xy.shape[0] + end
        return self.pair_edge[np.searchsorted(self.pair_code, codes)]

    def _tree_lengths(self, predecessor: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Plain length of the path from each search's source to each of ``targets`` in its shortest-path tree
        (``predecessor``, one row per search), walked back from all targets at once; 0 where unreached."""
        rows = np.arange(predecessor.shape[0])[:, None]
        node = np.broadcast_to(targets, (rows.size, targets.size)).copy()
        total = np.zeros(node.shape)
        parent = predecessor[rows, node]
        while (on := parent >= 0).any():
            total[on] += self.length_m[self._pair_edges(parent[on], node[on])]
            node[on] = parent[on]
            parent = predecessor[rows, node]
        return total


@dataclass(frozen=True)
class Routes:
    """Routes from positions on edges to positions on edges (:meth:`Corridor.routes`), each array shaped
    ``(sources, targets)`` and ``inf`` where unreached.

    Attributes
    ----------
    weighted_m
        Route length weighted by class (length × class factor per edge), what the routes are chosen by.
    length_m
        The same routes' plain length.
    back_m
        Of ``length_m``, the metres stepped backwards along one edge (a step from a position on an edge to an
        earlier one); 0 for every other route.
    """

    weighted_m: np.ndarray
    length_m: np.ndarray
    back_m: np.ndarray


@dataclass(frozen=True)
class Candidates:
    """The candidate positions on edges for the observations, grouped by observation (ascending).

    Attributes
    ----------
    obs
        Observation index of each candidate.
    edge
        Its local edge.
    distance
        Its edge's distance from the observation (metres).
    offset_m
        Where along the edge, in metres of ``length_m`` from its start, the observation projects.
    """

    obs: np.ndarray
    edge: np.ndarray
    distance: np.ndarray
    offset_m: np.ndarray

    def groups(self) -> list[np.ndarray]:
        """Candidate indices of each observation that has any, in observation order."""
        return np.split(np.arange(self.obs.size), np.flatnonzero(np.diff(self.obs)) + 1)


def find_candidates(corridor: Corridor, points: np.ndarray, *, radius_m: float, widen_to_m: float,
                    major_radius_m: float, keep: int, keep_major: int, major_factor: float) -> Candidates:
    """Candidate edges of each observation (EPSG:32651 points) among the corridor's usable edges.

    An observation's search radius is ``radius_m``, doubled until it holds an edge (at most ``widen_to_m``); the
    best ``keep`` edges within it by distance × class factor are kept, plus the nearest edges of the ``keep_major``
    nearest roads (name and class) weighing at most ``major_factor`` within ``major_radius_m`` (an approximate
    line may be drawn further from the major road it means than from some local street).

    Raises
    ------
    MatchFailed
        When no observation has a usable edge within ``widen_to_m`` nor a major one within ``major_radius_m``.
    """
    usable = np.flatnonzero(corridor.usable)
    tree = shapely.STRtree(corridor.shapes[usable])
    obs, hit = tree.query(points, predicate="dwithin", distance=max(widen_to_m, major_radius_m))
    edge = usable[hit]
    distance = shapely.distance(corridor.shapes[edge], points[obs])
    nearest = np.full(points.size, np.inf)
    np.minimum.at(nearest, obs, distance)
    radius = _widened(nearest, radius_m=radius_m, widen_to_m=widen_to_m)
    major = corridor.factor[edge] <= major_factor
    rank = distance * corridor.factor[edge]
    chosen = _best_per_observation(obs, rank, edge, keep, distance <= radius[obs])
    chosen |= _nearest_roads(obs, distance, corridor.key[edge], keep_major, major & (distance <= major_radius_m))
    if not chosen.any():
        raise MatchFailed(f"no drivable road within {widen_to_m:.0f} m of the line's {points.size} observation "
                          "points; expected a line drawn near the roads of the network: check the line's "
                          "coordinates (WGS-84 lon/lat) and that the network covers it")
    order = np.flatnonzero(chosen)[np.lexsort((edge[chosen], rank[chosen], obs[chosen]))]
    obs, edge, distance = obs[order], edge[order], distance[order]
    skipped = points.size - np.unique(obs).size
    if skipped:
        logger.info("%d of %d observations have no road within %.0f m and are skipped", skipped, points.size,
                    widen_to_m)
    along = shapely.line_locate_point(corridor.shapes[edge], points[obs], normalized=True)
    return Candidates(obs=obs, edge=edge, distance=distance, offset_m=along * corridor.length_m[edge])


def _widened(nearest: np.ndarray, *, radius_m: float, widen_to_m: float) -> np.ndarray:
    """Per observation: ``radius_m`` doubled until it reaches the nearest edge, capped at ``widen_to_m``; ``nan``
    where even that is too short."""
    with np.errstate(divide="ignore"):
        doublings = np.ceil(np.log2(np.maximum(nearest / radius_m, 1.0)))
    radius = np.minimum(radius_m * 2.0 ** doublings, widen_to_m)
    return np.where(nearest <= widen_to_m, radius, np.nan)


def _best_per_observation(obs: np.ndarray, rank: np.ndarray, edge: np.ndarray, k: int,
                          among: np.ndarray) -> np.ndarray:
    """Mask of the ``k`` lowest-ranked entries of each observation among ``among`` (ties by edge index)."""
    index = np.flatnonzero(among)
    order = index[np.lexsort((edge[index], rank[index], obs[index]))]
    sorted_obs = obs[order]
    position = np.arange(order.size) - np.searchsorted(sorted_obs, sorted_obs)
    chosen = np.zeros(obs.size, dtype=bool)
    chosen[order[position < k]] = True
    return chosen


def _nearest_roads(obs: np.ndarray, distance: np.ndarray, key: np.ndarray, k: int, among: np.ndarray) -> np.ndarray:
    """Mask of the nearest edges (both directions) of the ``k`` nearest roads (``key``) of each observation among
    ``among``: one road's many edges must not crowd out the other roads."""
    index = np.flatnonzero(among)
    if index.size == 0:
        return np.zeros(obs.size, dtype=bool)
    group, inverse = np.unique(obs[index] * (int(key.max()) + 1) + key[index], return_inverse=True)
    inverse = inverse.ravel()
    nearest = np.full(group.size, np.inf)
    np.minimum.at(nearest, inverse, distance[index])
    group_obs = obs[index][np.unique(inverse, return_index=True)[1]]
    order = np.lexsort((group, nearest, group_obs))
    rank = np.empty(group.size, dtype=np.int64)
    rank[order] = np.arange(group.size) - np.searchsorted(group_obs[order], group_obs[order])
    chosen = np.zeros(obs.size, dtype=bool)
    chosen[index[(rank[inverse] < k) & (distance[index] <= nearest[inverse] + _SAME_DISTANCE_M)]] = True
    return chosen


def _nodes_near(network: RoadNetwork, line: shapely.LineString, *, reach_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the network's nodes within ``reach_m`` of ``line`` and the EPSG:32651 coordinates of those nodes."""
    x, y = (np.asarray(a) for a in to_metric_xy(network.x, network.y))
    x0, y0, x1, y1 = line.bounds
    in_box = np.flatnonzero((x >= x0 - reach_m) & (x <= x1 + reach_m) & (y >= y0 - reach_m) & (y <= y1 + reach_m))
    shapely.prepare(line)
    near = np.zeros(network.n_nodes, dtype=bool)
    near[in_box] = shapely.dwithin(line, shapely.points(x[in_box], y[in_box]), reach_m)
    return near, np.column_stack([x[near], y[near]])


def _shapes(network: RoadNetwork, edges: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """EPSG:32651 LineStrings of ``edges``: their geometry where they have one (turned to run from u to v), else
    the straight line from ``start`` to ``end``."""
    shapes = shapely.linestrings(np.stack([start, end], axis=1))
    if network.geometry is None:
        return shapes
    given = network.geometry[edges]
    has = ~shapely.is_missing(given)
    has[has] = ~shapely.is_empty(given[has])
    if not has.any():
        return shapes
    coords, which = shapely.get_coordinates(given[has], return_index=True)
    shaped = shapely.linestrings(np.column_stack(to_metric_xy(coords[:, 0], coords[:, 1])), indices=which)
    head = shapely.get_point(shaped, 0)
    backwards = shapely.distance(head, shapely.points(start[has])) > shapely.distance(head, shapely.points(end[has]))
    shaped[backwards] = shapely.reverse(shaped[backwards])
    shapes[has] = shaped
    return shapes


def _pair_graph(code: np.ndarray, weight: np.ndarray, *, n_nodes: int) -> sp.csr_matrix:
    """CSR matrix of one entry per joined node pair (ascending ``code``): parallel edges must be reduced first, as
    SciPy's strongly connected components never return on a matrix with duplicate entries (SciPy 1.17)."""
    index_type = np.int32 if code.size < 2 ** 31 else np.int64  # SciPy's csgraph would convert on every call
    indptr = np.zeros(n_nodes + 1, dtype=index_type)
    np.cumsum(np.bincount(code // n_nodes, minlength=n_nodes), out=indptr[1:])
    return sp.csr_matrix((weight, (code % n_nodes).astype(index_type), indptr), shape=(n_nodes, n_nodes))


def _cheapest_pairs(u: np.ndarray, v: np.ndarray, weight: np.ndarray, *,
                    n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Ascending codes ``u * n_nodes + v`` of the joined node pairs and the cheapest edge of each."""
    code = u.astype(np.int64) * n_nodes + v
    order = np.lexsort((weight, code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = code[order][1:] != code[order][:-1]
    return code[order][first], order[first]
