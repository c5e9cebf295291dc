"""An independent reading of an OSM extract: the counts the network loader (OSMnx, then geo.network.osm_source) must give.

The file is read with pyosmium instead of OSMnx's XML parser, and the graph is built here from the rules as they
are documented, not by calling the project's code or OSMnx:

1. A way is drivable when its ``highway`` is a drivable class, ``access`` is not private/no, ``service`` is not a
   parking aisle, driveway, private, emergency or parking way, and it is not an ``area`` (docs: ``is_drivable``).
2. Each pair of consecutive nodes is a directed edge, both ways unless the way is one-way: ``oneway`` one of
   yes/true/1/-1/reverse/T/F or ``junction=roundabout``; -1/reverse/T run against the node order (OSMnx's rules).
3. A node is kept (an *endpoint*) when it is its own neighbour, has no edge in or none out, or does not have exactly
   two neighbours with 2 or 4 edges (OSMnx's simplification rules 1-3); the other nodes are merged away, each
   chain of edges between two endpoints becoming one edge with the summed great-circle length.
4. Self-loops are dropped and parallel edges keep the shortest (geo.network.osm_source.graph_to_network's rule); an edge is
   one-way when any way along it is.
5. A way referring to nodes missing from the file (a clipped extract) is cut at each of them, and its pieces of two
   or more nodes kept (docs: ``drive_graph_from_pbf``); the missing references are counted.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import osmium

DRIVABLE = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
            "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "road",
            "service"}
CLOSED_ACCESS = {"private", "no"}
NOT_THROUGH_SERVICE = {"parking_aisle", "driveway", "private", "emergency_access", "parking"}
ONE_WAY = {"yes", "true", "1", "-1", "reverse", "T", "F"}
REVERSED = {"-1", "reverse", "T"}
EARTH_RADIUS_M = 6_371_009.0


@dataclass(frozen=True)
class Counts:
    """What the drivable network of a file holds: its nodes, directed edges and one-way edges, and how many node
    references of drivable ways point at nodes the file lacks."""

    nodes: int
    edges: int
    one_way: int
    dropped_refs: int = 0


def _drivable(tags: dict[str, str]) -> bool:
    return (tags.get("highway") in DRIVABLE and tags.get("access") not in CLOSED_ACCESS
            and tags.get("service") not in NOT_THROUGH_SERVICE and tags.get("area") != "yes")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lon1, lat1), (lon2, lat2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def drivable_counts(path: Path) -> Counts:
    """The counts of rules 1-5 for the OSM file at ``path``."""
    segments, location, dropped = _segments(path, keep=_drivable)
    ends, chains = _chains(segments, location)
    shortest: dict[tuple[int, int], tuple[float, bool]] = {}
    for start, end, length, one_way in chains:
        if end != start and ((start, end) not in shortest or length < shortest[(start, end)][0]):
            shortest[(start, end)] = (length, one_way)
    return Counts(nodes=len(ends), edges=len(shortest), one_way=sum(w for _, w in shortest.values()),
                  dropped_refs=dropped)


def osmnx_default_counts(path: Path) -> tuple[int, int]:
    """Nodes and edges of what ``osmnx.graph_from_xml(path)`` gives with its defaults, by rules 2-3 alone: every
    way, only the largest weakly connected component, simplified, parallel edges and self-loops kept."""
    segments, location, _ = _segments(path, keep=lambda tags: True)
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for u, v, _ in segments:
        parent[root(u)] = root(v)
    size = defaultdict(int)
    for node in list(parent):
        size[root(node)] += 1
    largest = max(size, key=size.get)
    ends, chains = _chains([s for s in segments if root(s[0]) == largest], location)
    return len(ends), len(chains)


def _segments(path: Path, *, keep: Callable[[dict[str, str]], bool]) -> tuple[list[tuple[int, int, bool]], dict[int, tuple[float, float]], int]:
    """Rules 2 and 5 over the ways ``keep(tags)`` accepts: the directed edges ``(u, v, one-way)`` between
    consecutive nodes, the nodes' locations and the references to missing nodes."""
    location: dict[int, tuple[float, float]] = {}
    segments: list[tuple[int, int, bool]] = []
    dropped = 0
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            location[obj.id] = (obj.location.lon, obj.location.lat)
        elif keep(tags := dict(obj.tags)):
            refs = [n.ref for n in obj.nodes]
            one_way = tags.get("oneway") in ONE_WAY or tags.get("junction") == "roundabout"
            if one_way and tags.get("oneway") in REVERSED:
                refs.reverse()
            dropped += sum(ref not in location for ref in refs)
            for u, v in zip(refs, refs[1:]):
                if u in location and v in location:  # a pair with a missing node joins nothing: the way is cut
                    segments.append((u, v, one_way))
                    if not one_way:
                        segments.append((v, u, False))
    return segments, location, dropped


def _chains(segments: list[tuple[int, int, bool]], location: dict[int, tuple[float, float]]
            ) -> tuple[set[int], list[tuple[int, int, float, bool]]]:
    """Rule 3: the endpoints, and every chain of edges from an endpoint through merged-away nodes to the next
    endpoint as ``(start, end, length, one-way)`` (one per parallel edge and self-loop, as a multigraph has)."""
    out, into = defaultdict(list), defaultdict(list)
    for u, v, one_way in segments:
        out[u].append((v, one_way))
        into[v].append(u)
    nodes = set(out) | set(into)

    def endpoint(node: int) -> bool:
        neighbours = {v for v, _ in out[node]} | set(into[node])
        degree = len(out[node]) + len(into[node])
        return node in neighbours or not out[node] or not into[node] or not (len(neighbours) == 2
                                                                             and degree in (2, 4))

    ends = {n for n in nodes if endpoint(n)}
    chains, merged = [], set()
    for start in ends:
        for first, one_way in out[start]:
            previous, node, length = start, first, _metres(location[start], location[first])
            while node not in ends:  # a merged-away node has two neighbours: go on to the one not come from
                merged.add(node)
                following = [(v, w) for v, w in out[node] if v != previous]
                previous, (node, step_one_way) = node, following[0]
                length += _metres(location[previous], location[node])
                one_way = one_way or step_one_way
            chains.append((start, node, length, one_way))
    unmerged = nodes - ends - merged  # loops without any endpoint stay as OSMnx leaves them: count them by hand
    assert not unmerged, f"{len(unmerged)} nodes lie on loops without an endpoint"
    return ends, chains
