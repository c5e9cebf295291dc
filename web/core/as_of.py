"""Against which day a status colour is judged, and how every page that shows a colour says so.

A colour depends on its assessment date (:mod:`geo.status.colours`: a report more than a quarter old turns yellow), so one
item can be green in the 2021Q2 bulletin (judged on 2021-06-30) and yellow on the map today. Pages state the day:
the live pages (maps, tables, item pages) judge against today in Beijing time (:func:`beijing_today`), a bulletin
against its quarter's last day, the parks page against the chosen quarter's last day.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from geo.plan.quarters import Quarter, quarter_of

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_today(*, now: datetime | None = None) -> date:
    """Today's date in Beijing time (UTC+8), whatever the server's time zone; ``now`` (aware) for a fixed clock."""
    return (now or datetime.now(BEIJING)).astimezone(BEIJING).date()


def colour_as_of_text(day: date | str) -> str:
    """The sentence a page shows beside its colours: 「颜色按 YYYY-MM-DD（北京时间）判定」."""
    text = day if isinstance(day, str) else day.isoformat()
    return f"颜色按 {text}（北京时间）判定"


def report_quarter(reported_on: str | None) -> Quarter | None:
    """The quarter whose bulletin judges a report dated ``reported_on`` (ISO text; ``None``: no report)."""
    return quarter_of(date.fromisoformat(reported_on)) if reported_on else None


def as_of_globals() -> dict[str, object]:
    """Template globals for ``_as_of.html``: the sentence and a report's quarter (the request's judging day is
    :func:`web.core.live_status.current_status_day`)."""
    return {"colour_as_of_text": colour_as_of_text, "report_quarter": report_quarter}
