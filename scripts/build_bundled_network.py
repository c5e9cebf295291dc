"""Build the bundled schematic road network ``data/network/`` from the plan's own layers.

The network is schematic — not real roads — and says so in its ``source`` dict. It holds the ring road (four
arterial segments), the road projects of ``data/roads.geojson`` (rail and transit rows excluded), radial arterials
from the ring outwards, and a jittered grid of local streets (300–500 m spacing, every 4th line a secondary
arterial, some one-way pairs) over the built-up corridor: the ``CORRIDOR`` polygon minus the mountain core
(the ring's interior shrunk by 1 km), which has no roads. Roads are joined wherever they cross, except that
expressways (``motorway``/``trunk``) pass over local streets and join only other main roads. Only the largest
strongly connected part is kept, so every node can reach every other. Deterministic: fixed seed, sorted node ids.

Usage: ``python scripts/build_bundled_network.py [--data-dir DIR] [--out DIR]``
"""
from __future__ import annotations

import argparse
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo.errors import DataFileError
from geo.network import RoadNetwork, keep_nodes, save_network
from geo.speeds import SpeedConfig, speeds_for

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
METRIC_CRS = "EPSG:32651"
SEED = 20210101
CORE_INSET_M = 1000.0
GRID_SPACING_M = (300.0, 500.0)
ARTERIAL_EVERY = 4
ONEWAY_PAIR = (2, 3)  # grid lines i % 6 == 2 run one way, == 3 the other way
RADIAL_SPACING_M = 2500.0
RADIAL_LENGTH_M = 7000.0
ON_RING_M = 1.0  # projects that build the ring share its coordinates
EXPRESSWAYS = frozenset({"motorway", "trunk"})
DESCRIPTION = "示意路网（非真实道路数据）: schematic network built from the plan's approximate data, not real roads"


@dataclass(frozen=True)
class Road:
    """One source line of the schematic network (metric CRS)."""

    line: shapely.LineString
    highway: str
    name: str
    project_id: str = ""
    main: bool = True  # ring, radials, projects; False for the local grid
    oneway: int = 0  # +1 along the line's direction, -1 against it, 0 two-way
    key: str = ""  # groups the pieces of one road (expressways join only other main roads)
    ring: bool = False


