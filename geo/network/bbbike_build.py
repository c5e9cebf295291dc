"""Building the road network from a BBBike extract: artefact repair, clipping, topology, the largest component.

This module owns the rules that turn the extract's loose road lines (:mod:`geo.network.bbbike`) into a
:class:`~geo.network.road_network.RoadNetwork`. :func:`build_network` applies, in order:

1. **Drivable classes** only (:data:`geo.network.osm_source.DRIVABLE_HIGHWAYS`), records whose bounds meet the extent.
2. **Artefacts.** A *spike* is a run of one to :data:`SPIKE_MAX_RUN` vertices that the line reaches by a segment
   and leaves by a segment both at least :data:`SPIKE_MIN_LEG_M` long, where the vertices before and after the run
   lie within :data:`SPIKE_GAP_RATIO` × the shorter of those two segments of each other: the line jumps kilometres
   away and back. Scanning from the first vertex (a record's ends are kept), the shortest such run is cut out and
   the scan goes on from the vertex after it. A record with a spike cut is *repaired*; one left shorter than
   :data:`MIN_REMAINDER_M` is *dropped* (``out-and-back``: nothing but the stub between the spike's feet is left),
   as is one with fewer than two distinct vertices (``degenerate``). In the Wenzhou extract this cuts exactly the
   jumps of the two 阳光大道 records (roads 3624, 3669: 36 km and back). Shorter out-and-back records (legs of
   0.2–1.5 km ending 10–20 m apart, e.g. roads 6697, 6814, 29244) are kept: they are divided roads whose two
   carriageways the extract merged into one line (cross streets cross both legs), drawn like the other divided
   roads, which come as two parallel lines.
3. **Clip** to ``extent_wgs84``; the parts of a record inside it are separate lines.
4. **Topology** (:mod:`geo.network.line_topology`): lines join where they share an exact coordinate; crossings between
   at-grade classes — every class but ``motorway`` and ``trunk``, which cross the others on bridges unless a shared
   vertex or a snapped link end joins them — are noded; each dangling line end (not those the clip made) is
   snapped to the nearest other line within ``snap_m``, where a node is inserted, except that only ends of
   ``motorway``, ``trunk`` and their links may snap onto a ``motorway`` (it has no roadside access) and that an end
   does not snap back onto a line its own last junction is on (an overshoot); junctions less than 1 m apart are
   merged; dead ends and loops shorter than ``snap_m`` are trimmed (overshoots, slivers); nodes remain only at
   junctions, dead ends and where the class or the name changes, other vertices stay inside edge geometries.
5. **Largest component.** Every road is two-way (the extract has no ``oneway``), so strong and weak components
   coincide; the component with the greatest length is kept and its share of the network's length reported.
6. **Edges.** Two directed edges per road piece, geometry in the edge's direction, ``length_m`` the haversine
   length summed over the geometry's vertices, CJJ 37 class speeds (:func:`geo.network.speeds.speeds_for`; no
   ``maxspeed``), ``project_id`` and ``ring_id`` empty. Nodes are numbered 1… in sorted lon/lat order; the forward
   edges are sorted by their nodes, the reverse edges follow in the same order; building twice gives identical
   arrays.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo.network.bbbike import BBBikeExtract, ExtractLine
from geo.errors import InvalidParameter, NetworkSourceError
from geo.network.line_topology import Polylines, Topology, build_topology
from geo.network.lonlat_keys import key_lonlat, to_keys
from geo.network.road_network import RoadNetwork, haversine_m
from geo.network.osm_source import DRIVABLE_HIGHWAYS
from geo.network.speeds import SpeedConfig, speeds_for

logger = logging.getLogger(__name__)

SPIKE_MIN_LEG_M = 3000.0
MIN_REMAINDER_M = 50.0
SPIKE_GAP_RATIO = 0.05
SPIKE_MAX_RUN = 3
GRADE_SEPARATED = frozenset({"motorway", "trunk"})
NO_ROADSIDE_ACCESS = frozenset({"motorway"})
EXPRESSWAY_FAMILY = frozenset({"motorway", "trunk", "motorway_link", "trunk_link"})
ONEWAY_NOTE = "every road is treated as two-way: the BBBike extract has no oneway tag"


def remove_spikes(coords: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The vertices of a line with every spike cut out (rule 2 of this module), and the runs cut.

    Returns
    -------
    tuple
        The kept ``(k, 2)`` vertices and, per spike, the ``(r + 2, 2)`` out-and-back line (the run with the
        vertices before and after it).
    """
    kept, cut, i = [coords[0]], [], 1
    while i < len(coords) - 1:
        run = _spike_run(kept[-1], coords, i)
        if run:
            cut.append(np.vstack([kept[-1], coords[i:i + run + 1]]))
            i += run
        kept.append(coords[i])
        i += 1
    if i == len(coords) - 1:
        kept.append(coords[-1])
    return np.array(kept), cut


