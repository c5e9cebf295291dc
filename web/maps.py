"""Folium map builders for the pages: base map and tiles, styled layers, controls, and the JavaScript hook.

Each builder takes GeoJSON FeatureCollections (WGS-84) and returns a :class:`folium.Map`; :func:`render_parts`
renders one into the head, body and script fragments a page template places, with every asset served locally.
The hook (:class:`CorridorHook`) hands the map and its layers to ``static/corridor-map.js`` as
``window.corridorMap`` and ``window.corridorLayers`` (filters, search, popups, counts, tests).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import folium.plugins
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from geo.plan.coords import geojson_wgs84_to_gcj02
from web.infra.assets import localize_assets, stable_element_ids
from web.core.features import DISPLAY_PRECISION
from web.core.status import STATUS_COLORS
from web.core.tiles import TILE_LAYERS

logger = logging.getLogger(__name__)

Style = dict[str, Any]

ROAD_WEIGHT = 6
TASK_WEIGHT = 3
ROAD_DASH: dict[str, str | None] = {"road_complete_2021": None, "road_continuing": "12 7", "transit": "2 7"}
# A placeholder (``provisional``: the plan gives no position) is drawn faint, thin and dotted, hollow if a point, so
# that it never reads as a position.
PLACEHOLDER: Style = {"weight": 3, "opacity": 0.6, "dashArray": "1 6", "fillOpacity": 0.15}
RING_COLOR = "#7048e8"
BAND_COLORS: dict[float | None, str] = {5.0: "#1a9850", 10.0: "#a6d96a", 15.0: "#fdae61", None: "#d73027"}
ACCESS_COLORS: dict[bool | None, str] = {True: "#2e9d4f", False: "#d63333", None: "#8c8c8c"}
AREA_STYLES: dict[str, Style] = {
    "district": {"color": "#495057", "weight": 1.5, "fill": False},
    "functional_zone": {"color": "#1c7ed6", "weight": 1.5, "dashArray": "6 4", "fill": False},
    "corridor": {"color": "#e8590c", "weight": 2, "dashArray": "2 6", "fill": False},
}


def _status_hex(properties: Mapping[str, Any]) -> str:
    return STATUS_COLORS[properties["status_color"]][1]


def area_style(feature: Mapping[str, Any]) -> Style:
    """Districts, functional zones and the corridor: outlines only, so they never hide what lies inside."""
    return AREA_STYLES[feature["properties"]["kind"]]


def block_style(feature: Mapping[str, Any]) -> Style:
    """Blocks: filled with their status colour; a dashed outline when the position is not surveyed."""
    properties = feature["properties"]
    dashed = properties["geometry_source"] != "surveyed"
    return {"color": "#212529", "weight": 1.5, "dashArray": "4 3" if dashed else None,
            "fillColor": _status_hex(properties), "fillOpacity": 0.6}


def placeholder(style: Style, properties: Mapping[str, Any]) -> Style:
    """``style``, drawn as a placeholder when the feature's geometry is ``provisional``."""
    return {**style, **PLACEHOLDER} if properties.get("geometry_source") == "provisional" else style


def road_style(feature: Mapping[str, Any]) -> Style:
    """Road and transit items: status colour, line pattern by category (solid built, dashed continuing...); faint
    and dotted when a placeholder."""
    properties = feature["properties"]
    colour = _status_hex(properties)
    return placeholder({"color": colour, "weight": ROAD_WEIGHT, "opacity": 0.9,
                        "dashArray": ROAD_DASH[properties["category"]], "fillColor": colour, "fillOpacity": 0.9},
                       properties)


def ring_style(feature: Mapping[str, Any]) -> Style:
    """The ring road: one broad purple band under the items."""
    return {"color": RING_COLOR, "weight": 9, "opacity": 0.55}


