"""The lunch rule of an inspection tour: where and when, wholly inside its window, the party eats.

A lunch break has a window (e.g. 12:00–13:00) and a duration; it is taken at most once, at a site, never on the road.
The moments a tour can stop for lunch — its *slots*, in time order — are: after inspecting the start (only when
something is inspected there: merely leaving the start is no slot), on arrival at each stop before inspecting it,
after inspecting each stop before driving on, and on arrival at an inspected last point (not after it: the tour is
over). Lunch at a slot reached at time ``t`` starts at ``max(t, window start)`` — the party waits for the window to
open — and fits the slot when it ends by the window's end. Of the slots it fits, the one with the least waiting is
chosen, the earliest of equals: so lunch starts as soon as the tour is at a site inside the window, and when a
long drive or inspection would otherwise carry the party past the latest start (window end − duration), it is taken
before that, waiting for the window to open. Everything after the slot moves on by the wait and the duration.

Lunch is not taken (and the reason is kept, :data:`MISSED_REASONS`) when the tour without it is over by the time the
window opens (``"before_window"``), when the duration exceeds the window (``"too_long"``), or when every slot is
reached after the latest start (``"no_slot"``, e.g. the tour departs after it): the planner may then depart earlier,
shorten a dwell or the lunch, or widen the window.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

MISSED_REASONS = ("before_window", "too_long", "no_slot")
_TOLERANCE_MIN = 1e-9  # minutes are floats summed from drive times: do not lose a fit to rounding


@dataclass(frozen=True)
class LunchBreak:
    """A lunch break: ``duration`` minutes, taken wholly inside ``[window_start, window_end]`` (the module's rule).

    Attributes
    ----------
    window_start, window_end
        The window in minutes after midnight.
    duration
        Length of the break in minutes.
    """

    window_start: float
    window_end: float
    duration: float


@dataclass(frozen=True)
class LunchSlot:
    """Where lunch is taken.

    Attributes
    ----------
    point
        Index of the tour's point (0 = the start).
    before_visit
        ``True``: on arrival, before inspecting the point; ``False``: after inspecting it, before driving on.
    reached
        When the tour reaches the slot (minutes after midnight).
    start
        When lunch starts: ``max(reached, window start)``.
    """

    point: int
    before_visit: bool
    reached: float
    start: float

    @property
    def wait(self) -> float:
        """Minutes spent waiting for the window to open."""
        return self.start - self.reached


def lunch_slots(*, arrivals: Sequence[float], dwell: Sequence[float]) -> list[tuple[int, bool, float]]:
    """The slots of a tour without lunch as ``(point, before_visit, reached)``, in time order (module docstring).

    Parameters
    ----------
    arrivals
        Arrival at each point (for the start: the departure time, the start of its inspection).
    dwell
        Inspection minutes at each point.
    """
    last = len(dwell) - 1
    slots = []
    for index, (arrive, stay) in enumerate(zip(arrivals, dwell)):
        if 0 < index and (index < last or stay > 0):
            slots.append((index, True, float(arrive)))
        if index < last and (index > 0 or stay > 0):
            slots.append((index, False, float(arrive) + float(stay)))
    return slots


def choose_lunch_slot(*, arrivals: Sequence[float], dwell: Sequence[float], finish: float,
                      lunch: LunchBreak) -> LunchSlot | None:
    """The slot of the module docstring's rule for a tour that, without lunch, arrives at ``arrivals`` and is over at
    ``finish``; ``None`` when lunch is not taken (:func:`missed_reason` says why)."""
    if finish <= lunch.window_start:
        return None
    latest_start = lunch.window_end - lunch.duration
    best = None
    for point, before_visit, reached in lunch_slots(arrivals=arrivals, dwell=dwell):
        start = max(reached, lunch.window_start)
        if start > latest_start + _TOLERANCE_MIN:
            continue
        slot = LunchSlot(point=point, before_visit=before_visit, reached=reached, start=start)
        if best is None or slot.wait < best.wait - _TOLERANCE_MIN:
            best = slot
    return best


def missed_reason(*, finish: float, lunch: LunchBreak) -> str:
    """Why :func:`choose_lunch_slot` found no slot (one of :data:`MISSED_REASONS`)."""
    if lunch.duration > lunch.window_end - lunch.window_start:
        return "too_long"
    if finish <= lunch.window_start:
        return "before_window"
    return "no_slot"
