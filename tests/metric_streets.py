"""Hand-built road networks drawn in EPSG:32651 metres, for the map-matching and plan-matching tests."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from geo.network.road_network import RoadNetwork, haversine_m
from geo.access.ring import to_wgs84_xy

STEP_M = 250.0


def polyline(*corners: tuple[float, float], step_m: float = STEP_M) -> list[tuple[float, float]]:
    """The corners joined by straight runs with a vertex (a node) every ``step_m``."""
    points = [corners[0]]
    for (x0, y0), (x1, y1) in zip(corners[:-1], corners[1:]):
        steps = max(1, round(np.hypot(x1 - x0, y1 - y0) / step_m))
        points += [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps) for k in range(1, steps + 1)]
    return points


def two_way_network(roads: Sequence[tuple[str, str, Sequence[tuple[float, float]]]], *,
                    origin: np.ndarray) -> RoadNetwork:
    """``roads`` (name, OSM class, vertices in metres from ``origin``) as two-way streets: one node per distinct
    vertex, each street's edges first in their drawn direction, then all reversed; 50 km/h, no shapes."""
    keys: dict[tuple[float, float], int] = {}
    rows = []
    for name, highway, points in roads:
        ids = [keys.setdefault((round(x, 3), round(y, 3)), len(keys)) for x, y in points]
        rows += [(a, b, name, highway) for a, b in zip(ids[:-1], ids[1:])]
    xy = np.array(list(keys)) + origin
    lon, lat = (np.asarray(a) for a in to_wgs84_xy(xy[:, 0], xy[:, 1]))
    u = np.array([r[0] for r in rows] + [r[1] for r in rows])
    v = np.array([r[1] for r in rows] + [r[0] for r in rows])
    m = u.size
    return RoadNetwork(node_id=np.arange(lon.size), x=lon, y=lat, edge_u=u, edge_v=v,
                       length_m=haversine_m(lon[u], lat[u], lon[v], lat[v]), speed_kph=np.full(m, 50.0),
                       highway=np.array([r[3] for r in rows] * 2, dtype=object),
                       name=np.array([r[2] for r in rows] * 2, dtype=object),
                       project_id=np.full(m, "", dtype=object), source={"source": "test"})
