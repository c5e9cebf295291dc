"""Visiting-order solvers for inspection tours on an asymmetric travel-time matrix.

Every problem is a Hamiltonian *path* problem with fixed ends: leave ``start``, visit every other stop once, and
finish at ``end``. A round trip is ``end == start`` and an open tour (finish wherever the last stop is) is
``end=None``. Internally the three cases share one form, the *path matrix* ``D`` of size ``m + 2``: row/column 0 is
the start, ``1..m`` the stops and ``m + 1`` the terminal, whose column holds the cost back to the start (round
trip), to the fixed end, or zeros (open). One-way streets make the costs asymmetric, so no move below assumes
``D[i, j] == D[j, i]``.

Up to :data:`MAX_EXACT_STOPS` stops are solved exactly by Held–Karp dynamic programming, vectorised over the
subsets of each size. Larger problems, up to :data:`MAX_STOPS`, use iterated local search: nearest-neighbour and
cheapest-insertion starts, then best-improvement 2-opt (segment reversal, priced with prefix sums of forward and
backward costs) and Or-opt (moving a chain of 1–3 stops, optionally reversed), kicked by orientation-preserving
double-bridge moves. A seeded generator keeps the result deterministic.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

import numpy as np

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

MAX_EXACT_STOPS = 12
MAX_STOPS = 60
_IMPROVEMENT_EPS = 1e-9
_OR_OPT_CHAIN_LENGTHS = (1, 2, 3)


@dataclass(frozen=True)
class PathSolution:
    """A visiting order and its cost.

    Attributes
    ----------
    order
        Matrix indices of the stops in visiting order, without the start and the end.
    cost
        Total cost of the path from the start through ``order`` to the end (0 for the last leg of an open tour).
    method
        ``"held-karp"``, ``"local-search"`` or ``"trivial"`` (at most one ordering exists).
    optimal
        Whether ``order`` is proven optimal.
    """

    order: list[int]
    cost: float
    method: str
    optimal: bool


def solve_path(
    cost: np.ndarray,
    *,
    start: int,
    end: int | None,
    max_exact: int = MAX_EXACT_STOPS,
    restarts: int = 3,
    kicks: int = 80,
    seed: int = 0,
    time_limit_s: float | None = 1.5,
) -> PathSolution:
    """Find the cheapest order to visit every index of ``cost`` other than ``start`` and ``end``.

    Parameters
    ----------
    cost
        Square matrix of finite, non-negative travel costs; ``cost[i, j]`` is the cost from ``i`` to ``j``.
    start
        Index the path leaves from.
    end
        Index the path must finish at: ``start`` for a round trip, another index for a fixed end, ``None`` to
        finish at the last stop.
    max_exact
        Largest number of stops solved exactly; Held–Karp needs ``2**m * m`` states, so keep it at or below ~15.
    restarts
        Local-search runs from different starting tours (heuristic only).
    kicks
        Double-bridge perturbations per run (heuristic only).
    seed
        Seed of the random generator used by restarts and kicks.
    time_limit_s
        Safety cap on the heuristic's wall time: each restart stops kicking once its equal share has passed.
        The defaults take about 0.6 s of CPU for 60 stops, so the cap only bites on a heavily loaded machine
        (and then the result may depend on timing); ``None`` for no cap.

    Returns
    -------
    PathSolution
        The order found and its cost.
    """
    path_matrix, stops = _path_matrix(cost, start=start, end=end)
    m = len(stops)
    if m > MAX_STOPS:
        raise InvalidParameter("stops", f"at most {MAX_STOPS} stops can be planned, got {m}; split the tour")
    if m <= 1:
        positions, method, optimal = list(range(1, m + 1)), "trivial", True
    elif m <= max_exact:
        positions, method, optimal = _held_karp(path_matrix), "held-karp", True
    else:
        rng = np.random.default_rng(seed)
        positions = _iterated_local_search(path_matrix, restarts=restarts, kicks=kicks, rng=rng,
                                           time_limit_s=time_limit_s)
        method, optimal = "local-search", False
    order = [stops[p - 1] for p in positions]
    total = path_cost(path_matrix, np.array([0, *positions, m + 1]))
    logger.debug("solved %d stops by %s, cost %.1f", m, method, total)
    return PathSolution(order=order, cost=float(total), method=method, optimal=optimal)


def path_cost(matrix: np.ndarray, tour: np.ndarray) -> float:
    """Sum of ``matrix`` along consecutive entries of ``tour``."""
    return float(matrix[tour[:-1], tour[1:]].sum())


def _path_matrix(cost: np.ndarray, *, start: int, end: int | None) -> tuple[np.ndarray, list[int]]:
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise InvalidParameter("cost", f"expected a square matrix, got shape {cost.shape}")
    k = cost.shape[0]
    for name, index in (("start", start), ("end", end)):
        if index is not None and not 0 <= index < k:
            raise InvalidParameter(name, f"expected an index in 0..{k - 1}, got {index}")
    if not np.all(np.isfinite(cost)) or np.any(cost < 0):
        raise InvalidParameter("cost", "expected finite, non-negative costs; drop unreachable stops first")
    stops = [i for i in range(k) if i != start and i != end]
    nodes = [start, *stops]
    matrix = np.zeros((len(nodes) + 1, len(nodes) + 1))
    matrix[: len(nodes), : len(nodes)] = cost[np.ix_(nodes, nodes)]
    if end is not None:
        matrix[: len(nodes), -1] = cost[nodes, end]
    matrix[-1, :] = np.inf  # nothing leaves the terminal
    return matrix, stops


def _held_karp(matrix: np.ndarray) -> list[int]:
    """Exact order (path-matrix positions ``1..m``) by dynamic programming over subsets, one layer per size."""
    m = matrix.shape[0] - 2
    between = matrix[1 : m + 1, 1 : m + 1]
    masks = np.arange(1 << m)
    sizes = np.bitwise_count(masks)
    best = np.full((1 << m, m), np.inf)
    parent = np.full((1 << m, m), -1, dtype=np.int8)
    best[1 << np.arange(m), np.arange(m)] = matrix[0, 1 : m + 1]
    for size in range(2, m + 1):
        layer = masks[sizes == size]
        for last in range(m):
            subsets = layer[(layer >> last) & 1 == 1]
            candidates = best[subsets ^ (1 << last)] + between[:, last]
            previous = candidates.argmin(axis=1)
            best[subsets, last] = candidates[np.arange(len(subsets)), previous]
            parent[subsets, last] = previous
    full = (1 << m) - 1
    last = int(np.argmin(best[full] + matrix[1 : m + 1, m + 1]))
    order, mask = [], full
    while last >= 0:
        order.append(last + 1)
        last, mask = int(parent[mask, last]), mask ^ (1 << last)
    return order[::-1]


def _iterated_local_search(matrix: np.ndarray, *, restarts: int, kicks: int, rng: np.random.Generator,
                           time_limit_s: float | None) -> list[int]:
    m = matrix.shape[0] - 2
    starts = [_nearest_neighbour(matrix), _cheapest_insertion(matrix)]
    starts += [np.concatenate(([0], rng.permutation(m) + 1, [m + 1])) for _ in range(max(0, restarts - 2))]
    starts = starts[: max(1, restarts)]
    began = time.perf_counter()
    best_tour, best_cost, capped = None, np.inf, False
    for number, tour in enumerate(starts, start=1):
        deadline = began + time_limit_s * number / len(starts) if time_limit_s is not None else np.inf
        tour = _local_search(matrix, tour)
        tour_cost = path_cost(matrix, tour)
        for _ in range(kicks):
            if time.perf_counter() > deadline:
                capped = True
                break
            candidate = _local_search(matrix, _double_bridge(tour, rng))
            candidate_cost = path_cost(matrix, candidate)
            if candidate_cost < tour_cost - _IMPROVEMENT_EPS:
                tour, tour_cost = candidate, candidate_cost
        if tour_cost < best_cost:
            best_tour, best_cost = tour, tour_cost
    if capped:
        logger.warning("tour heuristic hit its %.1f s time cap (busy machine?); kept the best tour so far", time_limit_s)
    return [int(p) for p in best_tour[1:-1]]


def _nearest_neighbour(matrix: np.ndarray) -> np.ndarray:
    m = matrix.shape[0] - 2
    unvisited = set(range(1, m + 1))
    tour = [0]
    while unvisited:
        candidates = np.fromiter(unvisited, dtype=int)
        nearest = int(candidates[np.argmin(matrix[tour[-1], candidates])])
        tour.append(nearest)
        unvisited.discard(nearest)
    return np.array([*tour, m + 1])


def _cheapest_insertion(matrix: np.ndarray) -> np.ndarray:
    m = matrix.shape[0] - 2
    tour = [0, m + 1]
    for stop in range(1, m + 1):
        path = np.array(tour)
        extra = matrix[path[:-1], stop] + matrix[stop, path[1:]] - matrix[path[:-1], path[1:]]
        tour.insert(int(np.argmin(extra)) + 1, stop)
    return np.array(tour)


def _double_bridge(tour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two consecutive chains of the interior (A B C D → A C B D); keeps every chain's direction."""
    inner = tour[1:-1]
    if len(inner) < 4:
        return tour.copy()
    a, b, c = np.sort(rng.choice(np.arange(1, len(inner)), size=3, replace=False))
    shuffled = np.concatenate((inner[:a], inner[b:c], inner[a:b], inner[c:]))
    return np.concatenate(([tour[0]], shuffled, [tour[-1]]))


