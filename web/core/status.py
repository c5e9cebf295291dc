"""The one place where an item's status colour is decided.

Every block, road project and task carries a ``status`` (label) and ``status_color`` (one of :data:`STATUS_COLORS`)
in the API, on the maps and in the tables, all computed by :func:`item_status` from the status database
(three-colour management, :mod:`geo.status.colours`), plus the progress fields of :data:`DETAIL_FIELDS`. The rows come
from :mod:`web.core.live_status`, which registers them with :func:`register_status_rows`; outside an app with a status
database nothing has been reported: every item is "未上报" (grey).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Flask, current_app, has_app_context

logger = logging.getLogger(__name__)

ROWS_EXTENSION = "corridor_status_rows"

# colour key -> (label shown in the UI, display colour)
STATUS_COLORS: dict[str, tuple[str, str]] = {
    "green": ("按期推进", "#2e9d4f"),
    "yellow": ("进度滞后", "#e0a800"),
    "red": ("严重滞后", "#d63333"),
    "grey": ("未上报", "#8c8c8c"),
}


@dataclass(frozen=True)
class ItemStatus:
    """An item's status: the colour key (``green``/``yellow``/``red``/``grey``) and its label."""

    color: str
    label: str
    details: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def hex(self) -> str:
        """The display colour of the status."""
        return STATUS_COLORS[self.color][1]


NO_REPORT = ItemStatus(color="grey", label=STATUS_COLORS["grey"][0])


# Status-row column (geo.status.merged.STATUS_COLUMNS) -> property name in the API and map popups.
DETAIL_FIELDS: dict[str, str] = {
    "state": "progress_state", "percent": "progress_percent", "expected_percent": "expected_percent",
    "last_reported_on": "last_reported_on", "reporter": "reporter", "note": "progress_note",
    "reported_colour": "reported_colour", "colour_mismatch": "colour_mismatch", "stale": "stale",
    "closed": "closed", "closed_on": "closed_on", "closed_by": "closed_by", "close_note": "close_note",
    "version": "version", "as_of": "status_as_of",
}


def register_status_rows(app: Flask, rows: Callable[[], Mapping[str, Mapping[str, object]]]) -> None:
    """Have :func:`item_status` look items up in ``rows()``, the current request's status rows by item id, in
    ``app`` (done by :func:`web.core.live_status.init_live_status`)."""
    app.extensions[ROWS_EXTENSION] = rows


def _current_rows() -> Mapping[str, Mapping[str, object]]:
    """The current request's status rows (``{}`` outside an app that registered them: nothing reported)."""
    rows = current_app.extensions.get(ROWS_EXTENSION) if has_app_context() else None
    return rows() if rows is not None else {}


def item_status(item: Mapping[str, object]) -> ItemStatus:
    """Return the status of a block, road project or task given its properties (its ``id`` is what counts).

    The colour is the computed one of its latest progress report as of today in Beijing time (grey, "未上报",
    without a report; the label 已销号 when closed); ``details`` carries the progress fields for popups and the API,
    ``status_as_of`` the day the colour is judged against.
    """
    row = _current_rows().get(item.get("id"))
    if row is None:
        return NO_REPORT
    return ItemStatus(color=row["colour"], label=row["colour_label"],
                      details={name: row[column] for column, name in DETAIL_FIELDS.items()})


def status_filter_values() -> dict[str, str]:
    """Every accepted value of a ``status`` filter mapped to its colour key: the keys and the Chinese labels."""
    values = {key: key for key in STATUS_COLORS}
    values.update({label: key for key, (label, _) in STATUS_COLORS.items()})
    return values
