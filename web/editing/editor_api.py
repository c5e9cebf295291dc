"""What the item page's geometry editor (Leaflet-Geoman, ``static/item-editor.js``) asks the server for.

==================================  ==============================================================================
``GET /api/network/edges``          the drivable streets inside ``bbox`` (west,south,east,north) as a
                                    FeatureCollection, at most :data:`geo.network.edges.MAX_EDGES`, longest first
                                    (``truncated`` when more): the editor snaps vertices to them
``POST /api/geometry/union``        ``{"geometries": [Polygon|MultiPolygon, ...]}`` → their union (shapely) as one
                                    GeoJSON geometry: the editor's 合并 (Geoman cuts polygons but cannot merge)
==================================  ==============================================================================

The union stores nothing: the merged polygon is saved like any drawing, through ``PUT /api/items/<id>/geometry``,
which validates it. It needs the ``edit_geometry`` permission (and the CSRF token) all the same: only an editor's
page calls it, and a login keeps the computation from being anyone's to run.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import shapely
import shapely.geometry
from flask import Blueprint, jsonify, request

from geo.errors import InvalidParameter
from geo.network.edges import edges_in_bbox, parse_bbox
from geo.plan.polygon_union import union_of_polygons
from web.core.auth import requires
from web.core.features import ITEM_LAYERS, PreparedLayers
from web.infra.json_body import request_json
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

editor_api_blueprint = Blueprint("editor_api", __name__, url_prefix="/api")

EDGE_PARAMETERS = ("bbox",)
NEIGHBOUR_MARGIN_DEG = 0.02  # about 2 km around the item: the plan features an editor may snap to
MAX_NEIGHBOURS = 200
SAME_SHAPE_DEG = 1e-4  # about 10 m: a shape this close everywhere is the item's own (a block's task, simplified)


def nearby_features(layers: PreparedLayers, feature: Mapping[str, Any], *,
                    margin_deg: float = NEIGHBOUR_MARGIN_DEG) -> dict[str, Any]:
    """The other blocks, roads and tasks whose bounds come within ``margin_deg`` of ``feature``'s (display
    precision, at most :data:`MAX_NEIGHBOURS`), without those sharing its geometry (a block's own task): the item
    editor snaps to them."""
    west, south, east, north = shapely.geometry.shape(feature["geometry"]).bounds
    box = shapely.box(west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    own = shapely.geometry.shape(feature["geometry"])
    found = []
    for layer in ITEM_LAYERS:
        for other in layers.display[layer]["features"]:
            geometry = shapely.geometry.shape(other["geometry"])
            if other["id"] != feature["id"] and box.intersects(geometry) \
                    and own.hausdorff_distance(geometry) > SAME_SHAPE_DEG:
                found.append({"type": "Feature", "id": other["id"], "geometry": other["geometry"],
                              "properties": {"id": other["id"], "name": other["properties"]["name"]}})
    return {"type": "FeatureCollection", "features": found[:MAX_NEIGHBOURS]}
UNION_FIELDS = ("geometries",)


@editor_api_blueprint.get("/network/edges")
def network_edges():
    """The streets inside ``bbox`` (GeoJSON), from the app's road network."""
    unknown = sorted(set(request.args) - set(EDGE_PARAMETERS))
    if unknown:
        raise InvalidParameter(", ".join(unknown), "unknown parameter; expected bbox", kind="unknown_parameter",
                               details={"allowed": EDGE_PARAMETERS})
    collection = edges_in_bbox(corridor_state().network, parse_bbox(request.args.get("bbox")))
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response


@editor_api_blueprint.post("/geometry/union")
@requires("edit_geometry")
def geometry_union():
    """The union of the posted polygons (nothing is stored)."""
    body = request_json(error=lambda field, message, kind=None: InvalidParameter(field, message, kind=kind))
    if not isinstance(body, dict) or set(body) != set(UNION_FIELDS):
        raise InvalidParameter("body", "expected a JSON object with only geometries: a list of GeoJSON polygons",
                               kind="unknown_parameter", details={"allowed": UNION_FIELDS})
    return jsonify(union_of_polygons(body["geometries"]))
