"""Tiny hand-built BBBike extracts for the tests of geo.network.bbbike, geo.network.bbbike_build and the network build script."""
from __future__ import annotations

import json
import math
from pathlib import Path

ORIGIN = (120.70, 27.90)
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
TYPES = ["motorway", "primary", "trunk", "tertiary", "secondary", "unclassified", "motorway_link", "residential",
         "footway", "river", "rail"]
EXTENT = (120.68, 27.88, 120.72, 27.92)  # about 4 km around ORIGIN


def at(east_m: float, north_m: float) -> list[float]:
    """``[lon, lat]`` ``east_m`` east and ``north_m`` north of :data:`ORIGIN`, rounded like the extract (1e-6°)."""
    lat = ORIGIN[1] + north_m / METRES_PER_DEGREE
    lon = ORIGIN[0] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(ORIGIN[1])))
    return [round(lon, 6), round(lat, 6)]


def road(kind: str, name: str, *points: tuple[float, float]) -> list:
    """One ``roads`` record through ``points`` given in metres from :data:`ORIGIN`."""
    return [TYPES.index(kind), name, [at(*p) for p in points]]


def extract_document(roads: list, **overrides) -> dict:
    """A whole extract document with ``roads`` (``overrides`` replace top-level keys)."""
    document = {
        "source": "OpenStreetMap contributors / BBBike extract, created 2026-06-08",
        "bbox": [120.6, 27.8, 120.8, 28.0], "types": TYPES,
        "counts": {"roads": len(roads), "waterways": 1, "railways": 1, "places": 1},
        "roads": roads,
        "waterways": [[TYPES.index("river"), "瓯江", [at(0, 3000), at(900, 3000)]]],
        "railways": [[TYPES.index("rail"), "市域铁路S1线", [at(-900, -1500), at(900, -1500)]]],
        "places": [["温州市", "city", 120.695345, 27.99639]],
    }
    document.update(overrides)
    return document


def write_extract(path: Path, roads: list, **overrides) -> Path:
    """Write :func:`extract_document` to ``path`` and return it."""
    path.write_text(json.dumps(extract_document(roads, **overrides), ensure_ascii=False), encoding="utf-8")
    return path
