"""Benchmark the accessibility check on synthetic road graphs of 10k, 100k and 1M nodes.

For each size, in one run: one bare SciPy ``dijkstra(..., min_only=True)`` pass from the ring nodes on the ready
reversed CSR matrix; the whole check after load (``check_access``: ring matching, time to the ring for every node,
coverage of the corridor and per district, per block, the loop); the isochrone bands separately; NetworkX's
``multi_source_dijkstra_path_length`` on the same reversed graph (skipped above ``--networkx-max`` nodes); and
loading the network from its cache (``geo.network.save_network`` then ``read_network_cache``).

The graphs come from :func:`geo.synthetic_network.synthetic_grid_network` (400 m grid, centred on the corridor), so
the network grows while the corridor, its districts and the 13 blocks stay the plan's own; the ring is a
4-segment loop of arterial grid lines (~12 km a side) around the corridor's centre, standing in for the plan's ring.
Times are the best of ``--repeat`` runs (NetworkX: of at most 3), the least disturbed by other load. Usage::

    .venv/bin/python scripts/bench_access.py [--sizes 10000 100000 1000000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.access import check_access
from geo.access_eval import travel_graph
from geo.isochrones import isochrone_bands
from geo.network import RoadNetwork, read_network_cache, save_network
from geo.plan import PlanData, load_plan
from geo.ring import ring_entry_nodes, ring_nodes, match_ring_edges, ring_line
from geo.synthetic_network import synthetic_grid_network

logger = logging.getLogger(__name__)

SPACING_M = 400.0
METRES_PER_DEGREE = 111_320.0
RING_HALF_SIDE_LINES = 15  # grid lines from the centre to each ring side: 15 × 400 m = 6 km


def centred_network(n_nodes: int, centre: tuple[float, float]) -> tuple[RoadNetwork, int]:
    """The synthetic grid of ``n_nodes`` with its middle on ``centre``, and its number of columns."""
    cols = math.ceil(math.sqrt(n_nodes))
    rows = math.ceil(n_nodes / cols)
    lat_step = SPACING_M / METRES_PER_DEGREE
    lon_step = SPACING_M / (METRES_PER_DEGREE * math.cos(math.radians(centre[1])))
    origin = (centre[0] - cols / 2 * lon_step, centre[1] - rows / 2 * lat_step)
    return synthetic_grid_network(n_nodes, spacing_m=SPACING_M, origin=origin), cols


def grid_ring(network: RoadNetwork, cols: int) -> gpd.GeoDataFrame:
    """Four ring segments along primary grid lines (every 10th line: two-way, never thinned) round the middle."""
    rows = math.ceil(network.n_nodes / cols)
    r0 = 10 * round((rows // 2 - RING_HALF_SIDE_LINES) / 10)
    c0 = 10 * round((cols // 2 - RING_HALF_SIDE_LINES) / 10)
    r1, c1 = r0 + 30, c0 + 30
    sides = {"RING-N": [(r1, c) for c in range(c0, c1 + 1)], "RING-E": [(r, c1) for r in range(r1, r0 - 1, -1)],
             "RING-S": [(r0, c) for c in range(c1, c0 - 1, -1)], "RING-W": [(r, c0) for r in range(r0, r1 + 1)]}
    names = {"RING-N": "环山北路", "RING-E": "环山东路", "RING-S": "环山南路", "RING-W": "环山西路"}
    lines = []
    for side, cells in sides.items():
        index = np.array([r * cols + c for r, c in cells])
        lines.append({"id": side, "name": names[side], "category": "ring", "project_id": None,
                      "geometry": shapely.LineString(np.column_stack([network.x[index], network.y[index]]))})
    return gpd.GeoDataFrame(lines, crs="EPSG:4326")


def plan_with_ring(plan: PlanData, ring: gpd.GeoDataFrame) -> PlanData:
    """The plan with its ring segments replaced by ``ring`` (same ids and names)."""
    others = plan.roads[plan.roads["category"] != "ring"]
    roads = gpd.GeoDataFrame(list(others.to_dict("records")) + list(ring.to_dict("records")), crs="EPSG:4326")
    return replace(plan, roads=roads)


def timed(action: Callable[[], object], *, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs of ``action`` (the least disturbed by other load) and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def networkx_time(network: RoadNetwork, sources: np.ndarray, *, repeat: int) -> tuple[float, dict]:
    """Best time of NetworkX's multi-source Dijkstra on the reversed graph (building the graph is not timed)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    times = network.travel_time_s()
    graph.add_weighted_edges_from(zip(network.edge_v.tolist(), network.edge_u.tolist(), times.tolist()))
    targets = set(sources.tolist())
    return timed(lambda: nx.multi_source_dijkstra_path_length(graph, targets, weight="weight"), repeat=repeat)


