"""The pages, in Simplified Chinese: ``/`` 总览, ``/access`` 可达性, ``/tasks`` 任务清单.

Other features add their page to the navigation bar with :func:`web.core.navigation.add_nav_link` (e.g. from their
blueprint's ``record_once``).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Blueprint, current_app, render_template, request

from geo.errors import InvalidParameter
from geo.plan.schema import PLAN_DISTRICTS
from geo.plan.transport_counts import transport_counts
from web.core import labels
from web.access.results import access_parameters
from web.access.pages import access_page
from web.core.as_of import as_of_globals
from web.core.as_of_view import as_of_view_globals, served_layers
from web.core.features import APPROXIMATE_SOURCES, approximate_flag, item_collection, matches
from web.core.live_status import current_status_day
from web.core.navigation import added_nav_links
from web.maps import OVERVIEW_LAYERS, layered_map, render_parts
from web.core.state import corridor_state
from web.core.status import STATUS_COLORS

logger = logging.getLogger(__name__)

views_blueprint = Blueprint("views", __name__)

CORE_NAV: tuple[tuple[str, str], ...] = (("总览", "views.overview"), ("可达性", "views.access"),
                                         ("任务清单", "views.tasks"))
COUNTED_LAYERS: tuple[str, ...] = ("blocks", "roads", "tasks")


@views_blueprint.app_context_processor
def navigation() -> dict[str, Any]:
    """Template globals: the navigation links, status colours, the label helpers, (called where a page counts the
    transport items) the plan's count beside the data's, and the day colours are judged against (``_as_of.html``)."""
    return {"nav_links": [*CORE_NAV, *added_nav_links()],
            "status_colors": STATUS_COLORS, "labels": labels, "transport_texts": transport_texts, **as_of_globals(),
            "current_status_day": current_status_day, **as_of_view_globals()}


def transport_texts() -> labels.TransportTexts:
    """The plan's 17项 as the plan states it beside the data's count of transport items, with the note."""
    return labels.transport_texts(transport_counts(corridor_state().plan.roads["category"]))


def map_collections(*, display: bool = True) -> dict[str, dict[str, Any]]:
    """The overview's layers: districts, blocks, road items (without the ring), the ring, tasks; status applied."""
    layers = served_layers()
    roads = item_collection(layers, "roads", {}, display=display)
    is_ring = [f["properties"]["category"] == "ring" for f in roads["features"]]
    return {
        "districts": layers.display["districts"] if display else layers.full["districts"],
        "blocks": item_collection(layers, "blocks", {}, display=display),
        "roads": {"type": "FeatureCollection", "features": [f for f, r in zip(roads["features"], is_ring) if not r]},
        "ring": {"type": "FeatureCollection", "features": [f for f, r in zip(roads["features"], is_ring) if r]},
        "tasks": item_collection(layers, "tasks", {}, display=display),
    }


def district_counts(collections: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per plan area, how many blocks, road items (that run through it) and tasks: the map's district filter."""
    rows = []
    for district in PLAN_DISTRICTS:
        row: dict[str, Any] = {"district": district}
        for layer in COUNTED_LAYERS:
            row[layer] = sum(matches(layer, f["properties"], {"district": district})
                             for f in collections[layer]["features"])
        rows.append(row)
    return rows


def map_bounds() -> tuple[float, float, float, float]:
    """The corridor study area's bounds (lon/lat min/max)."""
    return tuple(float(v) for v in corridor_state().plan.corridor.bounds)


def _focus_id(collections: Mapping[str, dict[str, Any]]) -> str | None:
    focus = request.args.get("focus")
    if focus is None:
        return None
    known = {f["id"] for key in ("blocks", "roads", "ring", "tasks") for f in collections[key]["features"]}
    if focus not in known:
        raise InvalidParameter("focus", f"expected the id of a block, road or task (e.g. B01, R05, E14); got {focus!r}",
                               kind="focus_unknown", details={"got": focus})
    return focus


@views_blueprint.get("/")
def overview():
    """总览: every layer on one map with filters, search, legend and per-district counts."""
    collections = map_collections()
    options = {**labels.map_options(), "focus": _focus_id(collections),
               "approximateOnly": approximate_flag(request.args.get("approximate")),
               "approximateSources": APPROXIMATE_SOURCES}
    roads_label = transport_texts().label
    layers = tuple(replace(layer, label=roads_label) if layer.key == "roads" else layer for layer in OVERVIEW_LAYERS)
    m = layered_map(layers, collections, tiles=current_app.config["TILES"],
                    tianditu_key=current_app.config["TIANDITU_KEY"], bounds=map_bounds(), options=options)
    items = [(key, f["properties"]) for key in ("blocks", "roads", "ring", "tasks")
             for f in collections[key]["features"]]
    return render_template("overview.html", map_parts=render_parts(m), counts=district_counts(collections),
                           totals={k: len(collections[k]["features"]) for k in COUNTED_LAYERS}, items=items,
                           districts=PLAN_DISTRICTS, groups=labels.GROUP_LABELS,
                           approximate_only=options["approximateOnly"])


@views_blueprint.get("/tasks")
def tasks():
    """任务清单: the 76 tasks and 17 projects as a sortable, filterable table linking to the map."""
    collections = map_collections()
    rows = [(key, f["properties"]) for key in ("roads", "tasks") for f in collections[key]["features"]]
    return render_template("tasks.html", rows=rows, districts=PLAN_DISTRICTS, groups=labels.GROUP_LABELS)


@views_blueprint.get("/access")
def access():
    """可达性: 「10分钟入环、30分钟通环」 on the map and in tables — 现状, 规划 or both side by side — at a congestion
    factor and a coverage target (:mod:`web.access.pages`)."""
    return access_page(access_parameters(request.args))
