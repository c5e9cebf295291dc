"""The transport battle's counts as the plan states them, beside the project's counts of the data.

The plan's figures are not the data's: its heading's 17项 counts roads only (道路建成7条 + 续建10条), its continuing
row states 10 roads but names 8, and its transit row is one row that the project encodes as two items (R16
terminals and hubs, R17 bus lines). :func:`transport_counts` keeps both sides, so that the command line and the web
app print the plan's figure as the plan states it and the project's count beside it (``docs/data-model.md``).
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from geo.plan.schema import (
    PLAN_NAMED_ROADS, PLAN_ROAD_ROWS, PLAN_TRANSIT_ROW, PLAN_TRANSPORT_TOTAL, PLAN_TRANSPORT_TOTAL_PARTS,
    PlanStatement,
)
from geo.plan.validate import Problem

logger = logging.getLogger(__name__)

TRANSIT = "transit"
ROADS_FILE = "roads.geojson"


@dataclass(frozen=True)
class CategoryCount:
    """One row of Attachment 2 section 二: what the plan states, how many roads it names, what the data holds.

    ``named`` is ``None`` for the transit row, which names no roads.
    """

    category: str
    plan: PlanStatement
    named: int | None
    found: int

    def to_dict(self) -> dict:
        return {"found": self.found, "plan_figure": self.plan.figure, "plan_quote": self.plan.quote,
                "plan_line": self.plan.line, "plan_named": self.named}


@dataclass(frozen=True)
class TransportCounts:
    """The transport battle's rows (roads to finish, continuing roads, transit) against the data."""

    rows: tuple[CategoryCount, ...]

    @property
    def roads(self) -> int:
        """Roads in the data (both road rows)."""
        return sum(row.found for row in self.rows if row.category != TRANSIT)

    @property
    def transit(self) -> int:
        """Transit items in the data: the project's encoding of the plan's one transit row."""
        return sum(row.found for row in self.rows if row.category == TRANSIT)

    @property
    def items(self) -> int:
        """Every transport item in the data (the ring excluded)."""
        return self.roads + self.transit

    def row(self, category: str) -> CategoryCount:
        """The row of ``category``."""
        return next(row for row in self.rows if row.category == category)

    def problems(self) -> list[Problem]:
        """Counts the data cannot have: fewer roads than the plan names, more than it states, no transit item."""
        problems = []
        for row in self.rows:
            if row.named is None:
                if row.found == 0:
                    problems.append(Problem(ROADS_FILE, None, "category", f"{TRANSIT}: the plan's transit row (line "
                                            f"{row.plan.line}) has no item in the data; expected at least one"))
            elif not row.named <= row.found <= row.plan.figure:
                problems.append(Problem(ROADS_FILE, None, "category", (
                    f"{row.category}: the plan names {row.named} and states {row.plan.figure} (“{row.plan.quote}”, line "
                    f"{row.plan.line}); the data has {row.found}: expected {row.named} to {row.plan.figure}")))
        return problems

    def to_dict(self) -> dict:
        """The JSON of ``corridor validate``'s ``counts.roads``, ring segments apart."""
        return {
            "found": self.items, "roads": self.roads, "transit": self.transit,
            "plan_figure": PLAN_TRANSPORT_TOTAL.figure, "plan_quote": PLAN_TRANSPORT_TOTAL.quote,
            "plan_line": PLAN_TRANSPORT_TOTAL.line,
            "plan_reading": f"the plan's {PLAN_TRANSPORT_TOTAL.figure} is “{PLAN_TRANSPORT_TOTAL_PARTS.quote}” (line "
                            f"{PLAN_TRANSPORT_TOTAL_PARTS.line}): it counts roads only",
            "by_category": {row.category: row.to_dict() for row in self.rows},
        }


def transport_counts(categories: Iterable[str]) -> TransportCounts:
    """Count the data's transport items by ``category`` (the ``category`` column of ``roads``; ring segments are
    ignored) against the plan's rows."""
    found = Counter(categories)
    rows = [CategoryCount(category, statement, len(PLAN_NAMED_ROADS[category]), found.get(category, 0))
            for category, statement in PLAN_ROAD_ROWS.items()]
    rows.append(CategoryCount(TRANSIT, PLAN_TRANSIT_ROW, None, found.get(TRANSIT, 0)))
    logger.debug("transport items: %s", {row.category: row.found for row in rows})
    return TransportCounts(tuple(rows))


def format_transport_counts(summary: dict) -> list[str]:
    """The counts (:meth:`TransportCounts.to_dict`) as ``corridor validate`` prints them: the plan's figure as the
    plan states it, the data's count beside it."""
    parts = PLAN_TRANSPORT_TOTAL_PARTS
    lines = [f"roads: plan {summary['plan_figure']} (“{summary['plan_quote']}”, line {summary['plan_line']}; = "
             f"“{parts.quote}”, line {parts.line}: roads only); data {summary['found']} ({summary['roads']} roads + "
             f"{summary['transit']} transit items)"]
    for category, row in summary["by_category"].items():
        if row["plan_named"] is None:
            lines.append(f"    {category}: plan one row (“{row['plan_quote']}”, line {row['plan_line']}); data "
                         f"{row['found']} items (the project's reading of the one row)")
        else:
            lines.append(f"    {category}: plan {row['plan_figure']} (“{row['plan_quote']}”, line {row['plan_line']}; "
                         f"{row['plan_named']} named); data {row['found']}")
    return lines
