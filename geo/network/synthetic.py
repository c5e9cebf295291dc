"""Synthetic grid road networks of any size, for tests and benchmarks.

The grid has the features the accessibility check looks for: arterials every 5th line, one-way pairs, a closed
ring of four named segments (环山北路/东路/南路/西路, like the real ring) around the middle, and two groups of edges
with a road-project id (the south ring side is built by ``R12``, one radial arterial by ``R05``).
"""
from __future__ import annotations

import math

import numpy as np

from geo.errors import InvalidParameter
from geo.network.road_network import RoadNetwork, haversine_m
from geo.network.speeds import SpeedConfig, speeds_for

RING_SEGMENT_NAMES = {"N": "环山北路", "E": "环山东路", "S": "环山南路", "W": "环山西路"}
RING_SEGMENT_IDS = {name: f"RING-{side}" for side, name in RING_SEGMENT_NAMES.items()}
_METRES_PER_DEGREE = 111_320.0


def synthetic_grid_network(n_nodes: int, *, seed: int = 0, spacing_m: float = 400.0,
                           origin: tuple[float, float] = (120.62, 27.90),
                           speeds: SpeedConfig | None = None) -> RoadNetwork:
    """A jittered grid road network with exactly ``n_nodes`` nodes.

    Parameters
    ----------
    n_nodes
        Number of nodes (at least 16); laid out row by row on a near-square grid.
    seed
        Seed for the node jitter; same seed, same network.
    spacing_m
        Grid spacing in metres.
    origin
        Lon/lat of the south-west corner.
    speeds
        Speed settings (CJJ 37 defaults when ``None``).

    Returns
    -------
    RoadNetwork
        Strongly connected (the border lines and every 5th line are two-way). Source
        ``{"source": "synthetic-grid", ...}``; ring edges carry the ring segment names of :data:`RING_SEGMENT_NAMES`,
        highway ``primary`` and their ``ring_id`` (``RING-N`` …: the grid's ring is known, not matched).
    """
    if not isinstance(n_nodes, int) or n_nodes < 16:
        raise InvalidParameter("n_nodes", f"a synthetic grid needs at least 16 nodes, got {n_nodes!r}")
    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n_nodes))
    index = np.arange(n_nodes)
    row, col = index // cols, index % cols
    lat_step = spacing_m / _METRES_PER_DEGREE
    lon_step = spacing_m / (_METRES_PER_DEGREE * math.cos(math.radians(origin[1])))
    jitter = rng.uniform(-0.15, 0.15, size=(2, n_nodes))
    x = origin[0] + (col + jitter[0]) * lon_step
    y = origin[1] + (row + jitter[1]) * lat_step

    right = index[(col + 1 < cols) & (index + 1 < n_nodes)]
    up = index[index + cols < n_nodes]
    a = np.concatenate([right, up])
    b = np.concatenate([right + 1, up + cols])
    horizontal = np.arange(len(a)) < len(right)
    line = np.where(horizontal, row[a], col[a])  # the grid line each link runs along
    highway = np.where(line % 5 == 0, "secondary", "residential").astype(object)
    highway[line % 10 == 0] = "primary"
    row_names = np.array([f"横{i}路" for i in range(row.max() + 1)], dtype=object)
    col_names = np.array([f"纵{i}路" for i in range(cols)], dtype=object)
    names = np.where(horizontal, row_names[row[a]], col_names[col[a]])
    project_id = np.full(len(a), "", dtype=object)
    _mark_ring(a, b, row, col, cols, n_nodes, highway, names, project_id)

    rows = math.ceil(n_nodes / cols)
    on_border = (row[a] == 0) | (row[b] >= rows - 2) | (col[a] == 0) | (col[b] == cols - 1)
    local = (highway == "residential") & ~on_border  # two-way borders keep the grid strongly connected
    oneway_forward = local & (line % 5 == 2)
    oneway_backward = local & (line % 5 == 3)

    forward = ~oneway_backward
    backward = ~oneway_forward
    edge_u = np.concatenate([a[forward], b[backward]])
    edge_v = np.concatenate([b[forward], a[backward]])
    pick = np.concatenate([np.flatnonzero(forward), np.flatnonzero(backward)])
    edge_highway = highway[pick]
    maxspeed = np.full(len(pick), "", dtype=object)
    return RoadNetwork(
        node_id=(index + 1).astype(np.int64), x=x, y=y, edge_u=edge_u.astype(np.int64),
        edge_v=edge_v.astype(np.int64), length_m=haversine_m(x[edge_u], y[edge_u], x[edge_v], y[edge_v]),
        speed_kph=speeds_for(edge_highway, maxspeed, config=speeds), highway=edge_highway, name=names[pick],
        project_id=project_id[pick],
        source={"source": "synthetic-grid", "description": f"synthetic {n_nodes}-node grid (seed {seed}), "
                "not real roads", "n_nodes": n_nodes, "seed": seed, "spacing_m": spacing_m},
        oneway=(oneway_forward | oneway_backward)[pick], maxspeed=maxspeed,
        ring_id=np.array([RING_SEGMENT_IDS.get(n, "") for n in names[pick]], dtype=object))


def _mark_ring(a: np.ndarray, b: np.ndarray, row: np.ndarray, col: np.ndarray, cols: int, n_nodes: int,
               highway: np.ndarray, names: np.ndarray, project_id: np.ndarray) -> None:
    """Name the links of a rectangle between the 1/4 and 3/4 grid lines as the four ring segments."""
    rows = math.ceil(n_nodes / cols)
    r0, r1 = rows // 4, max(rows // 4 + 1, (3 * (rows - 1)) // 4)
    c0, c1 = cols // 4, max(cols // 4 + 1, (3 * (cols - 1)) // 4)
    ra, rb, ca, cb = row[a], row[b], col[a], col[b]
    along_row = (ra == rb) & (ca >= c0) & (cb <= c1)
    along_col = (ca == cb) & (ra >= r0) & (rb <= r1)
    sides = {"N": along_row & (ra == r1), "S": along_row & (ra == r0),
             "E": along_col & (ca == c1), "W": along_col & (ca == c0)}
    for side, mask in sides.items():
        highway[mask] = "primary"
        names[mask] = RING_SEGMENT_NAMES[side]
    project_id[sides["S"]] = "R12"
    radial = (ca == cb) & (ca == (c0 + c1) // 2) & (ra >= r1)
    highway[radial] = "primary"
    project_id[radial] = "R05"
