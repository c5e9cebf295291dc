"""Merging the polygons an editor has drawn into one geometry: their union, computed with shapely.

Leaflet-Geoman (the item page's editor) cuts polygons but cannot merge them; the page sends the drawn parts here
and shows the union, which the planner then saves like any drawing (the server checks it again then).
"""
from __future__ import annotations

import json
import logging
from typing import Any

import shapely
from shapely.geometry import shape

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

MAX_PARTS = 100
COORDINATE_DIGITS = 7
POLYGONAL = ("Polygon", "MultiPolygon")


def _polygons(parts: object) -> list[shapely.Geometry]:
    if not isinstance(parts, list) or not 2 <= len(parts) <= MAX_PARTS:
        raise InvalidParameter("geometries", f"expected a list of 2 to {MAX_PARTS} GeoJSON Polygon or MultiPolygon "
                                             f"geometries to merge, got {parts!r:.80}", kind="merge_parts",
                               details={"limit": MAX_PARTS})
    polygons = []
    for index, part in enumerate(parts):
        if not isinstance(part, dict) or part.get("type") not in POLYGONAL:
            got = part.get("type") if isinstance(part, dict) else part
            raise InvalidParameter(f"geometries[{index}]", f"expected a Polygon or MultiPolygon, got {got!r:.40}; "
                                                           f"only areas can be merged", kind="merge_type",
                                   details={"got": got})
        try:
            polygon = shape(part)
        except (KeyError, ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
            raise InvalidParameter(f"geometries[{index}]", f"not a readable GeoJSON polygon ({exc}); send "
                                                           f"[[[lon, lat], ...]] rings", kind="merge_coordinates",
                                   details={}) from None
        polygons.append(shapely.make_valid(polygon))
    return polygons


def union_of_polygons(parts: object) -> dict[str, Any]:
    """The union of the GeoJSON polygons ``parts`` (a list of 2 to :data:`MAX_PARTS`) as one GeoJSON Polygon, or a
    MultiPolygon when they neither overlap nor touch; coordinates rounded to 7 decimals (~1 cm).

    Raises
    ------
    InvalidParameter
        Naming ``geometries`` (or the part) for anything but a list of polygonal GeoJSON geometries.
    """
    merged = shapely.union_all(_polygons(parts))
    areas = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type in POLYGONAL]
    merged = shapely.union_all(areas)  # make_valid may leave slivers as lines; a merge keeps the area only
    merged = shapely.set_precision(merged, 10 ** -COORDINATE_DIGITS)
    merged = shapely.orient_polygons(merged, exterior_cw=False)
    logger.debug("merged %d parts into a %s", len(parts), merged.geom_type)  # type: ignore[arg-type]
    return json.loads(shapely.to_geojson(merged))
