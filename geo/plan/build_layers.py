"""Build the plan's layers ``{blocks,roads,tasks,districts,osm-places}.geojson`` from ``data/sources/``.

Run by ``scripts/build_plan_data.py``, which reads the OpenStreetMap extract and passes in its named places and the
S2 line's railway. Deterministic: every random choice comes from a ``random.Random`` seeded with a fixed string, so
building twice gives byte-identical files. A block whose name denotes one of the extract's places is re-anchored
there (:func:`geo.plan.places.anchor_places`). A value is the plan's words verbatim only where
``docs/data-model.md``'s provenance table says ``plan`` (``corridor validate`` checks it); refinements go into
fields marked derived, the project's own guesses into fields marked project or, for positions the plan does not
give, ``provisional`` geometries. What is compiled from the plan is in :mod:`geo.plan.build_inputs`.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import random
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.plan.build_inputs import (
    ADMIN_DISTRICTS, BLOCK_MARGIN_M, BLOCK_UNITS, BLOCK_UNITS_BASIS, BLOCKS, BUS_LINES, CORRIDOR_BUFFER_M,
    DISTRICT_IDS, NAME_SOURCES, OSM, OSM_PLACES, OSM_PROPERTIES, PLACES, PROVISIONAL, RESPONSIBLE, RING,
    RING_PROJECTS, RING_SAMPLES, ROAD_UNITS_BASIS, ROADS, ROADS_ON_RING, S1_STATIONS, S2_RAILWAY, STOPS,
    TARGET_BY_CATEGORY, TASK_MARGIN_M, TASK_SPACING_M, TASK_TARGET, TASK_UNITS, TASK_UNITS_BASIS, TIANDITU,
    TRANSPORT_UNITS, ZONES,
)
from geo.plan.places import anchor_places
from geo.plan.schema import PLAN, PLAN_RING_ROAD_TASKS_BY_DISTRICT, PLAN_TRANSIT_ROW
from geo.plan.shapes import irregular_polygon, nearest_fit, round_coordinates, smooth_path, to_metric, to_wgs84

logger = logging.getLogger(__name__)


def read_sources(sources: Path) -> tuple[dict[str, dict], dict[str, tuple[float, float]], dict[str, tuple]]:
    """Return Tianditu district features by name, place positions by name and S1 station positions by name."""
    districts = json.loads((sources / "wenzhou-districts.geojson").read_text(encoding="utf-8"))
    by_name = {f["properties"]["district_name"]: f for f in districts["features"]}
    with (sources / "places.csv").open(encoding="utf-8", newline="") as handle:
        places = {row["name"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(handle)}
    with (sources / "s1-metro-stations.csv").open(encoding="utf-8", newline="") as handle:
        stations = {row["name"]: (float(row["lon_wgs84_converted"]), float(row["lat_wgs84_converted"]))
                    for row in csv.DictReader(handle)}
    return by_name, places, stations


def label_of(places: dict[str, tuple[float, float]], name: str) -> str:
    """The places.csv label of a block or ring waypoint: the plan's name, perhaps with a parenthesised gloss."""
    for label in places:
        if label == name or label.startswith(f"{name}（") or label.startswith(f"ring waypoint {name} "):
            return label
    raise KeyError(f"places.csv has no row for {name!r}; add one with its position")


def place_of(places: dict[str, tuple[float, float]], name: str) -> tuple[float, float]:
    """Position of a block or ring waypoint in places.csv."""
    return places[label_of(places, name)]


def feature(props: dict, geometry: BaseGeometry | dict) -> dict:
    """A GeoJSON feature with its geometry's coordinates rounded to 6 decimals."""
    if not isinstance(geometry, dict):
        geometry = json.loads(json.dumps(mapping(round_coordinates(geometry))))
    return {"type": "Feature", "id": props["id"], "properties": props, "geometry": geometry}


