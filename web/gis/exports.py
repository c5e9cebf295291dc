"""Every layer as a GIS file: ``GET /export/<layer>.<format>`` and the pages' 下载 menu (written by
:mod:`geo.exchange.formats`).

====================  =====================================================  =====================================
layer                 features (as the API serves them, status applied)      query parameters
====================  =====================================================  =====================================
``blocks``            ``/api/blocks``                                        the API's filters (``district``, ...)
``roads``             ``/api/roads``                                         the API's filters (``district``, ...)
``tasks``             ``/api/tasks``                                         the API's filters (``district``, ...)
``districts``         ``/api/districts``                                     none
``parks``             ``/api/parks``                                         ``quarter``
``isochrones``        ``/api/access/isochrones`` (accessibility bands)       ``scenario``, ``congestion``
``tour``              the ``/tour`` page's route legs and numbered stops     the ``/tour`` page's parameters
====================  =====================================================  =====================================

Formats: ``gpkg``, ``shp`` (zipped), ``kml``, ``kmz``, ``geojson``, ``csv`` (:data:`geo.exchange.formats.FORMATS`). A bad
layer, format or parameter is a 400 page naming the field. The file name is Chinese (RFC 5987 ``filename*``) with an
ASCII fallback, both saying the parameters. :func:`export_file` is also what ``corridor export`` calls.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from geo.errors import InvalidParameter, raise_parameter_problems
from geo.exchange.formats import FORMATS, exchange_format, features_frame, write_layer
from geo.access.tables import SCENARIO_TITLES
from geo.tours.planner import SCENARIO_LABELS
from web.core import labels
from web.access.results import ISOCHRONE_PARAMETERS, access_isochrones, access_parameters
from web.core.features import CATEGORY_FIELD, FILTERS, ITEM_LAYERS, item_collection, matches, parse_filters
from web.reports.parks import PARK_FIELD_LABELS, park_collection, park_targets, quarter_argument
from web.core.state import corridor_state
from web.tours.planner import TOUR_FIELD_LABELS, compute_tour, page_options, tour_collections

logger = logging.getLogger(__name__)

exchange_blueprint = Blueprint("exchange", __name__)

FILE_PREFIX = "环大罗山科创走廊"
ASCII_PREFIX = "corridor"
LAYER_TITLES: dict[str, str] = {
    "blocks": "重点区块", "roads": "交通路网项目与环线", "tasks": "环境整治任务", "districts": "行政区与功能区",
    "parks": "园区目标", "isochrones": "入环等时圈", "tour": "巡查路线",
}
FORMAT_LABELS: dict[str, str] = {
    "gpkg": "GeoPackage", "shp": "Shapefile（zip）", "kml": "KML", "kmz": "KMZ（奥维、谷歌地球）",
    "geojson": "GeoJSON", "csv": "CSV（WKT）",
}
# The property whose value labels name a filter's value in the file name (``category``: the layer's own field).
FILTER_VALUE_FIELDS: dict[str, str] = {"district": "district", "status": "status_color"}
FILTER_WORDS: dict[str, dict[str, str]] = {"approximate": {"1": "仅近似位置", "0": "全部位置"}}
# The page parameters each layer's menu entry passes on (the tour takes all of its page's).
MENU_PARAMETERS: dict[str, tuple[str, ...]] = {
    **{layer: FILTERS for layer in ITEM_LAYERS}, "districts": (), "parks": ("quarter",),
    "isochrones": ISOCHRONE_PARAMETERS,
}


@dataclass(frozen=True)
class LayerExport:
    """What a layer export holds: the features, readable names of their properties, and words for the file name
    (Chinese and ASCII) that say its parameters."""

    features: list[dict[str, Any]]
    columns: list[str]
    field_labels: Mapping[str, str]
    name_parts: tuple[str, ...] = ()
    ascii_parts: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportFile:
    """A written file: its bytes, media type and download names."""

    content: bytes
    media_type: str
    filename: str
    ascii_filename: str

    def content_disposition(self) -> str:
        """``attachment`` with the ASCII name and the UTF-8 name (RFC 6266 / RFC 5987)."""
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename, safe='')}"


def _item_layer(layer: str) -> Callable[[Mapping[str, str]], LayerExport]:
    def build(args: Mapping[str, str]) -> LayerExport:
        parsed = parse_filters(layer, args)
        filters = {name: parsed[name] for name in FILTERS if name in parsed}  # one file name whatever the order
        everything = item_collection(corridor_state().layers, layer, {})["features"]
        kept = [f for f in everything if matches(layer, f["properties"], filters)]
        columns = list(everything[0]["properties"]) if everything else []
        words = tuple(_filter_word(layer, name, value) for name, value in filters.items())
        ascii_words = tuple(value if name in FILTER_VALUE_FIELDS or name == "category" else f"{name}{value}"
                            for name, value in filters.items())
        return LayerExport(kept, columns, labels.FIELD_LABELS, words, ascii_words)
    return build


def _filter_word(layer: str, name: str, value: str) -> str:
    """A filter's value as the file name says it: the value's label (a filter without labels: its own words)."""
    if name in FILTER_WORDS:
        return FILTER_WORDS[name].get(value, f"{name}{value}")
    field = FILTER_VALUE_FIELDS.get(name, CATEGORY_FIELD[layer])
    return labels.VALUE_LABELS.get(field, {}).get(value, value)


def _districts(args: Mapping[str, str]) -> LayerExport:
    if args:
        raise InvalidParameter(", ".join(args), "this layer takes no parameters", kind="no_parameters")
    return LayerExport(corridor_state().layers.full["districts"]["features"], [], labels.FIELD_LABELS)


def _parks(args: Mapping[str, str]) -> LayerExport:
    quarter = quarter_argument(args, allowed=("quarter",))
    features = park_collection(park_targets().summaries[quarter], quarter)["features"]
    return LayerExport(features, [], {**labels.FIELD_LABELS, **PARK_FIELD_LABELS}, (str(quarter),), (str(quarter),))


def _isochrones(args: Mapping[str, str]) -> LayerExport:
    query = access_parameters(args, allowed=ISOCHRONE_PARAMETERS)
    bands = access_isochrones(query.scenario, query.congestion, as_of=query.as_of)
    label = SCENARIO_LABELS.get(query.scenario) or SCENARIO_TITLES[query.scenario]  # current: not a tour scenario
    words = (label, f"拥堵系数{query.congestion:g}")
    return LayerExport(bands["features"], [], labels.FIELD_LABELS, words,
                       (query.scenario, f"congestion{query.congestion:g}"))


def _tour(args: Mapping[str, str]) -> LayerExport:
    options = page_options(args if isinstance(args, MultiDict) else MultiDict(args))
    planned = compute_tour(options)
    tour, stops = tour_collections(planned), planned["totals"]["stops"]  # the sites visited, as the page counts
    scenario = options["scenario"]
    return LayerExport(tour["route"]["features"] + tour["stops"]["features"], [],
                       {**labels.FIELD_LABELS, **TOUR_FIELD_LABELS}, (SCENARIO_LABELS[scenario], f"{stops}个点位"),
                       (scenario, f"{stops}stops"))


LAYERS: dict[str, Callable[[Mapping[str, str]], LayerExport]] = {
    **{layer: _item_layer(layer) for layer in ITEM_LAYERS}, "districts": _districts, "parks": _parks,
    "isochrones": _isochrones, "tour": _tour,
}


def export_file(layer: str, fmt: str, args: Mapping[str, str]) -> ExportFile:
    """``layer`` with the query parameters ``args`` written as ``fmt`` (call within an app context).

    Raises
    ------
    InvalidParameter
        Naming ``layer``, ``format`` or the parameter that is wrong (the layer and the format both checked first).
    """
    problems = []
    if layer not in LAYERS:
        problems.append(InvalidParameter("layer", f"expected one of {', '.join(LAYERS)}, got {layer!r}",
                                         kind="choice", details={"got": layer, "choices": tuple(LAYERS)}))
    try:
        exchange_format(fmt)
    except InvalidParameter as exc:
        problems.append(exc)
    raise_parameter_problems(problems)
    export = LAYERS[layer](args)
    frame = features_frame(export.features, columns=export.columns)
    content = write_layer(frame, format=fmt, layer_name=layer, field_labels=export.field_labels)
    extension = FORMATS[fmt].extension
    name = "-".join((FILE_PREFIX, LAYER_TITLES[layer], *export.name_parts))
    ascii_name = "-".join(filter(None, map(_ascii, (ASCII_PREFIX, layer, *export.ascii_parts))))
    logger.info("exported %s as %s: %d features, %d bytes", layer, fmt, len(frame), len(content))
    return ExportFile(content, FORMATS[fmt].media_type, f"{name}{extension}", f"{ascii_name}{extension}")


def _ascii(word: str) -> str:
    """``word`` without what an ASCII file name cannot hold (a Chinese word vanishes: the UTF-8 name has it)."""
    return "".join(c for c in word if c.isascii() and (c.isalnum() or c in "_."))


@exchange_blueprint.get("/export/<layer>.<fmt>")
def export_view(layer: str, fmt: str) -> Response:
    """A layer as a GeoPackage, zipped Shapefile, KML, KMZ, GeoJSON or CSV file, with the layer's parameters."""
    exported = export_file(layer, fmt, request.args)
    return Response(exported.content, mimetype=exported.media_type,
                    headers={"Content-Disposition": exported.content_disposition()})


@exchange_blueprint.app_template_global()
def export_menu(layers: list[str]) -> list[dict[str, Any]]:
    """The 下载 menu's entries for ``layers`` on the current page: label and one link per format, each passing on
    the page's parameters that the layer takes (a comparison page offers the isochrones of both scenarios)."""
    entries = []
    for layer in layers:
        if layer == "tour":
            variants = [(LAYER_TITLES[layer], request.args.to_dict(flat=False))]
        elif layer == "isochrones" and request.args.get("scenario") == "compare":
            variants = [(f"{LAYER_TITLES[layer]}（{SCENARIO_LABELS[s]}）", {**_kept(layer), "scenario": s})
                        for s in ("baseline", "planned")]
        else:
            variants = [(LAYER_TITLES[layer], _kept(layer))]
        for label, args in variants:
            entries.append({"layer": layer, "label": label, "links": [
                {"format": fmt, "label": FORMAT_LABELS[fmt], "args": args} for fmt in FORMATS]})
    return entries


def _kept(layer: str) -> dict[str, str]:
    return {key: value for key, value in request.args.items() if key in MENU_PARAMETERS[layer]}
