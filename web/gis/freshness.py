"""Data freshness on every map: per layer, how many features are surveyed, from OpenStreetMap, drawn or uploaded by
a planner, or still approximate (:mod:`geo.plan.freshness`), as the template global ``freshness_rows`` that
``templates/_freshness.html`` renders; and the overview's 「仅显示近似位置」 filter (``?approximate=1``).

The counts read the app's prepared layers, which carry each item's current geometry source (a stored version's
``hand_drawn`` / ``uploaded`` / ``surveyed`` replaces the layer's own: :func:`web.core.database.surveyed_plan`).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint

from geo.plan.freshness import EDITED, FRESHNESS_CLASSES, Freshness, collection_freshness
from web.core.state import corridor_state
from web.reports.parks import park_geometries

logger = logging.getLogger(__name__)

freshness_blueprint = Blueprint("freshness", __name__)

CLASS_LABELS: dict[str, str] = {"surveyed": "已测绘", "osm": "来自 OSM", "edited": "手绘或上传", "approximate": "近似"}
LAYER_LABELS: dict[str, str] = {
    "districts": "行政区与功能区", "blocks": "重点区块", "roads": "交通项目", "ring": "环山路环线",
    "tasks": "环境整治任务", "parks": "园区",
}


@dataclass(frozen=True)
class FreshnessRow:
    """One layer's counts, with the classes to show: every class but 手绘或上传 when it counts nothing."""

    key: str
    label: str
    counts: Freshness

    @property
    def parts(self) -> list[tuple[str, str, int]]:
        """``(class, label, count)`` in display order."""
        return [(name, CLASS_LABELS[name], getattr(self.counts, name)) for name in FRESHNESS_CLASSES
                if name != EDITED or self.counts.edited]


def layer_collection(key: str) -> Mapping[str, Any]:
    """The current FeatureCollection of map layer ``key`` (:data:`LAYER_LABELS`; roads without the ring)."""
    layers = corridor_state().layers.display
    if key == "parks":
        return park_geometries()["display"]
    if key in ("roads", "ring"):
        ring = key == "ring"
        return {"features": [f for f in layers["roads"]["features"] if (f["properties"]["category"] == "ring") == ring]}
    return layers[key]


@freshness_blueprint.app_template_global()
def freshness_rows(*keys: str) -> list[FreshnessRow]:
    """The freshness of each map layer in ``keys``, in that order."""
    return [FreshnessRow(key, LAYER_LABELS[key], collection_freshness(layer_collection(key))) for key in keys]

