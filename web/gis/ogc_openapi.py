"""The OpenAPI 3.0 definition of ``/ogc`` (the landing page's ``service-desc``), built from the collections served.

Each collection gets its own items path listing its property filters, so that a client reading the definition
(GDAL's OAPIF driver does) can send attribute filters to the server.
"""
from __future__ import annotations

import logging
from typing import Any

from geo.exchange.ogc_query import SUPPORTED_CRS
from web.gis.params import DEFAULT_LIMIT, MAX_LIMIT

logger = logging.getLogger(__name__)

OPENAPI_MIMETYPE = "application/vnd.oai.openapi+json;version=3.0"


def _query(name: str, schema: dict[str, Any], description: str, **extra: object) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description, **extra}


COMMON_PARAMETERS: list[dict[str, Any]] = [
    _query("f", {"type": "string", "enum": ["json", "html"]}, "返回格式"),
    _query("crs", {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}, "返回几何的坐标参考系"),
]
ITEMS_PARAMETERS: list[dict[str, Any]] = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
           f"每页条数（超过 {MAX_LIMIT} 按 {MAX_LIMIT} 返回）", style="form", explode=False),
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置（从 0 起）"),
    _query("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
           "范围框：西,南,东,北（bbox-crs 为 EPSG:4326/4490 时为 南,西,北,东）", style="form", explode=False),
    _query("bbox-crs", {"type": "string", "format": "uri", "enum": list(SUPPORTED_CRS)}, "范围框的坐标参考系"),
    _query("datetime", {"type": "string"}, "时间（各图层无时间属性，不筛除任何要素）"),
]
RESPONSES = {"200": {"description": "成功"}, "400": {"description": "参数有误"}, "404": {"description": "找不到"}}


def _get(summary: str, parameters: list[dict[str, Any]], operation_id: str) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": operation_id, "parameters": parameters,
                    "responses": RESPONSES}}


def openapi_document(collections: dict[str, list[str]], *, server_url: str) -> dict[str, Any]:
    """The definition; ``collections`` maps each collection id to the property names its items filter on."""
    paths: dict[str, Any] = {
        "/": _get("首页", COMMON_PARAMETERS[:1], "landing"),
        "/conformance": _get("符合的标准类", COMMON_PARAMETERS[:1], "conformance"),
        "/api": _get("本 OpenAPI 定义", [], "api"),
        "/collections": _get("要素集合列表", COMMON_PARAMETERS[:1], "collections"),
    }
    for collection_id, properties in collections.items():
        filters = [_query(name, {"type": "string"}, f"按属性 {name} 筛选（等于；列表属性为包含）")
                   for name in properties]
        base = f"/collections/{collection_id}"
        paths[base] = _get(f"{collection_id} 集合说明", COMMON_PARAMETERS[:1], f"describe_{collection_id}")
        paths[f"{base}/items"] = _get(f"{collection_id} 要素", [*COMMON_PARAMETERS, *ITEMS_PARAMETERS, *filters],
                                      f"items_{collection_id}")
        feature_parameters = [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                              *COMMON_PARAMETERS]
        paths[f"{base}/items/{{featureId}}"] = _get(f"{collection_id} 单个要素", feature_parameters,
                                                     f"feature_{collection_id}")
    return {"openapi": "3.0.3", "info": {"title": "环大罗山科创走廊地图 OGC API – Features", "version": "1.0.0"},
            "servers": [{"url": server_url}], "paths": paths}