def _local_search(matrix: np.ndarray, tour: np.ndarray) -> np.ndarray:
    """Apply the best improving 2-opt or Or-opt move until none improves."""
    tour = tour.copy()
    while True:
        costs = _TourCosts.of(matrix, tour)
        moves = [_best_two_opt(costs, tour)] + [_best_or_opt(costs, tour, n) for n in _OR_OPT_CHAIN_LENGTHS]
        delta, apply = min((m for m in moves if m is not None), key=lambda m: m[0], default=(0.0, None))
        if apply is None or delta >= -_IMPROVEMENT_EPS:
            return tour
        tour = apply()


@dataclass(frozen=True)
class _TourCosts:
    """Costs along one tour: ``between[a, b]`` between positions, ``edge[k]`` of edge k→k+1, and prefix sums
    ``fwd``/``bwd`` so a chain's cost forwards or reversed is a difference of two entries."""

    between: np.ndarray
    edge: np.ndarray
    fwd: np.ndarray
    bwd: np.ndarray

    @classmethod
    def of(cls, matrix: np.ndarray, tour: np.ndarray) -> _TourCosts:
        between = matrix.take(tour, axis=0).take(tour, axis=1)
        edge = np.diagonal(between, offset=1)
        backward = np.diagonal(between, offset=-1)
        backward = np.where(np.isfinite(backward), backward, 0.0)  # the terminal never sits inside a chain
        return cls(between=between, edge=edge, fwd=np.concatenate(([0.0], np.cumsum(edge))),
                   bwd=np.concatenate(([0.0], np.cumsum(backward))))


