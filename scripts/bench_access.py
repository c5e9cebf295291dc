"""Benchmark the accessibility check on the real Wenzhou network and on synthetic road graphs of 10k–1M nodes.

Rows: ``real`` — the bundled OpenStreetMap network of Wenzhou (``data/network/``, ~26k nodes, ~76k directed edges,
ring and road projects matched) on the plan as shipped, one row each for the ``planned`` and the ``baseline``
scenario; ``grid`` — synthetic 400 m grids of ``--sizes`` nodes, ``planned`` scenario. For each, in one run:
loading the network (real: ``load_network()`` from the bundled Parquet cache; grid: ``save_network`` then
``read_network_cache``; the real row also times ``load_plan()``); preparing the plan (``prepare_plan``, once per
plan); placing the network on it (``prepare_network``, once per network and plan: reversed-graph edge sort, node
projection, ring edges, the reversed graph laid out in the order a free-flow pass from the ring settles its nodes,
edge and block placement, and for the baseline and planned edge sets the nearest access node of every cell and
block, entry nodes, loop routes and the coverage sums' base); the check after load and placement
(``check_access(placed, scenario=...)``: only the scenario's own work — travel times at the congestion filled into
the laid-out matrix, the Dijkstra pass, node times back in network order, coverage sums, per-block and per-district
figures, the loop's times, the report); the check from scratch (``check_access(network, plan, scenario=...)``: all
of the above); one bare SciPy ``dijkstra(..., min_only=True)`` pass from the scenario's ring nodes on the reversed
CSR matrix of the scenario's edges as the network numbers its nodes; the same pass on the check's laid-out matrix
(to show what the layout buys; it must give the very same times); NetworkX's ``multi_source_dijkstra_path_length``
on the same reversed graph (skipped above ``--networkx-max`` nodes); and the isochrone bands separately. The table
prints each ratio with its target and PASS/FAIL: real network load < 1 s and check ≤ 1.5× the bare pass; 100k grid
load < 2 s, check ≤ 3× the bare pass and NetworkX ≥ 20× slower than the check (issue 3); other sizes informative.

The grids come from :func:`geo.network.synthetic.synthetic_grid_network`, centred on the corridor, so the network
grows while the corridor, its districts and the 13 blocks stay the plan's own; the plan's ring is replaced by a
4-segment loop of arterial grid lines (~12 km a side) round the corridor's centre (:func:`grid_ring`), and the
grid's ``ring_id`` is set to that loop's edges (:func:`with_grid_ring_ids`: known, not map-matched) so the check
uses the ring the bench draws. Times are the best of ``--repeat`` runs (NetworkX too), the least disturbed by other
load; the bare Dijkstra and the checks take turns within each round. The first ``/access`` page of the web app is
timed by ``scripts/bench_web.py``. Usage::

    .venv/bin/python scripts/bench_access.py [--sizes 10000 100000 1000000] [--repeat 7] [--real/--no-real]

(``--sizes`` with no value: the real rows only.)
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

from geo.access.check import check_access, prepare_network, prepare_plan
from geo.access.placement import PlacedNetwork
from geo.access.isochrones import isochrone_bands
from geo.network.loading import load_network
from geo.network.road_network import RoadNetwork, read_network_cache, save_network
from geo.plan.layers import PlanData, load_plan
from geo.access.ring import ring_nodes
from geo.network.road_graph import travel_graph
from geo.network.synthetic import RING_SEGMENT_IDS, synthetic_grid_network

logger = logging.getLogger(__name__)

SPACING_M = 400.0
METRES_PER_DEGREE = 111_320.0
RING_HALF_SIDE_LINES = 15  # grid lines from the centre to each ring side: 15 × 400 m = 6 km
TARGET_NODES = 100_000  # the issue sets the grid targets for a graph of this size
# Targets per kind of row: cache load below (s), check / bare Dijkstra at most, NetworkX / check at least (×).
TARGETS = {"grid": {"load": 2.0, "check": 3.0, "networkx": 20.0}, "real": {"load": 1.0, "check": 1.5, "networkx": None}}


def centred_network(n_nodes: int, centre: tuple[float, float]) -> tuple[RoadNetwork, int]:
    """The synthetic grid of ``n_nodes`` with its middle on ``centre``, and its number of columns."""
    cols = math.ceil(math.sqrt(n_nodes))
    rows = math.ceil(n_nodes / cols)
    lat_step = SPACING_M / METRES_PER_DEGREE
    lon_step = SPACING_M / (METRES_PER_DEGREE * math.cos(math.radians(centre[1])))
    origin = (centre[0] - cols / 2 * lon_step, centre[1] - rows / 2 * lat_step)
    return synthetic_grid_network(n_nodes, spacing_m=SPACING_M, origin=origin), cols


def ring_cells(network: RoadNetwork, cols: int) -> dict[str, list[tuple[int, int]]]:
    """The (row, column) grid cells of the bench's four ring segments, in driving order along the loop, by segment
    id: primary grid lines (every 10th line: two-way, never thinned) 15 lines from the middle."""
    rows = math.ceil(network.n_nodes / cols)
    r0 = 10 * round((rows // 2 - RING_HALF_SIDE_LINES) / 10)
    c0 = 10 * round((cols // 2 - RING_HALF_SIDE_LINES) / 10)
    r1, c1 = r0 + 30, c0 + 30
    return {"RING-N": [(r1, c) for c in range(c0, c1 + 1)], "RING-E": [(r, c1) for r in range(r1, r0 - 1, -1)],
            "RING-S": [(r0, c) for c in range(c1, c0 - 1, -1)], "RING-W": [(r, c0) for r in range(r0, r1 + 1)]}


def grid_ring(network: RoadNetwork, cols: int) -> gpd.GeoDataFrame:
    """The bench's ring (:func:`ring_cells`) as the plan's ring segments: ids, names and lines."""
    names = {segment_id: name for name, segment_id in RING_SEGMENT_IDS.items()}
    lines = []
    for side, cells in ring_cells(network, cols).items():
        index = np.array([r * cols + c for r, c in cells])
        lines.append({"id": side, "name": names[side], "category": "ring", "project_id": None,
                      "geometry": shapely.LineString(np.column_stack([network.x[index], network.y[index]]))})
    return gpd.GeoDataFrame(lines, crs="EPSG:4326")


def with_grid_ring_ids(network: RoadNetwork, cols: int) -> RoadNetwork:
    """``network`` with ``ring_id`` on the edges between consecutive cells of :func:`ring_cells` (both directions;
    ``RING-N`` …) and cleared elsewhere: the ring of :func:`grid_ring`, known without running the map matcher."""
    n = network.n_nodes
    edge_key = network.edge_u * n + network.edge_v
    ring_id = np.full(network.n_edges, "", dtype=object)
    for side, cells in ring_cells(network, cols).items():
        index = np.array([r * cols + c for r, c in cells], dtype=np.int64)
        a, b = index[:-1], index[1:]
        on_side = np.isin(edge_key, np.concatenate([a * n + b, b * n + a]))
        if on_side.sum() != 2 * a.size:
            raise RuntimeError(f"{side}: expected {2 * a.size} grid edges (both ways between {a.size + 1} cells), "
                               f"found {on_side.sum()}; the ring must run along two-way primary grid lines")
        ring_id[on_side] = side
    return replace(network, ring_id=ring_id)


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


def networkx_time(network: RoadNetwork, sources: np.ndarray, active: np.ndarray, *,
                  repeat: int) -> tuple[float, dict]:
    """Best time of NetworkX's multi-source Dijkstra on the reversed graph of the ``active`` edges (building the
    graph is not timed)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(network.n_nodes))
    edges = np.flatnonzero(active)
    times = network.travel_time_s()[edges]
    # A DiGraph keeps the last of parallel edges: added slowest first, the fastest one (SciPy's choice) stays.
    order = np.argsort(-times, kind="stable")
    edges, times = edges[order], times[order]
    graph.add_weighted_edges_from(zip(network.edge_v[edges].tolist(), network.edge_u[edges].tolist(),
                                      times.tolist()))
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


