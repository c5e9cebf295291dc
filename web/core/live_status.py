"""Every item's status, kept current as the status database changes, and the rows each request reads.

Status is derived data: when the audit log has grown (:func:`geo.status.snapshot.latest_change_id`) :class:`LiveStatus`
recomputes the status rows of the items the new entries name (all of them when the day changed), and re-serialises
the map layers only when a surveyed geometry was stored (:func:`geo.status.snapshot.geometry_change_id`).
Each request reads the change id once (:func:`refresh_before_request`; kept in ``g.corridor_change_id``, the pages'
cache version: :mod:`web.core.state_version`); :func:`web.core.status.item_status` then looks rows up in memory
(:func:`current_status_rows`, registered with it by :func:`init_live_status`).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Flask, current_app, g, has_app_context, request

from geo.status.merged import status_rows
from geo.status.snapshot import ChangeMark, changes_since, geometry_change_id, item_states, latest_change_id
from web.core.as_of import beijing_today
from web.core.as_of_view import past_rows, requested_day
from web.core.database import STORE_EXTENSION, app_store, surveyed_plan
from web.core.features import ITEM_LAYERS, prepare_layers
from web.core.state import corridor_state
from web.core.status import register_status_rows

logger = logging.getLogger(__name__)

LIVE_EXTENSION = "corridor_live_status"
UNCHECKED_ENDPOINTS = frozenset({"static", "corridor_assets.xstatic", "api.health", "openapi.openapi_json"})


@dataclass(eq=False)
class LiveStatus:
    """Every item's status row (:func:`geo.status.merged.status_row`) for today, kept current as the database changes.

    A write recomputes the rows of the items it touched only (the audit entries since the last refresh name them);
    a new day, a rewritten history (a restore) or the first refresh recompute them all.
    """

    change_id: int = -1
    day: date | None = None
    rows: dict[str, dict] = field(default_factory=dict)
    geometry_id: int = 0
    change_at: datetime | None = None  # time of audit entry ``change_id``: a restore may reuse the id, not the time
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, app: Flask, change_id: int, *, today: date) -> dict[str, dict]:
        """The rows as of ``today`` with the database at ``change_id`` (or later); recomputed (and layers
        re-prepared when a geometry was stored) only when either moved."""
        with self._lock:
            if (change_id, today) == (self.change_id, self.day):
                return self.rows
            store = app_store(app)
            plan = corridor_state(app).plan
            ids = [item_id for layer in ITEM_LAYERS for item_id in getattr(plan, layer)["id"]]
            marks = changes_since(store, min(self.change_id, change_id) if self.change_id >= 0 else change_id)
            touched = self._touched(marks, today)
            if touched is None:
                self.rows = status_rows(item_states(store, as_of=today), ids, as_of=today)
            elif touched:
                changed = [item_id for item_id in ids if item_id in touched]
                states = item_states(store, as_of=today, item_ids=changed)
                self.rows = {**self.rows, **status_rows(states, changed, as_of=today)}
            geometry_id = geometry_change_id(store)
            if geometry_id != self.geometry_id:
                states = item_states(store, as_of=today)
                corridor_state(app).layers = prepare_layers(surveyed_plan(plan, states, as_of=today))
                logger.info("map layers re-prepared with surveyed geometries up to version id %d", geometry_id)
                self.geometry_id = geometry_id
            self.change_id, self.day = change_id, today
            self.change_at = next((mark.at for mark in marks if mark.id == change_id), None)
            return self.rows

    def _touched(self, marks: list[ChangeMark], today: date) -> set[str] | None:
        """The items written since the last refresh, or ``None`` when every row must be recomputed."""
        if self.change_id < 0 or today != self.day:
            return None
        if self.change_id > 0 and (not marks or (marks[0].id, marks[0].at) != (self.change_id, self.change_at)):
            return None  # the entry last seen is gone or different: the history was rewritten
        return {mark.item_id for mark in marks if mark.id > self.change_id and mark.item_id is not None}


def init_live_status(app: Flask) -> None:
    """Keep ``app``'s status rows current (its status database open: :func:`web.core.database.init_store`): a
    refresh before each request, and :func:`web.core.status.item_status` reading :func:`current_status_rows`."""
    app.extensions[LIVE_EXTENSION] = LiveStatus()
    app.before_request(refresh_before_request)
    register_status_rows(app, current_status_rows)


def refresh_before_request() -> None:
    """Bring the live status (and surveyed map layers) up to the database before a view reads them."""
    if request.endpoint not in UNCHECKED_ENDPOINTS:
        g.corridor_status_rows = _refreshed_rows()


def _refreshed_rows() -> dict[str, dict]:
    """Today's rows, or those of the request's ``as_of`` day (:mod:`web.core.as_of_view`; a bad day raises
    :class:`~geo.errors.InvalidParameter` once today's rows are kept for the error page)."""
    app = current_app._get_current_object()
    g.corridor_status_day = today = beijing_today()
    g.corridor_change_id = change_id = latest_change_id(app_store(app))  # also the pages' cache version
    live = app.extensions[LIVE_EXTENSION]
    g.corridor_status_rows = rows = live.refresh(app, change_id, today=today)  # an error page's, if as_of is bad
    past = requested_day(today=today)
    if past is None:
        return rows
    # g.corridor_status_day stays today (cached answers are keyed on it and the query); the as-of day is in g too
    return past_rows(app, past, change_id=change_id, change_at=live.change_at)


def current_status_rows() -> dict[str, dict]:
    """The status rows of the current request (``{}`` outside an app with a status database: nothing reported)."""
    if not has_app_context() or STORE_EXTENSION not in current_app.extensions:
        return {}
    if "corridor_status_rows" not in g:
        g.corridor_status_rows = _refreshed_rows()
    return g.corridor_status_rows


def current_status_day() -> date:
    """The day the current request's colours are judged against: today in Beijing time, fixed once per request,
    or the request's ``as_of`` day (:mod:`web.core.as_of_view`)."""
    current_status_rows()
    return g.get("corridor_as_of") or g.get("corridor_status_day") or beijing_today()
