"""The field page of a saved tour, ``GET /tour/<id>/field``: what an inspection team needs on a phone on site.

The stops in order, the next one (the first without a check-in in ``tour_checkins``) highlighted and open, each
with the drive to it (distance and time as planned), an AMap navigation link (GCJ-02, as the tour page builds it),
the item's status card (colour, progress, latest report) and its open tasks. The tour and its stops are embedded
as JSON (``<script type="application/json" id="field-data">``) for ``web/static/field.js``, which checks in and
uploads photos through the URLs it names. Any logged-in user may view the page; checking in needs an editor.

Open tasks of a stop: a block's environmental tasks (``block_id``, as the overview relates them), a road's tasks
naming its road (``road_name``), a task itself; those not closed (销号) count as open.

The page's small map (drawn by ``field.js`` into ``#field-map``) gets the configured base map's tiles, the route of
the frozen result and the stops' map positions, all in the tiles' datum (GCJ-02 for AMap, as on the tour page).
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, render_template, request

from geo.status.models import MAX_ROW_ID
from geo.field.saved_tours import SavedTour, checked_in_sites, get_tour, next_stop
from web.core.auth import csrf_token, current_user, requires
from web.core.database import app_store
from web.core.tiles import TILE_LAYERS
from web.maps import for_tiles
from web.core.state import corridor_state
from web.core.status import item_status

logger = logging.getLogger(__name__)

field_page_blueprint = Blueprint("field_page", __name__)

CHECK_IN_PERMISSION = "report"


def related_tasks(site_id: str) -> list[dict[str, Any]]:
    """The plan's environmental tasks of a stop (see the module's docstring), in the plan's order."""
    plan = corridor_state().plan
    tasks = plan.tasks
    if site_id in set(tasks["id"]):
        chosen = tasks[tasks["id"] == site_id]
    elif site_id in set(plan.blocks["id"]):
        chosen = tasks[tasks["block_id"] == site_id]
    else:
        names = set(plan.roads.loc[plan.roads["id"] == site_id, "name"])
        chosen = tasks[tasks["road_name"].isin(names)] if names else tasks.iloc[0:0]
    return [{"id": task_id, "name": name} for task_id, name in zip(chosen["id"], chosen["name"])]


def status_card(site_id: str) -> dict[str, Any]:
    """The stop's current status as the maps show it: colour, its label, progress and the latest report."""
    status = item_status({"id": site_id})
    return {"color": status.color, "hex": status.hex, "label": status.label, **status.details}


def open_tasks(site_id: str) -> list[dict[str, Any]]:
    """The stop's related tasks that are not closed, each with its status colour."""
    shown = []
    for task in related_tasks(site_id):
        status = item_status(task)
        if not status.details.get("closed"):
            shown.append({**task, "label": status.label, "hex": status.hex})
    return shown


def field_stops(tour: SavedTour, *, checked_in: set[str]) -> list[dict[str, Any]]:
    """The stops of the page: order, place, the planned drive to it, navigation, check-in state, status, tasks."""
    legs = {leg["to"]: leg for leg in tour.result["legs"]}
    upcoming = next_stop(tour, checked_in=checked_in)
    return [{"site_id": stop["id"], "name": stop["name"], "order": stop["seq"], "lon": stop["lon"],
             "lat": stop["lat"], "arrive": stop["arrive"], "depart": stop["depart"], "amap_url": stop["amap_url"],
             "leg": legs.get(stop["id"]), "checked_in": stop["id"] in checked_in, "next": stop["id"] == upcoming,
             "status": status_card(stop["id"]), "open_tasks": open_tasks(stop["id"])}
            for stop in tour.stops()]


def map_tiles() -> dict[str, Any]:
    """The configured base map's first tile layer, as the other map pages load it (the Tianditu key filled in)."""
    spec = TILE_LAYERS[current_app.config["TILES"]][0]
    return {"url": spec["tiles"].replace("{key}", current_app.config["TIANDITU_KEY"]), "attribution": spec["attr"],
            "subdomains": spec["subdomains"], "max_zoom": 18}


def map_route(tour: SavedTour) -> dict[str, Any]:
    """The tour's route (its legs, the return included, as the tour page draws them) in the tiles' datum."""
    route = {"type": "MultiLineString", "coordinates": [leg["geometry"]["coordinates"] for leg in tour.result["legs"]]}
    return for_tiles(route, tiles=current_app.config["TILES"])


def data_stops(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stops for ``field.js``: ``lon``/``lat`` in WGS-84 (the device's GPS datum, for the distance on check-in)
    and ``map_lon``/``map_lat`` in the tiles' datum (GCJ-02 for AMap) for the markers of the small map."""
    places = {"type": "MultiPoint", "coordinates": [[stop["lon"], stop["lat"]] for stop in stops]}
    on_map = for_tiles(places, tiles=current_app.config["TILES"])["coordinates"] if stops else []
    return [{**{key: stop[key] for key in ("site_id", "name", "lon", "lat", "order", "checked_in")},
             "map_lon": lon, "map_lat": lat} for stop, (lon, lat) in zip(stops, on_map)]


def field_data(tour: SavedTour, stops: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``field.js`` reads from the page (the contract of issue 16's field mode, with the small map's inputs)."""
    base = f"{request.script_root}/api/tours/saved/{tour.id}"
    return {"tour_id": tour.id, "stops": data_stops(stops),
            "api": {"checkins": f"{base}/checkins", "photos": f"{base}/photos"},
            "csrf_token": csrf_token(), "can_check_in": current_user().can(CHECK_IN_PERMISSION),
            "tiles": map_tiles(), "route": map_route(tour)}


@field_page_blueprint.get(f"/tour/<int(max={MAX_ROW_ID}):tour_id>/field")
@requires("read")
def field_page(tour_id: int):
    """现场巡查: the saved tour's stops on a phone, the next one highlighted."""
    tour = get_tour(app_store(), tour_id)
    checked_in = checked_in_sites(app_store(), tour_id)
    stops = field_stops(tour, checked_in=checked_in)
    return render_template("field.html", tour=tour, stops=stops, data=field_data(tour, stops),
                           visited=sum(stop["checked_in"] for stop in stops))