def build_bundled_network(data_dir: Path) -> tuple[RoadNetwork, shapely.Polygon]:
    """The schematic network and the mountain-core no-road polygon (WGS-84)."""
    roads = gpd.read_file(data_dir / "roads.geojson").to_crs(METRIC_CRS)
    districts = gpd.read_file(data_dir / "districts.geojson").to_crs(METRIC_CRS)
    corridor_rows = districts.loc[districts["id"] == "CORRIDOR"]
    if corridor_rows.empty:
        raise DataFileError(f"{data_dir / 'districts.geojson'} has no CORRIDOR feature; run "
                            "scripts/build_plan_data.py first")
    corridor = corridor_rows.geometry.iloc[0]
    ring_rows = roads[roads["category"] == "ring"]
    ring_line = shapely.line_merge(shapely.union_all(ring_rows.geometry.to_numpy()))
    ring_polygon = shapely.Polygon(ring_line.coords)
    core = ring_polygon.buffer(-CORE_INSET_M)
    built_up = corridor.difference(core)
    ring = [Road(row.geometry, "primary", row["name"], _text(row["project_id"]), key=row["id"], ring=True)
            for _, row in ring_rows.iterrows()]
    projects, ring_builders, notes = _project_roads(roads, ring_line)
    network_roads = ring + projects + _radials(ring_line, ring_polygon, built_up) + _grid(built_up)
    network = _largest_strong_component(_network_from_roads(network_roads, ring_builders))
    to_wgs84 = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    network.source = {
        "source": "bundled-schematic", "description": DESCRIPTION, "built_by": "scripts/build_bundled_network.py",
        "built_from": ["data/roads.geojson", "data/districts.geojson"],
        "no_road_areas": "no-road-areas.geojson: mountain core = the ring's interior shrunk by 1 km",
        "grid_spacing_m": list(GRID_SPACING_M), "seed": SEED, "notes": notes,
        "speeds": SpeedConfig().to_dict()}
    return network, shapely.transform(core, lambda c: np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _project_highway(name: str) -> str:
    if "高速" in name:
        return "motorway"
    return "trunk" if ("快速路" in name or "大桥" in name) else "primary"


def _project_roads(roads: gpd.GeoDataFrame,
                   ring_line: shapely.LineString) -> tuple[list[Road], dict[str, shapely.Geometry], list[str]]:
    """Road projects as roads, the projects that build part of the ring, and notes on what was left out.

    Projects on the ring (R07, R12) share its coordinates: their shared stretch is left to the ring, whose pieces
    there carry the project's id (:func:`_ring_pieces_with_projects`).
    """
    notes = ["every crossing is an at-grade junction, except expressways (motorway/trunk) over local streets",
             "local streets fill the CORRIDOR polygon (clipped to district land) minus the mountain core; rivers "
             "and other water inside it are not cut out"]
    projects: list[Road] = []
    ring_builders: dict[str, shapely.Geometry] = {}
    for _, row in roads[roads["category"].str.startswith("road_")].iterrows():
        if "铁路" in row["name"] or "轨道" in row["name"]:
            notes.append(f"{row['id']} {row['name']} is rail, not a drivable road: left out")
            continue
        if shapely.intersection(row.geometry, ring_line).length > 0:
            ring_builders[row["id"]] = row.geometry
        projects += [Road(part, _project_highway(row["name"]), row["name"], row["id"], key=row["id"])
                     for part in shapely.get_parts(shapely.difference(row.geometry, ring_line)) if part.length > 0]
    skipped = roads.loc[(roads["category"] != "ring") & ~roads["category"].str.startswith("road_"), "id"]
    if len(skipped):
        notes.append(f"{', '.join(skipped)} (transit: bus terminals, hubs and lines) are not roads: left out")
    return projects, ring_builders, notes


def _ring_pieces_with_projects(pieces: np.ndarray, owners: list[Road],
                               ring_builders: dict[str, shapely.Geometry]) -> list[Road]:
    """Ring pieces a road project runs along carry its id (unless the ring segment names its own builder)."""
    zones = [(project_id, line.buffer(ON_RING_M)) for project_id, line in ring_builders.items()]
    return [replace(owner, project_id=next((pid for pid, zone in zones if zone.contains(piece)), ""))
            if owner.ring and not owner.project_id else owner for piece, owner in zip(pieces, owners)]


def _radials(ring_line: shapely.LineString, ring_polygon: shapely.Polygon, area: shapely.Geometry) -> list[Road]:
    """Arterials leaving the ring outwards every ~2.5 km, clipped to the built-up area."""
    radials: list[Road] = []
    count = int(ring_line.length // RADIAL_SPACING_M)
    for k in range(count):
        start = ring_line.interpolate(k * ring_line.length / count)
        ahead = ring_line.interpolate(min(k * ring_line.length / count + 10.0, ring_line.length))
        behind = ring_line.interpolate(max(k * ring_line.length / count - 10.0, 0.0))
        tangent = np.array([ahead.x - behind.x, ahead.y - behind.y])
        normal = np.array([tangent[1], -tangent[0]]) / np.hypot(*tangent)
        probe = shapely.Point(start.x + normal[0] * 50, start.y + normal[1] * 50)
        if ring_polygon.contains(probe):
            normal = -normal
        ray = shapely.LineString([(start.x, start.y), (start.x + normal[0] * RADIAL_LENGTH_M,
                                                      start.y + normal[1] * RADIAL_LENGTH_M)])
        touching = [p for p in shapely.get_parts(ray.intersection(area)) if p.distance(start) < 1.0]
        if touching and touching[0].length > 200.0:
            radials.append(Road(touching[0], "primary", f"放射路{k + 1}（示意）", key=f"radial-{k + 1}"))
    return radials


def _grid(area: shapely.Geometry) -> list[Road]:
    """Local streets on jittered lines 300–500 m apart; every 4th line a secondary arterial; one-way pairs."""
    rng = np.random.default_rng(SEED)
    x0, y0, x1, y1 = area.bounds
    roads: list[Road] = []
    for axis, (low, high), (across_low, across_high) in ((0, (x0, x1), (y0, y1)), (1, (y0, y1), (x0, x1))):
        position, index = low + rng.uniform(*GRID_SPACING_M) / 2, 0
        while position < high:
            ends = [(position, across_low), (position, across_high)]
            line = shapely.LineString(ends if axis == 0 else [(b, a) for a, b in ends])
            arterial = index % ARTERIAL_EVERY == 0
            label = f"{'纵' if axis == 0 else '横'}{index // ARTERIAL_EVERY + 1}路（示意）" if arterial else ""
            oneway = 0 if arterial or index % 6 not in ONEWAY_PAIR else (1 if index % 6 == ONEWAY_PAIR[0] else -1)
            for part in shapely.get_parts(line.intersection(area)):
                if part.geom_type == "LineString" and part.length > 1.0:
                    roads.append(Road(part, "secondary" if arterial else "residential", label, main=False,
                                      oneway=oneway, key=f"grid-{axis}-{index}"))
            position += rng.uniform(*GRID_SPACING_M)
            index += 1
    return roads


def _network_from_roads(roads: list[Road], ring_builders: dict[str, shapely.Geometry]) -> RoadNetwork:
    """Node every crossing, give each piece its source road's attributes, and build directed edges."""
    lines = [r.line for r in roads]
    pieces = shapely.get_parts(shapely.union_all(lines))
    source = _piece_source(pieces, lines, roads)
    starts, ends = shapely.get_point(pieces, 0), shapely.get_point(pieces, -1)
    owners = _ring_pieces_with_projects(pieces, [roads[i] for i in source], ring_builders)
    keys = _node_keys([_coordinate_key(p) for p in np.concatenate([starts, ends])], owners + owners)
    start_keys, end_keys = keys[:len(pieces)], keys[len(pieces):]
    node_keys = sorted(set(start_keys) | set(end_keys))
    node_index = {key: i for i, key in enumerate(node_keys)}
    u = np.array([node_index[k] for k in start_keys], dtype=np.int64)
    v = np.array([node_index[k] for k in end_keys], dtype=np.int64)
    degree = np.bincount(np.concatenate([u, v]), minlength=len(node_keys))
    direction = np.array([_piece_direction(p, r) for p, r in zip(pieces, owners)])
    direction[(degree[u] < 3) | (degree[v] < 3)] = 0  # one-way dead ends would trap traffic
    return _directed_network(node_keys, u, v, pieces, direction, owners)


def _coordinate_key(point: shapely.Point) -> tuple[float, float]:
    return round(point.x, 2), round(point.y, 2)


def _piece_source(pieces: np.ndarray, lines: list[shapely.LineString], roads: list[Road]) -> np.ndarray:
    """Index of the road each noded piece came from: the first road (ring, projects, radials, grid) under it."""
    middles = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    piece_index, road_index = shapely.STRtree(lines).query(middles, predicate="dwithin", distance=0.5)
    order = np.lexsort((road_index, piece_index))
    piece_index, road_index = piece_index[order], road_index[order]
    first = np.ones(len(piece_index), dtype=bool)
    first[1:] = piece_index[1:] != piece_index[:-1]
    source = np.full(len(pieces), -1, dtype=np.int64)
    source[piece_index[first]] = road_index[first]
    if (source < 0).any():
        raise RuntimeError(f"{int((source < 0).sum())} noded pieces match no source road; check the geometries")
    return source


def _node_keys(points: list[tuple[float, float]], owners: list[Road]) -> list[tuple[tuple[float, float], str]]:
    """Node key of each piece end: its point, tagged with the road when an expressway passes over local streets.

    An expressway joins the network only where another main road meets it or where it ends; elsewhere its
    crossing with a local street gets a node of its own, so the two do not connect.
    """
    main_roads_at: dict[tuple[float, float], set[str]] = defaultdict(set)
    ends_here = Counter((point, road.key) for point, road in zip(points, owners))
    for point, road in zip(points, owners):
        if road.main:
            main_roads_at[point].add(road.key)
    return [(point, road.key if road.highway in EXPRESSWAYS and main_roads_at[point] == {road.key}
             and ends_here[(point, road.key)] > 1 else "") for point, road in zip(points, owners)]


def _piece_direction(piece: shapely.LineString, road: Road) -> int:
    """+1 / -1 when the piece may be driven only from its start / its end, 0 when both ways."""
    if road.oneway == 0:
        return 0
    forward = road.line.project(shapely.get_point(piece, 0)) < road.line.project(shapely.get_point(piece, -1))
    return road.oneway if forward else -road.oneway


def _directed_network(node_keys: list, u: np.ndarray, v: np.ndarray, pieces: np.ndarray, direction: np.ndarray,
                      owners: list[Road]) -> RoadNetwork:
    """Directed edges (two per two-way piece) in WGS-84, with speeds from the CJJ 37 class defaults."""
    to_wgs84 = pyproj.Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    metric = np.array([point for point, _ in node_keys])
    lon, lat = (np.round(a, 7) for a in to_wgs84.transform(metric[:, 0], metric[:, 1]))
    shapes = shapely.transform(pieces, lambda c: np.round(np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])), 7))
    forward, backward = np.flatnonzero(direction >= 0), np.flatnonzero(direction <= 0)
    pick = np.concatenate([forward, backward])
    highway = np.array([owners[i].highway for i in pick], dtype=object)
    maxspeed = np.full(len(pick), "", dtype=object)
    return RoadNetwork(
        node_id=np.arange(1, len(node_keys) + 1, dtype=np.int64), x=lon, y=lat,
        edge_u=np.concatenate([u[forward], v[backward]]), edge_v=np.concatenate([v[forward], u[backward]]),
        length_m=np.round(shapely.length(pieces)[pick], 2), speed_kph=speeds_for(highway, maxspeed),
        highway=highway, name=np.array([owners[i].name for i in pick], dtype=object),
        project_id=np.array([owners[i].project_id for i in pick], dtype=object),
        oneway=(direction[pick] != 0), maxspeed=maxspeed,
        geometry=np.concatenate([shapes[forward], shapely.reverse(shapes[backward])]))


