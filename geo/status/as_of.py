"""The corridor as it stood on a past day (as-of review): statuses, check-offs and geometries of then. Pure reads.

The selection is the quarterly bulletin's (:func:`geo.bulletins.bulletin.quarterly_bulletin`), so that the overview as of a
quarter's last day and that quarter's bulletin agree item by item:

- **progress reports** count when dated on or before the day (``reported_on <= day``), whenever they were entered:
  a report entered late but dated within the quarter belongs to it, as in the bulletin;
- **check-off events** (销号, reopen) count when effective on or before the day;
- **geometries** are the latest version *created* before the end of the day in Beijing time (an edit has no other
  date), else the plan's baseline. The bulletin shows no geometry, so this adds to its rule without changing it;
- periods and milestones are the current ones (they correct the plan, not the progress), as in the bulletin;
- colours are judged against the day itself by :mod:`geo.status.colours`.

:func:`statuses_as_of` is the entry point for other features (the overview timeline, the accessibility scenario
``current``): every plan item's status row as of a day.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from geo.errors import InvalidParameter
from geo.status.merged import merge_states, status_rows
from geo.plan.layers import PlanData
from geo.status.snapshot import ItemState, item_states
from geo.status.colours import PLAN_YEAR_START, Thresholds
from geo.status.store import Store

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
EARLIEST = PLAN_YEAR_START  # nothing was reported before the plan began
PLAN_ITEM_LAYERS: tuple[str, ...] = ("blocks", "roads", "tasks")


def day_end_utc(day: date) -> datetime:
    """The first moment after ``day`` ends in Beijing time, in UTC (geometry versions created before it count)."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=BEIJING).astimezone(timezone.utc)


def parse_as_of(text: object, *, today: date, field: str = "as_of") -> date:
    """Parse an as-of day written ``YYYY-MM-DD`` (ASCII digits) between :data:`EARLIEST` and ``today``.

    Raises
    ------
    InvalidParameter
        Naming ``field``, with the kind ``date_format``, ``date_before_plan`` or ``date_after_today``.
    """
    try:
        day = date.fromisoformat(text) if isinstance(text, str) and text.isascii() and len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidParameter(field, f"expected a date written YYYY-MM-DD such as 2021-06-30, got {text!r}",
                               kind="date_format", details={"got": text})
    if day < EARLIEST:
        raise InvalidParameter(field, f"expected a day on or after the plan's start {EARLIEST}, got {day}; "
                                      f"nothing was reported before it", kind="date_before_plan",
                               details={"earliest": EARLIEST, "got": day})
    if day > today:
        raise InvalidParameter(field, f"expected a day up to today ({today}), got {day}; the future has no status "
                                      f"yet", kind="date_after_today", details={"today": today, "got": day})
    return day


def states_as_of(store: Store, day: date, *, item_ids: list[str] | None = None) -> dict[str, ItemState]:
    """Every edited item's state as of ``day`` (the module's rules), keyed by id: one query per table."""
    return item_states(store, as_of=day, item_ids=item_ids, geometry_before=day_end_utc(day))


def plan_item_ids(plan: PlanData) -> list[str]:
    """The ids of the plan's blocks, roads (ring segments included) and tasks, in layer order."""
    return [item_id for layer in PLAN_ITEM_LAYERS for item_id in getattr(plan, layer)["id"]]


def statuses_as_of(store: Store, plan: PlanData, day: date, *, item_ids: Iterable[str] | None = None,
                   thresholds: Thresholds = Thresholds()) -> dict[str, dict]:
    """Each plan item's status row (:func:`geo.status.merged.status_row`: ``state``, ``percent``, ``colour``,
    ``closed`` …) as of ``day``, keyed by id; ``item_ids`` (e.g. department tasks) instead of the plan's."""
    ids = list(item_ids) if item_ids is not None else plan_item_ids(plan)
    return status_rows(states_as_of(store, day), ids, as_of=day, thresholds=thresholds)


def plan_as_of(store: Store, plan: PlanData, day: date, *, thresholds: Thresholds = Thresholds()) -> PlanData:
    """The plan with its status columns and geometries as of ``day`` (:func:`geo.status.merged.merge_states`)."""
    return merge_states(plan, states_as_of(store, day), as_of=day, thresholds=thresholds)