def task_style(feature: Mapping[str, Any]) -> Style:
    """Environment tasks: thin status-coloured lines; block tasks outline their block without filling it; the
    ring-road tasks' lines are placeholders."""
    properties = feature["properties"]
    return placeholder({"color": _status_hex(properties), "weight": TASK_WEIGHT, "opacity": 0.85,
                        "dashArray": "3 5" if properties["kind"] == "block" else None, "fill": False}, properties)


@dataclass(frozen=True)
class MapLayer:
    """One overlay: its key in ``window.corridorLayers``, its name in the layer control, and its style."""

    key: str
    label: str
    style: Callable[[Mapping[str, Any]], Style]
    circle_radius: int | None = None  # points drawn as circles of this radius (pixels)


OVERVIEW_LAYERS: tuple[MapLayer, ...] = (
    MapLayer("districts", "行政区与功能区", area_style),
    MapLayer("tasks", "环境整治任务（76项）", task_style),
    MapLayer("blocks", "重点区块（13个）", block_style),
    MapLayer("ring", "环山路环线", ring_style),
    MapLayer("roads", "交通路网项目", road_style, circle_radius=7),  # its count needs the plan's caveat: per page
)


def access_block_style(feature: Mapping[str, Any]) -> Style:
    """Blocks on the access map: green when they reach the ring in time, red when not, grey when unknown.

    A block beyond the network fails too, but is drawn grey with a dashed outline: its time is not measured, and red
    would claim it was.
    """
    if feature["properties"].get("access_status") == "outside_network":
        return {"color": "#212529", "weight": 1.5, "dashArray": "4 3", "fillColor": ACCESS_COLORS[None],
                "fillOpacity": 0.75}
    colour = ACCESS_COLORS[feature["properties"].get("access_pass")]
    return {"color": "#212529", "weight": 1.5, "fillColor": colour, "fillOpacity": 0.75}


def band_style(feature: Mapping[str, Any]) -> Style:
    """Isochrone bands: green within 5 minutes of the ring through red beyond 15; no outline."""
    upper = feature["properties"]["to_min"]
    colour = BAND_COLORS.get(upper, BAND_COLORS[None])
    return {"stroke": False, "fillColor": colour, "fillOpacity": 0.45}


def entry_style(feature: Mapping[str, Any]) -> Style:
    """Ring entries: small white dots with a dark rim on the ring."""
    return {"color": "#343a40", "weight": 1.5, "fillColor": "#ffffff", "fillOpacity": 1.0}


ACCESS_LAYERS: tuple[MapLayer, ...] = (
    MapLayer("districts", "行政区与功能区", area_style),
    MapLayer("bands", "等时圈（入环时间）", band_style),
    MapLayer("ring", "环山路环线", ring_style),
    MapLayer("blocks", "重点区块入环时间", access_block_style),
    MapLayer("entries", "入环点", entry_style, circle_radius=3),
)


NO_TARGET_COLOR = "#9fb3c8"  # a cell the plan sets no number for: neutral, neither on schedule nor behind


def achievement_hex(colour: str) -> str:
    """The display colour of a target-achievement colour key: the status colours, and ``none`` (无量化目标)."""
    return STATUS_COLORS[colour][1] if colour in STATUS_COLORS else NO_TARGET_COLOR


def park_style(feature: Mapping[str, Any]) -> Style:
    """Parks: filled with their target-achievement colour; a dashed outline when the position is not surveyed."""
    properties = feature["properties"]
    dashed = properties["geometry_source"] != "surveyed"
    return {"color": "#212529", "weight": 2, "dashArray": "5 4" if dashed else None,
            "fillColor": achievement_hex(properties["status_color"]), "fillOpacity": 0.55}


PARK_LAYERS: tuple[MapLayer, ...] = (
    MapLayer("districts", "行政区与功能区", area_style),
    MapLayer("parks", "一区五园（6个园区）", park_style),
)