def build_areas(tianditu: dict[str, dict]) -> dict[str, BaseGeometry]:
    """The seven plan areas (lon/lat): five Tianditu districts and two clipped functional-zone outlines."""
    areas = {name: shape(tianditu[name]["geometry"]) for name in ADMIN_DISTRICTS}
    for name, (clip_to, outline) in ZONES.items():
        land = shapely.union_all([shape(tianditu[d]["geometry"]) for d in clip_to])
        areas[name] = round_coordinates(shapely.Polygon(outline).intersection(land))
    return areas


def district_features(tianditu: dict[str, dict], areas: dict[str, BaseGeometry],
                      ring_metric: shapely.Polygon) -> list[dict]:
    """Districts (geometry copied unchanged), functional zones and the corridor study area."""
    features = [feature({"id": DISTRICT_IDS[name], "name": name, "kind": "district",
                         "adcode": tianditu[name]["properties"]["district_adcode"], "geometry_source": "surveyed",
                         "source": TIANDITU}, tianditu[name]["geometry"]) for name in ADMIN_DISTRICTS]
    for name in ZONES:
        features.append(feature({"id": DISTRICT_IDS[name], "name": name, "kind": "functional_zone", "adcode": None,
                                 "geometry_source": "approximate",
                                 "source": f"本项目据公开资料概略绘制，按{TIANDITU}裁剪"}, areas[name]))
    study = to_wgs84(ring_metric.buffer(CORRIDOR_BUFFER_M, quad_segs=16))
    corridor = study.intersection(shapely.union_all(list(areas.values())))
    features.append(feature({"id": "CORRIDOR", "name": "环大罗山科创走廊（研究范围）", "kind": "corridor",
                             "adcode": None, "geometry_source": "approximate",
                             "source": f"环山路环线外扩约6公里，与七个规划地区范围相交；区界来自{TIANDITU}"},
                            corridor))
    return features


