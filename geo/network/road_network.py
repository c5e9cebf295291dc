"""Road networks for the corridor: the shared in-memory form and its cache.

The whole project works on one in-memory form, :class:`RoadNetwork`: flat NumPy arrays of nodes and directed
edges (a two-way street is two edges), so analyses build SciPy sparse graphs without per-edge Python work.
:func:`save_network` writes it as a cache directory and :func:`read_network_cache` reads one back; the bundled
network under ``data/network/`` is such a cache (:func:`default_network_dir`). Loading any source — the bundled
network, a cache directory or a local OSM file — is :func:`geo.network.loading.load_network`.
"""
from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo.errors import InvalidGeometry, InvalidParameter, NetworkSourceError
from geo.network.speeds import SpeedConfig, speeds_for

logger = logging.getLogger(__name__)

CACHE_FORMAT_VERSION = 2
EARTH_RADIUS_M = 6_371_008.8
_STRING_COLUMNS = ("highway", "name", "project_id", "maxspeed", "ring_id")


@dataclass(eq=False)
class RoadNetwork:
    """A directed road network as arrays.

    Attributes
    ----------
    node_id
        Stable node ids (OSM ids for OSM sources), int64, shape ``(n,)``.
    x, y
        Node longitude and latitude (WGS-84), float64.
    edge_u, edge_v
        Edge endpoints as indices into the node arrays, int64, shape ``(m,)``; edges are directed.
    length_m
        Edge length in metres.
    speed_kph
        Free-flow speed in km/h after class defaults and ``maxspeed``.
    highway
        OSM ``highway`` class of each edge (object array of str).
    name
        Street name of each edge, ``""`` when unnamed.
    project_id
        Id of the road project (``data/roads.geojson``) that builds the edge, ``""`` for existing roads.
    source
        Provenance shown with every result, e.g. ``{"source": "bundled-schematic", "description": ...}``.
    oneway
        True where the edge belongs to a one-way street (no reverse edge); all False when not given.
    maxspeed
        OSM ``maxspeed`` as tagged, ``""`` when absent; kept so speeds can be recomputed with another config.
    geometry
        Optional edge shapes (object array of shapely LineStrings, ``None`` = straight u→v) for drawing routes.
    ring_id
        Id of the ring segment (``RING-N`` …) whose matched loop the edge belongs to, ``""`` off the ring; all
        ``""`` until the ring has been matched onto the network (:mod:`geo.access.plan_matching`).
    """

    node_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length_m: np.ndarray
    speed_kph: np.ndarray
    highway: np.ndarray
    name: np.ndarray
    project_id: np.ndarray
    source: dict = field(default_factory=dict)
    oneway: np.ndarray | None = None
    maxspeed: np.ndarray | None = None
    geometry: np.ndarray | None = None
    ring_id: np.ndarray | None = None

    def __post_init__(self) -> None:
        m = self.edge_u.shape[0]
        if self.oneway is None:
            self.oneway = np.zeros(m, dtype=bool)
        if self.maxspeed is None:
            self.maxspeed = np.full(m, "", dtype=object)
        if self.ring_id is None:
            self.ring_id = np.full(m, "", dtype=object)
        edge_arrays = {"edge_v": self.edge_v, "length_m": self.length_m, "speed_kph": self.speed_kph,
                       "highway": self.highway, "name": self.name, "project_id": self.project_id,
                       "oneway": self.oneway, "maxspeed": self.maxspeed, "ring_id": self.ring_id}
        if self.geometry is not None:
            edge_arrays["geometry"] = self.geometry
        wrong = [f"{k} has {len(a)}" for k, a in edge_arrays.items() if len(a) != m]
        wrong += [f"{k} has {len(a)}" for k, a in (("x", self.x), ("y", self.y)) if len(a) != self.n_nodes]
        if wrong:
            raise NetworkSourceError(f"inconsistent network arrays: {self.n_nodes} nodes and {m} edges expected, "
                                     f"but {', '.join(wrong)}; rebuild the network or its cache")

    @property
    def n_nodes(self) -> int:
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.shape[0])

    def travel_time_s(self, *, congestion: float = 1.0) -> np.ndarray:
        """Travel time of every edge in seconds at ``congestion`` × free-flow speed (1.0 = free flow)."""
        if not (isinstance(congestion, (int, float)) and 0 < congestion <= 10):
            raise InvalidParameter("congestion", f"expected a speed factor in (0, 10], e.g. 0.6 for peak hour; "
                                   f"got {congestion!r}", kind="congestion", details={"high": 10, "got": congestion})
        return self.length_m / (self.speed_kph * congestion / 3.6)

    def with_speeds(self, config: SpeedConfig) -> RoadNetwork:
        """A copy whose ``speed_kph`` is recomputed from ``highway`` and ``maxspeed`` under ``config``."""
        speeds = speeds_for(self.highway, self.maxspeed, config=config)
        return replace(self, speed_kph=speeds, source={**self.source, "speeds": config.to_dict()})

    def select_edges(self, keep: np.ndarray) -> RoadNetwork:
        """A copy with only the edges where ``keep`` is True (all nodes kept), e.g. without a road project."""
        keep = np.asarray(keep, dtype=bool)
        edge_fields = ("edge_u", "edge_v", "length_m", "speed_kph", "highway", "name", "project_id", "oneway",
                       "maxspeed", "ring_id") + (("geometry",) if self.geometry is not None else ())
        return replace(self, **{f: getattr(self, f)[keep] for f in edge_fields})