def _best_two_opt(costs: _TourCosts, tour: np.ndarray):
    """Best reversal of positions ``i..j`` (1 ≤ i < j ≤ n − 2) as ``(delta, apply)``, or ``None``."""
    n = len(tour)
    if n < 4:
        return None
    between, edge, fwd, bwd = costs.between, costs.edge, costs.fwd, costs.bwd
    inner = slice(1, n - 1)  # rows are i, columns j, both over positions 1 .. n - 2
    delta = (between[0 : n - 2, inner] + between[inner, 2:n] + (bwd[None, inner] - bwd[inner, None])
             - edge[0 : n - 2, None] - edge[None, inner] - (fwd[None, inner] - fwd[inner, None]))
    delta[_not_above_diagonal(n - 2)] = np.inf
    flat = int(np.argmin(delta))
    first, last = 1 + flat // (n - 2), 1 + flat % (n - 2)
    return float(delta.flat[flat]), lambda: np.concatenate((tour[:first], tour[first : last + 1][::-1], tour[last + 1 :]))


def _best_or_opt(costs: _TourCosts, tour: np.ndarray, length: int):
    """Best move of a chain of ``length`` stops to another edge, kept or reversed, as ``(delta, apply)``."""
    n = len(tour)
    if n - 2 <= length:
        return None
    between, edge, fwd, bwd = costs.between, costs.edge, costs.fwd, costs.bwd
    # rows: chains at positions first .. first + length - 1 for first = 1 .. n - length - 1;
    # columns: the edge gap -> gap + 1 the chain moves into, gap = 0 .. n - 2
    firsts, lasts = slice(1, n - length), slice(length, n - 1)
    removal = np.diagonal(between, offset=length + 1) - edge[0 : n - length - 1] - edge[lasts]
    opened = removal[:, None] - edge[None, :]
    kept = opened + between[0 : n - 1, firsts].T + between[lasts, 1:n]
    flipped = (opened + between[0 : n - 1, lasts].T + between[firsts, 1:n]
               + (bwd[lasts] - bwd[firsts] - fwd[lasts] + fwd[firsts])[:, None])
    invalid = _chain_overlaps(n, length)
    kept[invalid], flipped[invalid] = np.inf, np.inf
    reverse = bool(flipped.min() < kept.min())
    delta = flipped if reverse else kept
    flat = int(np.argmin(delta))
    chain_start, target = 1 + flat // (n - 1), flat % (n - 1)

    def apply() -> np.ndarray:
        chain = tour[chain_start : chain_start + length]
        rest = np.concatenate((tour[:chain_start], tour[chain_start + length :]))
        at = target + 1 if target < chain_start else target + 1 - length
        return np.concatenate((rest[:at], chain[::-1] if reverse else chain, rest[at:]))

    return float(delta.flat[flat]), apply


@functools.cache
def _not_above_diagonal(size: int) -> np.ndarray:
    return ~np.triu(np.ones((size, size), dtype=bool), k=1)


@functools.cache
def _chain_overlaps(n: int, length: int) -> np.ndarray:
    """Mask of (chain start, gap) pairs where the gap touches the chain itself."""
    first = np.arange(1, n - length)[:, None]
    gap = np.arange(n - 1)[None, :]
    return (gap >= first - 1) & (gap <= first + length - 1)
