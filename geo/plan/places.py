"""Named places of the OpenStreetMap extract checked against the blocks' approximate positions.

The blocks are placed from positions good to about 1–2 km (``data/sources/places.csv``). The BBBike extract of
OpenStreetMap names 255 places of Wenzhou (towns, 街道, districts, neighbourhoods), committed as
``data/osm-places.geojson`` (© OpenStreetMap contributors, ODbL 1.0). Two questions are answered here: which place
a block's name clearly denotes (used by :mod:`geo.plan.build_layers` to re-anchor the block there), and which
named place lies nearest each block (reported by ``corridor validate`` as a finding, never a failure).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo.plan.schema import METRIC_CRS

logger = logging.getLogger(__name__)

# Township-level suffixes: a name ending in one of these is a place (街道 subdistrict, 镇 town, 乡 township) whose
# stem is how people name it (七都街道 → 七都). Districts and cities (区, 市, 县) are left out on purpose: a block in
# 瓯海区 named 瓯海生命健康小镇 says which district it is in, not where in it.
PLACE_SUFFIXES: tuple[str, ...] = ("街道", "镇", "乡")
# A one-character stem (e.g. a hypothetical 岛镇 → 岛) would match too many block names by accident.
MIN_STEM_CHARS = 2


def place_stem(name: str) -> str | None:
    """The name of a township-level place without its suffix 街道, 镇 or 乡.

    Returns
    -------
    str or None
        The stem (``七都街道`` → ``七都``), or ``None`` when the name has none of the suffixes or the stem is
        shorter than ``MIN_STEM_CHARS`` characters.
    """
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_STEM_CHARS:
            return name[: -len(suffix)]
    return None


def denoted_place(label: str, place_names: Iterable[str]) -> str | None:
    """The one named place that ``label`` (a block's name, with any gloss) clearly denotes.

    A place is denoted when its stem (:func:`place_stem`) occurs in ``label``: ``温州国际未来科技岛（七都岛）``
    denotes ``七都街道``, ``茶山梦创小镇`` denotes ``茶山街道``.

    Returns
    -------
    str or None
        The place's name when exactly one entry of ``place_names`` is denoted; ``None`` when none is, or when
        several are (two places, or two entries of one name) — then the name is not clear.
    """
    matches = [name for name in place_names if (stem := place_stem(name)) is not None and stem in label]
    if len(matches) > 1:
        logger.info("%s names %d places (%s); not clear, so none is taken", label, len(matches), "、".join(matches))
    return matches[0] if len(matches) == 1 else None


def anchor_places(labels: Mapping[str, str], places: Sequence[tuple[str, str, float, float]]
                  ) -> dict[str, tuple[str, float, float]]:
    """The named place each label clearly denotes (:func:`denoted_place`), with its position.

    Parameters
    ----------
    labels
        Block names (with any gloss) by key, e.g. block id.
    places
        Named places ``(name, place kind, lon, lat)``.

    Returns
    -------
    dict
        ``{key: (place name, lon, lat)}`` for the keys whose label denotes exactly one place.
    """
    names = [name for name, *_ in places]
    positions = {name: (lon, lat) for name, _, lon, lat in places}
    found = {key: denoted_place(label, names) for key, label in labels.items()}
    return {key: (place, *positions[place]) for key, place in found.items() if place is not None}


def nearest_places(blocks: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> list[dict]:
    """Each block's nearest named place, measured from the block's centre in EPSG:32651.

    Parameters
    ----------
    blocks
        The block layer (``id``, ``name``, optional ``anchor``); blocks without a usable geometry are skipped.
    places
        The named places (``name``, ``place``, Point geometry); places without a geometry are ignored.

    Returns
    -------
    list of dict
        One ``{"block_id", "block_name", "place", "place_kind", "distance_m", "anchor"}`` per block, in the
        blocks' order; ``distance_m`` unrounded, ``anchor`` the block's re-anchoring note or ``None``. Empty when
        there are no places. Of two places equally near, the first in the layer is taken.
    """
    usable_places = places[places.geometry.notna()].to_crs(METRIC_CRS)
    usable_blocks = blocks[blocks.geometry.notna()]
    if usable_places.empty or usable_blocks.empty:
        return []
    centres = usable_blocks.to_crs(METRIC_CRS).geometry.centroid.to_numpy()
    distances = shapely.distance(centres[:, np.newaxis], usable_places.geometry.to_numpy()[np.newaxis, :])
    nearest = distances.argmin(axis=1)
    # A layer read by pandas may hold NaN where a block has no anchor: only text is an anchor note.
    anchors = [a if isinstance(a, str) else None for a in usable_blocks.get("anchor", [None] * len(usable_blocks))]
    return [{"block_id": block_id, "block_name": name, "place": usable_places["name"].iloc[index],
             "place_kind": usable_places["place"].iloc[index], "distance_m": float(distances[row, index]),
             "anchor": anchor}
            for row, (block_id, name, anchor, index) in enumerate(zip(usable_blocks["id"], usable_blocks["name"],
                                                                      anchors, nearest))]
