"""The collections OGC API – Features serves (:mod:`web.gis.ogc`), each read from the function behind its ``/api`` twin.

The features are the ones the GeoJSON API answers, built the same way on every request: the items with their
current status and any edited geometry (:func:`web.core.features.item_collection`), the parks coloured for the current
quarter (:func:`web.reports.parks.park_collection`), the plan areas, and the isochrone bands of the planned network at free
flow (:func:`web.access.results.access_isochrones`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geo.errors import UnknownItem
from web.access.results import DEFAULT_CONGESTION, DEFAULT_SCENARIO, access_isochrones
from web.core.features import item_collection
from web.core.state import corridor_state
from web.reports.parks import park_collection, park_targets, quarter_argument

logger = logging.getLogger(__name__)

Features = list[dict[str, Any]]


@dataclass(frozen=True)
class OgcCollection:
    """One collection: its id (also its ``/api`` layer's name), Chinese title and description, and its features."""

    id: str
    title: str
    description: str
    features: Callable[[], Features]


def _items(layer: str) -> Callable[[], Features]:
    return lambda: item_collection(corridor_state().layers, layer, {})["features"]


def _parks() -> Features:
    quarter = quarter_argument({}, allowed=())
    return park_collection(park_targets().summaries[quarter], quarter)["features"]


def _districts() -> Features:
    return corridor_state().layers.full["districts"]["features"]


def _isochrones() -> Features:
    bands = access_isochrones(DEFAULT_SCENARIO, DEFAULT_CONGESTION)
    return [{**band, "id": band["properties"]["band"],
             "properties": {**band["properties"], "scenario": DEFAULT_SCENARIO, "congestion": DEFAULT_CONGESTION}}
            for band in bands["features"]]


STATUS_NOTE = "属性含当前状态（status、status_color 及进展字段）与位置来源（geometry_source），几何为当前几何（含已编辑的几何）。"
COLLECTIONS: tuple[OgcCollection, ...] = (
    OgcCollection("blocks", "重点区块", "实施方案附件2的13个重点区块。" + STATUS_NOTE, _items("blocks")),
    OgcCollection("roads", "交通项目与环线", "交通攻坚的道路与轨道项目，以及环山路环线四段。" + STATUS_NOTE, _items("roads")),
    OgcCollection("tasks", "环境整治任务", "76项环境整治提升任务（13个区块、63条环线道路）。" + STATUS_NOTE, _items("tasks")),
    OgcCollection("parks", "一区五园", "附件1的六个园区，按当前季度的目标完成情况着色（quarter、colour、colour_label 及各颜色项数），"
                               "属性含位置来源（geometry_source）。", _parks),
    OgcCollection("districts", "地区与走廊研究范围", "五个行政区、两个功能区及环大罗山科创走廊研究范围，属性含位置来源（geometry_source）。",
                  _districts),
    OgcCollection("isochrones", "入环时间等时圈（规划路网）",
                  "当前情景：规划路网（planned）、畅通车速（拥堵系数 1.0）下到达环线的时间带（0–5、5–10、10–15、15分钟以上），"
                  "由路网计算得出。", _isochrones),
)
BY_ID: dict[str, OgcCollection] = {collection.id: collection for collection in COLLECTIONS}


def collection(collection_id: str) -> OgcCollection:
    """The collection ``collection_id``; :class:`UnknownItem` (404) naming the ones there are otherwise."""
    if collection_id not in BY_ID:
        raise UnknownItem(f"no collection {collection_id!r}; expected one of {', '.join(BY_ID)} "
                          f"(listed at /ogc/collections)", item_id=collection_id)
    return BY_ID[collection_id]


def feature(collection_id: str, feature_id: str) -> dict[str, Any]:
    """One feature of a collection; :class:`UnknownItem` (404) for an id it does not hold."""
    for candidate in collection(collection_id).features():
        if str(candidate.get("id")) == feature_id:
            return candidate
    raise UnknownItem(f"no feature with id {feature_id!r} in collection {collection_id}; list them at "
                      f"/ogc/collections/{collection_id}/items", item_id=feature_id)
