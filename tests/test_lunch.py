"""The lunch rule (geo/tours/lunch.py) through build_schedule: wholly inside its window, least waiting, checked against a
brute force that tries every place a lunch could go, over a sweep of dwell times and over random tours."""
from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings, strategies as st

from geo.tours.itinerary import build_schedule
from geo.tours.lunch import LunchBreak, lunch_slots

NOON_HOUR = LunchBreak(window_start=12 * 60, window_end=13 * 60, duration=60)


def timeline(depart: float, drive: Sequence[float], dwell: Sequence[float], *,
             lunch_at: tuple[int, bool] | None = None, lunch: LunchBreak | None = None) -> list[tuple[float, float]]:
    """(arrive, leave) of every point, simulated from scratch; lunch at ``lunch_at`` = (point, before its visit)
    starts when the window opens at the earliest. Independent of geo.tours.itinerary's own loop."""
    times, clock = [], float(depart)
    for index, stay in enumerate(dwell):
        arrive = clock
        for before in (True, False):
            if not before:
                clock += stay
            if lunch_at == (index, before):
                clock = max(clock, lunch.window_start) + lunch.duration
        times.append((arrive, clock))
        clock += drive[index] if index < len(drive) else 0.0
    return times


def places_for_lunch(dwell: Sequence[float]) -> list[tuple[int, bool]]:
    """Where a lunch may go, by the rule's words: at a site, never before leaving an uninspected start nor after the
    tour is over (after the last point, or on arriving back at an uninspected last point)."""
    last = len(dwell) - 1
    places = [(i, before) for i in range(len(dwell)) for before in (True, False)]
    return [(i, before) for i, before in places
            if not (i == 0 and (before or dwell[0] == 0)) and not (i == last and (not before or dwell[last] == 0))]


def brute_force(depart: float, drive: Sequence[float], dwell: Sequence[float],
                lunch: LunchBreak) -> tuple[float, float] | None:
    """(wait, lunch start) of the best place: every place tried, the lunch kept if it lies inside the window, the
    least wait then the earliest start; ``None`` when the tour is over before the window or nothing fits."""
    plain = timeline(depart, drive, dwell)
    if plain[-1][1] <= lunch.window_start:
        return None
    options = []
    for index, before in places_for_lunch(dwell):
        reached = plain[index][0] + (0.0 if before else dwell[index])
        start = max(reached, lunch.window_start)
        if start + lunch.duration <= lunch.window_end + 1e-9:
            options.append((start - reached, start))
    return min(options) if options else None


def check_against_brute_force(depart: float, drive: Sequence[float], dwell: Sequence[float],
                              lunch: LunchBreak) -> None:
    schedule = build_schedule(depart=depart, drive=drive, dwell=dwell, lunch=lunch)
    expected = brute_force(depart, drive, dwell, lunch)
    if expected is None:
        assert schedule.lunch_at is None and schedule.lunch_missed is not None
        return
    assert schedule.lunch_at is not None, (depart, drive, dwell, lunch)
    visit = schedule.visits[schedule.lunch_at]
    assert lunch.window_start <= visit.lunch_start
    assert visit.lunch_start + visit.lunch <= lunch.window_end + 1e-9
    assert (visit.wait, visit.lunch_start) == pytest.approx(expected, abs=1e-9)
    simulated = timeline(depart, drive, dwell, lunch_at=(schedule.lunch_at, visit.lunch_before_visit), lunch=lunch)
    assert [v.arrive for v in schedule.visits] == pytest.approx([t[0] for t in simulated])
    assert [v.depart for v in schedule.visits[:-1]] == pytest.approx([t[1] for t in simulated[:-1]])
    assert schedule.finish == pytest.approx(simulated[-1][1])
    assert sum(v.lunch for v in schedule.visits) == lunch.duration  # taken once


def test_the_forty_minute_stops_of_issue_18_eat_inside_the_window() -> None:
    # 08:30 departure, 40-minute stops; the fourth stop is reached 11:46, its inspection would end 12:26, and the old
    # rule (lunch after the first visit ending in the window) put the hour's lunch at 12:26–13:26
    schedule = build_schedule(depart=8 * 60 + 30, drive=[25, 16, 23, 12, 27, 10], dwell=[0, 40, 40, 40, 40, 40, 0],
                              lunch=NOON_HOUR)
    at = schedule.visits[schedule.lunch_at]
    assert schedule.lunch_at == 4 and at.arrive == 11 * 60 + 46
    assert (at.lunch_start, at.lunch_before_visit, at.wait) == (12 * 60, True, 14)
    assert at.depart == 13 * 60 + 40  # eats 12:00–13:00, then inspects 13:00–13:40
    assert schedule.visits[5].arrive == 13 * 60 + 40 + 27


@pytest.mark.parametrize("window", [(12 * 60, 13 * 60), (11 * 60 + 30, 13 * 60 + 30), (12 * 60, 14 * 60)])
@pytest.mark.parametrize("duration", [30, 45, 60])
def test_every_dwell_time_keeps_lunch_in_its_window(window: tuple[int, int], duration: int) -> None:
    lunch = LunchBreak(window_start=window[0], window_end=window[1], duration=duration)
    drive = [25.4, 16.2, 23.7, 12.1, 27.3, 10.9]  # a 5-stop round trip's legs in minutes
    for dwell in range(0, 121):
        for depart in (8 * 60, 8 * 60 + 30, 9 * 60 + 15):
            check_against_brute_force(depart, drive, [0, *[dwell] * 5, 0], lunch)


minutes = st.floats(min_value=0, max_value=180, allow_nan=False)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(depart=st.floats(min_value=6 * 60, max_value=14 * 60), drive=st.lists(minutes, min_size=1, max_size=7),
       dwell=st.lists(minutes, min_size=8, max_size=8), start_dwell=st.sampled_from([0.0, 15.0]),
       window=st.tuples(st.integers(10 * 60, 13 * 60), st.integers(20, 180)), duration=st.integers(10, 120))
def test_random_tours_match_the_brute_force(depart, drive, dwell, start_dwell, window, duration) -> None:
    stays = [start_dwell, *dwell[:len(drive)]]
    lunch = LunchBreak(window_start=window[0], window_end=window[0] + window[1], duration=duration)
    check_against_brute_force(depart, drive, stays, lunch)


def test_slots_in_time_order() -> None:
    slots = lunch_slots(arrivals=[480, 500, 560], dwell=[0, 30, 0])
    assert slots == [(1, True, 500.0), (1, False, 530.0)]  # not before leaving the start, not back at it
    inspected_ends = lunch_slots(arrivals=[480, 500], dwell=[10, 30])
    assert inspected_ends == [(0, False, 490.0), (1, True, 500.0)]


@pytest.mark.parametrize(("depart", "dwell", "lunch", "reason"), [
    (8 * 60, [0, 20, 0], NOON_HOUR, "before_window"),  # back by 09:00
    (12 * 60 + 30, [0, 20, 0], NOON_HOUR, "no_slot"),  # leaves after the latest start, 12:00
    (11 * 60, [0, 20, 0], LunchBreak(window_start=12 * 60, window_end=12 * 60 + 30, duration=45), "too_long"),
])
def test_lunch_not_taken_says_why(depart: float, dwell: list[float], lunch: LunchBreak, reason: str) -> None:
    schedule = build_schedule(depart=depart, drive=[20, 20], dwell=dwell, lunch=lunch)
    assert schedule.lunch_at is None and schedule.lunch_missed == reason
    assert sum(v.lunch for v in schedule.visits) == 0
