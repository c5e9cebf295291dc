"""Actual values of Attachment 1's targets, per park and quarter, in the status database.

An actual is the cumulative year-to-date figure at the end of a quarter of the plan year (累计完成; for the growth
rates in %, the year-to-date growth rate), reported for one park, or for ``total`` on a zone-wide target. History
is kept; the latest report (by ``reported_on``, then ``id``) of a (target, park, quarter) is its current value.
Each (target, park) cell is an item of the status database under :func:`actual_key` (``A1-1@P1``): writes move
its version forward (:func:`geo.status.store.bump_version`) and name it in the audit log, like
:func:`geo.status.records.add_report`. The colours are computed from these values by :mod:`geo.status.achievement`.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.status import models
from geo.status.achievement import RATE_UNIT, TOTAL
from geo.status.edits import MAX_NAME_CHARS, MAX_NOTE_CHARS, Problems, check_text, parse_date, parse_finite
from geo.errors import InvalidParameter, ValidationError
from geo.status.plausibility import check_cumulative, check_whole_number, require_confirmation, unusual_actual
from geo.plan.quarters import Quarter, parse_quarter, year_quarters
from geo.status.records import Written
from geo.status.snapshot import Actual, actual_from_row, latest_rows
from geo.status.colours import PLAN_YEAR_START
from geo.status.store import Store, bump_version, record_audit, utc_now
from geo.plan.target_plan import TargetPlan
from geo.plan.targets import NOT_APPLICABLE, PLAN_PARKS, ZONE_WIDE, Target
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

MAX_ACTUAL = 1_000_000.0  # far above any figure of Attachment 1 (the largest target is 1408): catches typos
RATE_RANGE = (-100.0, 1000.0)  # a growth rate cannot fall below −100 %; above 1000 % is a typo
ACTUAL_KEY_SEPARATOR = "@"


def actual_key(target_id: str, park: str) -> str:
    """The status database's item id of one cell of Attachment 1 (``A1-1@P1``, ``A8-1@total``): its version
    and audit-log entries live under it."""
    return f"{target_id}{ACTUAL_KEY_SEPARATOR}{park}"


def reportable_parks(target: Target) -> tuple[str, ...]:
    """The cells of ``target`` that take actuals: ``total`` alone for a zone-wide target, else every park whose
    cell is not "not applicable" (a total computed from the parks is never reported)."""
    if target.aggregation == ZONE_WIDE:
        return (TOTAL,)
    return tuple(park for park, cell in target.per_park.items() if cell != NOT_APPLICABLE)


def _shown(value: object) -> str:
    """``value`` as a message shows it: its repr, cut short (a form field may hold anything)."""
    if isinstance(value, int) and abs(value) >= 1e300:  # repr of a huge int is long, or refused by Python
        return "a number of more than 300 digits"
    text = str(value) if isinstance(value, Quarter) else repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _check_park(target: Target, park: object, problems: Problems) -> str | None:
    allowed = reportable_parks(target)
    if park in allowed:
        return park
    if target.aggregation == ZONE_WIDE:
        problems.add("park", f"{target.id} is one figure for the whole zone: expected {TOTAL!r}, got {_shown(park)}",
                     kind="park_zone_wide", target=target.id)
    elif park == TOTAL:
        problems.add("park", f"the total of {target.id} is computed from the parks' actuals and cannot be reported; "
                             f"report each park ({', '.join(allowed)})", kind="park_total", target=target.id,
                     choices=allowed)
    elif isinstance(park, str) and park in PLAN_PARKS:
        problems.add("park", f"the plan sets {target.id} for {', '.join(allowed)}, not for {park} (its cell is "
                             f"'{NOT_APPLICABLE}'); report one of those", kind="park_not_applicable",
                     target=target.id, park=park, choices=allowed)
    else:
        problems.add("park", f"expected one of {', '.join(allowed)}, got {_shown(park)}", kind="choice",
                     got=park, choices=allowed)
    return None


def _check_quarter(value: object, problems: Problems, *, today: date) -> Quarter | None:
    quarters = year_quarters(PLAN_YEAR_START.year)
    quarter = value if isinstance(value, Quarter) else None
    if quarter is None:
        try:
            quarter = parse_quarter(value)
        except InvalidParameter:
            pass
    if quarter not in quarters:
        problems.add("quarter", f"expected a quarter of the plan year written like {quarters[1]} "
                                f"({', '.join(map(str, quarters))}), got {_shown(value)}", kind="quarter_of_year",
                     got=value, choices=tuple(map(str, quarters)))
        return None
    if quarter.start > today:
        problems.add("quarter", f"{quarter} has not begun (it starts {quarter.start}, today is {today}); report a "
                                f"quarter that has begun", kind="quarter_not_begun", quarter=str(quarter),
                     start=quarter.start, today=today)
        return None
    return quarter


def _parse_value(value: object, problems: Problems, *, unit: str) -> float | None:
    number = parse_finite(value)
    low, high, what = (*RATE_RANGE, "growth rate in % (may be negative)") if unit == RATE_UNIT else (
        0.0, MAX_ACTUAL, f"count or amount in {unit}")
    if number is None or not low <= number <= high:
        problems.add("value", f"expected the year-to-date {what} as a number from {low:.0f} to {high:.0f}, "
                              f"got {_shown(value)}", kind="actual_range", low=low, high=high,
                     rate=unit == RATE_UNIT, unit=unit, got=value)
        return None
    return number


def check_actual(target: Target, *, park: object, quarter: object, value: object, note: object,
                 reported_on: object, reporter: object, today: date) -> tuple[dict, list[Problem]]:
    """Check an actual value of ``target``, collecting every problem (each naming its field). Pure.

    Parameters
    ----------
    park
        ``P1``…``P6`` with a cell for the target (not "not applicable"), or ``total`` for a zone-wide target.
    quarter
        A :class:`~geo.plan.quarters.Quarter` or text like ``2021Q2``: a quarter of the plan year that has begun by
        ``today``.
    value
        A finite number or numeric text: ≥ 0 (rates in %: −100 to 1000) and at most :data:`MAX_ACTUAL`.
    note, reporter
        Text; the reporter is required.
    reported_on
        A date or ISO text, not after ``today`` and not before the quarter's first day.

    Returns
    -------
    tuple
        The normalised values (``park``, ``quarter``, ``value``, ``note``, ``reported_on``, ``reporter``) and the
        problems (empty when the actual may be written).
    """
    problems = Problems("actual value", target.id)
    values = {
        "park": _check_park(target, park, problems),
        "quarter": _check_quarter(quarter, problems, today=today),
        "value": _parse_value(value, problems, unit=target.unit),
        "note": check_text(note, "note", problems, max_chars=MAX_NOTE_CHARS, required=False),
        "reported_on": parse_date(reported_on, "reported_on", problems),
        "reporter": check_text(reporter, "reporter", problems, max_chars=MAX_NAME_CHARS, required=True),
    }
    check_whole_number(values["value"], target.unit, problems)
    day, chosen = values["reported_on"], values["quarter"]
    if day is not None and day > today:
        problems.add("reported_on", f"an actual cannot be dated after today ({today}), got {day}",
                     kind="date_after_today", got=day, today=today)
    elif day is not None and chosen is not None and day < chosen.start:
        problems.add("reported_on", f"an actual for {chosen} cannot be dated before the quarter begins "
                                    f"({chosen.start}), got {day}", kind="date_before_quarter", quarter=str(chosen),
                     start=chosen.start, got=day)
    return values, problems.found


def add_actual(store: Store, plan: TargetPlan, target_id: str, *, park: object, quarter: object, value: object,
               reported_on: object, reporter: object, expected_version: int, note: object = "",
               today: date | None = None, confirmed: bool = False) -> Written:
    """Add an actual value of ``target_id`` for ``park`` and ``quarter``, in one transaction with its audit entry.

    Besides :func:`check_actual`, the value must fit the cell's other quarters (a year-to-date count or amount
    never goes down) and, when unusual (far above the target, a jump: :mod:`geo.status.plausibility`), be ``confirmed``.

    Parameters
    ----------
    park, quarter, value, reported_on, reporter, note
        As :func:`check_actual` accepts them.
    expected_version
        The cell's version (:func:`actual_versions`, by :func:`actual_key`) when the caller read it; 0 if never
        reported.
    today
        The date actuals may not be after (default: the system's date).

    Returns
    -------
    Written
        ``item_id`` the cell's key, its new ``version``, and the stored :class:`~geo.status.snapshot.Actual` as
        ``record``.

    Raises
    ------
    UnknownItem
        When Attachment 1 has no target ``target_id``.
    ValidationError
        Naming every bad field; nothing is written.
    EditConflict
        When the cell is no longer at ``expected_version``; nothing is written.
    """
    target = plan.target(target_id)
    values, problems = check_actual(target, park=park, quarter=quarter, value=value, note=note,
                                    reported_on=reported_on, reporter=reporter, today=today or date.today())
    if problems:
        raise ValidationError(problems)
    key = actual_key(target.id, values["park"])
    chosen: Quarter = values["quarter"]
    with store.write() as session:
        version = bump_version(session, key, expected_version)
        others = _other_quarters(session, target.id, values["park"], chosen)
        problems = Problems("actual value", target.id)
        check_cumulative(target, chosen, values["value"], others, problems)
        if problems.found:
            raise ValidationError(problems.found)
        unusual_actual(target, values["park"], chosen, values["value"], others, problems)
        confirmed_kinds = require_confirmation(problems.found, confirmed=confirmed)
        row = models.TargetActual(item_id=key, target_id=target.id, year=chosen.year, created_at=utc_now(),
                                  **{**values, "quarter": chosen.number})
        session.add(row)
        session.flush()
        record_audit(session, actor=values["reporter"], action="actual", item_id=key, details={
            "target_id": target.id, "park": values["park"], "quarter": str(chosen), "value": values["value"],
            "note": values["note"], "reported_on": values["reported_on"].isoformat(), "actual_id": row.id,
            "version": version, **({"confirmed": confirmed_kinds} if confirmed_kinds else {})})
    logger.info("actual %d of %s for %s %s by %s: %g %s", row.id, target.id, values["park"], chosen,
                values["reporter"], values["value"], target.unit)
    return Written(key, version, actual_from_row(row))


def _other_quarters(session: Session, target_id: str, park: str, quarter: Quarter) -> dict[Quarter, float]:
    """The current figure of every other quarter of the year reported for the (target, park) cell."""
    table = models.TargetActual
    query = latest_rows(table, [table.quarter], [table.reported_on, table.id],
                        [table.target_id == target_id, table.park == park, table.year == quarter.year,
                         table.quarter != quarter.number])
    return {Quarter(row.year, row.quarter): row.value for row in session.scalars(query)}


def latest_actuals(store: Store, *, as_of: date | None = None) -> dict[tuple[str, str, Quarter], Actual]:
    """The current actual of every (target, park, quarter) reported, keyed by ``(target_id, park, quarter)``.

    Parameters
    ----------
    as_of
        Only actuals with ``reported_on <= as_of`` count (``None``: all): what was known on that day.
    """
    table = models.TargetActual
    where = [table.reported_on <= as_of] if as_of is not None else []
    query = latest_rows(table, [table.target_id, table.park, table.year, table.quarter],
                        [table.reported_on, table.id], where)
    with store.read() as session:
        actuals = [actual_from_row(row) for row in session.scalars(query)]
    return {(a.target_id, a.park, a.quarter): a for a in actuals}


def actual_values(actuals: Mapping[tuple[str, str, Quarter], Actual]) -> dict[tuple[str, str, Quarter], float]:
    """Just the values of :func:`latest_actuals`' answer (what :func:`geo.status.achievement.target_rows` takes)."""
    return {key: actual.value for key, actual in actuals.items()}


def actual_history(store: Store, target_id: str | None = None) -> list[Actual]:
    """Every actual reported (of ``target_id`` only, if given), latest first (by ``reported_on``, then ``id``)."""
    table = models.TargetActual
    query = sa.select(table).order_by(table.reported_on.desc(), table.id.desc())
    if target_id is not None:
        query = query.where(table.target_id == target_id)
    with store.read() as session:
        return [actual_from_row(row) for row in session.scalars(query)]


def actual_versions(store: Store) -> dict[str, int]:
    """The version of every cell that has an actual, by :func:`actual_key`; a cell never reported is absent
    (its version is 0)."""
    reported = sa.select(models.TargetActual.item_id).distinct()
    with store.read() as session:
        return dict(session.execute(sa.select(models.Item.item_id, models.Item.version)
                                    .where(models.Item.item_id.in_(reported))).all())
