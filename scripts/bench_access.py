"""Benchmark the accessibility check on synthetic road graphs of 10k, 100k and 1M nodes.

For each size, in one run: loading the network from its cache (``geo.network.save_network`` then
``read_network_cache``); preparing the plan (``prepare_plan``, once per plan); placing the network on it
(``prepare_network``, once per network and plan: reversed-graph edge sort, node projection, ring matching, the
reversed graph laid out in the order a free-flow pass from the ring settles its nodes, edge and block placement,
and for the baseline and planned edge sets the nearest access node of every cell and block, entry nodes, loop
routes and the coverage sums' base); the check after load and placement (``check_access(placed,
scenario="planned")``: only the scenario's own work — travel times at the congestion filled into the laid-out
matrix, the Dijkstra pass, node times back in network order, coverage sums, per-block and per-district figures, the
loop's times, the report); the check from scratch (``check_access(network, plan)``: all of the above); one bare
SciPy ``dijkstra(..., min_only=True)`` pass from the ring nodes on the reversed CSR matrix as the network numbers its
nodes; the same pass on the check's laid-out matrix (to show what the layout buys; it must give the very same
times); NetworkX's ``multi_source_dijkstra_path_length`` on the same reversed graph (skipped above
``--networkx-max`` nodes); and the isochrone bands separately. The table prints each ratio with its target and
PASS/FAIL.

The graphs come from :func:`geo.synthetic_network.synthetic_grid_network` (400 m grid, centred on the corridor), so
the network grows while the corridor, its districts and the 13 blocks stay the plan's own; the ring is a
4-segment loop of arterial grid lines (~12 km a side) around the corridor's centre, standing in for the plan's ring.
Times are the best of ``--repeat`` runs (NetworkX too), the least disturbed by other load; the bare
Dijkstra and the checks take turns within each round. Usage::

    .venv/bin/python scripts/bench_access.py [--sizes 10000 100000 1000000] [--repeat 7]
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

from geo.access import check_access, prepare_network, prepare_plan
from geo.isochrones import isochrone_bands
from geo.network import RoadNetwork, read_network_cache, save_network
from geo.plan import PlanData, load_plan
from geo.ring import entry_nodes, ring_nodes
from geo.road_graph import travel_graph
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


def interleaved(actions: dict[str, Callable[[], object]], *, repeat: int) -> tuple[dict[str, float], dict]:
    """Best wall time of each action over ``repeat`` rounds, the actions taking turns within each round (so a burst
    of other load hits them alike), and each action's last result."""
    best = {name: math.inf for name in actions}
    results = {}
    for _ in range(repeat):
        for name, action in actions.items():
            start = time.perf_counter()
            results[name] = action()
            best[name] = min(best[name], time.perf_counter() - start)
    return best, results


def bench_size(n_nodes: int, plan: PlanData, *, repeat: int, networkx_max: int) -> dict:
    network, cols = centred_network(n_nodes, plan.corridor.centroid.coords[0])
    bench_plan = plan_with_ring(plan, grid_ring(network, cols))
    row = {"nodes": network.n_nodes, "edges": network.n_edges}
    with tempfile.TemporaryDirectory() as tmp:
        save_network(network, Path(tmp) / "cache")
        row["load"], _ = timed(lambda: read_network_cache(Path(tmp) / "cache"), repeat=repeat)
    row["prepare"], prepared = timed(lambda: prepare_plan(bench_plan), repeat=repeat)
    row["placement"], placed = timed(lambda: prepare_network(network, prepared), repeat=repeat)
    sources = ring_nodes(network, placed.ring.mask)
    row["entries"] = entry_nodes(network, placed.ring).size
    graph = travel_graph(network, edge_time_s=network.travel_time_s())
    all_edges = np.empty(0, dtype=np.int64)  # no edge is left out in the planned scenario
    best, results = interleaved({
        "dijkstra": lambda: dijkstra(graph, indices=sources, min_only=True),
        "check": lambda: check_access(placed, scenario="planned"),
        "scratch": lambda: check_access(network, bench_plan, scenario="planned"),
        "laid_out": lambda: placed.layout.time_to(sources, congestion=1.0, inactive=all_edges)}, repeat=repeat)
    row.update(best)
    if results["check"] != results["scratch"]:
        raise RuntimeError("the check on the placed network differs from the check from scratch")
    if not np.array_equal(results["laid_out"], results["dijkstra"]):
        raise RuntimeError("the pass on the laid-out matrix gives other times than the bare Dijkstra pass")
    row["isochrones"], _ = timed(lambda: isochrone_bands(placed, scenario="planned"),
                                 repeat=max(1, repeat if n_nodes <= 100_000 else 1))
    row["networkx"] = None
    if n_nodes <= networkx_max:
        row["networkx"], lengths = networkx_time(network, sources, repeat=repeat)
        reached = np.array(list(lengths.keys()))
        row["max_diff_s"] = float(np.abs(results["dijkstra"][reached] - np.array(list(lengths.values()))).max())
    row["coverage_10"] = results["check"]["coverage"]["served_area_within"]["10"]
    return row