def _spike_run(before: np.ndarray, coords: np.ndarray, i: int) -> int:
    """Length of the shortest spike starting at vertex ``i`` after ``before`` (0 when there is none)."""
    out_leg = _metres(before, coords[i])
    if out_leg < SPIKE_MIN_LEG_M:
        return 0
    for run in range(1, min(SPIKE_MAX_RUN, len(coords) - 1 - i) + 1):
        after = coords[i + run]
        back_leg = _metres(coords[i + run - 1], after)
        if back_leg >= SPIKE_MIN_LEG_M and _metres(before, after) <= SPIKE_GAP_RATIO * min(out_leg, back_leg):
            return run
    return 0


def _metres(a: np.ndarray, b: np.ndarray) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def line_length_m(coords: np.ndarray) -> float:
    """Geodesic length of a lon/lat polyline: haversine summed over its segments."""
    return float(haversine_m(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1]).sum())


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_network` read, repaired, joined and kept.

    Attributes
    ----------
    records_read
        Road records in the extract (every class).
    drivable_records
        Drivable records with a part inside the extent, after repair.
    repaired, dropped
        Road indices whose spikes were cut; road index → reason (``out-and-back``, ``degenerate``) of dropped ones.
    crossings_noded, ends_snapped, stubs_trimmed
        Crossing points inserted, dangling ends snapped, and overshoot stubs and slivers trimmed
        (:mod:`geo.network.line_topology`).
    nodes, edges
        Size of the network built (directed edges: two per road piece).
    drivable_km
        Length of the drivable records clipped to the extent, after repair.
    network_km, largest_component_km, largest_component_share
        Length of all road pieces after topology (snap connectors added, trimmed stubs gone), of the largest
        component, and the share of the one in the other.
    diagnostics
        WGS-84 features with ``kind``: ``snapped`` (point), ``snap_line``, ``noded`` (point), ``dropped`` (the
        record), ``repaired`` (the spike cut out), ``outside_component`` (pieces not kept); and ``record``,
        ``highway``, ``name``, ``reason``, ``metres``.
    """

    records_read: int
    drivable_records: int
    repaired: tuple[int, ...]
    dropped: dict[int, str]
    crossings_noded: int
    ends_snapped: int
    stubs_trimmed: int
    nodes: int
    edges: int
    drivable_km: float
    network_km: float
    largest_component_km: float
    largest_component_share: float
    diagnostics: gpd.GeoDataFrame = field(repr=False, compare=False)

    def counts(self) -> dict:
        """The figures as a JSON-ready dict (no diagnostics), rounded for display."""
        return {"records_read": self.records_read, "drivable_records": self.drivable_records,
                "repaired": list(self.repaired), "dropped": {str(k): v for k, v in sorted(self.dropped.items())},
                "crossings_noded": self.crossings_noded, "ends_snapped": self.ends_snapped,
                "stubs_trimmed": self.stubs_trimmed, "nodes": self.nodes,
                "edges": self.edges, "drivable_km": round(self.drivable_km, 3), "network_km": round(self.network_km, 3),
                "largest_component_km": round(self.largest_component_km, 3),
                "largest_component_share": round(self.largest_component_share, 5)}


def build_network(extract: BBBikeExtract, *, extent_wgs84: tuple[float, float, float, float], snap_m: float = 12.0,
                  speeds: SpeedConfig | None = None) -> tuple[RoadNetwork, BuildReport]:
    """The drivable road network of ``extract`` inside ``extent_wgs84``, by the rules of this module.

    Parameters
    ----------
    extract
        The extract (:func:`geo.network.bbbike.read_extract`).
    extent_wgs84
        ``(west, south, east, north)`` in degrees.
    snap_m
        Greatest distance in metres at which a dangling line end is snapped onto another line.
    speeds
        Speed settings; the CJJ 37 defaults when ``None``.

    Raises
    ------
    InvalidParameter
        ``extent_wgs84`` is not a lon/lat box or ``snap_m`` is not a distance in [0, 100].
    NetworkSourceError
        The extent holds no drivable road of the extract.
    """
    extent = _check_options(extent_wgs84, snap_m)
    records, repaired, dropped, artefacts = _repaired_records(extract.roads, extent)
    lines, line_record, cut_ends = _clipped_lines(records, extent)
    if lines.n_lines == 0:
        raise NetworkSourceError(f"{extract.path} holds no drivable road inside {extent}; pass an extent inside its "
                                 f"bbox {extract.bbox} (west, south, east, north in degrees)")
    topology = build_topology(lines, snap_m=snap_m, cut_ends=cut_ends)
    piece_records = [records[i] for i in line_record[topology.line]]
    kinds = np.array([r.kind for r in piece_records], dtype=object)
    names = np.array([r.name for r in piece_records], dtype=object)
    piece_m = _piece_lengths(topology.pieces)
    keep = _largest_component(topology.pieces, piece_m)
    config = speeds or SpeedConfig()
    network = _directed_network(topology.pieces, keep, piece_m, kinds, names, config)
    outside = _outside_rows(topology.pieces, ~keep, kinds, names, piece_m, [r.index for r in piece_records])
    report = BuildReport(
        records_read=len(extract.roads), drivable_records=len(np.unique(line_record)), repaired=repaired,
        dropped=dropped, crossings_noded=len(topology.crossings), ends_snapped=len(topology.snap_from),
        stubs_trimmed=topology.trimmed, nodes=network.n_nodes, edges=network.n_edges,
        drivable_km=float(_piece_lengths(lines).sum() / 1000), network_km=float(piece_m.sum() / 1000),
        largest_component_km=float(piece_m[keep].sum() / 1000),
        largest_component_share=float(piece_m[keep].sum() / piece_m.sum()),
        diagnostics=_diagnostics(topology, artefacts + outside))
    network.source = _source(extract, extent, config, {"snap_m": snap_m, **report.counts()})
    logger.info("built %d nodes, %d edges; largest component %.1f of %.1f km (%.2f %%)", report.nodes, report.edges,
                report.largest_component_km, report.network_km, 100 * report.largest_component_share)
    return network, report


def _source(extract: BBBikeExtract, extent: tuple[float, float, float, float], config: SpeedConfig,
            build: dict) -> dict:
    """The network's provenance; no build date, so that building twice gives identical files."""
    return {"source": "osm", "extract": extract.label, "attribution": "© OpenStreetMap contributors",
            "licence": "ODbL 1.0", "description": f"OpenStreetMap drivable roads of the {extract.label} extract "
            f"({extract.path.name}) inside {list(extent)}, topology rebuilt by geo.network.bbbike_build",
            "oneway": ONEWAY_NOTE, "speeds": config.to_dict(), "build": build}


def _check_options(extent: object, snap_m: object) -> tuple[float, float, float, float]:
    ok = (isinstance(extent, (tuple, list)) and len(extent) == 4
          and all(isinstance(v, (int, float)) and np.isfinite(v) for v in extent))
    if not (ok and -180 <= extent[0] < extent[2] <= 180 and -90 <= extent[1] < extent[3] <= 90):
        raise InvalidParameter("extent_wgs84", f"expected (west, south, east, north) in degrees with west < east and "
                               f"south < north, e.g. (120.55, 27.78, 120.95, 28.06); got {extent!r}")
    if not (isinstance(snap_m, (int, float)) and 0 <= snap_m <= 100):
        raise InvalidParameter("snap_m", f"expected a snapping distance in metres in [0, 100], e.g. 12; got {snap_m!r}")
    return tuple(float(v) for v in extent)


def _repaired_records(roads: tuple[ExtractLine, ...], extent: tuple[float, float, float, float]) -> tuple[
        list[ExtractLine], tuple[int, ...], dict[int, str], list[dict]]:
    """Drivable records meeting the extent with spikes cut (rule 2); the repaired, the dropped and their rows."""
    box = shapely.box(*extent)
    kept, repaired, dropped, rows = [], [], {}, []
    for road in roads:
        if road.kind not in DRIVABLE_HIGHWAYS or not box.intersects(shapely.box(*road.coords.min(axis=0),
                                                                                 *road.coords.max(axis=0))):
            continue
        distinct = road.coords[np.r_[True, (np.diff(road.coords, axis=0) != 0).any(axis=1)]]
        coords, spikes = remove_spikes(distinct) if len(distinct) >= 2 else (distinct, [])
        row = {"record": road.index, "highway": road.kind, "name": road.name}
        reason = "degenerate" if len(distinct) < 2 else (
            "out-and-back" if spikes and line_length_m(coords) < MIN_REMAINDER_M else "")
        if reason:
            dropped[road.index] = reason
            rows.append({**row, "kind": "dropped", "reason": reason, "metres": line_length_m(road.coords),
                         "geometry": shapely.LineString(road.coords) if len(distinct) >= 2 else
                         shapely.Point(road.coords[0])})
            continue
        if spikes:
            repaired.append(road.index)
            rows += [{**row, "kind": "repaired", "reason": "spike cut", "metres": line_length_m(spike),
                      "geometry": shapely.LineString(spike)} for spike in spikes]
        kept.append(ExtractLine(road.index, road.kind, road.name, coords))
    logger.info("artefacts: %d records repaired %s, %d dropped %s", len(repaired), repaired, len(dropped), dropped)
    return kept, tuple(repaired), dropped, rows


def _clipped_lines(records: list[ExtractLine],
                   extent: tuple[float, float, float, float]) -> tuple[Polylines, np.ndarray, np.ndarray]:
    """The records clipped to the extent as :class:`Polylines`, the record (list position) of each line, and the
    keys of the line ends on the extent's edge (cut by the clip, so not dead ends)."""
    sizes = [len(r.coords) for r in records]
    geoms = shapely.linestrings(np.concatenate([r.coords for r in records]) if records else np.empty((0, 2)),
                                indices=np.repeat(np.arange(len(records)), sizes))
    parts, record = shapely.get_parts(shapely.clip_by_rect(geoms, *extent), return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, record = parts[is_line], record[is_line]
    coords, line = shapely.get_coordinates(parts, return_index=True)
    keys = to_keys(coords[:, 0], coords[:, 1])
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (line[1:] != line[:-1])
    keys, line = keys[keep], line[keep]
    sizes = np.bincount(line, minlength=len(parts))
    long_enough = sizes >= 2
    keys, line = keys[long_enough[line]], line[long_enough[line]]
    record = record[long_enough]
    offsets = np.concatenate([[0], np.cumsum(sizes[long_enough])]).astype(np.int64)
    kinds = np.array([records[i].kind for i in record], dtype=object)
    groups = pd.factorize(pd.Series([f"{records[i].kind}\0{records[i].name}" for i in record], dtype=object))[0]
    lines = Polylines(keys=keys, offsets=offsets, group=groups.astype(np.int64),
                      crossing=~np.isin(kinds, list(GRADE_SEPARATED)),
                      snap_from_any=~np.isin(kinds, list(NO_ROADSIDE_ACCESS)),
                      snap_to_all=np.isin(kinds, list(EXPRESSWAY_FAMILY)))
    end_keys = keys[np.concatenate([offsets[:-1], offsets[1:] - 1])]
    lon, lat = key_lonlat(end_keys)
    on_edge = np.isin(to_keys(lon, 0.0), to_keys(np.array(extent[::2]), 0.0)) | np.isin(
        to_keys(0.0, lat), to_keys(0.0, np.array(extent[1::2])))
    return lines, record, np.unique(end_keys[on_edge])


def _piece_lengths(lines: Polylines) -> np.ndarray:
    """Haversine length of every line in metres, summed over its segments."""
    lon, lat = key_lonlat(lines.keys)
    segment = haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    line_of = lines.line_of_vertex()
    inside = line_of[:-1] == line_of[1:]
    return np.bincount(line_of[:-1][inside], weights=segment[inside], minlength=lines.n_lines)


def _ends(pieces: Polylines) -> tuple[np.ndarray, np.ndarray]:
    return pieces.keys[pieces.offsets[:-1]], pieces.keys[pieces.offsets[1:] - 1]


def _largest_component(pieces: Polylines, piece_m: np.ndarray) -> np.ndarray:
    """True for the pieces of the connected component with the greatest length."""
    nodes, index = np.unique(np.concatenate(_ends(pieces)), return_inverse=True)
    u, v = index[:pieces.n_lines], index[pieces.n_lines:]
    adjacency = coo_array((np.ones(len(u)), (u, v)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(adjacency, directed=False)
    return label[u] == np.argmax(np.bincount(label[u], weights=piece_m))


def _directed_network(pieces: Polylines, keep: np.ndarray, piece_m: np.ndarray, kinds: np.ndarray,
                      names: np.ndarray, config: SpeedConfig) -> RoadNetwork:
    """Two directed edges per kept piece (rule 6)."""
    start, end = _ends(pieces)
    node_keys = np.unique(np.concatenate([start[keep], end[keep]]))
    u, v = np.searchsorted(node_keys, start), np.searchsorted(node_keys, end)
    kept = np.flatnonzero(keep)
    kept = kept[np.lexsort((piece_m[kept], v[kept], u[kept]))]
    lon, lat = key_lonlat(pieces.keys)
    shapes = shapely.linestrings(np.column_stack([lon, lat]), indices=pieces.line_of_vertex())[kept]
    both = np.concatenate([kept, kept])
    highway = kinds[both]
    maxspeed = np.full(len(both), "", dtype=object)
    x, y = key_lonlat(node_keys)
    return RoadNetwork(
        node_id=np.arange(1, len(node_keys) + 1, dtype=np.int64), x=x, y=y,
        edge_u=np.concatenate([u[kept], v[kept]]), edge_v=np.concatenate([v[kept], u[kept]]),
        length_m=piece_m[both], speed_kph=speeds_for(highway, maxspeed, config=config), highway=highway,
        name=names[both], project_id=np.full(len(both), "", dtype=object), oneway=np.zeros(len(both), dtype=bool),
        maxspeed=maxspeed, geometry=np.concatenate([shapes, shapely.reverse(shapes)]),
        ring_id=np.full(len(both), "", dtype=object))


def _outside_rows(pieces: Polylines, outside: np.ndarray, kinds: np.ndarray, names: np.ndarray, piece_m: np.ndarray,
                  record: list[int]) -> list[dict]:
    """Diagnostics rows of the pieces left out of the largest component."""
    lon, lat = key_lonlat(pieces.keys)
    shapes = shapely.linestrings(np.column_stack([lon, lat]), indices=pieces.line_of_vertex())
    return [{"kind": "outside_component", "record": int(record[i]), "highway": kinds[i], "name": names[i],
             "reason": "not connected to the largest component", "metres": float(piece_m[i]), "geometry": shapes[i]}
            for i in np.flatnonzero(outside)]


def _diagnostics(topology: Topology, rows: list[dict]) -> gpd.GeoDataFrame:
    """Snaps, crossings, artefacts and pieces left out, as WGS-84 features (see :class:`BuildReport`)."""
    snapped, targets = _points(topology.snap_from), _points(topology.snap_to)
    blank = {"record": -1, "highway": "", "name": ""}
    moved = topology.snap_from != topology.snap_to
    for start, end, metres, line in zip(snapped, targets, topology.snap_m, moved):
        rows.append({**blank, "kind": "snapped", "reason": "dangling end", "metres": metres, "geometry": start})
        if line:
            rows.append({**blank, "kind": "snap_line", "reason": "dangling end", "metres": metres,
                         "geometry": shapely.LineString([start, end])})
    rows += [{**blank, "kind": "noded", "reason": "at-grade crossing", "metres": 0.0, "geometry": point}
             for point in _points(topology.crossings)]
    columns = ["kind", "reason", "record", "highway", "name", "metres", "geometry"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["metres"] = frame["metres"].astype(float).round(2)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _points(keys: np.ndarray) -> np.ndarray:
    return shapely.points(np.column_stack(key_lonlat(keys)))


def diagnostics_geojson(diagnostics: gpd.GeoDataFrame) -> dict:
    """The diagnostics as a compact GeoJSON FeatureCollection, for a file beside the network.

    The thousands of snaps and crossings become one feature per kind (``MultiPoint``/``MultiLineString`` with
    ``count``, and for ``snapped`` the ``metres`` of each snap in order); the other rows stay one feature each.
    """
    features = []
    for kind, make in (("snapped", shapely.multipoints), ("snap_line", shapely.multilinestrings),
                       ("noded", shapely.multipoints)):
        rows = diagnostics[diagnostics["kind"] == kind]
        if len(rows):
            properties = {"kind": kind, "count": len(rows)}
            if kind == "snapped":
                properties["metres"] = rows["metres"].tolist()
            features.append({"type": "Feature", "properties": properties,
                             "geometry": shapely.geometry.mapping(make(rows.geometry.to_numpy()))})
    rest = diagnostics[~diagnostics["kind"].isin(["snapped", "snap_line", "noded"])]
    if len(rest):
        features += json.loads(rest.to_json(drop_id=True))["features"]
    return {"type": "FeatureCollection", "features": features}
