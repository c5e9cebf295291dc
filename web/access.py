"""The accessibility check as the web app serves it: request parameters and results cached per app.

Results are cached in :class:`web.state.CorridorState` per (network, scenario, congestion): the check runs once for
each combination however many pages and API calls ask for it, on the network placed on the plan once per loaded
network (``CorridorState.placed_network``), so each check does only its scenario's own work.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from geo.access import check_access
from geo.errors import InvalidParameter
from geo.isochrones import isochrone_bands
from web.state import corridor_state

logger = logging.getLogger(__name__)

DEFAULT_SCENARIO = "planned"
DEFAULT_CONGESTION = 1.0
ACCESS_PARAMETERS = ("scenario", "congestion")
CONGESTION_DIGITS = 3  # 0.6 and 0.6000001 are one setting (and one cache entry)


def access_parameters(args: Mapping[str, str]) -> tuple[str, float]:
    """Read ``scenario`` (default ``planned``) and ``congestion`` (default 1.0, a speed factor) from ``args``.

    Only the form is checked here (a known parameter, a finite number); :mod:`geo.access` checks the values.
    """
    unknown = [name for name in args if name not in ACCESS_PARAMETERS]
    if unknown:
        raise InvalidParameter(", ".join(unknown), f"unknown parameter; expected {' or '.join(ACCESS_PARAMETERS)}")
    scenario = args.get("scenario", DEFAULT_SCENARIO)
    raw = args.get("congestion", str(DEFAULT_CONGESTION))
    try:
        congestion = float(raw)
    except ValueError:
        raise InvalidParameter("congestion", f"expected a number such as 0.6 (peak hour) or 1.0 (free flow); "
                                             f"got {raw!r}") from None
    if not math.isfinite(congestion):
        raise InvalidParameter("congestion", f"expected a finite number; got {raw!r}")
    return scenario, round(congestion, CONGESTION_DIGITS)


def access_report(scenario: str, congestion: float) -> dict[str, Any]:
    """The accessibility report for the app's network, cached per (network, scenario, congestion)."""
    state = corridor_state()
    return state.cached("report", scenario, congestion, lambda: check_access(
        state.placed_network, scenario=scenario, congestion=congestion))


def access_isochrones(scenario: str, congestion: float) -> dict[str, Any]:
    """The isochrone bands (GeoJSON), cached like :func:`access_report`."""
    state = corridor_state()
    return state.cached("isochrones", scenario, congestion, lambda: isochrone_bands(
        state.placed_network, scenario=scenario, congestion=congestion))
