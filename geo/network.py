"""Road networks for the corridor: loading, speeds, caching.

The whole project works on one in-memory form, :class:`RoadNetwork`: flat NumPy arrays of nodes and directed
edges (a two-way street is two edges), so analyses build SciPy sparse graphs without per-edge Python work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class RoadNetwork:
    """A directed road network as arrays.

    Attributes
    ----------
    node_id
        Stable node ids (OSM ids for OSM sources), int64, shape ``(n,)``.
    x, y
        Node longitude and latitude (WGS-84), float64.
    edge_u, edge_v
        Edge endpoints as indices into the node arrays, int64, shape ``(m,)``; edges are directed.
    length_m
        Edge length in metres.
    speed_kph
        Free-flow speed in km/h after class defaults and ``maxspeed``.
    highway
        OSM ``highway`` class of each edge (str).
    name
        Street name of each edge, ``""`` when unnamed.
    project_id
        Id of the road project (``data/roads.geojson``) that builds the edge, ``""`` for existing roads.
    source
        Provenance shown with every result, e.g. ``{"source": "bundled-schematic", "description": ...}``.
    """

    node_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length_m: np.ndarray
    speed_kph: np.ndarray
    highway: np.ndarray
    name: np.ndarray
    project_id: np.ndarray
    source: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    def travel_time_s(self, *, congestion: float = 1.0) -> np.ndarray:
        """Travel time of every edge in seconds at ``congestion`` × free-flow speed (1.0 = free flow)."""
        return self.length_m / (self.speed_kph * congestion / 3.6)
