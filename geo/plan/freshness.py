"""How current each layer's positions are: surveyed, from OpenStreetMap, drawn or uploaded by a planner, or still
approximate — counted from the features' ``geometry_source``.

A feature's ``geometry_source`` is its layer's own (``approximate``, ``provisional``, ``osm-matched``,
``surveyed``) until a planner stores a geometry, whose version source then takes its place (``hand_drawn``,
``uploaded``, ``surveyed``; a restored baseline gives back the layer's own: :mod:`geo.status.merged`). A placeholder
(``provisional``) counts as approximate: both are what is left to survey.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

SURVEYED, OSM, EDITED, APPROXIMATE = "surveyed", "osm", "edited", "approximate"
FRESHNESS_CLASSES: tuple[str, ...] = (SURVEYED, OSM, EDITED, APPROXIMATE)
CLASS_OF_SOURCE: dict[str, str] = {
    "surveyed": SURVEYED, "osm-matched": OSM, "hand_drawn": EDITED, "uploaded": EDITED,
    "approximate": APPROXIMATE, "provisional": APPROXIMATE,
}


def freshness_class(geometry_source: str) -> str:
    """The class (:data:`FRESHNESS_CLASSES`) of a ``geometry_source`` value.

    Raises
    ------
    InvalidParameter
        Naming ``geometry_source`` for a value no layer or geometry version uses.
    """
    if geometry_source not in CLASS_OF_SOURCE:
        raise InvalidParameter("geometry_source", f"expected one of {', '.join(CLASS_OF_SOURCE)}, got "
                                                  f"{geometry_source!r}", kind="choice",
                               details={"got": geometry_source, "choices": tuple(CLASS_OF_SOURCE)})
    return CLASS_OF_SOURCE[geometry_source]


@dataclass(frozen=True)
class Freshness:
    """How many features of one layer fall in each class."""

    surveyed: int = 0
    osm: int = 0
    edited: int = 0
    approximate: int = 0

    @property
    def total(self) -> int:
        """Every feature counted."""
        return self.surveyed + self.osm + self.edited + self.approximate


def count_freshness(sources: Iterable[str]) -> Freshness:
    """Count ``geometry_source`` values by class (:func:`freshness_class`)."""
    counts = Counter(freshness_class(source) for source in sources)
    return Freshness(**{name: counts.get(name, 0) for name in FRESHNESS_CLASSES})


def collection_freshness(collection: Mapping[str, Any]) -> Freshness:
    """:func:`count_freshness` of a GeoJSON FeatureCollection's ``geometry_source`` properties."""
    return count_freshness(f["properties"]["geometry_source"] for f in collection["features"])


def is_approximate(properties: Mapping[str, Any]) -> bool:
    """Whether a feature's position is still approximate (or a placeholder): left to survey."""
    return freshness_class(str(properties["geometry_source"])) == APPROXIMATE
