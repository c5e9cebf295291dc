"""The matched candidates joined into one drivable walk, then cleaned into a path (:mod:`geo.access.map_matching`).

The Viterbi solution is one candidate edge per observation; consecutive ones are joined by their corridor routes
(:class:`geo.access.match_corridor.Corridor`). A line's walk then loses the end edges the line hardly uses and every
out-and-back spur or detour that comes back to a node; a loop's walk is cut at every node it passes twice, keeping
the longer part, so it is one simple cycle with no spur. Edges are the corridor's local indices throughout.
"""
from __future__ import annotations

import numpy as np
import shapely

from geo.errors import MatchFailed
from geo.access.match_corridor import Candidates, Corridor


def joined_walk(corridor: Corridor, candidates: Candidates, chosen: list[int], *, closed: bool) -> list[int]:
    """Local edges in driving order through the chosen candidates, joined by their routes; a loop's walk ends at
    the start node of its first edge."""
    edge = candidates.edge
    walk = [int(edge[chosen[0]])]
    for a, b in zip(chosen[:-1], chosen[1:]):
        if edge[a] == edge[b]:
            continue
        walk += corridor.route(int(corridor.v[edge[a]]), int(corridor.u[edge[b]])) + [int(edge[b])]
    if closed:
        walk.pop()  # the repeated first candidate's edge: the walk has arrived at its start node
    return walk


def trim_ends(corridor: Corridor, candidates: Candidates, chosen: list[int], walk: list[int]) -> list[int]:
    """The open walk without its first edge when the line starts past that edge's middle, and without its last
    edge when the line ends before that edge's middle: the line hardly uses them (long unjunctioned edges of
    trunk roads would otherwise add kilometres)."""
    first, last = chosen[0], chosen[-1]
    if len(walk) > 1 and candidates.offset_m[first] > corridor.length_m[walk[0]] / 2:
        walk = walk[1:]
    if len(walk) > 1 and candidates.offset_m[last] < corridor.length_m[walk[-1]] / 2:
        walk = walk[:-1]
    return walk


def without_detours(corridor: Corridor, walk: list[int]) -> list[int]:
    """The walk with every part that comes back to a node it passed cut out (spurs and loops)."""
    path: list[int] = []
    nodes = [int(corridor.u[walk[0]])]
    seen = {nodes[0]: 0}
    for e in walk:
        end = int(corridor.v[e])
        if end in seen:
            keep = seen[end]
            for node in nodes[keep + 1:]:
                del seen[node]
            nodes, path = nodes[:keep + 1], path[:keep]
        else:
            path.append(e)
            nodes.append(end)
            seen[end] = len(path)
    if not path:
        raise MatchFailed("the matched route only runs out and back; expected a path along the line; check that "
                          "the line follows a road, or lower radius_m")
    return path


def simple_cycle(corridor: Corridor, walk: list[int], first_point: shapely.Point) -> list[int]:
    """The closed walk cut at each node it passes twice, keeping the longer part each time, then started at its
    node nearest ``first_point`` (so the result does not depend on where the walk happened to start)."""
    edges = list(walk)
    while True:
        first: dict[int, int] = {}
        repeat = None
        for j, node in enumerate(int(n) for n in corridor.u[edges]):
            if node in first:
                repeat = (first[node], j)
                break
            first[node] = j
        if repeat is None:
            break
        i, j = repeat
        inner, outer = edges[i:j], edges[j:] + edges[:i]
        longer = corridor.length_m[inner].sum() > corridor.length_m[outer].sum()
        edges = inner if longer else outer
    if len(edges) < 3:
        raise MatchFailed(f"the ring matched a route that encloses nothing ({len(edges)} edges out and back); "
                          "expected a closed loop of roads; check that the ring line circles round a road loop")
    starts = corridor.shapes[edges]
    nearest = int(np.argmin(shapely.distance(shapely.get_point(starts, 0), first_point)))
    return edges[nearest:] + edges[:nearest]

