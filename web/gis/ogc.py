"""OGC API – Features (Part 1 Core with GeoJSON and HTML, Part 2 CRS) over the plan's layers, for QGIS and ArcGIS.

=================================================  ==============================================================
``GET /ogc``                                       landing page: links to the definition, conformance, collections
``GET /ogc/api``                                   the OpenAPI 3.0 definition (:mod:`web.gis.ogc_openapi`)
``GET /ogc/conformance``                           the conformance classes implemented (:data:`CONFORMANCE`)
``GET /ogc/collections``                           blocks, roads, tasks, parks, districts, isochrones
``GET /ogc/collections/<id>``                      one collection: extent, CRS list, links
``GET /ogc/collections/<id>/items``                GeoJSON, ``limit`` (10, at most 10000), ``offset``, ``bbox``,
                                                   ``bbox-crs``, ``crs``, property filters (``status=按期推进``)
``GET /ogc/collections/<id>/items/<featureId>``    one feature
=================================================  ==============================================================

Every resource answers JSON, or a short Chinese page with ``f=html`` (or a browser's ``Accept``). Features come from
:mod:`web.gis.collections`, the same as ``/api`` serves; why this is a thin layer of its own and not pygeoapi is in
``docs/ogc.md``. Errors are JSON ``{"error", "message", "code", "description"}`` (OGC's exception fields beside the
project's), a Chinese page for ``f=html``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from geo.errors import InvalidParameter, UnknownItem
from geo.exchange.ogc_query import CRS84, SUPPORTED_CRS, extent, in_bbox, in_crs, matches_properties, page
from web.core import messages
from web.core.labels import FIELD_LABELS, display_value
from web.core.errors import error_response
from web.gis.collections import COLLECTIONS, OgcCollection, collection, feature
from web.gis.ogc_openapi import OPENAPI_MIMETYPE, openapi_document
from web.gis.params import FEATURE_PARAMETERS, check_known, crs_parameter, items_query, output_format

logger = logging.getLogger(__name__)

ogc_blueprint = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
CONFORMANCE: tuple[str, ...] = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
TITLE = "环大罗山科创走廊地图"
DESCRIPTION = "实施方案（温市自创办〔2021〕1号）的重点区块、交通项目、环境整治任务、园区、地区范围与入环时间等时圈，含当前状态。"
FEATURE_COLUMNS: tuple[tuple[str, str], ...] = (("id", "编号"), ("name", "名称"), ("status", "状态"),
                                                ("geometry_source", "位置来源"))


def _link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def _self_links(endpoint: str, fmt: str, json_type: str, title: str, **values: Any) -> list[dict[str, str]]:
    """``self`` in the format answered, ``alternate`` in the other, for ``endpoint`` with the request's query."""
    args = {**request.args.to_dict(), **values}
    as_json = _link(url_for(endpoint, _external=True, **{**args, "f": "json"}), "self", json_type, title)
    as_html = _link(url_for(endpoint, _external=True, **{**args, "f": "html"}), "self", HTML, f"{title}（网页）")
    (as_json if fmt == "html" else as_html)["rel"] = "alternate"
    return [as_json, as_html] if fmt == "json" else [as_html, as_json]


def _answer(document: dict[str, Any], fmt: str, *, mimetype: str = JSON, page_context: dict[str, Any],
            crs: str | None = None) -> Response:
    if fmt == "html":
        response = Response(render_template("ogc.html", links=document.get("links", []), **page_context),
                            mimetype=HTML)
    else:
        response = jsonify(document)
        response.mimetype = mimetype
    if crs:
        response.headers["Content-Crs"] = f"<{crs}>"
    return response


@ogc_blueprint.errorhandler(InvalidParameter)
def _invalid_parameter(exc: InvalidParameter) -> Response:
    return _error(400, "invalid_parameter", messages.parameter_message(exc), str(exc), parameter=exc.field,
                  label=messages.field_label(exc.field))


@ogc_blueprint.errorhandler(UnknownItem)
def _unknown(exc: UnknownItem) -> Response:
    return _error(404, "not_found", messages.unknown_item_message(exc), str(exc))


