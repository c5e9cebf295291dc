"""Target achievement (Attachment 1): actual values against the annual targets, pro rata, in the three colours.

Pure functions: the actual values come in as a mapping ``(target id, park or "total", quarter) -> value``
(:func:`geo.status.target_records.actual_values`); nothing here reads the database. The rules:

1. **Expected** by quarter *q* of the plan year: the annual target × *q*/4 for counts and amounts; for a growth
   rate (unit ``%``) the target itself (a rate is not pro-rated).
2. **Gap**, in percentage points of the annual target: ``(expected − actual) / target × 100``; the colour is
   :func:`geo.status.colours.colour_for_gap` (green ≤ 10, yellow ≤ 25, red above, as for every item). A target of 0 is met
   by any actual at or above it (gap 0) and missed entirely by one below it (gap 100: only a rate can be below
   0). **Achievement** is ``actual / expected × 100`` (``None`` when expected is 0 or a value is missing).
3. No actual for the quarter: grey (未上报). A cell the plan leaves as "no numeric target": ``none`` (无量化目标,
   neutral); its actual is still carried. "not applicable" cells have no row.
4. The **total** of a ``sum_of_parks`` target is the sum of the parks' actuals, and only when every park with a
   numeric target reported (every applicable park, for a row without any); until then it has no actual and is
   grey (部分园区未上报). A ``shared`` target (one item every park takes part in: A6-1, 1 per park, 合计 1) has as
   total the smallest of those actuals: the item is as far along as its furthest-behind park. A ``zone_wide``
   target has only its total, reported directly.
5. A **park's colour**: over its cells with a numeric target, grey when none is reported; otherwise the colour of
   the mean of ``max(gap, 0)`` over the reported cells (being ahead on one target does not make up for another),
   then at least yellow when any cell is unreported or red.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.errors import InvalidParameter
from geo.plan.quarters import Quarter
from geo.status.colours import COLOUR_LABELS, GREEN, GREY, RED, YELLOW, Thresholds, colour_for_gap
from geo.plan.target_plan import TargetPlan
from geo.plan.targets import NO_NUMERIC_TARGET, NOT_APPLICABLE, PLAN_PARKS, SHARED, ZONE_WIDE, Cell, Target

logger = logging.getLogger(__name__)

NO_TARGET = "none"
ACHIEVEMENT_LABELS: dict[str, str] = {**COLOUR_LABELS, NO_TARGET: "无量化目标"}
TOTAL = "total"
TOTAL_NAME = "合计"
RATE_UNIT = "%"
QUARTERS_PER_YEAR = 4
MISSED_GAP = 100.0  # a zero target missed: as far behind as reaching none of a positive target

ROW_COLUMNS: tuple[str, ...] = (
    "target_id", "action", "action_name", "label", "unit", "park", "park_name", "target", "target_text",
    "expected", "actual", "achievement", "gap", "colour",
)
NUMERIC_COLUMNS: tuple[str, ...] = ("target", "expected", "actual", "achievement", "gap")
SUMMARY_COLUMNS: tuple[str, ...] = ("park", "park_name", "colour", GREEN, YELLOW, RED, GREY, NO_TARGET)


@dataclass(frozen=True)
class TargetAssessment:
    """One cell's standing in a quarter.

    ``colour`` is green/yellow/red, grey (no actual) or :data:`NO_TARGET`; ``target`` the annual target (``None``
    for "no numeric target"); ``expected`` what was due by the quarter's end; ``achievement`` actual / expected in
    percent; ``gap`` percentage points of the annual target behind schedule (negative = ahead).
    """

    colour: str
    target: float | None
    expected: float | None
    actual: float | None
    achievement: float | None
    gap: float | None


def expected_by(target: float, quarter: Quarter, *, rate: bool) -> float:
    """What is due of the annual ``target`` by the end of ``quarter``: pro rata, or the target itself for a rate."""
    return float(target) if rate else float(target) * quarter.number / QUARTERS_PER_YEAR


def assess_target(*, target: float | str, actual: float | None, quarter: Quarter, rate: bool,
                  thresholds: Thresholds = Thresholds()) -> TargetAssessment:
    """Assess one cell: its annual ``target`` (a number or :data:`geo.plan.targets.NO_NUMERIC_TARGET`) and the
    cumulative ``actual`` reported for ``quarter`` (``None`` when none was).

    Raises
    ------
    InvalidParameter
        For ``target`` when it is any other marker (such cells have no assessment).
    """
    actual = None if actual is None else float(actual)
    if isinstance(target, str):
        if target != NO_NUMERIC_TARGET:
            raise InvalidParameter("target", f"expected a number or {NO_NUMERIC_TARGET!r}, got {target!r}; "
                                             f"{NOT_APPLICABLE!r} cells take no assessment")
        return TargetAssessment(NO_TARGET, None, None, actual, None, None)
    target = float(target)
    expected = expected_by(target, quarter, rate=rate)
    if actual is None:
        return TargetAssessment(GREY, target, expected, None, None, None)
    if target == 0:
        gap = 0.0 if actual >= expected else MISSED_GAP
    else:
        gap = (expected - actual) * 100 / target  # in this order 1 point of 10 is exactly 10
    achievement = None if expected == 0 else actual / expected * 100
    return TargetAssessment(colour_for_gap(gap, thresholds), target, expected, actual, achievement, gap)


def target_text(cell: Cell) -> str:
    """The annual target as tables write it: ``10``, ``3.6``, or 无量化目标."""
    if isinstance(cell, str):
        return ACHIEVEMENT_LABELS[NO_TARGET]
    text = repr(float(cell))
    return text.removesuffix(".0")


def target_rows(plan: TargetPlan, actuals: Mapping[tuple[str, str, Quarter], float], quarter: Quarter, *,
                thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """Every cell of the plan's targets in ``quarter``: one row per target and park that has a cell, then its total.

    Parameters
    ----------
    plan
        The targets and parks (:func:`geo.plan.target_plan.load_target_plan`).
    actuals
        The current cumulative actual per ``(target id, park or TOTAL, quarter)``.
    quarter
        The quarter to assess.
    thresholds
        The gaps that turn a cell yellow or red.

    Returns
    -------
    pd.DataFrame
        Columns :data:`ROW_COLUMNS`, in the plan's order (parks P1…P6, then :data:`TOTAL`, 合计); the numeric
        columns hold floats or ``None``.
    """
    records: list[dict[str, object]] = []
    for target in plan.targets:
        rate = target.unit == RATE_UNIT
        if target.aggregation != ZONE_WIDE:
            for park, cell in target.per_park.items():
                if cell != NOT_APPLICABLE:
                    assessment = assess_target(target=cell, actual=actuals.get((target.id, park, quarter)),
                                               quarter=quarter, rate=rate, thresholds=thresholds)
                    records.append(_record(target, park, plan.park_name(park), cell, assessment))
            total_actual = _parks_total(target, actuals, quarter)
        else:
            total_actual = actuals.get((target.id, TOTAL, quarter))
        assessment = assess_target(target=target.total, actual=total_actual, quarter=quarter, rate=rate,
                                   thresholds=thresholds)
        records.append(_record(target, TOTAL, TOTAL_NAME, target.total, assessment))
    logger.debug("assessed %d target cells for %s", len(records), quarter)
    return _frame(records, ROW_COLUMNS, numeric=NUMERIC_COLUMNS)


def _parks_total(target: Target, actuals: Mapping[tuple[str, str, Quarter], float],
                 quarter: Quarter) -> float | None:
    """The parks' actuals added up (the smallest of them, for a ``shared`` target), or ``None`` while a park that
    counts has not reported."""
    applicable = [park for park, cell in target.per_park.items() if cell != NOT_APPLICABLE]
    required = list(target.park_values) or applicable
    if any((target.id, park, quarter) not in actuals for park in required):
        return None
    if target.aggregation == SHARED:
        return float(min(actuals[(target.id, park, quarter)] for park in required))
    return float(sum(actuals.get((target.id, park, quarter), 0.0) for park in applicable))


def _record(target: Target, park: str, park_name: str, cell: Cell,
            assessment: TargetAssessment) -> dict[str, object]:
    return {"target_id": target.id, "action": target.action, "action_name": target.action_name,
            "label": target.label, "unit": target.unit, "park": park, "park_name": park_name,
            "target": assessment.target, "target_text": target_text(cell), "expected": assessment.expected,
            "actual": assessment.actual, "achievement": assessment.achievement, "gap": assessment.gap,
            "colour": assessment.colour}


def _frame(records: list[dict[str, object]], columns: tuple[str, ...], *, numeric: tuple[str, ...]) -> pd.DataFrame:
    """A frame of ``records``; the ``numeric`` columns kept as objects so that a missing value stays ``None``."""
    return pd.DataFrame({column: pd.Series([record[column] for record in records],
                                           dtype=object if column in numeric else None)
                         for column in columns})


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def park_colour(rows_of_one_park: pd.DataFrame, *, thresholds: Thresholds = Thresholds()) -> str:
    """The colour of a park on the map from its rows of :func:`target_rows` (rule 5 of the module).

    A park without any numeric target is :data:`NO_TARGET`.
    """
    numeric = rows_of_one_park[rows_of_one_park["colour"] != NO_TARGET]
    if numeric.empty:
        return NO_TARGET
    gaps = [float(gap) for gap, colour in zip(numeric["gap"], numeric["colour"])
            if colour != GREY and not _missing(gap)]
    if not gaps:
        return GREY
    colour = colour_for_gap(sum(max(gap, 0.0) for gap in gaps) / len(gaps), thresholds)
    lagging = len(gaps) < len(numeric) or (numeric["colour"] == RED).any()
    return YELLOW if colour == GREEN and lagging else colour


def park_summary(rows: pd.DataFrame, *, thresholds: Thresholds = Thresholds()) -> pd.DataFrame:
    """One row per park P1…P6 from :func:`target_rows`: its colour and how many of its cells have each colour.

    Returns
    -------
    pd.DataFrame
        Columns :data:`SUMMARY_COLUMNS`: ``park``, ``park_name``, ``colour``, then the counts ``green``,
        ``yellow``, ``red``, ``grey`` (cells with a numeric target) and ``none`` (cells without one). Totals are
        not a park's and are left out.
    """
    records = []
    for park, default_name in PLAN_PARKS.items():
        own = rows[rows["park"] == park]
        names = own["park_name"].unique()
        counts = own["colour"].value_counts()
        records.append({"park": park, "park_name": names[0] if len(names) else default_name,
                        "colour": park_colour(own, thresholds=thresholds),
                        **{colour: int(counts.get(colour, 0)) for colour in (GREEN, YELLOW, RED, GREY, NO_TARGET)}})
    return pd.DataFrame(records, columns=list(SUMMARY_COLUMNS))
