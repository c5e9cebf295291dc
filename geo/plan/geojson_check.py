"""The structure of a GeoJSON geometry object (RFC 7946 §3.1), checked before shapely reads it. Pure.

shapely's ``shape()`` is lenient where the plan's data must not be: it closes an open polygon ring silently, reads
numeric text (``"120.7"``) as numbers and ``true`` as 1, and fails on a NaN with "do not form a closed linestring"
or on a missing ``type`` with "'NoneType' object has no attribute 'lower'". :func:`geometry_problem` names the
first member that breaks the format by its path inside the geometry (``coordinates[0]`` is a polygon's outer ring,
``coordinates[0][3][1]`` the latitude of its fourth position) and says what was expected.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

# How many levels of arrays hold the positions of each type (0: ``coordinates`` is itself one position).
POSITION_DEPTH: dict[str, int] = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2,
                                  "Polygon": 2, "MultiPolygon": 3}
GEOMETRY_TYPES: tuple[str, ...] = tuple(POSITION_DEPTH)
# How many levels of arrays sit above each line or ring of the types that have them.
LINE_DEPTH: dict[str, int] = {"LineString": 0, "MultiLineString": 1}
RING_DEPTH: dict[str, int] = {"Polygon": 1, "MultiPolygon": 2}
MIN_LINE_POSITIONS = 2
MIN_RING_POSITIONS = 4  # three corners and the first repeated
SHOWN_CHARS = 60


def shown(value: object) -> str:
    """``repr(value)``, cut to :data:`SHOWN_CHARS` characters for a message."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def geometry_problem(geometry: object) -> str | None:
    """What is wrong with the structure of the GeoJSON geometry object ``geometry`` (parsed JSON), or ``None``.

    Checks that ``type`` is one of :data:`GEOMETRY_TYPES` (case-sensitive), that ``coordinates`` nests to the
    type's depth, that every position is 2 or 3 finite JSON numbers, that lines have at least 2 positions and that
    polygon rings have at least 4 and are closed. Arrays may be lists (parsed JSON) or tuples
    (``shapely.geometry.mapping``). Empty ``coordinates`` pass (RFC 7946 lets a reader take them as null: the
    caller reports an empty geometry). Validity (self-intersection) and the CRS are the caller's.
    """
    if not isinstance(geometry, dict):
        return f"expected a GeoJSON geometry object, got {type(geometry).__name__}"
    if "type" not in geometry:
        return f"missing member 'type'; expected one of {', '.join(GEOMETRY_TYPES)}"
    kind = geometry["type"]
    if not isinstance(kind, str) or kind not in POSITION_DEPTH:
        return f"'type' must be one of {', '.join(GEOMETRY_TYPES)} (spelt as RFC 7946 does), got {shown(kind)}"
    if "coordinates" not in geometry:
        return f"missing member 'coordinates'; a {kind} needs them"
    coordinates = geometry["coordinates"]
    if coordinates == []:
        return None
    return _nesting_problem(coordinates, POSITION_DEPTH[kind], "coordinates") or _parts_problem(kind, coordinates)


def _nesting_problem(value: object, depth: int, path: str) -> str | None:
    if depth == 0:
        return _position_problem(value, path)
    if not isinstance(value, (list, tuple)):
        return f"{path}: expected an array ({depth} more level(s) of arrays around the positions), got {shown(value)}"
    for index, item in enumerate(value):
        problem = _nesting_problem(item, depth - 1, f"{path}[{index}]")
        if problem:
            return problem
    return None


def _position_problem(value: object, path: str) -> str | None:
    if not isinstance(value, (list, tuple)) or not 2 <= len(value) <= 3:
        return f"{path}: expected a position [longitude, latitude] of 2 or 3 numbers, got {shown(value)}"
    for index, number in enumerate(value):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return (f"{path}[{index}]: expected a number, got {type(number).__name__} {shown(number)}; write "
                    "coordinates as JSON numbers, not text")
        if not _finite(number):
            return f"coordinates must be finite numbers: {path}[{index}] is {shown(number)}"
    return None


def _finite(number: float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int beyond float's range
        return False


def _parts(value: Sequence, depth: int, path: str) -> Iterator[tuple[str, Sequence]]:
    """The arrays ``depth`` levels inside ``value`` with their paths (depth 0: ``value`` itself)."""
    if depth == 0:
        yield path, value
        return
    for index, item in enumerate(value):
        yield from _parts(item, depth - 1, f"{path}[{index}]")


def _parts_problem(kind: str, coordinates: Sequence) -> str | None:
    for path, line in _parts(coordinates, LINE_DEPTH[kind], "coordinates") if kind in LINE_DEPTH else ():
        if len(line) < MIN_LINE_POSITIONS:
            return f"line {path} has {len(line)} position(s); a LineString needs at least {MIN_LINE_POSITIONS}"
    for path, ring in _parts(coordinates, RING_DEPTH[kind], "coordinates") if kind in RING_DEPTH else ():
        problem = _ring_problem(ring, path)
        if problem:
            return problem
    return None


def _ring_problem(ring: Sequence, path: str) -> str | None:
    if len(ring) < MIN_RING_POSITIONS:
        return (f"ring {path} has {len(ring)} position(s); a polygon ring needs at least {MIN_RING_POSITIONS}, "
                "the last repeating the first (RFC 7946 §3.1.6)")
    if ring[0] != ring[-1]:
        return (f"ring {path} is not closed: it starts at {shown(ring[0])} and ends at {shown(ring[-1])}; repeat "
                "the first position at the end (RFC 7946 §3.1.6)")
    return None
