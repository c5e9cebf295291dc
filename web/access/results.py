"""The accessibility check as the web app serves it: request parameters and results cached per app.

Results are cached in :class:`web.core.state.CorridorState` per (network, scenario, congestion, coverage target): the check
runs once for each combination however many pages and API calls ask for it, on the network placed on the plan once
per loaded network (``CorridorState.placed_network``), so each check does only its scenario's own work. The
``current`` scenario's key also holds the road projects open to traffic (:mod:`web.access.current`): a check-off
that opens one asks for a new check; its day (``as_of``, default today) only picks those projects.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from geo.access.check import DEFAULT_COVERAGE_TARGET, check_access
from geo.errors import InvalidParameter
from geo.access.isochrones import isochrone_bands
from web.access.current import open_projects_on, parse_as_of
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

DEFAULT_SCENARIO = "planned"
DEFAULT_CONGESTION = 1.0
ACCESS_PARAMETERS = ("scenario", "congestion", "target", "as_of")
ISOCHRONE_PARAMETERS = ("scenario", "congestion", "as_of")  # the bands are times: no coverage target
CONGESTION_DIGITS = 3  # 0.6 and 0.6000001 are one setting (and one cache entry)
TARGET_RANGE = (0.5, 1.0)  # the coverage target the pages accept: a share of the served area
TARGET_DIGITS = 3


@dataclass(frozen=True)
class AccessQuery:
    """A request's accessibility parameters: the scenario, the congestion (speed factor), the coverage target and,
    for ``current``, the day whose open road projects count (``None``: today)."""

    scenario: str
    congestion: float
    target: float = DEFAULT_COVERAGE_TARGET
    as_of: date | None = None

    def args(self, **changes: object) -> dict[str, object]:
        """The query string that asks for these parameters (with ``changes``), the target only when not default,
        the day only when set and the scenario is ``current``."""
        values = {"scenario": self.scenario, "congestion": self.congestion, "target": self.target,
                  "as_of": self.as_of and self.as_of.isoformat(), **changes}
        return {k: v for k, v in values.items() if not (k == "target" and v == DEFAULT_COVERAGE_TARGET)
                and not (k == "as_of" and (v is None or values["scenario"] != "current"))}


def access_parameters(args: Mapping[str, str], *, allowed: tuple[str, ...] = ACCESS_PARAMETERS) -> AccessQuery:
    """Read ``scenario`` (default ``planned``), ``congestion`` (default 1.0, a speed factor), ``target`` (the
    coverage target, default 0.95, a project setting; 0.5–1) and ``as_of`` (``current`` only:
    :func:`web.access.current.parse_as_of`) from ``args``.

    Only the form is checked here (a known parameter, a finite number, the target's range); :mod:`geo.access.check`
    checks the scenario and the congestion.
    """
    unknown = [name for name in args if name not in allowed]
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown parameter; expected {' or '.join(allowed)}",
                               kind="unknown_parameter", details={"allowed": allowed})
    scenario = args.get("scenario", DEFAULT_SCENARIO)
    raw = args.get("congestion", str(DEFAULT_CONGESTION))
    try:
        congestion = float(raw)
    except ValueError:
        raise InvalidParameter("congestion", f"expected a number such as 0.6 (peak hour) or 1.0 (free flow); "
                                             f"got {raw!r}", kind="number_expected", details={"got": raw}) from None
    if not math.isfinite(congestion):
        raise InvalidParameter("congestion", f"expected a finite number; got {raw!r}", kind="number_expected",
                               details={"got": raw})
    return AccessQuery(scenario, round(congestion, CONGESTION_DIGITS), _target(args.get("target")),
                       parse_as_of(args.get("as_of"), scenario=scenario))


def _target(raw: str | None) -> float:
    """The coverage target from the query string (``None``: the project's default)."""
    if raw is None:
        return DEFAULT_COVERAGE_TARGET
    low, high = TARGET_RANGE
    try:
        target = float(raw)
    except ValueError:
        target = math.nan
    if not low <= target <= high:  # also NaN and text
        raise InvalidParameter("target", f"expected the coverage target as a share from {low:g} to {high:g} (e.g. "
                                         f"0.95 = 95%); got {raw!r}", kind="number_range",
                               details={"low": low, "high": high, "unit": "", "got": raw})
    return round(target, TARGET_DIGITS)


def scenario_key(scenario: str, open_projects: Collection[str] | None) -> str:
    """The cache key of a scenario: ``current`` with the road projects open (``current:R01+R07``)."""
    return scenario if open_projects is None else f"{scenario}:{'+'.join(sorted(open_projects))}"


def access_report(query: AccessQuery) -> dict[str, Any]:
    """The accessibility report for the app's network, cached per (network, scenario, congestion, target) — for
    ``current`` per set of open road projects, with the ``open_to_traffic`` section (day, projects, rule) added."""
    state = corridor_state()
    opened, section = open_projects_on(query.as_of) if query.scenario == "current" else (None, None)
    report = state.cached("report", scenario_key(query.scenario, opened), query.congestion, lambda: check_access(
        state.placed_network, scenario=query.scenario, congestion=query.congestion, coverage_target=query.target,
        open_projects=opened), variant=query.target)
    return report if section is None else report | {"open_to_traffic": section}


def access_isochrones(scenario: str, congestion: float, *, as_of: date | None = None,
                      open_projects: Collection[str] | None = None) -> dict[str, Any]:
    """The isochrone bands (GeoJSON), cached like :func:`access_report`; for ``current`` the projects open on
    ``as_of`` (default today) unless ``open_projects`` names them."""
    state = corridor_state()
    if scenario == "current" and open_projects is None:
        open_projects = open_projects_on(as_of)[0]
    return state.cached("isochrones", scenario_key(scenario, open_projects), congestion, lambda: isochrone_bands(
        state.placed_network, scenario=scenario, congestion=congestion, open_projects=open_projects))
