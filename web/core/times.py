"""Times shown on pages: Beijing time (UTC+8, Asia/Shanghai), whatever the server's time zone.

The database stores aware UTC times (:func:`geo.status.store.utc_now`) and the API answers them as ISO text with their
offset; a page shows them as ``YYYY-MM-DD HH:MM`` in Beijing time, under a heading that says 北京时间.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Flask

from web.core.as_of import BEIJING

logger = logging.getLogger(__name__)


def beijing_time(moment: datetime | str | None) -> str:
    """``moment`` (an aware datetime or ISO text; naive means UTC, as the database stores it) as
    ``YYYY-MM-DD HH:MM`` in Beijing time; ``—`` for nothing."""
    if moment is None or moment == "":
        return "—"
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def register_time_filters(app: Flask) -> None:
    """Install the ``beijing_time`` template filter on ``app``."""
    app.add_template_filter(beijing_time, "beijing_time")
