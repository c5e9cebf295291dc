"""Which road projects are open to traffic on a day, by the status database: the ``current`` access scenario's roads.

The status data has no field "open to traffic" (通车); the project reads it from what the status machinery already
calls a completed item (:mod:`geo.status.colours`, rule 4). **The project's rule** (a project setting, not the plan's
words): a road project of the plan (categories ``road_complete_2021`` 道路建成 and ``road_continuing`` 道路续建) is
open to traffic on day D when, as of D,

1. it is closed (销号): its latest check-off event effective on or before D closed it (a later reopening undoes it),
   or
2. its latest progress report dated on or before D has the state 已完成 (which the reports only accept at 100 %).

A report at 100 % with another state (进行中) does not count: the reporter says the work goes on. For a 道路续建
project the plan's 2021 target is continued construction, so a check-off or 已完成 may mean the year's work rather
than the road; the rule still counts it (the status says completed) and each open project carries its category
so a reader can tell.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from geo.plan.schema import PROJECT
from geo.status.colours import COMPLETED

logger = logging.getLogger(__name__)

CLOSED, COMPLETED_REPORT = "closed", "completed"
BASIS_ZH: dict[str, str] = {CLOSED: "已销号", COMPLETED_REPORT: f"上报状态「{COMPLETED}」"}
RULE: dict[str, str] = {
    "provenance": PROJECT,
    "zh": f"项目规则（非规划原文）：截至所选日期，道路项目已销号（最近一次销号操作为销号且已生效），或最近一次进度上报状态为"
          f"「{COMPLETED}」（100%），即视为已通车；进度 100% 但状态仍为进行中的不计。道路续建项目的销号或「{COMPLETED}」"
          f"可能仅指年度任务完成，同样计入，并标明类别。",
    "en": "Project rule (not the plan's words): a road project is open to traffic on the day when, as of that day, "
          f"it is closed (销号) or its latest report has the state {COMPLETED} (100 %); 100 % while still in "
          "progress does not count. A continuing project (道路续建) counts too, its category shown.",
}


@dataclass(frozen=True)
class OpenProject:
    """A road project open to traffic: why (``basis``: ``closed`` or ``completed``) and since when (ISO date: the
    check-off's effective day or the report's date)."""

    id: str
    name: str
    category: str
    basis: str
    since: str

    def as_dict(self) -> dict[str, str]:
        """JSON-ready, with the basis in Chinese (``basis_zh``)."""
        return asdict(self) | {"basis_zh": BASIS_ZH[self.basis]}


def open_road_projects(rows: Mapping[str, Mapping[str, object]], projects: Mapping[str, tuple[str, str]]
                       ) -> tuple[OpenProject, ...]:
    """The road projects open to traffic by the module's rule, in project order.

    Parameters
    ----------
    rows
        Status rows per item id (:func:`geo.status.merged.status_row`: ``closed``, ``closed_on``, ``state``,
        ``last_reported_on``) computed as of the day in question; an item without a row was never reported.
    projects
        The plan's road projects: id → (name, category).
    """
    found = []
    for project_id, (name, category) in projects.items():
        row = rows.get(project_id) or {}
        if row.get("closed"):
            found.append(OpenProject(project_id, name, category, CLOSED, str(row.get("closed_on"))))
        elif row.get("state") == COMPLETED:
            found.append(OpenProject(project_id, name, category, COMPLETED_REPORT, str(row.get("last_reported_on"))))
    logger.debug("%d of %d road projects open to traffic", len(found), len(projects))
    return tuple(found)


def open_to_traffic_section(found: tuple[OpenProject, ...], *, as_of: date, as_of_source: str) -> dict[str, object]:
    """The report section saying which projects the ``current`` scenario adds, as of which day, and by what rule
    (``as_of_source``: ``today`` or ``option``)."""
    return {"as_of": as_of.isoformat(), "as_of_source": as_of_source,
            "projects": [project.as_dict() for project in found], "rule": RULE}