def fit_blocks(centres: dict[str, tuple[float, float]], areas: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Metric block polygons around the lon/lat ``centres``, each fitted inside its area clear of the earlier ones
    with the least shift; a block's outline depends only on its id, wherever it is placed."""
    polygons = {}
    for (block_id, position), (name, _, district, _) in zip(centres.items(), BLOCKS):
        rng = random.Random(f"block:{block_id}")
        centre = to_metric(shapely.Point(position))
        outline = irregular_polygon((centre.x, centre.y), area_m2=rng.uniform(1.0e6, 2.2e6), rng=rng)
        container = to_metric(areas[district]).buffer(-BLOCK_MARGIN_M)
        obstacles = shapely.union_all([p.buffer(200.0) for p in polygons.values()])
        polygons[block_id], shift = nearest_fit(outline, container=container, obstacles=obstacles)
        if shift:
            logger.warning("%s %s moved %.0f m to lie inside %s", block_id, name, shift, district)
    return polygons


def build_blocks(places: dict, osm_places: list[tuple], areas: dict[str, BaseGeometry]
                 ) -> tuple[list[dict], dict[str, BaseGeometry], dict[str, BaseGeometry]]:
    """Block features, their metric polygons, and the polygons at the places.csv positions before re-anchoring."""
    # The name rule reads the places.csv label, the plan's name with its gloss: 温州国际未来科技岛（七都岛）.
    labels = {f"B{i:02d}": label_of(places, row[0]) for i, row in enumerate(BLOCKS, start=1)}
    compiled = {block_id: places[label] for block_id, label in labels.items()}
    anchors = anchor_places(labels, osm_places)
    compiled_polygons = fit_blocks(compiled, areas)
    polygons = fit_blocks(compiled | {b: (lon, lat) for b, (_, lon, lat) in anchors.items()}, areas)
    features = []
    for (block_id, polygon), (name, name_en, district, new) in zip(polygons.items(), BLOCKS):
        props = {"id": block_id, "name": name, "name_en": name_en, "district": district, "tier": None,
                 "new_in_2021": new, "lead_unit": "市科技局", "responsible_unit": BLOCK_UNITS,
                 "responsible_unit_derived": RESPONSIBLE[district], "responsible_unit_basis": BLOCK_UNITS_BASIS,
                 "geometry_source": "approximate"}
        if block_id in anchors:
            shift = polygon.centroid.distance(compiled_polygons[block_id].centroid)
            props |= {"anchor": f"OpenStreetMap 地名“{anchors[block_id][0]}”（{OSM}）", "anchor_shift_m": round(shift)}
            logger.info("%s %s re-anchored at %s: moved %.0f m", block_id, name, anchors[block_id][0], shift)
        features.append(feature(props, to_wgs84(polygon)))
    return features, polygons, compiled_polygons


def osm_place_features(osm_places: list[tuple]) -> list[dict]:
    """The extract's named places as Point features ``P001``… in the extract's order."""
    return [feature({"id": f"P{index:03d}", "name": name, "place": kind}, shapely.Point(lon, lat))
            for index, (name, kind, lon, lat) in enumerate(osm_places, start=1)]


def ring_segments(places: dict) -> dict[str, list[tuple[float, float]]]:
    """The four ring segments (lon/lat), smooth, meeting exactly at the places.csv waypoints."""
    order = ("N1", "N2", "N3", "E1", "E2", "S1", "S2", "W1")
    waypoints = [place_of(places, label) for label in order]
    metric = [to_metric(shapely.Point(p)) for p in waypoints]
    loop = list(to_wgs84(shapely.LineString(
        smooth_path([(p.x, p.y) for p in metric], closed=True, samples=RING_SAMPLES))).coords)
    for index, exact in enumerate(waypoints):
        loop[index * RING_SAMPLES] = exact
    loop[-1] = waypoints[0]
    segments = {}
    for segment_index, (ring_id, _, _) in enumerate(RING):
        start = 2 * segment_index * RING_SAMPLES
        segments[ring_id] = loop[start:start + 2 * RING_SAMPLES + 1]
    return segments


def with_derived_units(item: dict, areas: dict[str, BaseGeometry]) -> dict:
    """``item`` (a road feature) with the governments and zone committees whose area its line crosses for more than
    200 m as ``responsible_unit_derived``; none for a placeholder, whose position says nothing."""
    source = item["properties"]["geometry_source"]
    if source not in ROAD_UNITS_BASIS:
        return item
    metric_line = to_metric(shape(item["geometry"]))
    units = [RESPONSIBLE[name] for name, area in areas.items()
             if metric_line.intersection(to_metric(area)).length > 200.0]
    derived = {"responsible_unit_derived": "、".join(units) or None,
               "responsible_unit_basis": ROAD_UNITS_BASIS[source] if units else None}
    return {**item, "properties": {**item["properties"], **derived}}


def road_properties(road_id: str, name: str, category: str, *, target: tuple[str, int] | None,
                    project_id: str | None = None) -> dict:
    """The road layer's properties in docs/data-model.md order; the derived units are filled in later."""
    quote, line = target or (None, None)
    return {"id": road_id, "name": name, "name_source": NAME_SOURCES.get(road_id, PLAN), "category": category,
            "target_2021": quote, "target_2021_line": line, "lead_unit": "市住建局",
            "responsible_unit": TRANSPORT_UNITS, "responsible_unit_derived": None, "responsible_unit_basis": None,
            "geometry_source": "provisional" if road_id in PROVISIONAL else "approximate", "project_id": project_id}


def project_line(road_id: str, alignment: tuple | None, ring: dict[str, list]) -> shapely.LineString:
    """A road project's line: its smoothed alignment, or the stretch of ring it builds."""
    if alignment is None:
        ring_id, first, last = ROADS_ON_RING[road_id]
        return shapely.LineString(ring[ring_id][first * RING_SAMPLES:last * RING_SAMPLES + 1])
    metric = [to_metric(shapely.Point(p)) for p in alignment]
    return to_wgs84(shapely.LineString(smooth_path([(p.x, p.y) for p in metric], samples=6)))


def road_features(ring: dict[str, list], areas: dict[str, BaseGeometry], transit: list[dict], *,
                  osm: dict[str, dict]) -> list[dict]:
    """The 15 named road projects, the two transit items and the four ring segments; where ``osm`` (by id: the
    matched ring, the S2 railway) has a feature, its geometry and OSM properties replace the approximate line."""
    features = []
    for road_id, name, category, alignment in ROADS:
        props = road_properties(road_id, name, category, target=TARGET_BY_CATEGORY[category])
        features.append(_from_osm(feature(props, project_line(road_id, alignment, ring)), osm))
    features += transit
    for ring_id, name, _ in RING:
        project = RING_PROJECTS.get(ring_id)
        props = road_properties(ring_id, name, "ring", project_id=project,
                                target=TARGET_BY_CATEGORY["road_continuing"] if project else None)
        features.append(_from_osm(feature(props, shapely.LineString(ring[ring_id])), osm))
    return [with_derived_units(item, areas) for item in features]


def _from_osm(approximate: dict, osm: dict[str, dict]) -> dict:
    """``approximate`` with the OSM feature's geometry and OSM properties when ``osm`` has one of its id."""
    replacement = osm.get(approximate["properties"]["id"])
    if replacement is None:
        return approximate
    extra = {key: replacement["properties"][key] for key in OSM_PROPERTIES}
    return {**approximate, "properties": {**approximate["properties"], **extra},
            "geometry": replacement["geometry"]}


def osm_features(matched_ring: Path | None, *, s2_railway: BaseGeometry) -> dict[str, dict]:
    """By road id: the ring segments matched onto the bundled network (``data/network/ring.geojson``, written by
    ``scripts/build_bundled_network.py``; none before the network is built) and R15, the S2 line's railway."""
    by_id = {}
    if matched_ring is not None and matched_ring.exists():
        for item in json.loads(matched_ring.read_text(encoding="utf-8"))["features"]:
            by_id[item["properties"]["id"]] = item
    by_id["R15"] = feature({"id": "R15", "geometry_source": "osm-matched", "osm_names": S2_RAILWAY,
                            "matched_length_m": None,  # both tracks are drawn: their sum is no route length
                            "match_note": f"OpenStreetMap 铁路图层中名为“{S2_RAILWAY}”的线路（上下行分线、含在建段），"
                                          "非规划原文线位，待核实"},
                           s2_railway)
    return by_id


def transit_features(block_polygons: dict[str, BaseGeometry], stations: dict[str, tuple]) -> list[dict]:
    """R16 (terminals and hubs, MultiPoint) and R17 (the seven bus lines, MultiLineString): placeholders."""
    sites = "；".join(f"{i}. {kind}：{place}附近" for i, (kind, place, _) in enumerate(STOPS, start=1))
    components = (f"图上{len(STOPS)}个点均为本项目临时占位（规划第{PLAN_TRANSIT_ROW.line}行只给数量，未给位置）：{sites}")
    stops = shapely.MultiPoint([position for _, _, position in STOPS])
    row_target = TARGET_BY_CATEGORY["transit"]
    r16 = road_properties("R16", "公交首末站及公交枢纽", "transit", target=row_target) | {"components": components}
    lines = []
    for number, (block_id, via) in enumerate(BUS_LINES):
        centre = block_polygons[block_id].centroid
        stops_xy = [(centre.x, centre.y)]
        for target in via:
            point = (block_polygons[target].centroid if target in block_polygons
                     else to_metric(shapely.Point(stations[target])))
            stops_xy.append((point.x, point.y))
        lines.append(to_wgs84(shapely.LineString(smooth_path(_bent(stops_xy, side=(-1) ** number), samples=6))))
    r17 = road_properties("R17", "重点区块公交衔接新辟优化公交线路", "transit", target=row_target)
    return [feature(r16, stops), feature(r17, shapely.MultiLineString(lines))]


def _bent(points: list[tuple[float, float]], *, side: int) -> list[tuple[float, float]]:
    """A two-point route gets a gentle mid-point bend so it reads as a street route, not a straight link."""
    if len(points) > 2:
        return points
    (x0, y0), (x1, y1) = points
    return [(x0, y0), ((x0 + x1) / 2 - 0.08 * side * (y1 - y0), (y0 + y1) / 2 + 0.08 * side * (x1 - x0)), (x1, y1)]


def task_region(district: str, areas_metric: dict[str, BaseGeometry], band: BaseGeometry,
                block_polygons: dict[str, BaseGeometry]) -> BaseGeometry:
    """Where a district's ring-road tasks may go: its share of the corridor band, else around its blocks."""
    area = areas_metric[district]
    if district in ADMIN_DISTRICTS:
        area = area.difference(shapely.union_all([areas_metric[zone] for zone in ZONES]))
    own_blocks = [block_polygons[f"B{i:02d}"] for i, row in enumerate(BLOCKS, start=1) if row[2] == district]
    region = area.intersection(band)
    if district == "乐清市" or region.area < 10e6:
        region = area.intersection(shapely.union_all(own_blocks).buffer(4000.0))
    blocks = shapely.union_all(list(block_polygons.values())).buffer(100.0)
    return region.difference(blocks).buffer(-TASK_MARGIN_M)


def _task_line(rng: random.Random, mid: shapely.Point, centre: shapely.Point) -> shapely.LineString:
    """A gently bent line of 0.8–2.2 km through ``mid``, mostly parallel to the ring (tangent to its centre)."""
    radial = math.atan2(mid.y - centre.y, mid.x - centre.x)
    bearing = radial + math.radians((90.0 if rng.random() < 0.6 else 0.0) + rng.uniform(-20.0, 20.0))
    half = rng.uniform(800.0, 2200.0) / 2
    dx, dy = half * math.cos(bearing), half * math.sin(bearing)
    bend = rng.uniform(-0.12, 0.12)
    return shapely.LineString([(mid.x - dx, mid.y - dy), (mid.x - bend * dy, mid.y + bend * dx),
                               (mid.x + dx, mid.y + dy)])


def place_task_lines(region: BaseGeometry, count: int, *, seed: str, centre: shapely.Point,
                     placed: list[BaseGeometry]) -> list[shapely.LineString]:
    """``count`` task lines inside ``region``, at least ``TASK_SPACING_M`` from each other and from ``placed``."""
    rng = random.Random(seed)
    minx, miny, maxx, maxy = region.bounds
    lines: list[shapely.LineString] = []
    for _ in range(20000):
        if len(lines) == count:
            return lines
        line = _task_line(rng, shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy)), centre)
        if line.within(region) and all(line.distance(other) >= TASK_SPACING_M for other in placed + lines):
            lines.append(line)
    raise ValueError(f"could not place {count} task lines for {seed}; the region is too small")


