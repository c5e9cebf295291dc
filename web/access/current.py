"""The ``current`` access scenario in the web app: the day asked for and the road projects open to traffic on it.

Today (no ``as_of``) the projects come from the live status rows every page uses (:mod:`web.core.live_status`, judged on
today in Beijing time); on an earlier day from the status database as of that day by the as-of review's rules
(:func:`geo.status.as_of.statuses_as_of`: reports dated by then, check-offs effective by then). Either way the rule is
:mod:`geo.status.open_to_traffic`'s, the project's own.
"""
from __future__ import annotations

import logging
from datetime import date

from geo.status import as_of as review
from geo.access.prepared_plan import ROAD_PROJECT_CATEGORIES
from geo.errors import InvalidParameter
from geo.status.open_to_traffic import open_road_projects, open_to_traffic_section
from web.core.as_of import beijing_today
from web.core.database import app_store
from web.core.live_status import current_status_day, current_status_rows
from web.core.state import corridor_state

logger = logging.getLogger(__name__)


def parse_as_of(raw: str | None, *, scenario: str) -> date | None:
    """``as_of`` from the query string: ``None`` when absent; a YYYY-MM-DD day from the plan's start to today
    (Beijing time: :func:`geo.status.as_of.parse_as_of`), and only with ``scenario=current`` (the other scenarios do not
    depend on the status)."""
    if raw is None:
        return None
    if scenario != "current":
        raise InvalidParameter("as_of", f"expected as_of only with scenario=current (the network open to traffic "
                                        f"on a day), got it with scenario={scenario}", kind="as_of_scenario",
                               details={"got": scenario})
    return review.parse_as_of(raw, today=beijing_today())


def open_projects_on(as_of: date | None) -> tuple[list[str], dict[str, object]]:
    """The ids of the road projects open to traffic on ``as_of`` (``None``: today), and the report section that
    lists them with why and since when, the day and the rule."""
    roads = corridor_state().plan.roads
    is_project = roads["category"].isin(ROAD_PROJECT_CATEGORIES)
    projects = {row.id: (row.name, row.category) for row in roads[is_project].itertuples()}
    if as_of is None:
        rows, day, source = current_status_rows(), current_status_day(), "today"
    else:
        rows = review.statuses_as_of(app_store(), corridor_state().plan, as_of, item_ids=list(projects))
        day, source = as_of, "option"
    found = open_road_projects(rows, projects)
    return [project.id for project in found], open_to_traffic_section(found, as_of=day, as_of_source=source)
