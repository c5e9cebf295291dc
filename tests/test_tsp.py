"""Visiting-order solvers against brute force on small asymmetric matrices."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.errors import InvalidParameter
from geo.tsp import MAX_STOPS, solve_path


def brute_force(cost: np.ndarray, *, start: int, end: int | None) -> float:
    stops = [i for i in range(len(cost)) if i not in (start, end)]
    best = np.inf
    for order in itertools.permutations(stops):
        sequence = [start, *order, *([end] if end is not None else [])]
        best = min(best, sum(cost[a, b] for a, b in zip(sequence, sequence[1:])))
    return best


def order_cost(cost: np.ndarray, order: list[int], *, start: int, end: int | None) -> float:
    sequence = [start, *order, *([end] if end is not None else [])]
    return float(sum(cost[a, b] for a, b in zip(sequence, sequence[1:])))


def asymmetric(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1000, size=(n, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=2)
    return distance * rng.uniform(1.0, 1.6, size=(n, n))  # one-way detours make i→j ≠ j→i


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


def test_held_karp_at_full_size_matches_heuristic_runs() -> None:
    cost = asymmetric(13, 11)  # 12 stops: the largest exact size
    exact = solve_path(cost, start=0, end=0)
    assert exact.method == "held-karp" and exact.optimal
    heuristic = solve_path(cost, start=0, end=0, max_exact=0, restarts=6, kicks=200)
    assert exact.cost <= heuristic.cost + 1e-9


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