def task_properties(task_id: str, name: str, kind: str, district: str, block_id: str | None, source: str) -> dict:
    """The task layer's properties in docs/data-model.md order."""
    return {"id": task_id, "name": name, "kind": kind, "district": district, "block_id": block_id,
            "road_name": None, "target_2021": TASK_TARGET[0], "target_2021_line": TASK_TARGET[1],
            "lead_unit": "市综合行政执法局", "responsible_unit": TASK_UNITS,
            "responsible_unit_derived": RESPONSIBLE[district], "responsible_unit_basis": TASK_UNITS_BASIS,
            "geometry_source": source}


def task_features(blocks: list[dict], block_polygons: dict[str, BaseGeometry], areas: dict[str, BaseGeometry],
                  ring_metric: shapely.Polygon) -> list[dict]:
    """E01–E13 (one per block, the block's polygon) then E14–E76 (provisional ring-road task lines)."""
    features = [feature(task_properties(f"E{i:02d}", f"{b['properties']['name']}环境整治提升", "block",
                                        b["properties"]["district"], b["id"], b["properties"]["geometry_source"]),
                        b["geometry"])
                for i, b in enumerate(blocks, start=1)]
    areas_metric = {name: to_metric(area) for name, area in areas.items()}
    band = ring_metric.buffer(CORRIDOR_BUFFER_M).difference(ring_metric.buffer(-300.0))
    placed: list[BaseGeometry] = []
    for district, count in PLAN_RING_ROAD_TASKS_BY_DISTRICT.items():
        region = task_region(district, areas_metric, band, block_polygons)
        lines = place_task_lines(region, count, seed=f"tasks:{district}", centre=ring_metric.centroid,
                                 placed=placed)
        placed += lines
        for number, line in enumerate(lines, start=1):
            props = task_properties(f"E{len(features) + 1:02d}", f"{district}重要环线道路整治提升任务{number}（道路待指定）",
                                    "ring_road", district, None, "provisional")
            features.append(feature(props, to_wgs84(line)))
    return features


