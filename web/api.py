"""The JSON/GeoJSON API (RFC 7946 FeatureCollections, WGS-84 lon/lat).

=====================================  ===========================================================================
``GET /api/health``                    ``{"status": "ok", ...}``: item counts, database and network checks
                                       (503 and ``"status": "failing"`` when a check fails)
``GET /api/openapi.json``              the OpenAPI 3.1 description of every ``/api`` endpoint (web/openapi.py)
``GET /api/blocks|roads|tasks``        FeatureCollection, filters ``district``, ``category``, ``status``
``GET /api/blocks|roads|tasks/<id>``   one Feature (404 for an unknown id)
``GET /api/districts``                 the plan areas and the corridor study area
``GET /api/access``                    the accessibility report, ``scenario`` and ``congestion`` parameters
``GET /api/access/isochrones``         the isochrone bands as a FeatureCollection, same parameters
=====================================  ===========================================================================
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify, request

from geo.errors import InvalidParameter, UnknownItem
from web.access.results import ISOCHRONE_PARAMETERS, access_isochrones, access_parameters, access_report
from web.core.as_of_view import served_layers
from web.core.database import app_store
from web.core.features import ITEM_LAYERS, item_collection, parse_filters, with_status
from web.core.observability import database_check, network_check
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

api_blueprint = Blueprint("api", __name__, url_prefix="/api")

GEOJSON_MIMETYPE = "application/geo+json"


def _geojson(document: dict[str, Any]):
    response = jsonify(document)
    response.mimetype = GEOJSON_MIMETYPE
    return response


@api_blueprint.get("/health")
def health():
    """Liveness, what is loaded, and checks of the status database and the road network (503 if one fails)."""
    state = corridor_state()
    counts = {layer: len(state.layers.full[layer]["features"]) for layer in (*ITEM_LAYERS, "districts")}
    checks = {"database": database_check(app_store()), "network": network_check(state)}
    healthy = all(check["ok"] for check in checks.values())
    return jsonify({"status": "ok" if healthy else "failing", "counts": counts, "checks": checks,
                    "access_cache_entries": state.cache_size}), 200 if healthy else 503


@api_blueprint.get("/<any(blocks, roads, tasks):layer>")
def item_layer(layer: str):
    """A layer as a FeatureCollection, filtered by ``district``, ``category`` (tier/category/kind), ``status``."""
    filters = parse_filters(layer, request.args)
    return _geojson(item_collection(served_layers(), layer, filters))


@api_blueprint.get("/<any(blocks, roads, tasks):layer>/<item_id>")
def item_feature(layer: str, item_id: str):
    """One block, road or task as a Feature; 404 if ``item_id`` is not in ``layer``."""
    for feature in served_layers().full[layer]["features"]:
        if feature["id"] == item_id:
            return _geojson(with_status(feature))
    raise UnknownItem(f"no feature with id {item_id!r} in {layer}; list them at /api/{layer}", item_id=item_id)


@api_blueprint.get("/districts")
def districts():
    """The plan areas (districts, functional zones) and the corridor study area."""
    if request.args:
        raise InvalidParameter(", ".join(request.args), "this layer takes no parameters", kind="no_parameters")
    return _geojson(corridor_state().layers.full["districts"])


@api_blueprint.get("/access")
def access():
    """The accessibility check (「10分钟入环、30分钟通环」) as JSON."""
    return jsonify(access_report(access_parameters(request.args)))


@api_blueprint.get("/access/isochrones")
def isochrones():
    """The isochrone bands (0–5, 5–10, 10–15, >15 min) as a FeatureCollection."""
    query = access_parameters(request.args, allowed=ISOCHRONE_PARAMETERS)
    return _geojson(access_isochrones(query.scenario, query.congestion, as_of=query.as_of))