class CorridorHook(MacroElement):
    """Runs ``corridorMapInit(map, layers, options)`` from ``static/corridor-map.js`` once the layers exist."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        corridorMapInit({{ this._parent.get_name() }}, {
            {%- for key, layer in this.layers.items() %}{{ key|tojson }}: {{ layer.get_name() }},{% endfor -%}
        }, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, layers: Mapping[str, folium.GeoJson], options: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "CorridorHook"
        self.layers = dict(layers)
        self.options = dict(options)


def base_map(*, tiles: str, tianditu_key: str, bounds: tuple[float, float, float, float]) -> folium.Map:
    """A map centred on ``bounds`` (lon/lat min/max) with base tiles, scale bar and fullscreen button.

    The hook's script fits the view to the bounds without animation (a Folium ``fit_bounds`` animates, and an
    animation still running would undo a later jump to a focused item).
    """
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], zoom_start=11,
                   tiles=None, control_scale=True, zoom_control=True)
    for spec in TILE_LAYERS[tiles]:
        folium.TileLayer(tiles=spec["tiles"].replace("{key}", tianditu_key), attr=spec["attr"], name=spec["name"],
                         subdomains=spec["subdomains"], max_zoom=18, overlay=spec["name"].endswith("注记"),
                         control=False).add_to(m)
    folium.plugins.Fullscreen(position="topleft", title="全屏", title_cancel="退出全屏").add_to(m)
    return m


def for_tiles(collection: dict[str, Any], *, tiles: str) -> dict[str, Any]:
    """The collection in the tiles' datum: GCJ-02 for AMap, unchanged (WGS-84) otherwise."""
    return geojson_wgs84_to_gcj02(collection, ndigits=DISPLAY_PRECISION) if tiles == "amap" else collection


def add_layer(m: folium.Map, layer: MapLayer, collection: dict[str, Any]) -> folium.GeoJson:
    """Add ``collection`` as an overlay styled by ``layer``.

    Popups and name tooltips are bound per feature by the hook's script: Leaflet 1.9.3 fails on a tooltip bound to
    a whole GeoJSON layer that holds a MultiPoint (a nested group), which Folium's ``GeoJsonTooltip`` would do.
    """
    marker = folium.CircleMarker(radius=layer.circle_radius) if layer.circle_radius else None
    geojson = folium.GeoJson(collection, name=layer.label, style_function=layer.style, marker=marker,
                             smooth_factor=0.5)
    geojson.add_to(m)
    return geojson


def layered_map(layers: tuple[MapLayer, ...], collections: Mapping[str, dict[str, Any]], *, tiles: str,
                tianditu_key: str, bounds: tuple[float, float, float, float], options: Mapping[str, Any]) -> folium.Map:
    """A map of ``layers`` (bottom first) from ``collections`` (by layer key), with layer control and the hook.

    Used for the 总览 map (:data:`OVERVIEW_LAYERS`) and the 可达性 map (:data:`ACCESS_LAYERS`).
    """
    m = base_map(tiles=tiles, tianditu_key=tianditu_key, bounds=bounds)
    added = {layer.key: add_layer(m, layer, for_tiles(collections[layer.key], tiles=tiles)) for layer in layers}
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    m.add_child(CorridorHook(added, {**options, "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]}))
    return m


@dataclass(frozen=True)
class MapParts:
    """A rendered map split for a page template: ``head`` (assets, styles), ``body`` (the div), ``script``."""

    head: Markup
    body: Markup
    script: Markup


def render_parts(m: folium.Map) -> MapParts:
    """Render ``m`` with every JS/CSS asset pointed at the app's own copies (needs an app context); the same map
    renders to the same bytes in every process (element names numbered, not random: pages are cached by state)."""
    root = m.get_root()
    localize_assets(root)
    stable_element_ids(root)
    root.render()
    return MapParts(head=Markup(root.header.render()), body=Markup(root.html.render()),
                    script=Markup(root.script.render()))
