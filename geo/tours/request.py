"""What an inspection tour is asked for: :class:`TourRequest`, whose every field is checked when it is made.

Building a request from user input (site ids, a query, ``HH:MM`` text) is :func:`geo.tours.planner.tour_request`,
which reports the problems of the input and of the request together (:func:`minutes_problems`,
:func:`raise_problems`); placing it on the network is :mod:`geo.tours.placement`, planning it
:func:`geo.tours.planner.plan_tour`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from geo.errors import InvalidParameter
from geo.tours.lunch import LunchBreak
from geo.tours.routing import DEFAULT_MAX_SNAP_M
from geo.tours.sites import Site

DEFAULT_DWELL_MIN = 20.0
DEFAULT_DEPART_MIN = 8 * 60 + 30.0


@dataclass(frozen=True)
class TourRequest:
    """Everything :func:`geo.tours.planner.plan_tour` needs besides the network.

    Attributes
    ----------
    sites
        Sites to visit (order irrelevant; duplicates ignored); at most :data:`geo.tours.tsp.MAX_STOPS` of them may be
        reachable (:func:`geo.tours.planner.plan_tour` checks, after snapping: unreachable sites do not count).
    start
        Where the tour begins.
    end
        ``"start"`` for a round trip, ``"open"`` to finish at the last stop, or a :class:`Site` to finish at.
    depart
        Departure, minutes after midnight.
    dwell
        Default minutes at each site; ``dwell_by_site`` overrides it per site id.
    lunch
        Optional lunch break (the rule: :mod:`geo.tours.lunch`).
    budget
        Optional time budget in minutes from departure to the end of the last visit.
    max_snap_m
        Sites farther than this from the road network are unreachable (:mod:`geo.tours.routing`).
    """

    sites: Sequence[Site]
    start: Site
    end: Site | str = "start"
    depart: float = DEFAULT_DEPART_MIN
    dwell: float = DEFAULT_DWELL_MIN
    dwell_by_site: Mapping[str, float] = field(default_factory=dict)
    lunch: LunchBreak | None = None
    budget: float | None = None
    max_snap_m: float = DEFAULT_MAX_SNAP_M

    def __post_init__(self) -> None:
        raise_problems(_request_problems(self))

    def dwell_at(self, site: Site) -> float:
        """Minutes spent at ``site`` (0 unless it is one of the sites to visit)."""
        if not any(s.id == site.id for s in self.sites):
            return 0.0
        return float(self.dwell_by_site.get(site.id, self.dwell))


def _request_problems(request: TourRequest) -> list[InvalidParameter]:
    problems = []
    if not request.sites:
        problems.append(InvalidParameter("sites", "expected at least one site to visit, got none", kind="sites_empty"))
    if isinstance(request.end, str) and request.end not in ("start", "open"):
        problems.append(InvalidParameter("end", f"expected 'start', 'open' or a site, got {request.end!r}",
                                         kind="unknown_place", details={"got": request.end}))
    problems += minutes_problems(dwell=request.dwell, dwell_by_site=request.dwell_by_site, budget=request.budget)
    if not _finite(request.depart) or not 0 <= request.depart < 24 * 60:
        problems.append(InvalidParameter("depart", f"expected a time of day, got {request.depart!r}",
                                         kind="time_of_day", details={"got": request.depart}))
    return problems


def minutes_problems(*, dwell: object, dwell_by_site: Mapping[str, object], budget: object) -> list[InvalidParameter]:
    """The problems of the dwell minutes (default and per site) and of the time budget, one per bad field."""
    problems = []
    for name, value in [("dwell", dwell), *((f"dwell[{k}]", v) for k, v in dwell_by_site.items())]:
        if not _finite(value) or not 0 <= value <= 24 * 60:
            problems.append(InvalidParameter(name, f"expected dwell minutes from 0 to 1440, got {value!r}",
                                             kind="number_range",
                                             details={"low": 0, "high": 24 * 60, "unit": "min", "got": value}))
    if budget is not None and (not _finite(budget) or budget <= 0):
        problems.append(InvalidParameter("budget", f"expected a positive number of minutes, got {budget!r}",
                                         kind="positive_number", details={"unit": "min", "got": budget}))
    return problems


def raise_problems(problems: list[InvalidParameter]) -> None:
    """Raise nothing, the one problem, or one error naming every field and listing every message."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidParameter(", ".join(dict.fromkeys(p.field for p in problems)),
                               "; ".join(str(p) for p in problems), kind="several", details={"problems": problems})


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
