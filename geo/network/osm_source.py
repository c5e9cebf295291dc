"""OpenStreetMap sources of the road network: local files (XML, PBF) and the Overpass download.

Every source goes through OSMnx so one-way streets, roundabouts and simplification follow OSMnx's rules, then
:func:`graph_to_network` turns the ``MultiDiGraph`` into a :class:`~geo.network.road_network.RoadNetwork`.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import socket
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import shapely
from osmnx._errors import InsufficientResponseError

from geo.errors import DataFileError, InvalidGeometry, InvalidParameter, NetworkSourceError, NetworkUnavailable
from geo.network.road_network import EARTH_RADIUS_M, RoadNetwork, save_network
from geo.network.speeds import SpeedConfig, speeds_for

logger = logging.getLogger(__name__)

DRIVABLE_HIGHWAYS = frozenset({
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
    "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "road", "service",
})
_CLOSED_ACCESS = frozenset({"private", "no"})
_NON_THROUGH_SERVICE = frozenset({"parking_aisle", "driveway", "private", "emergency_access", "parking"})
XML_SUFFIXES = (".osm", ".osm.xml", ".osm.bz2", ".osm.xml.bz2")
PBF_SUFFIXES = (".osm.pbf", ".pbf")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
MIN_MARGIN_KM = 3.0  # the network reaches this far beyond everything the plan places, so routes can leave its area
PLAN_LAYERS = ("blocks.geojson", "tasks.geojson", "roads.geojson")


def is_drivable(tags: Mapping[str, object]) -> bool:
    """True for a way cars may use: a drivable ``highway`` class, not private, not a parking aisle or an area."""
    return (tags.get("highway") in DRIVABLE_HIGHWAYS and tags.get("access") not in _CLOSED_ACCESS
            and tags.get("service") not in _NON_THROUGH_SERVICE and tags.get("area") != "yes")


def network_from_osm_file(path: str | Path, *, speeds: SpeedConfig | None = None) -> RoadNetwork:
    """Load the drivable network of an OSM XML (``.osm``, ``.osm.bz2``) or PBF (``.osm.pbf``) file.

    Raises
    ------
    NetworkSourceError
        The file has another suffix, is not OSM data, or holds no drivable road.
    """
    path = Path(path)
    name = path.name.lower()
    source = {"source": "osm-file", "description": f"OpenStreetMap extract {path.name} ({OSM_ATTRIBUTION})",
              "file": str(path), "loaded": dt.date.today().isoformat()}
    if name.endswith(PBF_SUFFIXES):
        graph, dropped = drive_graph_from_pbf(path)
        source["dropped_node_refs"] = dropped
    elif name.endswith(XML_SUFFIXES):
        graph = drive_graph_from_xml(path)
    else:
        raise NetworkSourceError(f"{path} is not a network source: expected a cache directory or a file ending in "
                                 f"{', '.join(XML_SUFFIXES + PBF_SUFFIXES)}")
    return graph_to_network(graph, speeds=speeds, source=source)


def drive_graph_from_xml(path: Path) -> nx.MultiDiGraph:
    """Parse OSM XML with OSMnx, keep the drivable ways, and simplify."""
    try:
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except (ET.ParseError, InsufficientResponseError, OSError, EOFError, ValueError, KeyError) as exc:
        raise NetworkSourceError(f"{path} is not an OpenStreetMap XML file ({type(exc).__name__}: {exc}); pass "
                                 "an .osm/.osm.bz2 extract, an .osm.pbf file or a network cache directory") from exc
    return _simplify_drivable(graph, path)


def drive_graph_from_pbf(path: Path) -> tuple[nx.MultiDiGraph, int]:
    """Read the drivable ways of a PBF with pyosmium, repair missing node refs, and build the graph with OSMnx.

    A way that references nodes absent from the file (typical of clipped extracts) is split at each missing
    node, and its pieces with at least two nodes are kept. Returns the graph and the number of dropped refs.
    """
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    dropped = 0
    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
            if not way.is_way() or not is_drivable(way.tags):
                continue
            pieces, missing = _split_at_missing(way, nodes)
            dropped += missing
            tags = {k: way.tags[k] for k in ox.settings.useful_tags_way if k in way.tags}
            # OSMnx keys ways by id, so later pieces get ids of their own (negative: not OSM database objects).
            ways.extend((way.id if i == 0 else -(way.id * 1000 + i), piece, tags) for i, piece in enumerate(pieces))
    except RuntimeError as exc:
        raise NetworkSourceError(f"{path} is not an OpenStreetMap PBF file ({exc}); pass an .osm.pbf extract, "
                                 "an .osm/.osm.bz2 file or a network cache directory") from exc
    if dropped:
        logger.warning("%s: dropped %d references to nodes missing from the file; split their ways there",
                       path.name, dropped)
    if not ways:
        raise NetworkSourceError(f"{path} holds no drivable road (highway={'/'.join(sorted(DRIVABLE_HIGHWAYS))})")
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / "drive.osm"
        _write_osm_xml(xml_path, nodes, ways)
        graph = ox.graph_from_xml(xml_path, simplify=False, retain_all=True)
    return _simplify_drivable(graph, path), dropped


def _split_at_missing(way: osmium.osm.Way, nodes: dict[int, tuple[float, float]]) -> tuple[list[list[int]], int]:
    """The runs of located nodes of ``way`` (2+ nodes each) and the number of missing refs."""
    pieces: list[list[int]] = [[]]
    missing = 0
    for ref in way.nodes:
        if ref.location.valid():
            nodes[ref.ref] = (ref.location.lon, ref.location.lat)
            pieces[-1].append(ref.ref)
        else:
            missing += 1
            pieces.append([])
    return [p for p in pieces if len(p) >= 2], missing


def _write_osm_xml(path: Path, nodes: Mapping[int, tuple[float, float]],
                   ways: list[tuple[int, list[int], dict[str, str]]]) -> None:
    root = ET.Element("osm", version="0.6", generator="corridor")
    for node_id, (lon, lat) in nodes.items():
        ET.SubElement(root, "node", id=str(node_id), lon=repr(lon), lat=repr(lat))
    for way_id, refs, tags in ways:
        element = ET.SubElement(root, "way", id=str(way_id))
        for ref in refs:
            ET.SubElement(element, "nd", ref=str(ref))
        for key, value in tags.items():
            ET.SubElement(element, "tag", k=key, v=value)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _simplify_drivable(graph: nx.MultiDiGraph, path: Path) -> nx.MultiDiGraph:
    closed = [(u, v, k) for u, v, k, tags in graph.edges(keys=True, data=True) if not is_drivable(tags)]
    graph.remove_edges_from(closed)
    graph.remove_nodes_from(list(nx.isolates(graph)))
    if graph.number_of_edges() == 0:
        raise NetworkSourceError(f"{path} holds no drivable road (highway={'/'.join(sorted(DRIVABLE_HIGHWAYS))})")
    logger.info("%s: %d drivable edges before simplification (%d others dropped)", path.name,
                graph.number_of_edges(), len(closed))
    return ox.simplify_graph(graph)


def graph_to_network(graph: nx.MultiDiGraph, *, speeds: SpeedConfig | None = None,
                     source: dict | None = None) -> RoadNetwork:
    """Convert an OSMnx ``MultiDiGraph`` (WGS-84) to a :class:`RoadNetwork`.

    Parallel edges keep the shortest; self-loops are dropped (they never shorten a route). Merged attributes:
    ``highway`` lists → first value, ``name`` lists → joined with ``"/"``, ``maxspeed`` lists → all values (the
    speed uses the smallest), ``oneway`` as OSMnx set it.
    """
    node_ids = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    position = {node: i for i, node in enumerate(graph.nodes)}
    rows = [(position[u], position[v], float(d["length"]), _first(d.get("highway")), _joined(d.get("name"), "/"),
             _joined(d.get("maxspeed"), ";"), _any_true(d.get("oneway")), d.get("geometry"))
            for u, v, d in graph.edges(data=True) if u != v]
    if not rows:
        raise NetworkSourceError("the OSM data holds no road edge between two distinct nodes")
    u, v, length, highway, name, maxspeed, oneway, geometry = (np.array(c, dtype=object) for c in zip(*rows))
    u, v, length = u.astype(np.int64), v.astype(np.int64), length.astype(np.float64)
    order = np.lexsort((length, v, u))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (u[order][1:] != u[order][:-1]) | (v[order][1:] != v[order][:-1])
    keep = order[first]
    logger.info("graph → network: %d nodes, %d edges (%d parallel edges merged)", len(node_ids), len(keep),
                len(order) - len(keep))
    config = speeds or SpeedConfig()
    data = graph.nodes
    return RoadNetwork(
        node_id=node_ids, x=np.array([data[n]["x"] for n in graph.nodes], dtype=np.float64),
        y=np.array([data[n]["y"] for n in graph.nodes], dtype=np.float64), edge_u=u[keep], edge_v=v[keep],
        length_m=length[keep], speed_kph=speeds_for(highway[keep], maxspeed[keep], config=config),
        highway=highway[keep], name=name[keep], project_id=np.full(len(keep), "", dtype=object),
        source={**(source or {}), "speeds": config.to_dict()}, oneway=oneway[keep].astype(bool),
        maxspeed=maxspeed[keep], geometry=geometry[keep])


def _first(value: object) -> str:
    return str(value[0]) if isinstance(value, list) else ("" if value is None else str(value))


def _joined(value: object, separator: str) -> str:
    if isinstance(value, list):
        return separator.join(dict.fromkeys(str(v) for v in value))
    return "" if value is None else str(value)


def _any_true(value: object) -> bool:
    return any(value) if isinstance(value, list) else bool(value)


def fetch_network(polygon: shapely.Geometry, *, out: str | Path | None, timeout_s: float = 60.0,
                  speeds: SpeedConfig | None = None) -> RoadNetwork:
    """Download the OSM drive network inside ``polygon`` (WGS-84), add speeds, and save it as a cache at ``out``
    (``None``: not saved, e.g. to match the plan onto it first, as ``corridor fetch-network`` does).

    Raises
    ------
    NetworkUnavailable
        The Overpass server cannot be reached (checked within a few seconds first) or the download fails.
    """
    if not isinstance(polygon, (shapely.Polygon, shapely.MultiPolygon)) or polygon.is_empty:
        raise InvalidGeometry(f"download area must be a non-empty WGS-84 Polygon or MultiPolygon, got "
                              f"{getattr(polygon, 'geom_type', type(polygon).__name__)}")
    check_reachable(ox.settings.overpass_url, timeout_s=min(timeout_s, 5.0))
    # No status-endpoint pause (OSMnx sleeps 60 s when it is unreachable) and no response cache in the cwd.
    with _osmnx_settings(requests_timeout=timeout_s, overpass_rate_limit=False, use_cache=False):
        try:
            graph = ox.graph_from_polygon(polygon, network_type="drive", simplify=True, retain_all=True)
        except InsufficientResponseError as exc:
            raise NetworkSourceError(f"OpenStreetMap returned no drivable road inside the area {polygon.bounds}: "
                                     f"{exc}") from exc
        except Exception as exc:  # requests/urllib3 raise many types; all mean the download failed
            raise NetworkUnavailable(f"downloading the road network from {ox.settings.overpass_url} failed "
                                     f"({type(exc).__name__}: {exc}); retry later or with a longer --timeout") from exc
    source = {"source": "osm-download", "description": f"OpenStreetMap drive network ({OSM_ATTRIBUTION})",
              "downloaded": dt.date.today().isoformat(), "area_bounds": [round(b, 5) for b in polygon.bounds],
              "overpass_url": ox.settings.overpass_url}
    network = graph_to_network(graph, speeds=speeds, source=source)
    if out is not None:
        save_network(network, out)
    return network


@contextmanager
def _osmnx_settings(**values: object) -> Iterator[None]:
    previous = {name: getattr(ox.settings, name) for name in values}
    for name, value in values.items():
        setattr(ox.settings, name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            setattr(ox.settings, name, value)


def check_reachable(url: str, *, timeout_s: float) -> None:
    """Open a TCP connection to ``url``'s host, raising :class:`NetworkUnavailable` within ``timeout_s``.

    Name resolution ignores socket timeouts, so the attempt runs in a daemon thread that is abandoned on timeout.
    """
    parsed = urlparse(url)
    address = (parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            socket.create_connection(address, timeout=timeout_s).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, name="corridor-reachability", daemon=True)
    worker.start()
    worker.join(timeout_s)
    problem = outcome[0] if outcome else TimeoutError(f"no answer within {timeout_s:g} s")
    if problem is not None:
        raise NetworkUnavailable(f"cannot reach {address[0]}:{address[1]} ({problem}); downloading the "
                                 "OpenStreetMap network needs internet access. Offline, use the bundled network or "
                                 "a local .osm/.osm.pbf file (corridor access --network FILE)") from problem


def default_download_dir() -> Path:
    """Where ``corridor fetch-network`` saves by default: ``data/network-osm/`` (the bundled cache stays)."""
    return Path(__file__).resolve().parents[2] / "data" / "network-osm"


def plan_extent(data_dir: str | Path, *, margin_km: float = MIN_MARGIN_KM) -> tuple[float, float, float, float]:
    """The bounds of the plan's blocks, tasks, roads and corridor, grown by ``margin_km`` (west, south, east, north):
    the extent of the bundled network and of ``corridor fetch-network``'s download.

    The margin is in kilometres on the ground: degrees of longitude are scaled at the extent's most poleward
    latitude, so no side gets less than ``margin_km``.
    """
    if not (isinstance(margin_km, (int, float)) and margin_km >= MIN_MARGIN_KM):
        raise InvalidParameter("margin_km", f"expected at least {MIN_MARGIN_KM} km so routes can leave the plan's "
                               f"area; got {margin_km!r}")
    data_dir = Path(data_dir)
    layers = [gpd.read_file(data_dir / name) for name in PLAN_LAYERS]
    # the ring is left out: it is matched onto the network this builds, and the corridor holds it anyway
    bounds = [(layer[layer["category"] != "ring"] if "category" in layer else layer).total_bounds for layer in layers]
    districts = gpd.read_file(data_dir / "districts.geojson")
    corridor = districts.loc[districts["id"] == "CORRIDOR"]
    if corridor.empty:
        raise DataFileError(f"{data_dir / 'districts.geojson'} has no CORRIDOR feature; run "
                            "scripts/build_plan_data.py first")
    bounds.append(corridor.total_bounds)
    west, south = np.min(bounds, axis=0)[:2]
    east, north = np.max(bounds, axis=0)[2:]
    dlat = math.degrees(margin_km * 1000 / EARTH_RADIUS_M)
    dlon = dlat / math.cos(math.radians(max(abs(south), abs(north)) + dlat))
    # rounded outwards to 1e-6°, so no side gets less than the margin
    return (math.floor((west - dlon) * 1e6) / 1e6, math.floor((south - dlat) * 1e6) / 1e6,
            math.ceil((east + dlon) * 1e6) / 1e6, math.ceil((north + dlat) * 1e6) / 1e6)