TARGET_NODES = 100_000  # the issue sets the targets for a graph of this size


def verdict(ok: bool, nodes: int) -> str:
    """PASS/FAIL at the target size; lower case (informative only) at the other sizes."""
    word = "PASS" if ok else "FAIL"
    return word if nodes == TARGET_NODES else word.lower()


def _ratios(r: dict, key: str) -> str:
    """``check/dijkstra (≤ 3×)`` and ``networkx/check (≥ 20×)`` for the check timed under ``key``; the targets
    are the check's after load, so the check from scratch gets informative (lower-case) verdicts only."""
    nodes = r["nodes"] if key == "check" else -1
    ratio = r[key] / r["dijkstra"]
    text = f"{ratio:6.2f} {verdict(ratio <= 3, nodes):>4}"
    if r["networkx"] is None:
        return text + f" {'-':>6} {'-':>4}"
    speedup = r["networkx"] / r[key]
    return text + f" {speedup:6.1f} {verdict(speedup >= 20, nodes):>4}"


def print_table(rows: list[dict], *, networkx_max: int) -> None:
    head = (f"{'nodes':>9} {'edges':>9} {'load s':>7} {'<2 s':>4} {'plan s':>7} {'place s':>7} {'check s':>7} "
            f"{'/dij':>6} {'≤3×':>4} {'nx/':>6} {'≥20×':>4} {'scratch s':>9} {'/dij':>6} {'≤3×':>4} {'nx/':>6} "
            f"{'≥20×':>4} {'dijkstra s':>10} {'networkx s':>10} {'isochr s':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        nx_s = f"{'skipped':>10}" if r["networkx"] is None else f"{r['networkx']:10.3f}"
        print(f"{r['nodes']:>9} {r['edges']:>9} {r['load']:7.3f} {verdict(r['load'] < 2, r['nodes']):>4} "
              f"{r['prepare']:7.4f} {r['placement']:7.4f} {r['check']:7.4f} {_ratios(r, 'check')} "
              f"{r['scratch']:9.4f} {_ratios(r, 'scratch')} {r['dijkstra']:10.4f} {nx_s} {r['isochrones']:8.3f}")
    print(f"""
Targets (issue 3, item 4): the whole check after load ≤ 3× one bare SciPy Dijkstra pass (/dij) and NetworkX ≥ 20×
slower than it (nx/), cache load < 2 s — set for {TARGET_NODES:,} nodes (PASS/FAIL; lower case at the other sizes,
which show how cost grows). The same ratios are shown, for information only, for the check from scratch, which
the targets do not cover. Every ratio is between times
measured in this run (best of the runs, the timings taking turns).
  load s       read_network_cache: the network from its Parquet cache
  plan s       prepare_plan(plan), once per plan: ring line and zone, corridor/district raster, blocks
  place s      prepare_network(network, prepared_plan), once per network and plan (the web app keeps one per loaded
               network, the CLI one per run): reversed-graph edge sort, node projection to metres, ring matching,
               the reversed graph laid out in settling order (one free-flow Dijkstra pass), project edges, edge/area
               and block membership; for the baseline and planned edge sets: KD-tree nearest access node of every
               cell and block, entry nodes, loop routes, the coverage sums' base
  check s      check_access(placed, scenario='planned') — "after load" = after load, plan prep and placement: what
               stays is the scenario's own work: travel times at the congestion in the laid-out matrix, the Dijkstra
               pass (every node's time, back in network order), cell and road coverage sums per area, blocks and
               districts, the loop's times, the JSON report
  scratch s    check_access(network, plan, scenario='planned'): plan prep + placement (planned only) + check
  dijkstra s   one bare scipy.sparse.csgraph.dijkstra(min_only=True) pass from the ring nodes on a ready CSR matrix
               of the reversed graph as the network numbers its nodes
  networkx s   multi_source_dijkstra_path_length on the same reversed graph (graph building not timed), skipped
               above {networkx_max} nodes (its graph alone takes minutes and GBs to build)
  isochr s     isochrone_bands(placed), separately (no target)""")
    for r in rows:
        print(f"{r['nodes']} nodes: the same pass on the check's laid-out matrix (nodes in settling order, same times "
              f"to the bit) takes {r['laid_out']:.4f} s (bare pass / laid-out pass: "
              f"{r['dijkstra'] / r['laid_out']:.2f}); the check is {r['check'] / r['laid_out']:.2f}× that pass")
        if "max_diff_s" in r:
            print(f"{r['nodes']} nodes: SciPy and NetworkX times agree within {r['max_diff_s']:.2e} s; NetworkX is "
                  f"{r['networkx'] / r['dijkstra']:.1f}× the bare Dijkstra pass itself (the ceiling for nx/check)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--networkx-max", type=int, default=100_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    plan = load_plan()
    rows = [bench_size(n, plan, repeat=args.repeat, networkx_max=args.networkx_max) for n in args.sizes]
    print_table(rows, networkx_max=args.networkx_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