OSM_SOURCES = ("osm", "osm-file", "osm-download")
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


def is_real_network(source: dict) -> bool:
    """Whether a network with this ``source`` dict holds real roads (OpenStreetMap), not a synthetic drawing."""
    return source.get("source") in OSM_SOURCES


def network_label(source: dict) -> str:
    """How pages and printouts name a network with this ``source`` dict (Simplified Chinese); the credit a real
    network needs is :func:`network_attribution`'s."""
    kind = source.get("source")
    if kind == "osm":
        return f"OpenStreetMap 真实路网（{source.get('extract', '')} 提取）"
    if kind == "osm-download":
        return f"OpenStreetMap 真实路网（{source.get('downloaded', '')} 下载）"
    if kind == "osm-file":
        return f"OpenStreetMap 路网文件 {Path(str(source.get('file', ''))).name}"
    description = str(source.get("description") or "")
    # a description is shown only when written in Chinese: the pages that use this label are Chinese throughout
    shown = f"（{description}）" if any("\u4e00" <= ch <= "\u9fff" for ch in description) else ""
    return f"示意路网{shown}：非真实道路"


def network_attribution(source: dict) -> str | None:
    """The credit a network with this ``source`` dict must carry wherever it is shown: OpenStreetMap's (ODbL)."""
    return OSM_ATTRIBUTION if is_real_network(source) else None


def default_network_dir() -> Path:
    """The bundled network cache: ``$CORRIDOR_NETWORK`` if set, else the project's ``data/network/``."""
    configured = os.environ.get("CORRIDOR_NETWORK")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "data" / "network"


def clip_network(network: RoadNetwork, polygon: shapely.Geometry) -> RoadNetwork:
    """Keep the edges whose both ends lie inside ``polygon`` (WGS-84) and the nodes they use."""
    if not isinstance(polygon, (shapely.Polygon, shapely.MultiPolygon)) or polygon.is_empty:
        raise InvalidGeometry(f"clip polygon must be a non-empty WGS-84 Polygon or MultiPolygon, got "
                              f"{getattr(polygon, 'geom_type', type(polygon).__name__)}")
    inside = shapely.contains_xy(polygon, network.x, network.y)
    keep_edge = inside[network.edge_u] & inside[network.edge_v]
    if not keep_edge.any():
        lon0, lat0, lon1, lat1 = (round(float(v), 4) for v in (network.x.min(), network.y.min(),
                                                               network.x.max(), network.y.max()))
        raise NetworkSourceError(f"clip polygon {tuple(round(v, 4) for v in polygon.bounds)} holds no edge of the "
                                 f"network, which spans lon {lon0}–{lon1}, lat {lat0}–{lat1}; pass a polygon that "
                                 "overlaps the network (WGS-84 lon/lat)")
    logger.info("clip keeps %d of %d edges", int(keep_edge.sum()), network.n_edges)
    return keep_nodes(network.select_edges(keep_edge), None)


def keep_nodes(network: RoadNetwork, keep: np.ndarray | None) -> RoadNetwork:
    """The sub-network of the edges between nodes where ``keep`` is True (``None``: all), minus unused nodes."""
    used = np.zeros(network.n_nodes, dtype=bool)
    used[network.edge_u] = True
    used[network.edge_v] = True
    if keep is not None:
        used &= np.asarray(keep, dtype=bool)
    inner = network.select_edges(used[network.edge_u] & used[network.edge_v])
    new_index = np.cumsum(used) - 1
    return replace(inner, node_id=network.node_id[used], x=network.x[used], y=network.y[used],
                   edge_u=new_index[inner.edge_u], edge_v=new_index[inner.edge_v])


def path_coordinates(network: RoadNetwork, edges: np.ndarray) -> list[tuple[float, float]]:
    """Lon/lat points along consecutive ``edges`` (a path: each edge starts where the previous one ends), following
    each edge's shape where it has one (a stored shape may run against the edge's direction)."""
    edges = np.asarray(edges, dtype=np.int64)
    first = int(network.edge_u[edges[0]]) if edges.size else 0
    coordinates = [(float(network.x[first]), float(network.y[first]))]
    for edge in edges:
        u, v = int(network.edge_u[edge]), int(network.edge_v[edge])
        shape = network.geometry[edge] if network.geometry is not None else None
        if shape is None:
            coordinates.append((float(network.x[v]), float(network.y[v])))
            continue
        points = [(float(px), float(py)) for px, py in shape.coords]
        start = (float(network.x[u]), float(network.y[u]))
        if math.dist(points[-1], start) < math.dist(points[0], start):
            points.reverse()
        coordinates.extend(points[1:])
    return coordinates


