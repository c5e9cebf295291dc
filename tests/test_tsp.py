"""Visiting-order solvers against brute force on many small asymmetric matrices, and against integer programming
(SciPy's HiGHS MILP with subtour cuts, a second exact method) at Held–Karp's full size."""
from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.tours import tsp
from geo.errors import InvalidParameter
from geo.tours.tsp import MAX_EXACT_STOPS, MAX_STOPS, solve_path


@functools.cache
def _permutations(m: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(m))), dtype=np.int64).reshape(-1, m)


def brute_force(cost: np.ndarray, *, start: int, end: int | None) -> float:
    """The cheapest of every order of the stops (vectorised: 9 stops are 362,880 orders)."""
    stops = np.array([i for i in range(len(cost)) if i not in (start, end)], dtype=np.int64)
    if stops.size == 0:
        return float(cost[start, end]) if end is not None else 0.0
    orders = stops[_permutations(stops.size)]
    total = cost[start, orders[:, 0]] + cost[orders[:, :-1], orders[:, 1:]].sum(axis=1)
    if end is not None:
        total = total + cost[orders[:, -1], end]
    return float(total.min())


def milp_cost(cost: np.ndarray, *, start: int, end: int | None) -> float:
    """The optimal path cost by integer programming: one arc out of and one into every node of a cycle start →
    stops → terminal → start (the terminal's arcs in cost what reaching ``end`` costs, 0 for an open tour, and it
    returns to the start for free), subtours cut away until the solution is one cycle."""
    nodes = [start, *(i for i in range(len(cost)) if i not in (start, end))]
    n = len(nodes) + 1
    arc_cost = np.zeros((n, n))
    arc_cost[:-1, :-1] = cost[np.ix_(nodes, nodes)]
    arc_cost[:-1, -1] = 0.0 if end is None else cost[nodes, end]
    arcs = [(i, j) for i in range(n) for j in range(n) if i != j and (i != n - 1 or j == 0)]
    c = np.array([arc_cost[i, j] for i, j in arcs])
    degree = np.zeros((2 * n, len(arcs)))
    for k, (i, j) in enumerate(arcs):
        degree[i, k] = degree[n + j, k] = 1.0
    constraints = [LinearConstraint(degree, 1.0, 1.0)]
    while True:
        result = milp(c, constraints=constraints, integrality=np.ones(len(arcs)), bounds=Bounds(0, 1))
        assert result.success, result.message
        successor = {i: j for (i, j), x in zip(arcs, result.x) if x > 0.5}
        cycles, seen = [], set()
        for first in range(n):
            if first not in seen:
                cycle = [first]
                while successor[cycle[-1]] != first:
                    cycle.append(successor[cycle[-1]])
                seen.update(cycle)
                cycles.append(set(cycle))
        if len(cycles) == 1:
            return float(result.fun)
        for subset in cycles:
            inside = np.array([1.0 if i in subset and j in subset else 0.0 for i, j in arcs])
            constraints.append(LinearConstraint(inside[None, :], -np.inf, len(subset) - 1))


def order_cost(cost: np.ndarray, order: list[int], *, start: int, end: int | None) -> float:
    sequence = [start, *order, *([end] if end is not None else [])]
    return float(sum(cost[a, b] for a, b in zip(sequence, sequence[1:])))