def _error(status: int, code: str, message: str, message_en: str, **extra: object) -> Response:
    """OGC's exception document (``code``, ``description``) with the project's ``error``/``message``; a page for
    ``f=html`` or a browser."""
    asked = request.args.get("f") or request.accept_mimetypes.best_match([JSON, GEOJSON, HTML])
    if asked in ("html", HTML):
        return error_response(status, code, message)
    shown = messages.choose(message, message_en)
    response = jsonify({"error": code, "message": shown, "code": code, "description": shown, **extra})
    response.status_code = status
    return response


@ogc_blueprint.get("/", strict_slashes=False)
def landing():
    """The landing page."""
    check_known(request.args, ("f",))
    fmt = output_format(request.args)
    links = [
        *_self_links("ogc.landing", fmt, JSON, "首页"),
        _link(url_for("ogc.api", _external=True), "service-desc", OPENAPI_MIMETYPE, "OpenAPI 定义"),
        _link(url_for("ogc.conformance", _external=True), "conformance", JSON, "符合的标准类"),
        _link(url_for("ogc.collections", _external=True), "data", JSON, "要素集合"),
    ]
    document = {"title": TITLE, "description": DESCRIPTION, "links": links}
    landing_url = url_for("ogc.landing", _external=True).rstrip("/")
    summary = f"在 QGIS 中添加“WFS / OGC API - Features”图层：新建连接，URL 填 {landing_url}，版本选 OGC API - Features。"
    return _answer(document, fmt, page_context={"title": TITLE, "description": DESCRIPTION, "summary": summary})


@ogc_blueprint.get("/api")
def api():
    """The OpenAPI 3.0 definition."""
    check_known(request.args, ())
    document = openapi_document({c.id: _properties(c.features()) for c in COLLECTIONS},
                                server_url=url_for("ogc.landing", _external=True).rstrip("/"))
    response = jsonify(document)
    response.mimetype = OPENAPI_MIMETYPE
    return response


@ogc_blueprint.get("/conformance")
def conformance():
    """The conformance classes implemented."""
    check_known(request.args, ("f",))
    fmt = output_format(request.args)
    document = {"conformsTo": list(CONFORMANCE), "links": _self_links("ogc.conformance", fmt, JSON, "符合的标准类")}
    rows = [{"uri": uri} for uri in CONFORMANCE]
    return _answer(document, fmt, page_context={"title": "符合的标准类", "rows": rows, "columns": [("uri", "标准类")]})


@ogc_blueprint.get("/collections")
def collections():
    """Every collection, described."""
    check_known(request.args, ("f",))
    fmt = output_format(request.args)
    described = [_description(c) for c in COLLECTIONS]
    document = {"links": _self_links("ogc.collections", fmt, JSON, "要素集合"), "collections": described,
                "crs": list(SUPPORTED_CRS)}
    rows = [{"id": d["id"], "title": d["title"], "description": d["description"],
             "href": url_for("ogc.describe", collection_id=d["id"], f="html")} for d in described]
    return _answer(document, fmt, page_context={"title": "要素集合", "rows": rows,
                                                "columns": [("id", "编号"), ("title", "名称"), ("description", "说明")]})


@ogc_blueprint.get("/collections/<collection_id>")
def describe(collection_id: str):
    """One collection, described."""
    chosen = collection(collection_id)
    check_known(request.args, ("f",))
    fmt = output_format(request.args)
    document = _description(chosen)
    document["links"] = [*_self_links("ogc.describe", fmt, JSON, chosen.title, collection_id=chosen.id),
                         *document["links"]]
    return _answer(document, fmt, page_context={"title": chosen.title, "description": chosen.description})