def bench_scenario(network: RoadNetwork, plan: PlanData, placed: PlacedNetwork, scenario: str, *, repeat: int,
                   networkx_max: int) -> dict:
    """The check of ``scenario`` after load, from scratch, the bare and laid-out passes, NetworkX, isochrones."""
    active = placed.scenario_edges(scenario)
    inactive = np.flatnonzero(~active)
    sources = ring_nodes(network, placed.ring.index[active[placed.ring.index]])
    graph = travel_graph(network, edge_time_s=network.travel_time_s(), active=active)
    best, results = interleaved({
        "dijkstra": lambda: dijkstra(graph, indices=sources, min_only=True),
        "check": lambda: check_access(placed, scenario=scenario),
        "scratch": lambda: check_access(network, plan, scenario=scenario),
        "laid_out": lambda: placed.layout.time_to(sources, congestion=1.0, inactive=inactive)}, repeat=repeat)
    row = {"scenario": scenario, **best}
    if results["check"] != results["scratch"]:
        raise RuntimeError(f"{scenario}: the check on the placed network differs from the check from scratch")
    if not np.array_equal(results["laid_out"], results["dijkstra"]):
        raise RuntimeError(f"{scenario}: the pass on the laid-out matrix gives other times than the bare pass")
    row["isochrones"], _ = timed(lambda: isochrone_bands(placed, scenario=scenario),
                                 repeat=max(1, repeat if network.n_nodes <= 100_000 else 1))
    row["networkx"] = None
    if network.n_nodes <= networkx_max:
        row["networkx"], lengths = networkx_time(network, sources, active, repeat=repeat)
        reached = np.array(list(lengths.keys()))
        row["max_diff_s"] = float(np.abs(results["dijkstra"][reached] - np.array(list(lengths.values()))).max())
    return row