def write_collection(path: Path, *, name: str, attribution: str, features: list[dict]) -> None:
    """Write a FeatureCollection, one feature per line, UTF-8 without ASCII escapes."""
    head = json.dumps({"type": "FeatureCollection", "name": name, "attribution": attribution},
                      ensure_ascii=False)[:-1]
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    path.write_text(f'{head}, "features": [\n{body}\n]}}\n', encoding="utf-8")


def build_layers(*, sources: Path, out: Path, osm_places: list[tuple[str, str, float, float]],
                 s2_railway: BaseGeometry, matched_ring: Path | None = None) -> dict[str, Path]:
    """Build the five layers into ``out`` and return the written paths by layer name.

    Parameters
    ----------
    sources
        Folder holding ``places.csv``, ``wenzhou-districts.geojson`` and ``s1-metro-stations.csv``.
    out
        Folder to write (created when missing).
    osm_places
        The OpenStreetMap extract's named places ``(name, place kind, lon, lat)``, in its order.
    s2_railway
        The S2 line's railway (lon/lat), R15's geometry.
    matched_ring
        The ring matched onto the bundled network, when it has been built.
    """
    tianditu, places, stations = read_sources(sources)
    areas = build_areas(tianditu)
    ring = ring_segments(places)
    ring_metric = to_metric(shapely.Polygon([c for ring_id, _, _ in RING for c in ring[ring_id][:-1]]))
    blocks, block_polygons, compiled_polygons = build_blocks(places, osm_places, areas)
    layers = {
        "districts": (district_features(tianditu, areas, ring_metric), f"区界：{TIANDITU}；功能区与研究范围为概略范围"),
        "blocks": (blocks, f"位置：{PLACES}，名称指明地名者按{OSM_PLACES}定位；区界：{TIANDITU}；英文名称为本项目译名"),
        # The bus lines keep the blocks' places.csv positions: roads.geojson is maintained by hand from here on.
        "roads": (road_features(ring, areas, transit_features(compiled_polygons, stations),
                                osm=osm_features(matched_ring, s2_railway=s2_railway)),
                  f"走向为概略示意；{'、'.join(sorted(PROVISIONAL))} 为临时占位（规划未给出位置）；环山路节点：{PLACES}；"
                  f"站点：{S1_STATIONS}"),
        "tasks": (task_features(blocks, block_polygons, areas, ring_metric), "道路整治任务线位为临时占位，待规划部门指定"),
        "osm-places": (osm_place_features(osm_places), f"{OSM_PLACES}；供核对区块位置，非规划内容"),
    }
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (features, attribution) in layers.items():
        paths[name] = out / f"{name}.geojson"
        write_collection(paths[name], name=name, attribution=attribution, features=features)
        logger.info("wrote %d features to %s", len(features), paths[name])
    return paths