def _description(chosen: OgcCollection) -> dict[str, Any]:
    bbox = extent(chosen.features())
    as_json, as_html = (url_for("ogc.items", collection_id=chosen.id, f=f, _external=True) for f in ("json", "html"))
    return {
        "id": chosen.id, "title": chosen.title, "description": chosen.description, "itemType": "feature",
        "extent": {"spatial": {"bbox": [bbox] if bbox else [], "crs": CRS84}},
        "crs": list(SUPPORTED_CRS), "storageCrs": CRS84,
        "links": [_link(as_json, "items", GEOJSON, f"{chosen.title}·要素列表（GeoJSON）"),
                  _link(as_html, "items", HTML, f"{chosen.title}·要素列表（网页）")],
    }


@ogc_blueprint.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """The features of a collection: paged, filtered by ``bbox`` and properties, in the ``crs`` asked for."""
    chosen = collection(collection_id)
    features = chosen.features()
    query = items_query(request.args, properties=_properties(features))
    fmt = output_format(request.args)
    selected = [f for f in features if matches_properties(f["properties"], query.filters)]
    if query.bbox is not None:
        selected = in_bbox(selected, query.bbox)
    shown = [in_crs(f, query.crs) for f in page(selected, limit=query.limit, offset=query.offset)]
    links = [*_self_links("ogc.items", fmt, GEOJSON, chosen.title, collection_id=chosen.id),
             *_page_links(chosen.id, fmt, offset=query.offset, limit=query.limit, matched=len(selected)),
             _link(url_for("ogc.describe", collection_id=chosen.id, _external=True), "collection", JSON, chosen.title)]
    document = {"type": "FeatureCollection", "features": shown, "numberMatched": len(selected),
                "numberReturned": len(shown), "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "links": links}
    summary = f"共 {len(selected)} 个要素，本页第 {query.offset + 1} 至 {query.offset + len(shown)} 个。"
    rows = [{**{key: display_value(key, f["properties"].get(key)) for key, _ in FEATURE_COLUMNS},
             "href": url_for("ogc.item", collection_id=chosen.id, feature_id=f["id"], f="html")} for f in shown]
    return _answer(document, fmt, mimetype=GEOJSON, crs=query.crs,
                   page_context={"title": chosen.title, "description": chosen.description, "summary": summary,
                                 "rows": rows, "columns": FEATURE_COLUMNS})


def _page_links(collection_id: str, fmt: str, *, offset: int, limit: int, matched: int) -> list[dict[str, str]]:
    """``next`` and ``prev`` with the request's other parameters, when there is such a page."""
    media_type = HTML if fmt == "html" else GEOJSON
    args = request.args.to_dict()
    found = []
    if offset + limit < matched:
        found.append(_link(url_for("ogc.items", collection_id=collection_id, _external=True,
                                   **{**args, "offset": offset + limit, "limit": limit}), "next", media_type, "下一页"))
    if offset > 0:
        found.append(_link(url_for("ogc.items", collection_id=collection_id, _external=True,
                                   **{**args, "offset": max(offset - limit, 0), "limit": limit}), "prev", media_type,
                           "上一页"))
    return found


@ogc_blueprint.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature of a collection, in the ``crs`` asked for."""
    found = feature(collection_id, feature_id)
    check_known(request.args, FEATURE_PARAMETERS)
    crs, problem = crs_parameter(request.args, "crs")
    if problem:
        raise problem
    fmt = output_format(request.args)
    title = str(found["properties"].get("name") or found["properties"].get("label_zh") or feature_id)
    links = [*_self_links("ogc.item", fmt, GEOJSON, title, collection_id=collection_id, feature_id=feature_id),
             _link(url_for("ogc.describe", collection_id=collection_id, _external=True), "collection", JSON,
                   collection(collection_id).title)]
    rows = [{"key": f"{FIELD_LABELS.get(key, key)}（{key}）", "value": display_value(key, value)}
            for key, value in found["properties"].items()]
    return _answer({**in_crs(found, crs), "links": links}, fmt, mimetype=GEOJSON, crs=crs,
                   page_context={"title": title, "rows": rows, "columns": [("key", "属性"), ("value", "值")]})


def _properties(features: list[dict[str, Any]]) -> list[str]:
    """The property names the collection's features carry (what the items request filters on), first-seen order."""
    return list(dict.fromkeys(name for f in features for name in f["properties"]))
