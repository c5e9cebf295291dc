"""Benchmark the tour solver: exact at 12 stops (< 1 s), heuristic at 60 stops (< 2 s, within 3 % of a long run).

Instances are random sets of nodes of the road network's main component (the bundled schematic network by
default, or a synthetic grid with ``--synthetic N``); costs are real travel times from the same multi-source
Dijkstra matrix that :func:`geo.tours.planner.plan_tour` uses, one-way streets included. For each 60-stop instance the
"best known" tour is the best of a long run (``--long-seconds``, default 30 s) of the same heuristic with more
restarts and kicks and a fresh seed per round; with ``--ortools`` (needs the ``ortools`` package, which the project
does not depend on) an independent reference joins it: OR-Tools' guided local search for the same time. Prints one
table row per instance and a summary per size.

    python scripts/bench_tours.py [--network PATH | --synthetic 10000] [--instances 3] [--long-seconds 30] [--ortools]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from geo.network.loading import load_network
from geo.network.synthetic import synthetic_grid_network
from geo.tours.routing import RoutingGraph, routing_graph, travel_matrix
from geo.tours.tsp import solve_path

EXACT_STOPS, EXACT_LIMIT_S = 12, 1.0
HEURISTIC_STOPS, HEURISTIC_LIMIT_S, GAP_LIMIT = 60, 2.0, 0.03


def random_instance(graph: RoutingGraph, stops: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Travel-time matrix (start = index 0) of ``stops + 1`` random main-component nodes, and its build time."""
    nodes = rng.choice(graph.main_nodes, size=stops + 1, replace=False)
    began = time.perf_counter()
    cost, _ = travel_matrix(graph, nodes)
    return cost, time.perf_counter() - began


def timed_solve(cost: np.ndarray, **options) -> tuple[object, float, float]:
    """Solve and return the solution with its wall and CPU seconds (CPU shows how loaded the machine was)."""
    wall, cpu = time.perf_counter(), time.process_time()
    solution = solve_path(cost, start=0, **options)
    return solution, time.perf_counter() - wall, time.process_time() - cpu


def long_run(cost: np.ndarray, *, seconds: float, end: int | None) -> float:
    """Best cost found by repeated heavy heuristic runs with fresh seeds for ``seconds``."""
    best, seed, deadline = np.inf, 1000, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        best = min(best, solve_path(cost, start=0, end=end, max_exact=0, restarts=8, kicks=400, seed=seed,
                                     time_limit_s=None).cost)
        seed += 1
    return best


