"""Three-colour management (三色管理): expected progress and an item's colour at a date. Pure functions.

The rules, with the default :class:`Thresholds` (``yellow_gap`` 10, ``red_gap`` 25 percentage points,
``stale_after_days`` 92):

1. **Expected progress** on a day runs linearly from 0 % at the item's period start to 100 % at its end (the plan
   year 2021-01-01 .. 2021-12-31 unless the item has its own period); with milestones, piecewise linearly from
   (start, 0 %) through each milestone to (end, 100 %). Before the start it is 0 %, after the end 100 %.
2. **The gap** is expected progress *on the report's date* minus the reported percent: a report is judged against
   what was due when it was made; an old report is dealt with by rule 5, not by letting the schedule run on.
3. **Green** (按期推进) when ``gap <= yellow_gap``; **yellow** (进度滞后) when ``yellow_gap < gap <= red_gap``;
   **red** (严重滞后) when ``gap > red_gap``.
4. A **completed** item (state 已完成, or closed / 销号) is green whatever the numbers. A paused item (暂停) is
   yellow at best.
5. **Stale**: when more than ``stale_after_days`` (a quarter) passed between the report and the assessment date,
   the colour is yellow at best (green becomes yellow; red stays red). Completed items are never stale.
6. **No report** at all: the distinct state 未上报, shown grey. In bulletin counts grey counts as yellow
   (:func:`bulletin_colour`) because an unreported item cannot be shown on schedule; bulletins also list how many
   of the yellow ones are unreported.
7. A **reported colour** (the reporter's own judgement) never overrides the computed one: both are kept, and
   ``colour_mismatch`` flags a difference.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from geo.errors import InvalidParameter

PLAN_YEAR_START = date(2021, 1, 1)
PLAN_YEAR_END = date(2021, 12, 31)

NOT_STARTED, IN_PROGRESS, COMPLETED, PAUSED = "未开始", "进行中", "已完成", "暂停"
STATES: tuple[str, ...] = (NOT_STARTED, IN_PROGRESS, COMPLETED, PAUSED)
GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
COLOURS: tuple[str, ...] = (GREEN, YELLOW, RED)
COLOUR_LABELS: dict[str, str] = {GREEN: "按期推进", YELLOW: "进度滞后", RED: "严重滞后", GREY: "未上报"}
# A closed item counts as green (rule 4) but is labelled as closed: "on schedule" would claim progress is reported.
CLOSED_LABEL = "已销号"
_SEVERITY = {GREEN: 0, YELLOW: 1, RED: 2}


@dataclass(frozen=True)
class Thresholds:
    """How far behind (percentage points) turns an item yellow or red, and when a report goes stale (days)."""

    yellow_gap: float = 10.0
    red_gap: float = 25.0
    stale_after_days: int = 92

    def __post_init__(self) -> None:
        if not 0 <= self.yellow_gap <= self.red_gap <= 100:
            raise InvalidParameter("thresholds", f"expected 0 ≤ yellow_gap ≤ red_gap ≤ 100 percentage points, got "
                                                 f"yellow_gap={self.yellow_gap}, red_gap={self.red_gap}")
        if self.stale_after_days < 1:
            raise InvalidParameter("stale_after_days", f"expected at least 1 day, got {self.stale_after_days}")


@dataclass(frozen=True)
class Milestone:
    """Progress expected (percent) by a date."""

    due_on: date
    percent: float


@dataclass(frozen=True)
class Assessment:
    """An item's colour at a date.

    ``colour`` is what maps and tables show: the computed colour, or grey (未上报) with no report.
    ``computed_colour`` equals it; ``reported_colour`` is the reporter's own, if any; ``colour_mismatch`` is true
    when both exist and differ. ``expected_percent`` is what was due on the report's date (``None`` without one).
    """

    colour: str
    computed_colour: str
    reported_colour: str | None
    colour_mismatch: bool
    expected_percent: float | None
    gap: float | None
    stale: bool


def expected_percent(on: date, *, start: date = PLAN_YEAR_START, end: date = PLAN_YEAR_END,
                     milestones: Sequence[Milestone] = ()) -> float:
    """Progress (percent) expected on ``on`` for an item running from ``start`` to ``end``.

    Linear from (start, 0) to (end, 100), or piecewise linear through the milestones in date order; 0 before the
    start and 100 after the end.
    """
    if start >= end:
        raise InvalidParameter("period", f"the period must start before it ends, got {start} .. {end}")
    points = [(start, 0.0), *sorted((m.due_on, float(m.percent)) for m in milestones), (end, 100.0)]
    if on <= start:
        return 0.0
    if on >= end:
        return 100.0
    for (left_day, left_pct), (right_day, right_pct) in zip(points, points[1:]):
        if left_day <= on <= right_day:
            span = (right_day - left_day).days
            return right_pct if span == 0 else left_pct + (right_pct - left_pct) * (on - left_day).days / span
    raise InvalidParameter("milestones", f"milestones must lie within the period {start} .. {end}")


def colour_for_gap(gap: float, thresholds: Thresholds = Thresholds()) -> str:
    """Green, yellow or red for being ``gap`` percentage points behind schedule (negative = ahead)."""
    if gap <= thresholds.yellow_gap:
        return GREEN
    return YELLOW if gap <= thresholds.red_gap else RED


def _at_least_yellow(colour: str) -> str:
    return colour if _SEVERITY[colour] >= _SEVERITY[YELLOW] else YELLOW


def assess(*, percent: float | None, state: str | None, reported_on: date | None, reported_colour: str | None = None,
           closed: bool = False, as_of: date, start: date = PLAN_YEAR_START, end: date = PLAN_YEAR_END,
           milestones: Sequence[Milestone] = (), thresholds: Thresholds = Thresholds()) -> Assessment:
    """Apply the module's rules to an item's latest report (``percent``/``state``/``reported_on``, all ``None``
    when it has none) as of ``as_of``."""
    if closed or state == COMPLETED:
        return _assessment(GREEN, reported_colour, expected=None, gap=None, stale=False)
    if percent is None or reported_on is None:
        return _assessment(GREY, reported_colour, expected=None, gap=None, stale=False)
    expected = expected_percent(reported_on, start=start, end=end, milestones=milestones)
    gap = expected - float(percent)
    colour = colour_for_gap(gap, thresholds)
    stale = (as_of - reported_on).days > thresholds.stale_after_days
    if stale or state == PAUSED:
        colour = _at_least_yellow(colour)
    return _assessment(colour, reported_colour, expected=expected, gap=gap, stale=stale)


def _assessment(colour: str, reported_colour: str | None, *, expected: float | None, gap: float | None,
                stale: bool) -> Assessment:
    mismatch = reported_colour is not None and colour != GREY and reported_colour != colour
    return Assessment(colour=colour, computed_colour=colour, reported_colour=reported_colour,
                      colour_mismatch=mismatch, expected_percent=expected, gap=gap, stale=stale)


def bulletin_colour(colour: str) -> str:
    """The colour an item counts as in a bulletin: grey (未上报) counts as yellow."""
    return YELLOW if colour == GREY else colour