def _largest_strong_component(network: RoadNetwork) -> RoadNetwork:
    """Keep the largest strongly connected part, so that every node reaches every other."""
    adjacency = coo_array((np.ones(network.n_edges), (network.edge_u, network.edge_v)),
                          shape=(network.n_nodes, network.n_nodes))
    _, label = connected_components(adjacency, directed=True, connection="strong")
    largest = np.bincount(label).argmax()
    kept = keep_nodes(network, label == largest)
    logger.info("largest strongly connected part: %d of %d nodes", kept.n_nodes, network.n_nodes)
    kept.node_id = np.arange(1, kept.n_nodes + 1, dtype=np.int64)
    return kept


def write_no_road_areas(core: shapely.Polygon, out: Path) -> None:
    """Write the mountain-core no-road polygon next to the cache, for maps and the isochrone check."""
    feature = {"type": "Feature", "properties": {"id": "NO-ROAD-CORE", "name": "大罗山山体核心区（示意，无道路）",
                                                 "geometry_source": "approximate"},
               "geometry": shapely.geometry.mapping(shapely.set_precision(core, 1e-6))}
    document = {"type": "FeatureCollection", "features": [feature]}
    (out / "no-road-areas.geojson").write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "data", help="folder with roads/districts.geojson")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "network", help="cache folder to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    network, core = build_bundled_network(args.data_dir)
    save_network(network, args.out)
    write_no_road_areas(core, args.out)
    logger.info("wrote %d nodes, %d edges to %s", network.n_nodes, network.n_edges, args.out)


if __name__ == "__main__":
    main()