def asymmetric(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1000, size=(n, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=2)
    return distance * rng.uniform(1.0, 1.6, size=(n, n))  # one-way detours make i→j ≠ j→i


def arbitrary(n: int, seed: int) -> np.ndarray:
    """Independent random costs: asymmetric and far from any geometry (no triangle inequality)."""
    cost = np.random.default_rng(seed).integers(0, 100, size=(n, n)).astype(float)
    np.fill_diagonal(cost, 0.0)
    return cost


def ends(kind: str, start: int, n: int) -> int | None:
    return {"round": start, "fixed": (start + 1) % n, "open": None}[kind]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("end_kind", ["round", "fixed", "open"])
@pytest.mark.parametrize("max_exact", [12, 0])  # Held–Karp, then the heuristic alone
def test_order_equals_brute_force(seed: int, n: int, end_kind: str, max_exact: int) -> None:
    cost = asymmetric(n, seed)
    start = seed % n
    end = {"round": start, "fixed": (start + 1) % n, "open": None}[end_kind]
    solution = solve_path(cost, start=start, end=end, max_exact=max_exact)
    assert solution.cost == pytest.approx(brute_force(cost, start=start, end=end))
    assert solution.cost == pytest.approx(order_cost(cost, solution.order, start=start, end=end))


@pytest.mark.parametrize("end_kind", ["round", "fixed", "open"])
def test_every_stop_once_and_ends_excluded(end_kind: str) -> None:
    cost = asymmetric(15, 3)
    end = {"round": 4, "fixed": 9, "open": None}[end_kind]
    solution = solve_path(cost, start=4, end=end)
    expected = set(range(15)) - {4, end}
    assert sorted(solution.order) == sorted(expected)
    assert solution.method == "local-search" and not solution.optimal


def test_asymmetric_costs_pick_the_cheap_direction() -> None:
    cost = np.full((4, 4), 100.0)
    for a, b in [(0, 1), (1, 2), (2, 3), (3, 0)]:
        cost[a, b] = 1.0  # only the clockwise loop is cheap
    np.fill_diagonal(cost, 0.0)
    assert solve_path(cost, start=0, end=0).order == [1, 2, 3]
    assert solve_path(cost, start=0, end=0, max_exact=0).order == [1, 2, 3]


@pytest.mark.parametrize("stops", range(1, 10))
@pytest.mark.parametrize("end_kind", ["round", "fixed", "open"])
def test_held_karp_equals_brute_force_on_many_random_instances(stops: int, end_kind: str) -> None:
    for seed in range(8 if stops < 8 else 3):  # 8 and 9 stops: 40,320 and 362,880 orders each
        n = stops + (1 if end_kind != "fixed" else 2)
        cost = (asymmetric if seed % 2 else arbitrary)(n, 100 * stops + seed)
        start = seed % n
        end = ends(end_kind, start, n)
        solution = solve_path(cost, start=start, end=end)
        assert solution.method == ("trivial" if stops == 1 else "held-karp") and solution.optimal
        assert sorted(solution.order) == sorted(set(range(n)) - {start, end})
        assert solution.cost == pytest.approx(brute_force(cost, start=start, end=end), abs=1e-9)
        assert solution.cost == pytest.approx(order_cost(cost, solution.order, start=start, end=end), abs=1e-9)


def test_integer_programming_agrees_with_brute_force() -> None:  # the reference is checked before it is trusted
    for seed, end_kind in itertools.product(range(3), ("round", "fixed", "open")):
        cost = arbitrary(8, seed)
        end = ends(end_kind, 2, 8)
        assert milp_cost(cost, start=2, end=end) == pytest.approx(brute_force(cost, start=2, end=end))


@pytest.mark.parametrize("end_kind", ["round", "fixed", "open"])
@pytest.mark.parametrize("seed", range(2))
def test_held_karp_at_full_size_equals_integer_programming(end_kind: str, seed: int) -> None:
    n = MAX_EXACT_STOPS + (1 if end_kind != "fixed" else 2)  # 12 stops: the largest exact size
    cost = (asymmetric if seed else arbitrary)(n, 11 + seed)
    end = ends(end_kind, 0, n)
    exact = solve_path(cost, start=0, end=end)
    assert exact.method == "held-karp" and exact.optimal and len(exact.order) == MAX_EXACT_STOPS
    assert exact.cost == pytest.approx(order_cost(cost, exact.order, start=0, end=end))
    assert exact.cost == pytest.approx(milp_cost(cost, start=0, end=end), abs=1e-6)


def test_heuristic_is_deterministic() -> None:
    cost = asymmetric(30, 5)
    first, second = (solve_path(cost, start=0, end=None, time_limit_s=None) for _ in range(2))
    assert first.order == second.order


def test_trivial_sizes() -> None:
    cost = asymmetric(3, 0)
    assert solve_path(cost[:1, :1], start=0, end=0).order == []
    assert solve_path(cost, start=0, end=2).order == [1]
    assert solve_path(cost, start=0, end=2).cost == pytest.approx(cost[0, 1] + cost[1, 2])


def test_too_many_stops() -> None:
    with pytest.raises(InvalidParameter, match=f"at most {MAX_STOPS} stops"):
        solve_path(np.ones((MAX_STOPS + 2, MAX_STOPS + 2)), start=0, end=0)


@pytest.mark.parametrize(("cost", "message"), [
    (np.ones((2, 3)), "square matrix"),
    (np.array([[0.0, np.inf], [1.0, 0.0]]), "finite, non-negative"),
    (np.array([[0.0, -1.0], [1.0, 0.0]]), "finite, non-negative"),
])
def test_bad_matrix(cost: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        solve_path(cost, start=0, end=0)


def test_bad_index() -> None:
    with pytest.raises(InvalidParameter, match="end: expected an index in 0..2"):
        solve_path(np.ones((3, 3)), start=0, end=7)


def test_time_cap_still_returns_a_complete_order() -> None:
    cost = asymmetric(25, 9)
    solution = solve_path(cost, start=0, end=0, time_limit_s=0.0)  # no kicks at all: starts plus local search
    assert sorted(solution.order) == list(range(1, 25))
    assert solution.cost == pytest.approx(order_cost(cost, solution.order, start=0, end=0))


# --- the heuristic's parts: starting tours, priced moves, kicks ---------------------------------------------------

def path_matrix(cost: np.ndarray) -> np.ndarray:
    """The path matrix of an open tour from 0 over ``cost`` (see geo.tours.tsp's docstring): a terminal column of zeros."""
    k = len(cost)
    matrix = np.zeros((k + 1, k + 1))
    matrix[:k, :k] = cost
    matrix[-1, :] = np.inf
    return matrix


def test_nearest_neighbour_and_cheapest_insertion_build_their_textbook_tours() -> None:
    cost = np.array([[0, 5, 1, 9], [1, 0, 8, 2], [7, 3, 0, 6], [4, 9, 9, 0]], dtype=float)
    matrix = path_matrix(cost)  # stops 1..3, terminal 4
    # nearest from 0 is 2 (1), from 2 is 1 (3), then 3
    assert tsp._nearest_neighbour(matrix).tolist() == [0, 2, 1, 3, 4]
    # insert 1: [0 1 T]; 2: between 0 and 1 costs 1 + 3 - 5 = -1, before T 8 + 0 - 0 = 8 -> [0 2 1 T];
    # 3: after 0: 9 + 9 - 1 = 17, after 2: 6 + 9 - 3 = 12, after 1: 2 + 0 - 0 = 2 -> [0 2 1 3 T]
    assert tsp._cheapest_insertion(matrix).tolist() == [0, 2, 1, 3, 4]
    cost[0, 3], cost[3, 1] = 0.5, 0.5  # now 3 is nearest to 0 and 1 to 3; 3 is still cheapest after 1 (2 < 3.5)
    assert tsp._nearest_neighbour(path_matrix(cost)).tolist() == [0, 3, 1, 2, 4]
    assert tsp._cheapest_insertion(path_matrix(cost)).tolist() == [0, 2, 1, 3, 4]


@pytest.mark.parametrize("seed", range(6))
def test_every_priced_move_costs_what_it_says_and_the_best_is_the_cheapest(seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = path_matrix(arbitrary(8, seed))
    tour = np.concatenate(([0], rng.permutation(7) + 1, [8]))
    costs = tsp._TourCosts.of(matrix, tour)
    before = tsp.path_cost(matrix, tour)
    reversals = [tsp.path_cost(matrix, np.concatenate((tour[:i], tour[i:j + 1][::-1], tour[j + 1:]))) - before
                 for i in range(1, 8) for j in range(i + 1, 8)]
    delta, apply = tsp._best_two_opt(costs, tour)
    assert delta == pytest.approx(min(reversals)) and tsp.path_cost(matrix, apply()) - before == pytest.approx(delta)
    for length in (1, 2, 3):
        moved = []
        for first in range(1, 8 - length + 1):
            chain, rest = tour[first:first + length], np.concatenate((tour[:first], tour[first + length:]))
            for at in set(range(1, len(rest))) - {first}:  # back in its own place is no Or-opt move
                for piece in (chain, chain[::-1]):
                    moved.append(tsp.path_cost(matrix, np.concatenate((rest[:at], piece, rest[at:]))) - before)
        delta, apply = tsp._best_or_opt(costs, tour, length)
        result = apply()
        assert sorted(result.tolist()) == sorted(tour.tolist()) and (result[0], result[-1]) == (0, 8)
        assert delta == pytest.approx(min(moved)) and tsp.path_cost(matrix, result) - before == pytest.approx(delta)


def test_local_search_stops_at_a_tour_no_single_move_improves() -> None:
    matrix = path_matrix(arbitrary(9, 4))
    start = np.concatenate(([0], np.arange(8, 0, -1), [9]))
    tour = tsp._local_search(matrix, start)
    costs = tsp._TourCosts.of(matrix, tour)
    moves = [tsp._best_two_opt(costs, tour), *(tsp._best_or_opt(costs, tour, n) for n in (1, 2, 3))]
    assert min(delta for delta, _ in moves) >= -1e-9
    assert tsp.path_cost(matrix, tour) < tsp.path_cost(matrix, start)
    short = np.array([0, 1, 2])  # one stop: no move exists, the tour is kept
    assert tsp._local_search(path_matrix(arbitrary(2, 0)), short).tolist() == [0, 1, 2]


@pytest.mark.parametrize("stops", [4, 5, 9])
def test_a_double_bridge_swaps_two_chains_and_keeps_the_ends(stops: int) -> None:
    rng = np.random.default_rng(stops)
    tour = np.arange(stops + 2)
    for _ in range(30):
        kicked = tsp._double_bridge(tour, rng)
        assert (kicked[0], kicked[-1]) == (0, stops + 1) and sorted(kicked.tolist()) == tour.tolist()
        assert kicked.tolist() != tour.tolist()
        steps = np.diff(kicked[1:-1])
        assert (steps != 1).sum() in (2, 3)  # three cuts: chains keep their direction
    assert tsp._double_bridge(np.arange(5), rng).tolist() == list(range(5))  # three stops: nothing to swap


def test_the_time_cap_is_shared_between_the_restarts_and_logged(caplog) -> None:
    cost = asymmetric(25, 9)
    with caplog.at_level("WARNING", logger="geo.tours.tsp"):
        solve_path(cost, start=0, end=0, max_exact=0, time_limit_s=0.0)
    assert caplog.messages == ["tour heuristic hit its 0.0 s time cap (busy machine?); kept the best tour so far"]
    caplog.clear()
    with caplog.at_level("WARNING", logger="geo.tours.tsp"):
        solve_path(cost, start=0, end=0, max_exact=0, time_limit_s=None, kicks=3)
    assert caplog.messages == []


def test_refusals_name_their_field() -> None:
    for cost, field, message in ((np.ones((2, 3)), "cost", "cost: expected a square matrix, got shape (2, 3)"),
                                 (np.array([[0.0, -1.0], [1.0, 0.0]]), "cost",
                                  "cost: expected finite, non-negative costs; drop unreachable stops first")):
        with pytest.raises(InvalidParameter) as refused:
            solve_path(cost, start=0, end=0)
        assert (refused.value.field, str(refused.value)) == (field, message)
    with pytest.raises(InvalidParameter, match=r"^start: expected an index in 0\.\.2, got 3$"):
        solve_path(np.ones((3, 3)), start=3, end=0)  # one past the last index
    with pytest.raises(InvalidParameter) as refused:
        solve_path(np.ones((MAX_STOPS + 2, MAX_STOPS + 2)), start=0, end=0)
    assert refused.value.field == "stops"


def test_exactly_the_most_stops_are_planned_and_the_solution_is_logged(caplog) -> None:
    cost = asymmetric(MAX_STOPS + 1, 2)
    solution = solve_path(cost, start=0, end=0, restarts=1, kicks=0, time_limit_s=None)
    assert sorted(solution.order) == list(range(1, MAX_STOPS + 1))
    with caplog.at_level("DEBUG", logger="geo.tours.tsp"):
        exact = solve_path(arbitrary(4, 0), start=0, end=None)
    assert caplog.messages == [f"solved 3 stops by held-karp, cost {exact.cost:.1f}"]
