"""Plausibility of what people report: refuse what cannot be true, ask for confirmation on what is merely unusual.

Refused (a :class:`~geo.plan.validate.Problem` among the write's :class:`~geo.errors.ValidationError` problems):

* a year-to-date actual below an earlier quarter's, or above a later quarter's, of the same target and park (an
  accumulated count or amount cannot go down during the year; growth rates in % can, and are left alone);
* a fraction of a counted item (units :data:`COUNT_UNITS`: 1.5 个 is no count).

Unusual (:class:`~geo.errors.NeedsConfirmation` unless the write is confirmed):

* an actual more than :data:`FAR_ABOVE_FACTOR` times its cell's annual target (the issue's example: 100,000 teams
  against a target of 1 is a typo far more often than a triumph);
* a quarter that adds more than :data:`JUMP_FACTOR` times the annual target to the previous quarter's figure;
* a progress report whose percent is below the item's previous report (progress going back: a correction?);
* closing (销号) an item whose latest report is not 已完成, or that has none (asked for by the pages).

Dates before the plan year (2021-01-01, the plan's 2021年 period) or after today are refused by
:mod:`geo.status.edits` and :mod:`geo.status.target_records`. Every problem has a ``kind`` and the values it quotes
(``details``), so a user interface words it in its own language. The factors are the project's choice, not the
plan's.
"""
from __future__ import annotations

from collections.abc import Mapping

from geo.status.achievement import RATE_UNIT, TOTAL
from geo.status.edits import Problems
from geo.errors import NeedsConfirmation
from geo.plan.quarters import Quarter
from geo.status.snapshot import Report
from geo.status.colours import COMPLETED
from geo.plan.targets import Target
from geo.plan.validate import Problem

COUNT_UNITS: frozenset[str] = frozenset({"个", "家", "项"})
FAR_ABOVE_FACTOR = 5.0
JUMP_FACTOR = 2.0


def check_whole_number(value: float | None, unit: str, problems: Problems) -> None:
    """A problem when ``value`` counts items of ``unit`` (:data:`COUNT_UNITS`) but is not a whole number."""
    if value is not None and unit in COUNT_UNITS and not float(value).is_integer():
        problems.add("value", f"{unit} counts whole items: expected a whole number, got {value:g}",
                     kind="not_whole_number", got=value, unit=unit)


def check_cumulative(target: Target, quarter: Quarter, value: float, others: Mapping[Quarter, float],
                     problems: Problems) -> None:
    """Problems when the year-to-date ``value`` of ``quarter`` is below an earlier quarter's current figure or
    above a later one's (``others``: the other quarters' current figures of the same target and park). Growth
    rates are not accumulated and may go down."""
    if target.unit == RATE_UNIT:
        return
    earlier = [(figure, q) for q, figure in others.items() if q < quarter]
    later = [(figure, q) for q, figure in others.items() if q > quarter]
    if earlier and value < max(earlier)[0]:
        figure, when = max(earlier)
        problems.add("value", f"a year-to-date figure cannot go down: {when} already has {figure:g} {target.unit}, "
                              f"got {value:g} for {quarter}; correct {when} first if it is wrong",
                     kind="ytd_below_earlier", got=value, earlier=figure, earlier_quarter=str(when),
                     quarter=str(quarter), unit=target.unit)
    if later and value > min(later)[0]:
        figure, when = min(later)
        problems.add("value", f"a year-to-date figure cannot go down: {when} already has {figure:g} {target.unit}, "
                              f"so {quarter} cannot have more, got {value:g}; correct {when} first if it is wrong",
                     kind="ytd_above_later", got=value, later=figure, later_quarter=str(when),
                     quarter=str(quarter), unit=target.unit)


def cell_target(target: Target, park: str) -> float | None:
    """The annual target of ``target`` for ``park`` (``total``: the zone's), ``None`` when it has no number."""
    cell = target.total if park == TOTAL else target.per_park.get(park)
    return None if isinstance(cell, str) or cell is None else float(cell)


def unusual_actual(target: Target, park: str, quarter: Quarter, value: float, others: Mapping[Quarter, float],
                   problems: Problems) -> None:
    """Findings when ``value`` is far above the cell's annual target, or (for counts and amounts) the quarter
    adds far more than the year's target to the previous quarter's figure."""
    annual = cell_target(target, park)
    if annual is None or annual <= 0:
        return
    if value > FAR_ABOVE_FACTOR * annual:
        problems.add("value", f"{value:g} {target.unit} is more than {FAR_ABOVE_FACTOR:g} times the annual target "
                              f"({annual:g} {target.unit}); is it right?",
                     kind="far_above_target", got=value, target=annual, factor=FAR_ABOVE_FACTOR, unit=target.unit)
        return
    previous = max((figure for q, figure in others.items() if q < quarter), default=0.0)
    if target.unit != RATE_UNIT and value - previous > JUMP_FACTOR * annual:
        problems.add("value", f"{quarter} adds {value - previous:g} {target.unit} to the previous {previous:g}, more "
                              f"than {JUMP_FACTOR:g} times the annual target ({annual:g} {target.unit}); is it right?",
                     kind="quarter_jump", got=value, earlier=previous, increase=value - previous, target=annual,
                     factor=JUMP_FACTOR, quarter=str(quarter), unit=target.unit)


def unusual_report(item_id: str, percent: float, previous: Report | None) -> list[Problem]:
    """A finding when ``percent`` is below the item's previous report (the latest dated on or before it)."""
    problems = Problems("progress report", item_id)
    if previous is not None and percent < previous.percent:
        problems.add("percent", f"progress goes back from {previous.percent:g} % (reported {previous.reported_on}) "
                                f"to {percent:g} %; is it a correction?",
                     kind="progress_decrease", got=percent, earlier=previous.percent, earlier_on=previous.reported_on)
    return problems.found


def unusual_closing(item_id: str, latest: Report | None) -> list[Problem]:
    """Findings when closing (销号) an item whose latest report is not 已完成, or that has none."""
    problems = Problems("check-off", item_id)
    if latest is None:
        problems.add("closed", "no progress has been reported for this item", kind="close_unreported")
    elif latest.state != COMPLETED:
        problems.add("closed", f"the latest report ({latest.reported_on}) says {latest.state} at {latest.percent:g} %, "
                               f"not {COMPLETED}", kind="close_unfinished", state=latest.state,
                     percent=latest.percent, reported_on=latest.reported_on)
    return problems.found


def require_confirmation(findings: list[Problem], *, confirmed: bool) -> list[str]:
    """The kinds of ``findings`` confirmed (for the audit log); :class:`~geo.errors.NeedsConfirmation` when
    there are findings and the write is not confirmed."""
    if findings and not confirmed:
        raise NeedsConfirmation(findings)
    return [str(finding.kind) for finding in findings]