def ortools_run(cost: np.ndarray, *, seconds: float, end: int | None) -> float:
    """Cost (in ``cost``'s units) of the tour OR-Tools' guided local search finds in ``seconds``."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(cost)
    matrix = np.zeros((n + 1, n + 1))  # an extra terminal: the end's costs, or zeros for an open tour
    matrix[:n, :n] = cost
    matrix[:n, n] = cost[:, end] if end is not None else 0.0
    scaled = np.rint(matrix * 100).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, [0], [n])
    routing = pywrapcp.RoutingModel(manager)
    callback = routing.RegisterTransitCallback(
        lambda i, j: int(scaled[manager.IndexToNode(i), manager.IndexToNode(j)]))
    routing.SetArcCostEvaluatorOfAllVehicles(callback)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    index, path = routing.Start(0), []
    while not routing.IsEnd(index):
        path.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    path.append(n)
    return float(matrix[path[:-1], path[1:]].sum())


def bench_exact(graph: RoutingGraph, rng: np.random.Generator, instances: int) -> list[dict]:
    rows = []
    for number in range(instances):
        cost, matrix_s = random_instance(graph, EXACT_STOPS, rng)
        solution, wall, cpu = timed_solve(cost, end=0)
        rows.append({"size": EXACT_STOPS, "instance": number + 1, "method": solution.method,
                     "matrix_s": matrix_s, "solve_s": wall, "cpu_s": cpu, "limit_s": EXACT_LIMIT_S,
                     "cost_min": solution.cost / 60, "best_min": solution.cost / 60, "gap": 0.0})
        heuristic, wall, cpu = timed_solve(cost, end=0, max_exact=0)  # the heuristic against a proven optimum
        rows.append({"size": EXACT_STOPS, "instance": number + 1, "method": "local-search vs optimum",
                     "matrix_s": matrix_s, "solve_s": wall, "cpu_s": cpu, "limit_s": HEURISTIC_LIMIT_S,
                     "cost_min": heuristic.cost / 60, "best_min": solution.cost / 60,
                     "gap": heuristic.cost / solution.cost - 1})
    return rows


def bench_heuristic(graph: RoutingGraph, rng: np.random.Generator, instances: int, long_seconds: float,
                    use_ortools: bool) -> list[dict]:
    rows = []
    for number in range(instances):
        cost, matrix_s = random_instance(graph, HEURISTIC_STOPS, rng)
        end = 0 if number % 2 == 0 else None  # alternate round trips and open tours
        solution, solve_s, cpu_s = timed_solve(cost, end=end)
        best = min(solution.cost, long_run(cost, seconds=long_seconds, end=end))
        if use_ortools:
            reference = ortools_run(cost, seconds=long_seconds, end=end)
            print(f"instance {number + 1}: OR-Tools GLS {reference / 60:.2f} min, long heuristic run "
                  f"{best / 60:.2f} min, heuristic {solution.cost / 60:.2f} min")
            best = min(best, reference)
        rows.append({"size": HEURISTIC_STOPS, "instance": number + 1,
                     "method": f"{solution.method} ({'round' if end == 0 else 'open'})", "matrix_s": matrix_s,
                     "solve_s": solve_s, "cpu_s": cpu_s, "limit_s": HEURISTIC_LIMIT_S, "cost_min": solution.cost / 60,
                     "best_min": best / 60, "gap": solution.cost / best - 1})
    return rows


def print_table(rows: list[dict]) -> None:
    header = (f"{'stops':>5} {'inst':>4} {'method':<26} {'matrix s':>8} {'solve s':>8} {'cpu s':>6} {'limit s':>7} "
              f"{'time/limit':>10} {'tour min':>9} {'best min':>9} {'gap %':>6}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['size']:>5} {row['instance']:>4} {row['method']:<26} {row['matrix_s']:>8.3f} "
              f"{row['solve_s']:>8.3f} {row['cpu_s']:>6.3f} {row['limit_s']:>7.1f} {row['solve_s'] / row['limit_s']:>10.2f} "
              f"{row['cost_min']:>9.2f} {row['best_min']:>9.2f} {100 * row['gap']:>6.2f}")
    print()
    for size, limit in ((EXACT_STOPS, EXACT_LIMIT_S), (HEURISTIC_STOPS, HEURISTIC_LIMIT_S)):
        subset = [r for r in rows if r["size"] == size]
        if not subset:
            continue
        worst_time = max(r["solve_s"] for r in subset if r["limit_s"] == limit)
        worst_gap = max(r["gap"] for r in subset)
        verdict = "PASS" if worst_time < limit and worst_gap <= GAP_LIMIT else "FAIL"
        print(f"{size} stops: worst solve {worst_time:.3f} s (limit {limit:.0f} s), worst heuristic gap "
              f"{100 * worst_gap:.2f} % (limit {100 * GAP_LIMIT:.0f} %) -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default=None, help="network cache folder or OSM file (default: bundled)")
    parser.add_argument("--synthetic", type=int, default=None, help="use a synthetic grid of N nodes instead")
    parser.add_argument("--instances", type=int, default=3, help="instances per size")
    parser.add_argument("--long-seconds", type=float, default=30.0, help="length of each best-known run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ortools", action="store_true", help="also compare with OR-Tools guided local search")
    args = parser.parse_args()
    network = synthetic_grid_network(args.synthetic) if args.synthetic else load_network(args.network)
    graph = routing_graph(network)
    print(f"network: {network.source.get('source')} — {network.n_nodes} nodes, {network.n_edges} edges, "
          f"main component {len(graph.main_nodes)} nodes\n")
    rng = np.random.default_rng(args.seed)
    rows = bench_exact(graph, rng, args.instances)
    rows += bench_heuristic(graph, rng, args.instances, args.long_seconds, args.ortools)
    print_table(rows)


if __name__ == "__main__":
    main()
