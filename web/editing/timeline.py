"""Looking back over time on the pages: the overview's timeline steps and the item page's history chart.

The 总览 timeline (``_timeline.html``, ``static/timeline.js``) plays the corridor's status quarter by quarter: one
step per quarter end from 2021Q1 up to the last one before the judging day, then 今天; the page fetches each step's
colours from ``/api/<layer>?as_of=<day>`` (今天: the live API). The item page draws
:func:`web.editing.history_chart.item_history_chart` from the item's stored reports, period and milestones. Both are
template globals registered by :data:`timeline_blueprint` (no routes of its own). A page reviewing the past
(``?as_of=``, :mod:`web.core.as_of_view`) starts the timeline at its own day, a step of its own if not a quarter end.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint
from markupsafe import Markup

from geo.plan.quarters import Quarter, quarter_of
from geo.status.snapshot import item_state, report_history
from geo.status.colours import PLAN_YEAR_END, PLAN_YEAR_START
from web.core.as_of import beijing_today
from web.core.as_of_view import viewing_past
from web.core.database import app_store
from web.core.live_status import current_status_day
from web.editing.history_chart import Plan, item_history_chart

logger = logging.getLogger(__name__)

timeline_blueprint = Blueprint("timeline", __name__)

FIRST_QUARTER = quarter_of(PLAN_YEAR_START)
TODAY_LABEL = "今天"


@dataclass(frozen=True)
class Step:
    """One stop of the timeline: the day colours are judged on (``as_of``, ISO; empty for 今天: the live API), its
    label, and whether it is what the page shows as loaded (``shown``)."""

    as_of: str
    label: str
    day: str
    shown: bool = False


def timeline_steps() -> list[Step]:
    """Every quarter end from 2021Q1 before today (Beijing time), then 今天; the page's own ``as_of`` day, when it
    reviews the past, is the step shown (added in date order when it is not a quarter end)."""
    today, past = beijing_today(), viewing_past()
    steps, quarter = [], FIRST_QUARTER
    while quarter.end < today:
        day = quarter.end.isoformat()
        steps.append(Step(as_of=day, label=str(quarter), day=day, shown=day == past))
        quarter = Quarter(quarter.year + 1, 1) if quarter.number == 4 else Quarter(quarter.year, quarter.number + 1)
    steps.append(Step(as_of="", label=TODAY_LABEL, day=today.isoformat(), shown=past is None))
    if past is not None and not any(step.shown for step in steps):
        steps.append(Step(as_of=past, label=f"截至 {past}", day=past, shown=True))
        steps.sort(key=lambda step: (step.day, step.as_of == ""))
    return steps


def item_progress_chart(item_id: str) -> Markup:
    """The history chart of ``item_id`` from the status database, judged against the request's day."""
    store = app_store()
    state = item_state(store, item_id)
    plan = Plan(start=state.period_start or PLAN_YEAR_START, end=state.period_end or PLAN_YEAR_END,
                milestones=state.milestones)
    return item_history_chart(item_id, report_history(store, item_id), plan, today=current_status_day())


@timeline_blueprint.record_once
def _register_globals(state) -> None:
    state.app.add_template_global(timeline_steps)
    state.app.add_template_global(item_progress_chart)