def bench_size(n_nodes: int, plan: PlanData, *, repeat: int, networkx_max: int) -> dict:
    network, cols = centred_network(n_nodes, plan.corridor.centroid.coords[0])
    bench_plan = plan_with_ring(plan, grid_ring(network, cols))
    ring = match_ring_edges(network, ring_line(bench_plan.ring))
    sources = ring_nodes(network, ring.mask)
    graph = travel_graph(network, edge_time_s=network.travel_time_s())
    row = {"nodes": network.n_nodes, "edges": network.n_edges,
           "entries": ring_entry_nodes(network, bench_plan.ring).size}
    row["dijkstra"], scipy_times = timed(lambda: dijkstra(graph, indices=sources, min_only=True), repeat=repeat)
    row["check"], report = timed(lambda: check_access(network, bench_plan, scenario="planned"), repeat=repeat)
    row["isochrones"], _ = timed(lambda: isochrone_bands(network, bench_plan, scenario="planned"),
                                 repeat=max(1, repeat if n_nodes <= 100_000 else 1))
    with tempfile.TemporaryDirectory() as tmp:
        save_network(network, Path(tmp) / "cache")
        row["load"], _ = timed(lambda: read_network_cache(Path(tmp) / "cache"), repeat=repeat)
    row["networkx"] = None
    if n_nodes <= networkx_max:
        row["networkx"], lengths = networkx_time(network, sources, repeat=min(repeat, 3))
        reached = np.array(list(lengths.keys()))
        gap = np.abs(scipy_times[reached] - np.array(list(lengths.values()))).max()
        row["max_diff_s"] = float(gap)
    row["coverage_10"] = report["coverage"]["served_area_within"]["10"]
    return row


def print_table(rows: list[dict], *, networkx_max: int) -> None:
    head = (f"{'nodes':>9} {'edges':>9} {'entries':>7} {'dijkstra s':>10} {'check s':>8} {'check/dij':>9} "
            f"{'isochr s':>8} {'networkx s':>10} {'nx/check':>8} {'load s':>7}")
    print(head)
    print("-" * len(head))
    for r in rows:
        nx_s = f"{r['networkx']:10.3f}" if r["networkx"] is not None else f"{'skipped':>10}"
        nx_ratio = f"{r['networkx'] / r['check']:8.1f}" if r["networkx"] is not None else f"{'-':>8}"
        print(f"{r['nodes']:>9} {r['edges']:>9} {r['entries']:>7} {r['dijkstra']:10.4f} {r['check']:8.4f} "
              f"{r['check'] / r['dijkstra']:9.2f} {r['isochrones']:8.3f} {nx_s} {nx_ratio} {r['load']:7.3f}")
    print(f"\ncheck = check_access(scenario='planned') after load; dijkstra = one bare SciPy pass on the ready "
          f"matrix; networkx skipped above {networkx_max} nodes (its graph alone takes minutes and GBs to build).")
    for r in rows:
        if "max_diff_s" in r:
            print(f"{r['nodes']} nodes: SciPy and NetworkX times agree within {r['max_diff_s']:.2e} s")
    for r in (r for r in rows if r["nodes"] == 100_000):
        print(f"targets at 100k: check/dijkstra {r['check'] / r['dijkstra']:.2f} (≤ 3: "
              f"{'met' if r['check'] <= 3 * r['dijkstra'] else 'NOT met'}); cache load {r['load']:.2f} s (< 2: "
              f"{'met' if r['load'] < 2 else 'NOT met'})" + ("" if r["networkx"] is None else
              f"; networkx/check {r['networkx'] / r['check']:.1f} (≥ 20: "
              f"{'met' if r['networkx'] >= 20 * r['check'] else 'NOT met'})"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--networkx-max", type=int, default=100_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    plan = load_plan()
    rows = [bench_size(n, plan, repeat=args.repeat, networkx_max=args.networkx_max) for n in args.sizes]
    print_table(rows, networkx_max=args.networkx_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
