"""What a map popup shows, and in which order: the fields a planner reads first, then the rest.

The order is fixed (``static/corridor-map.js`` follows :func:`popup_spec`):

1. **Lead fields**, in :data:`POPUP_LEAD` order: 编号, 状态 (colour dot and label; 已销号 for a closed item), when
   closed 销号日期 and 销号人, 超一季度未上报 when stale, the date the colour is judged against, on the access map
   its verdict and times, 完成进度, 应完成进度, 最近上报日期 and 上报人, 牵头单位, 地区, 2021年任务目标 and 位置来源.
   Those marked *always* are shown even when empty ("—": not reported yet); the others only when they have a value.
2. **The rest**, in the order of the field labels (:data:`web.core.labels.FIELD_LABELS`), each only when it has a value
   (not ``None``, ``False``, empty text or an empty list): provenance, units, notes, OSM matching...

Never shown: a property without a Chinese label (an internal key), the :data:`POPUP_HIDDEN` fields (the title
already names the item; ``status_color`` is the dot; ``closed`` is the 已销号 label), and a field of
:data:`POPUP_REDUNDANT` when the field it repeats is present (``districts`` is ``[district]`` for a block or task).
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

logger = logging.getLogger(__name__)

# (property, shown even when empty)
POPUP_LEAD: tuple[tuple[str, bool], ...] = (
    ("id", True), ("status", True), ("closed_on", False), ("closed_by", False), ("stale", False),
    ("status_as_of", False), ("access_pass", False), ("access_status", False), ("worst_min", False),
    ("median_min", False), ("progress_percent", True), ("expected_percent", False), ("last_reported_on", True),
    ("reporter", False), ("lead_unit", True), ("district", True), ("districts", True), ("target_2021", True),
    ("geometry_source", True),
)
POPUP_HIDDEN: frozenset[str] = frozenset({"name", "status_color", "closed", "version", "node_id", "colour",
                                          "colour_label"})
# property -> the property it repeats: left out when that one is present
POPUP_REDUNDANT: dict[str, str] = {"districts": "district"}


def popup_order(field_labels: Iterable[str]) -> list[str]:
    """Every labelled property a popup may show, in display order: the lead fields, then the others in label
    order; hidden fields left out."""
    labelled = [key for key in field_labels if key not in POPUP_HIDDEN]
    lead = [key for key, _ in POPUP_LEAD if key in labelled]
    return lead + [key for key in labelled if key not in lead]


def popup_spec(field_labels: Mapping[str, str]) -> dict[str, object]:
    """The popup options for the map script: ``popupOrder`` (:func:`popup_order`), ``popupAlways`` (lead fields
    shown even when empty) and ``popupRedundant``."""
    return {"popupOrder": popup_order(field_labels),
            "popupAlways": [key for key, always in POPUP_LEAD if always],
            "popupRedundant": dict(POPUP_REDUNDANT)}
