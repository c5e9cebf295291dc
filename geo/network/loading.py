"""The one loader of road networks: the bundled network, a cache directory or a local OpenStreetMap file.

:func:`load_network` reads whichever source it is given — the bundled cache
(:func:`~geo.network.road_network.default_network_dir`), a cache directory written by
:func:`~geo.network.road_network.save_network`, or an OSM file (:mod:`geo.network.osm_source`) — and optionally
clips it to a polygon. It sits above both, so that the in-memory form and its cache know nothing of OSMnx.
"""
from __future__ import annotations

from pathlib import Path

import shapely

from geo.errors import NetworkSourceError
from geo.network.road_network import RoadNetwork, clip_network, default_network_dir, read_network_cache
from geo.network.speeds import SpeedConfig


def load_network(path: str | Path | None = None, *, speeds: SpeedConfig | None = None,
                 polygon: shapely.Geometry | None = None) -> RoadNetwork:
    """Load a road network from the bundled default, a cache directory or a local OSM file.

    Parameters
    ----------
    path
        ``None`` for :func:`~geo.network.road_network.default_network_dir`; a directory written by
        :func:`~geo.network.road_network.save_network`; or an OSM file (``.osm``, ``.osm.xml``, ``.osm.bz2``,
        ``.osm.pbf``).
    speeds
        Speed settings; ``None`` keeps a cache's stored speeds, or uses the CJJ 37 defaults for OSM files.
    polygon
        Optional WGS-84 (Multi)Polygon: keep only the part of the network inside it.

    Raises
    ------
    NetworkSourceError
        The path is missing, not a network, or ``polygon`` does not intersect the network.
    """
    source_path = Path(path) if path is not None else default_network_dir()
    if source_path.is_dir():
        network = read_network_cache(source_path)
        if speeds is not None:
            network = network.with_speeds(speeds)
    elif source_path.is_file():
        from geo.network import osm_source  # imported here: it pulls in OSMnx, which a cache load does not need

        network = osm_source.network_from_osm_file(source_path, speeds=speeds or SpeedConfig())
    else:
        raise NetworkSourceError(f"network source {source_path} does not exist; expected a cache directory "
                                 "(corridor fetch-network) or an .osm/.osm.bz2/.osm.pbf file")
    return clip_network(network, polygon) if polygon is not None else network
