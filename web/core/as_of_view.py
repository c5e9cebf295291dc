"""As-of review in the web app: ``?as_of=YYYY-MM-DD`` on any map page, the task list and the API.

A request naming ``as_of`` is validated before its view runs (:func:`past_rows`, called by
:func:`web.core.live_status.refresh_before_request`; a bad value is a 400 naming ``as_of``). Its status rows are then those
of :func:`geo.status.as_of.statuses_as_of` — the quarterly bulletin's selection, so the overview as of a quarter's last day
and that quarter's bulletin agree — and the day it states beside its colours is that day. Views read the layers
through :func:`served_layers`, which gives the geometries of that day. Both are cached per app by the day and the
database's change id (:mod:`web.infra.cache`): a write makes old entries unreachable.

Pages looking at the past hide their editing forms (:func:`viewing_past`): a report or a check-off is always made
today. The HTTP cache keys on the path and the query (:mod:`web.core.http_cache`), so each day is cached apart.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

from geo.status.as_of import day_end_utc, parse_as_of, plan_item_ids, states_as_of
from geo.status.merged import status_rows
from geo.plan.quarters import Quarter, quarter_of
from geo.status.colours import PLAN_YEAR_START
from web.core.as_of import beijing_today
from web.infra.cache import app_cached
from web.core.database import app_store, surveyed_plan
from web.core.features import PreparedLayers, prepare_layers
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

AS_OF_PARAMETER = "as_of"
ROWS_CACHE, LAYERS_CACHE = "corridor_as_of_rows", "corridor_as_of_layers"
LAYERS_CACHE_SIZE = 6  # serialised layers are the heavy part; a review looks at a handful of quarters
PAST_BASIS = ("回看历史状态：只计该日及以前日期的进展上报和销号、该日结束前保存的位置，与该季度通报的口径相同；"
              "此时不能编辑")


def requested_day(*, today: date) -> date | None:
    """The ``as_of`` day of the current request (``None``: live, also outside a request, e.g. ``corridor export``),
    validated against ``today``."""
    text = request.args.get(AS_OF_PARAMETER) if has_request_context() else None
    return None if text is None else parse_as_of(text, today=today)


def past_rows(app: Flask, day: date, *, change_id: int, change_at: datetime | None) -> dict[str, dict]:
    """Every plan item's status row as of ``day`` for the current request; remembers the day and the layers' key
    in ``g`` for :func:`served_layers` and :func:`viewing_past`."""
    rows, geometry_key = app_cached(ROWS_CACHE, (day, change_id, change_at), lambda: _compute(app, day))
    g.corridor_as_of, g.corridor_as_of_geometries = day, geometry_key
    return rows


def _compute(app: Flask, day: date) -> tuple[dict[str, dict], tuple[tuple[str, int, datetime], ...]]:
    states = states_as_of(app_store(app), day)
    rows = status_rows(states, plan_item_ids(corridor_state(app).plan), as_of=day)
    # with the time, as a restored backup may hold another geometry under the same version number
    geometry_key = tuple(sorted((item_id, s.geometry.version, s.geometry.created_at)
                                for item_id, s in states.items() if s.geometry))
    logger.info("status as of %s computed (%d stored geometries then)", day, len(geometry_key))
    return rows, geometry_key


def past_day() -> date | None:
    """The as-of day of the current request (``None``: the live view)."""
    return g.get("corridor_as_of")


def viewing_past() -> str | None:
    """The as-of day of the current request as ISO text, or ``None`` for the live view."""
    day = past_day()
    return day.isoformat() if day is not None else None


def past_history(history: dict[str, Any]) -> dict[str, Any]:
    """An item's history (:func:`web.editing.items.item_history`, dates as ISO text) as it stood on the request's
    ``as_of`` day: reports dated by then, check-off events effective by then, geometry versions and audit entries
    made before that day ended in Beijing; unchanged for the live view."""
    day = past_day()
    if day is None:
        return history
    end = day_end_utc(day)

    def before_end(moment: str) -> bool:
        return datetime.fromisoformat(moment) < end

    return {**history,
            "reports": [r for r in history["reports"] if date.fromisoformat(r["reported_on"]) <= day],
            "check_events": [e for e in history["check_events"] if date.fromisoformat(e["effective_on"]) <= day],
            "geometry_versions": [v for v in history["geometry_versions"] if before_end(v["created_at"])],
            "audit": [a for a in history["audit"] if before_end(a["at"])]}


def served_layers() -> PreparedLayers:
    """The layers the current request shows: today's, or those with the geometries of its ``as_of`` day."""
    if past_day() is None:
        return corridor_state().layers
    key = g.corridor_as_of_geometries
    return app_cached(LAYERS_CACHE, key, lambda: _past_layers(key), size=LAYERS_CACHE_SIZE)


def _past_layers(key: tuple[tuple[str, int, datetime], ...]) -> PreparedLayers:
    plan = corridor_state().plan
    if not key:
        return prepare_layers(plan)
    states = states_as_of(app_store(), g.corridor_as_of)
    return prepare_layers(surveyed_plan(plan, states, as_of=g.corridor_as_of))


def quarter_choices(*, today: date) -> list[tuple[str, str]]:
    """The quarter picker's options, newest first: ``(last day or today, "2021Q2（截至 2021-06-30）")``, from
    2021Q1 to the current quarter (judged as of today)."""
    choices, quarter = [], quarter_of(today)
    while quarter >= quarter_of(PLAN_YEAR_START):
        day = min(quarter.end, today)
        choices.append((day.isoformat(), f"{quarter}（截至 {day.isoformat()}）"))
        quarter = Quarter(quarter.year - 1, 4) if quarter.number == 1 else Quarter(quarter.year, quarter.number - 1)
    return choices


def as_of_view_globals() -> dict[str, object]:
    """Template globals for ``_as_of.html``'s picker and the pages' editing forms."""
    return {"viewing_past": viewing_past, "as_of_quarter_choices": lambda: quarter_choices(today=beijing_today()),
            "as_of_today": lambda: beijing_today().isoformat(), "as_of_parameter": AS_OF_PARAMETER,
            "past_basis": PAST_BASIS}