def bench_network(network: RoadNetwork, plan: PlanData, *, head: dict, scenarios: tuple[str, ...], repeat: int,
                  networkx_max: int) -> list[dict]:
    """One row per scenario: ``head`` (kind, load times), the network's size, plan prep and placement (shared by
    the scenarios), then :func:`bench_scenario`."""
    head = {**head, "nodes": network.n_nodes, "edges": network.n_edges}
    head["prepare"], prepared = timed(lambda: prepare_plan(plan), repeat=repeat)
    head["placement"], placed = timed(lambda: prepare_network(network, prepared), repeat=repeat)
    return [head | bench_scenario(network, plan, placed, scenario, repeat=repeat, networkx_max=networkx_max)
            for scenario in scenarios]


def bench_grid(n_nodes: int, plan: PlanData, *, repeat: int, networkx_max: int) -> list[dict]:
    """The grid of ``n_nodes`` round the corridor with the bench's ring, loaded from a cache written for it."""
    network, cols = centred_network(n_nodes, plan.corridor.centroid.coords[0])
    network = with_grid_ring_ids(network, cols)
    bench_plan = plan_with_ring(plan, grid_ring(network, cols))
    with tempfile.TemporaryDirectory() as tmp:
        save_network(network, Path(tmp) / "cache")
        load, _ = timed(lambda: read_network_cache(Path(tmp) / "cache"), repeat=repeat)
    return bench_network(network, bench_plan, head={"kind": "grid", "load": load}, scenarios=("planned",),
                         repeat=repeat, networkx_max=networkx_max)


def bench_real(*, repeat: int, networkx_max: int) -> list[dict]:
    """The bundled Wenzhou network (``data/network/``) on the shipped plan, both scenarios."""
    load, network = timed(load_network, repeat=repeat)
    plan_load, plan = timed(load_plan, repeat=repeat)
    return bench_network(network, plan, head={"kind": "real", "load": load, "plan_load": plan_load},
                         scenarios=("planned", "baseline"), repeat=repeat, networkx_max=networkx_max)


def verdict(ok: bool, row: dict) -> str:
    """PASS/FAIL where the targets are set (the real network, the grid at :data:`TARGET_NODES`); lower case
    (informative only) on the other grids."""
    word = "PASS" if ok else "FAIL"
    return word if row["kind"] == "real" or row["nodes"] == TARGET_NODES else word.lower()


def _ratios(r: dict, key: str) -> str:
    """``check/dijkstra`` and ``networkx/check`` with their verdicts for the check timed under ``key``; the targets
    are the check's after load, so the check from scratch gets informative (lower-case) verdicts only."""
    target = TARGETS[r["kind"]]
    shown = r if key == "check" else {**r, "kind": "grid", "nodes": -1}
    ratio = r[key] / r["dijkstra"]
    text = f"{ratio:6.2f} {verdict(ratio <= target['check'], shown):>4}"
    if r["networkx"] is None:
        return text + f" {'-':>6} {'-':>4}"
    speedup = r["networkx"] / r[key]
    mark = "-" if target["networkx"] is None else verdict(speedup >= target["networkx"], shown)
    return text + f" {speedup:6.1f} {mark:>4}"


