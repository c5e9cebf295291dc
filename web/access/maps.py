"""The 可达性 maps: one scenario's map, and the 现状 and 规划 maps side by side for the comparison.

Each map holds the districts, the isochrone bands, the ring and its entries, and the blocks coloured by whether they
reach the ring in time. A ring the scenario leaves broken is drawn broken: the stretches that exist in the ring's
colour, each missing stretch as a dashed grey 缺口 with its label (:func:`geo.access.ring_gaps.ring_stretches`). Maps
depend only on (scenario, congestion) and are rendered once per pair, like the reports.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Figure
from flask import current_app
from markupsafe import Markup

from geo.access.ring_gaps import report_gaps, ring_stretches
from web.core import labels
from web.access.results import access_isochrones, scenario_key
from web.infra.assets import localize_assets
from web.maps import ACCESS_LAYERS, MapLayer, MapParts, Style, layered_map, render_parts
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

GAP_COLOR = "#6c757d"
COMPARED = ("baseline", "planned")


def gap_style(feature: Mapping[str, Any]) -> Style:
    """A missing stretch of the ring: dashed grey, over where the ring would run."""
    return {"color": GAP_COLOR, "weight": 6, "opacity": 0.95, "dashArray": "10 8"}


GAP_LAYER = MapLayer("gaps", "环线缺口（本情景不通）", gap_style)


def plain_ring() -> dict[str, Any]:
    """The ring segments as geometry and plan attributes only (no status: the access map is cached)."""
    roads = corridor_state().layers.display["roads"]["features"]
    return {"type": "FeatureCollection", "features": [f for f in roads if f["properties"]["category"] == "ring"]}


def ring_layers(report: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ring as ``report``'s scenario has it: the plan's segments, cut where the ring is broken, and the gaps
    (``None`` when it is complete)."""
    ring = plain_ring()
    gaps = report_gaps(report["ring_loop"])
    if not gaps:
        return ring, None
    properties = {f["id"]: f["properties"] for f in ring["features"]}
    return ring_stretches(corridor_state().placed_network.ring.ring, gaps, segment_properties=properties)


def access_block_collection(report: Mapping[str, Any]) -> dict[str, Any]:
    """The blocks (display geometry) with their time to the ring from ``report`` as properties."""
    results = {row["id"]: row for row in report["blocks"]}
    features = []
    for feature in corridor_state().layers.display["blocks"]["features"]:
        row = results.get(feature["id"], {})
        access = {"worst_min": row.get("worst_min"), "median_min": row.get("median_min"),
                  "access_pass": row.get("pass"), "access_status": row.get("status"),
                  "measured_at": row.get("measured_at"), "nearest_node_m": row.get("nearest_node_m")}
        properties = {key: feature["properties"][key] for key in ("id", "name", "district", "geometry_source")}
        features.append({**feature, "properties": {**properties, **access}})
    return {"type": "FeatureCollection", "features": features}


def ring_entry_collection(report: Mapping[str, Any]) -> dict[str, Any]:
    """The ring's entry nodes (where other roads join it) as Points."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"entry-{entry['node_id']}",
         "properties": {"name": "入环点", "node_id": entry["node_id"]},
         "geometry": {"type": "Point", "coordinates": [entry["lon"], entry["lat"]]}}
        for entry in report["ring"]["entries"]]}


def access_map(report: Mapping[str, Any], scenario: str, congestion: float) -> folium.Map:
    """The 可达性 map of one scenario (its key in ``window.corridorMaps`` is the scenario)."""
    ring, gaps = ring_layers(report)
    collections = {"districts": corridor_state().layers.display["districts"], "ring": ring,
                   "bands": access_isochrones(scenario, congestion,
                                              open_projects=report["params"].get("open_projects")),
                   "blocks": access_block_collection(report),
                   "entries": ring_entry_collection(report)}
    layers = ACCESS_LAYERS
    if gaps is not None:
        collections["gaps"] = gaps
        at = next(i for i, layer in enumerate(layers) if layer.key == "ring") + 1
        layers = (*layers[:at], GAP_LAYER, *layers[at:])
    bounds = tuple(float(v) for v in corridor_state().plan.corridor.bounds)
    return layered_map(layers, collections, tiles=current_app.config["TILES"],
                       tianditu_key=current_app.config["TIANDITU_KEY"], bounds=bounds,
                       options={**labels.map_options(), "permanentLabels": [GAP_LAYER.key], "mapKey": scenario})


def access_map_parts(report: Mapping[str, Any], scenario: str, congestion: float) -> MapParts:
    """One scenario's map, rendered once per (scenario, congestion) — for ``current`` per set of open projects."""
    key = scenario_key(scenario, report["params"].get("open_projects"))
    return corridor_state().cached("access_map", key, congestion,
                                   lambda: render_parts(access_map(report, scenario, congestion)))


@dataclass(frozen=True)
class ComparedMaps:
    """The 现状 and 规划 maps of one page: ``parts`` (the shared head and script; no body) and each map's div."""

    parts: MapParts
    panes: dict[str, Markup]


def compare_maps(reports: Mapping[str, Mapping[str, Any]], congestion: float) -> ComparedMaps:
    """The 现状 and 规划 maps (``reports`` by scenario) in one page: assets loaded once, each map in its own pane;
    rendered once per congestion."""
    def render() -> ComparedMaps:
        maps = {name: access_map(reports[name], name, congestion) for name in COMPARED}
        figure = Figure()
        for m in maps.values():
            figure.add_child(m)
        localize_assets(figure)
        figure.render()
        panes = {name: Markup(figure.html._children[m.get_name()].render()) for name, m in maps.items()}
        return ComparedMaps(parts=MapParts(head=Markup(figure.header.render()), body=Markup(""),
                                           script=Markup(figure.script.render())), panes=panes)

    return corridor_state().cached("access_compare_maps", "compare", congestion, render)