def haversine_m(x1: np.ndarray, y1: np.ndarray, x2: np.ndarray, y2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres between lon/lat points (as OSMnx measures edge lengths)."""
    lon1, lat1, lon2, lat2 = (np.radians(a) for a in (x1, y1, x2, y2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def save_network(network: RoadNetwork, directory: str | Path) -> Path:
    """Write ``network`` as a cache: ``nodes.parquet``, ``edges.parquet`` and ``meta.json`` in ``directory``.

    Strings are dictionary-encoded and the files zstd-compressed, so a cache is small and loads in bulk.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    nodes = pa.table({"node_id": network.node_id.astype(np.int64), "x": network.x, "y": network.y})
    edge_columns = {"u": network.edge_u.astype(np.int64), "v": network.edge_v.astype(np.int64),
                    "length_m": network.length_m.astype(np.float64),
                    "speed_kph": network.speed_kph.astype(np.float64), "oneway": network.oneway.astype(bool)}
    for column in _STRING_COLUMNS:
        edge_columns[column] = pa.array(getattr(network, column), type=pa.string()).dictionary_encode()
    if network.geometry is not None:
        edge_columns["geometry_wkb"] = pa.array(shapely.to_wkb(network.geometry), type=pa.binary())
    pq.write_table(nodes, directory / "nodes.parquet", compression="zstd", use_dictionary=False)
    pq.write_table(pa.table(edge_columns), directory / "edges.parquet", compression="zstd",
                   use_dictionary=list(_STRING_COLUMNS))
    meta = {"format_version": CACHE_FORMAT_VERSION, "source": network.source, "n_nodes": network.n_nodes,
            "n_edges": network.n_edges}
    (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    logger.info("saved %d nodes, %d edges to %s", network.n_nodes, network.n_edges, directory)
    return directory


def read_network_cache(directory: str | Path) -> RoadNetwork:
    """Read a cache written by :func:`save_network`; the stored ``source`` dict is returned unchanged."""
    directory = Path(directory)
    meta = _read_meta(directory)
    try:
        nodes = pq.read_table(directory / "nodes.parquet")
        edges = pq.read_table(directory / "edges.parquet", read_dictionary=list(_STRING_COLUMNS))
    except (OSError, pa.ArrowException) as exc:
        raise NetworkSourceError(f"network cache {directory} is unreadable ({exc}); rebuild it with "
                                 "corridor fetch-network or scripts/build_bundled_network.py") from exc
    geometry = None
    if "geometry_wkb" in edges.column_names:
        geometry = shapely.from_wkb(edges.column("geometry_wkb").to_numpy(zero_copy_only=False))
    network = RoadNetwork(
        node_id=_numeric(nodes, "node_id"), x=_numeric(nodes, "x"), y=_numeric(nodes, "y"),
        edge_u=_numeric(edges, "u"), edge_v=_numeric(edges, "v"), length_m=_numeric(edges, "length_m"),
        speed_kph=_numeric(edges, "speed_kph"), highway=_strings(edges, "highway"), name=_strings(edges, "name"),
        project_id=_strings(edges, "project_id"), source=meta["source"], oneway=_numeric(edges, "oneway"),
        maxspeed=_strings(edges, "maxspeed"), geometry=geometry, ring_id=_strings(edges, "ring_id"))
    if (network.n_nodes, network.n_edges) != (meta["n_nodes"], meta["n_edges"]):
        raise NetworkSourceError(f"network cache {directory} is inconsistent: meta.json says {meta['n_nodes']} "
                                 f"nodes/{meta['n_edges']} edges, the files hold {network.n_nodes}/"
                                 f"{network.n_edges}; rebuild it")
    return network


def _read_meta(directory: Path) -> dict:
    meta_path = directory / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NetworkSourceError(f"{directory} is not a network cache: it has no meta.json; pass a directory "
                                 "written by corridor fetch-network or an OSM file") from None
    except (OSError, ValueError) as exc:
        raise NetworkSourceError(f"{meta_path} is not readable JSON ({exc}); rebuild the cache") from exc
    if meta.get("format_version") != CACHE_FORMAT_VERSION:
        raise NetworkSourceError(f"{meta_path} has cache format {meta.get('format_version')!r}, this version reads "
                                 f"{CACHE_FORMAT_VERSION}; rebuild the cache")
    return meta


def _numeric(table: pa.Table, column: str) -> np.ndarray:
    return table.column(column).combine_chunks().to_numpy(zero_copy_only=False)


def _strings(table: pa.Table, column: str) -> np.ndarray:
    """Decode a dictionary column without per-row Python: decode the dictionary once, then index it."""
    encoded = table.column(column).combine_chunks()
    if not isinstance(encoded, pa.DictionaryArray):
        encoded = encoded.dictionary_encode()
    words = np.asarray(encoded.dictionary.to_pylist() + [""], dtype=object)
    indices = encoded.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)
    return words[indices]