def print_table(rows: list[dict]) -> None:
    head = (f"{'network':7} {'scenario':8} {'nodes':>9} {'edges':>9} {'load s':>7} {'ok':>4} {'plan s':>7} "
            f"{'place s':>7} {'check s':>7} {'/dij':>6} {'ok':>4} {'nx/':>6} {'ok':>4} {'scratch s':>9} {'/dij':>6} "
            f"{'ok':>4} {'nx/':>6} {'ok':>4} {'dijkstra s':>10} {'networkx s':>10} {'isochr s':>8}")
    print(head)
    print("-" * len(head))
    for r in rows:
        nx_s = f"{'skipped':>10}" if r["networkx"] is None else f"{r['networkx']:10.3f}"
        load_ok = verdict(r["load"] < TARGETS[r["kind"]]["load"], r)
        print(f"{r['kind']:7} {r['scenario']:8} {r['nodes']:>9} {r['edges']:>9} {r['load']:7.3f} {load_ok:>4} "
              f"{r['prepare']:7.4f} {r['placement']:7.4f} {r['check']:7.4f} {_ratios(r, 'check')} "
              f"{r['scratch']:9.4f} {_ratios(r, 'scratch')} {r['dijkstra']:10.4f} {nx_s} {r['isochrones']:8.3f}")


def print_legend(rows: list[dict], *, networkx_max: int) -> None:
    print(f"""
Targets (ok = PASS/FAIL): real network (issue 12, item 7) — load < 1 s, check ≤ 1.5× one bare SciPy Dijkstra
pass (/dij), NetworkX informative (-); grid (issue 3, item 4), set for {TARGET_NODES:,} nodes — load < 2 s, check
≤ 3× the bare pass, NetworkX ≥ 20× slower than the check (nx/); lower case = informative (other grid sizes, and the
check from scratch, which no target covers). Every ratio is between times measured in this run (best of the runs,
the timings taking turns). The real rows share load, plan prep and placement.
  load s       real: load_network() of data/network (its Parquet cache); grid: read_network_cache
  plan s       prepare_plan(plan), once per plan: ring line and zone, corridor/district raster, blocks
  place s      prepare_network(network, prepared_plan), once per network and plan (the web app keeps one per loaded
               network, the CLI one per run): reversed-graph edge sort, node projection to metres, ring edges,
               the reversed graph laid out in settling order (one free-flow Dijkstra pass), project edges, edge/area
               and block membership; for the baseline and planned edge sets: KD-tree nearest access node of every
               cell and block, entry nodes, loop routes, the coverage sums' base
  check s      check_access(placed, scenario=...) — "after load" = after load, plan prep and placement: what
               stays is the scenario's own work: travel times at the congestion in the laid-out matrix, the Dijkstra
               pass (every node's time, back in network order), cell and road coverage sums per area, blocks and
               districts, the loop's times, the JSON report
  scratch s    check_access(network, plan, scenario=...): plan prep + placement (that scenario only) + check
  dijkstra s   one bare scipy.sparse.csgraph.dijkstra(min_only=True) pass from the scenario's ring nodes on a ready
               CSR matrix of the reversed graph of the scenario's edges, as the network numbers its nodes
  networkx s   multi_source_dijkstra_path_length on the same reversed graph (graph building not timed), skipped
               above {networkx_max} nodes (its graph alone takes minutes and GBs to build)
  isochr s     isochrone_bands(placed, scenario=...), separately (no target)""")
    for r in [r for r in rows if "plan_load" in r][:1]:
        print(f"real: load_plan() of the shipped plan data takes {r['plan_load']:.3f} s")
    for r in rows:
        name = f"{r['kind']} {r['nodes']} nodes {r['scenario']}"
        print(f"{name}: the same pass on the check's laid-out matrix (nodes in settling order, same times to the "
              f"bit) takes {r['laid_out']:.4f} s (bare pass / laid-out pass: {r['dijkstra'] / r['laid_out']:.2f}); "
              f"the check is {r['check'] / r['laid_out']:.2f}× that pass")
        if "max_diff_s" in r:
            print(f"{name}: SciPy and NetworkX times agree within {r['max_diff_s']:.2e} s; NetworkX is "
                  f"{r['networkx'] / r['dijkstra']:.1f}× the bare Dijkstra pass itself (the ceiling for nx/check)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                        help="grid sizes in nodes (none: the real network only)")
    parser.add_argument("--real", action=argparse.BooleanOptionalAction, default=True,
                        help="benchmark the bundled real network too (default: on)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--networkx-max", type=int, default=100_000)
    args = parser.parse_args(argv)
    if not (args.real or args.sizes):
        parser.error("nothing to benchmark: give --sizes or leave --real on")
    logging.basicConfig(level=logging.WARNING)
    rows = bench_real(repeat=args.repeat, networkx_max=args.networkx_max) if args.real else []
    plan = load_plan() if args.sizes else None
    for n_nodes in args.sizes:
        rows += bench_grid(n_nodes, plan, repeat=args.repeat, networkx_max=args.networkx_max)
    print_table(rows)
    print_legend(rows, networkx_max=args.networkx_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
