"""The drivable road network inside a bounding box as GeoJSON lines: what the item page's editor snaps to.

Each street is given once (a two-way street is two directed edges in :class:`geo.network.road_network.RoadNetwork`), with its
OSM class and name, following its shape when the network keeps one. A box may hold thousands of streets in the
city centre, so the answer is capped: the longest edges come first (a planner snaps to the main roads most), and
``truncated`` says when some were left out.
"""
from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import shapely

from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork

logger = logging.getLogger(__name__)

MAX_EDGES = 3000
MAX_BBOX_DEGREES = 0.2  # about 20 km: the editor asks for the item's surroundings, never the whole network
COORDINATE_DIGITS = 7  # ~1 cm: snapping must land on the street, not near it


def parse_bbox(text: str | None) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in WGS-84 degrees, each side at most :data:`MAX_BBOX_DEGREES` wide.

    Raises
    ------
    InvalidParameter
        Naming ``bbox`` when it is missing, not four finite numbers, inverted, off the globe or too large.
    """
    parts = (text or "").split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox", f"expected west,south,east,north in degrees (e.g. 120.70,27.95,120.75,"
                                       f"28.00), got {text!r}", kind="bbox_format", details={"got": text}) from None
    values = (west, south, east, north)
    if not all(math.isfinite(v) for v in values) or not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidParameter("bbox", f"expected west < east within ±180 and south < north within ±90, got "
                                       f"{text!r}", kind="bbox_order", details={"got": text})
    if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
        raise InvalidParameter("bbox", f"expected a box at most {MAX_BBOX_DEGREES} degrees on each side, got "
                                       f"{east - west:.3f} × {north - south:.3f}; ask for a smaller area",
                               kind="bbox_size", details={"got": text, "limit": MAX_BBOX_DEGREES})
    return values


def _streets(network: RoadNetwork, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Indices of one directed edge per street with an end inside ``bbox``, longest first."""
    west, south, east, north = bbox
    inside = (network.x >= west) & (network.x <= east) & (network.y >= south) & (network.y <= north)
    candidates = np.flatnonzero(inside[network.edge_u] | inside[network.edge_v])
    low = np.minimum(network.edge_u[candidates], network.edge_v[candidates])
    high = np.maximum(network.edge_u[candidates], network.edge_v[candidates])
    _, first = np.unique(np.stack([low, high], axis=1), axis=0, return_index=True)
    streets = candidates[first]
    return streets[np.argsort(-network.length_m[streets], kind="stable")]


def _line(network: RoadNetwork, edge: int) -> list[list[float]]:
    shape = network.geometry[edge] if network.geometry is not None else None
    if shape is None:
        u, v = network.edge_u[edge], network.edge_v[edge]
        coordinates = [(network.x[u], network.y[u]), (network.x[v], network.y[v])]
    else:
        coordinates = shapely.get_coordinates(shape)
    return [[round(float(x), COORDINATE_DIGITS), round(float(y), COORDINATE_DIGITS)] for x, y in coordinates]


def edges_in_bbox(network: RoadNetwork, bbox: tuple[float, float, float, float], *,
                  limit: int = MAX_EDGES) -> dict[str, Any]:
    """A FeatureCollection of the streets with an end inside ``bbox`` (west, south, east, north), at most ``limit``
    of them, longest first; ``truncated`` is true when more were there, ``network`` names the network's source."""
    streets = _streets(network, bbox)
    kept = streets[:limit]
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": _line(network, int(edge))},
                 "properties": {"highway": str(network.highway[edge]), "name": str(network.name[edge]),
                                "length_m": round(float(network.length_m[edge]), 1)}}
                for edge in kept]
    logger.debug("%d of %d streets in %s", len(kept), len(streets), bbox)
    return {"type": "FeatureCollection", "features": features, "truncated": bool(len(streets) > limit),
            "total": int(len(streets)), "network": dict(network.source)}
