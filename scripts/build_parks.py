"""Build ``data/parks.geojson``: approximate outlines of the six parks (一区五园) of Attachment 1.

Each park is drawn around the places the plan ties it to (an anchor position from general knowledge plus the key
blocks of Attachment 2 that lie in it), as the union of seeded irregular polygons, smoothed, and clipped to its plan
area in ``data/districts.geojson`` (a park in 龙湾区 is also kept out of the two functional zones, which are parks
of their own). Deterministic: every random choice comes from a ``random.Random`` seeded with the park id, so two
runs give byte-identical files. Reads only ``districts.geojson`` and ``blocks.geojson``; see ``docs/targets.md``.

Usage: ``python scripts/build_parks.py [--data DIR]``
"""
from __future__ import annotations

import argparse
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.plan.shapes import irregular_polygon, round_coordinates, to_metric, to_wgs84

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
AREA_MARGIN_M = 150.0
BLOCK_MARGIN_M = 400.0
SMOOTHING_M = 500.0
SIMPLIFY_M = 20.0
ROUNDING_M = 250.0
MIN_AREA_KM2, MAX_AREA_KM2 = 1.0, 20.0
FUNCTIONAL_ZONES = ("浙南产业集聚区", "瓯江口产业集聚区")
ATTRIBUTION = ("概略范围：按本项目整理的概略位置（精度约1–2公里）与 data/blocks.geojson 重点区块绘制，"
               "并按 data/districts.geojson 区界裁剪；非官方园区边界")


@dataclass(frozen=True)
class ParkSketch:
    """Where a park is drawn: its plan area, anchor positions (lon, lat) with their areas, and its key blocks."""

    park_id: str
    name: str
    district: str
    anchors: tuple[tuple[float, float, float], ...]  # lon, lat, area in km²
    block_ids: tuple[str, ...]


# Attachment 1's column order. Anchors: general knowledge, good to about 1–2 km (see docs/targets.md).
PARKS = (
    ParkSketch("P1", "温州国家高新区（浙南科技城）", "龙湾区",
               ((120.780, 27.958, 5.0), (120.805, 27.925, 3.5), (120.792, 27.941, 2.0)), ("B02", "B03")),
    ParkSketch("P2", "高教园", "瓯海区", ((120.705, 27.915, 5.0),), ("B07",)),
    ParkSketch("P3", "乐清园", "乐清市", ((120.900, 28.040, 7.0),), ("B09",)),
    ParkSketch("P4", "瑞安园", "瑞安市", ((120.720, 27.860, 6.0),), ("B10",)),
    ParkSketch("P5", "浙南园", "浙南产业集聚区", ((120.840, 27.870, 9.0),), ("B12",)),
    ParkSketch("P6", "瓯江口园", "瓯江口产业集聚区", ((120.916, 27.944, 7.0),), ("B13",)),
)


def read_layer(path: Path) -> dict[str, dict]:
    """The features of a GeoJSON layer by ``name`` (districts) or ``id`` (blocks), properties and geometry."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["id"]: f for f in doc["features"]} | {
        f["properties"]["name"]: f for f in doc["features"]}


def container_for(sketch: ParkSketch, areas: dict[str, dict]) -> BaseGeometry:
    """The metric area a park must lie in: its plan area, shrunk by the margin, minus the other parks' zones."""
    area = to_metric(shape(areas[sketch.district]["geometry"]))
    others = [to_metric(shape(areas[zone]["geometry"])) for zone in FUNCTIONAL_ZONES if zone != sketch.district]
    return area.difference(shapely.union_all(others).buffer(AREA_MARGIN_M)).buffer(-AREA_MARGIN_M)


def park_outline(sketch: ParkSketch, *, areas: dict[str, dict], blocks: dict[str, dict]) -> shapely.Polygon:
    """The park's metric outline: the part of its sketch inside its container that holds its first anchor."""
    rng = random.Random(f"park:{sketch.park_id}")
    pieces = []
    for lon, lat, area_km2 in sketch.anchors:
        centre = to_metric(shapely.Point(lon, lat))
        pieces.append(irregular_polygon((centre.x, centre.y), area_m2=area_km2 * 1e6, rng=rng))
    pieces += [to_metric(shape(blocks[b]["geometry"])).buffer(BLOCK_MARGIN_M) for b in sketch.block_ids]
    closed = shapely.union_all(pieces).buffer(SMOOTHING_M).buffer(-SMOOTHING_M)  # fill the gaps between pieces
    sketch_shape = closed.buffer(-ROUNDING_M).buffer(ROUNDING_M).simplify(SIMPLIFY_M)  # round its corners
    clipped = sketch_shape.intersection(container_for(sketch, areas))
    parts = list(getattr(clipped, "geoms", [clipped]))
    anchor = to_metric(shapely.Point(sketch.anchors[0][:2]))
    outline = min(parts, key=lambda part: part.distance(anchor))
    if len(parts) > 1:
        logger.warning("%s %s: kept the part at its anchor, dropped %d slivers cut off by the area edge",
                       sketch.park_id, sketch.name, len(parts) - 1)
    return outline


def park_feature(sketch: ParkSketch, outline: shapely.Polygon) -> dict:
    """A GeoJSON feature for a park, coordinates rounded to 6 decimals, checked for a plausible area."""
    area_km2 = outline.area / 1e6
    if not MIN_AREA_KM2 <= area_km2 <= MAX_AREA_KM2:
        raise ValueError(f"{sketch.park_id} {sketch.name}: expected {MIN_AREA_KM2:g}–{MAX_AREA_KM2:g} km², got "
                         f"{area_km2:.1f} km²; change its anchors' areas in PARKS")
    logger.info("%s %s: %.1f km² in %s", sketch.park_id, sketch.name, area_km2, sketch.district)
    geometry = json.loads(json.dumps(mapping(shapely.orient_polygons(round_coordinates(to_wgs84(outline))))))
    props = {"id": sketch.park_id, "name": sketch.name, "district": sketch.district,
             "geometry_source": "approximate"}
    return {"type": "Feature", "id": sketch.park_id, "properties": props, "geometry": geometry}


def build(*, data: Path) -> Path:
    """Build ``parks.geojson`` in ``data`` from the ``districts`` and ``blocks`` layers there; return its path."""
    areas = read_layer(data / "districts.geojson")
    blocks = read_layer(data / "blocks.geojson")
    features = [park_feature(s, park_outline(s, areas=areas, blocks=blocks)) for s in PARKS]
    head = json.dumps({"type": "FeatureCollection", "name": "parks", "attribution": ATTRIBUTION},
                      ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    path = data / "parks.geojson"
    path.write_text(f'{head}, "features": [\n{body}\n]}}\n', encoding="utf-8")
    logger.info("wrote %d parks to %s", len(features), path)
    return path


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO / "data", help="folder holding districts/blocks.geojson")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    build(data=args.data)


if __name__ == "__main__":
    main()
