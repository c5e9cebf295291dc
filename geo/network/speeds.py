"""Free-flow speeds for road edges: Chinese design speeds per OSM class, OSM ``maxspeed`` where given.

Defaults follow CJJ 37 (城市道路工程设计规范) design speeds — expressway 60–100, arterial 40–60, secondary
arterial 30–50, branch 20–40 km/h — mapped onto OSM ``highway`` values. Congestion is not a speed setting: it is
applied at query time by :meth:`geo.network.road_network.RoadNetwork.travel_time_s`.
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

CJJ37_CLASS_SPEEDS_KPH: Mapping[str, float] = MappingProxyType({
    "motorway": 80.0, "motorway_link": 50.0,  # 快速路 (expressway) 60–100
    "trunk": 80.0, "trunk_link": 40.0,
    "primary": 50.0, "primary_link": 30.0,  # 主干路 (arterial) 40–60
    "secondary": 40.0, "secondary_link": 30.0,  # 次干路 (secondary arterial) 30–50
    "tertiary": 30.0, "tertiary_link": 25.0,  # 支路 (branch) 20–40
    "unclassified": 30.0, "residential": 30.0, "road": 30.0,
    "living_street": 20.0, "service": 20.0,
})

_UNIT_FACTORS = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_MAXSPEED_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SpeedConfig:
    """How edge speeds are chosen.

    Attributes
    ----------
    class_speeds
        km/h per OSM ``highway`` value; defaults to :data:`CJJ37_CLASS_SPEEDS_KPH`.
    default_kph
        Speed of a ``highway`` value missing from ``class_speeds``.
    honour_maxspeed
        Use a parseable OSM ``maxspeed`` instead of the class speed.
    """

    class_speeds: Mapping[str, float] = field(default_factory=lambda: CJJ37_CLASS_SPEEDS_KPH)
    default_kph: float = 30.0
    honour_maxspeed: bool = True

    def __post_init__(self) -> None:
        problems = [f"class_speeds[{name!r}] = {kph!r}" for name, kph in self.class_speeds.items()
                    if not _is_positive(kph)]
        if not _is_positive(self.default_kph):
            problems.append(f"default_kph = {self.default_kph!r}")
        if problems:
            raise InvalidParameter("speeds", "every speed must be a positive number of km/h; got "
                                   + ", ".join(problems) + ". Use e.g. 30 for a branch road.")
        object.__setattr__(self, "class_speeds", MappingProxyType({k: float(v) for k, v in self.class_speeds.items()}))

    def with_overrides(self, overrides: Mapping[str, float]) -> SpeedConfig:
        """Return a copy whose class speeds are updated by ``overrides`` (``{"primary": 60, ...}``)."""
        return replace(self, class_speeds={**self.class_speeds, **overrides})

    def to_dict(self) -> dict:
        """A JSON-serialisable form, the inverse of :meth:`from_dict`."""
        return {"class_speeds": dict(self.class_speeds), "default_kph": self.default_kph,
                "honour_maxspeed": self.honour_maxspeed}

    @classmethod
    def from_dict(cls, config: Mapping) -> SpeedConfig:
        """Build a config from a dict; ``class_speeds`` given there override the CJJ 37 defaults."""
        unknown = set(config) - {"class_speeds", "default_kph", "honour_maxspeed"}
        if unknown:
            raise InvalidParameter("speeds", f"unknown keys {sorted(unknown)}; expected class_speeds, "
                                   "default_kph, honour_maxspeed")
        base = cls(default_kph=config.get("default_kph", 30.0), honour_maxspeed=config.get("honour_maxspeed", True))
        return base.with_overrides(config.get("class_speeds", {}))


def _is_positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def parse_maxspeed(value: object) -> float:
    """Parse one OSM ``maxspeed`` value to km/h; ``nan`` when it is missing or not numeric.

    ``"50"`` and ``"50 km/h"`` → 50, ``"30 mph"`` → 48.3, ``"RU:urban"``/``"none"``/``"walk"`` → nan, a list
    (``["40", "60"]`` or ``"40;60"``) → its smallest parseable value.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    parts = value if isinstance(value, (list, tuple)) else re.split(r"[;|]", str(value))
    speeds = []
    for part in parts:
        match = _MAXSPEED_PATTERN.match(str(part))
        if match:
            speeds.append(float(match.group(1)) * _UNIT_FACTORS[(match.group(2) or "").lower()])
    positive = [s for s in speeds if s > 0]
    return min(positive) if positive else math.nan


def speeds_for(highway: np.ndarray, maxspeed: np.ndarray, *, config: SpeedConfig | None = None) -> np.ndarray:
    """Free-flow speed in km/h for each edge.

    Parameters
    ----------
    highway
        OSM ``highway`` value of each edge (str).
    maxspeed
        OSM ``maxspeed`` of each edge as given (str, ``""`` or ``None`` when absent).
    config
        Speed settings; the CJJ 37 defaults when ``None``.

    Returns
    -------
    numpy.ndarray
        float64 km/h, shape of ``highway``. Each distinct value is parsed once, so this is cheap on large networks.
    """
    config = config or SpeedConfig()
    class_index, classes = pd.factorize(np.asarray(highway, dtype=object), use_na_sentinel=False)
    class_kph = np.array([config.class_speeds.get(c, config.default_kph) for c in classes], dtype=np.float64)
    speeds = class_kph[class_index]
    if not config.honour_maxspeed or len(maxspeed) == 0:
        return speeds
    value_index, values = pd.factorize(np.asarray(maxspeed, dtype=object), use_na_sentinel=False)
    posted = np.array([parse_maxspeed(v) for v in values], dtype=np.float64)[value_index]
    has_posted = ~np.isnan(posted)
    speeds[has_posted] = posted[has_posted]
    logger.debug("maxspeed used on %d of %d edges", int(has_posted.sum()), len(speeds))
    return speeds
