"""Front-end assets served by the app itself, so every page works with no internet.

Leaflet, jQuery, Bootstrap and Font Awesome come from the installed XStatic packages; Leaflet plugins with no
installable package are vendored under ``web/static/vendor/`` (see its README). Folium points at CDNs by default:
:func:`localize_assets` rewrites every asset of a Folium element tree to these local URLs and refuses to render
one it does not know, so a new plugin cannot silently bring back a CDN.
"""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from branca.element import Element
from flask import Blueprint, abort, url_for

from geo.errors import CorridorError
from web.infra.asset_urls import current_fingerprint, serve_file

logger = logging.getLogger(__name__)

XSTATIC_PACKAGES: dict[str, str] = {
    "leaflet": "xstatic.pkg.leaflet",
    "jquery": "xstatic.pkg.jquery",
    "bootstrap": "xstatic.pkg.bootstrap",
    "font_awesome": "xstatic.pkg.font_awesome",
}
# Folium's asset names -> ("xstatic", package, file) or ("static", file under web/static) or None (not needed:
# Bootstrap 3 glyphicons and folium's icon-rotation CSS serve icon features this app does not use).
LOCAL_ASSETS: dict[str, tuple[str, ...] | None] = {
    "leaflet": ("xstatic", "leaflet", "leaflet.js"),
    "leaflet_css": ("xstatic", "leaflet", "leaflet.css"),
    "jquery": ("xstatic", "jquery", "jquery.min.js"),
    "bootstrap": ("xstatic", "bootstrap", "js/bootstrap.bundle.min.js"),
    "bootstrap_css": ("xstatic", "bootstrap", "css/bootstrap.min.css"),
    "awesome_markers_font_css": ("xstatic", "font_awesome", "css/all.min.css"),
    "awesome_markers": ("static", "vendor/leaflet.awesome-markers/leaflet.awesome-markers.min.js"),
    "awesome_markers_css": ("static", "vendor/leaflet.awesome-markers/leaflet.awesome-markers.css"),
    "Control.Fullscreen.js": ("static", "vendor/leaflet.fullscreen/Control.FullScreen.js"),
    "Control.FullScreen.css": ("static", "vendor/leaflet.fullscreen/Control.FullScreen.css"),
    "glyphicons_css": None,
    "awesome_rotate_css": None,
}

assets_blueprint = Blueprint("corridor_assets", __name__, url_prefix="/assets")


class OfflineAssetMissing(LookupError, CorridorError):
    """A Folium element needs a front-end asset that the app does not serve locally."""


def xstatic_dir(package: str) -> Path:
    """The data folder of an installed XStatic package."""
    return Path(importlib.import_module(XSTATIC_PACKAGES[package]).BASE_DIR)


@assets_blueprint.route("/xstatic/<package>/<path:filename>")
def xstatic(package: str, filename: str):
    """Serve a file of an installed XStatic package (404 for unknown packages or files); under the package's
    fingerprint (:mod:`web.infra.asset_urls`) browsers keep it for a year."""
    if package not in XSTATIC_PACKAGES:
        abort(404)
    return serve_file(xstatic_dir(package), filename, current=current_fingerprint(package))


def asset_url(name: str) -> str | None:
    """The local URL of the Folium asset ``name`` (``None`` when the app deliberately leaves it out)."""
    if name not in LOCAL_ASSETS:
        raise OfflineAssetMissing(f"no local copy of the front-end asset {name!r}; vendor it under "
                                  f"web/static/vendor/ and add it to web.infra.assets.LOCAL_ASSETS")
    where = LOCAL_ASSETS[name]
    if where is None:
        return None
    if where[0] == "xstatic":
        return url_for("corridor_assets.xstatic", package=where[1], filename=where[2])
    return url_for("static", filename=where[1])


def localize_assets(root: Element) -> None:
    """Point every Folium/branca element under ``root`` at the app's own copies of its JS and CSS.

    Raises
    ------
    OfflineAssetMissing
        When an element needs an asset with no local copy.
    """
    pending = [root]
    while pending:
        element = pending.pop()
        for attribute in ("default_js", "default_css"):
            assets = getattr(element, attribute, None)
            if assets:
                localized = [(name, asset_url(name)) for name, _ in assets]
                setattr(element, attribute, [(name, url) for name, url in localized if url is not None])
        pending.extend(getattr(element, "_children", {}).values())


def stable_element_ids(root: Element) -> None:
    """Number every element under ``root`` (children and elements held as attributes, depth first) instead of
    branca's random ids, so one map renders to the same bytes in every process and every run."""
    ordered, seen, pending = [], set(), [root]
    while pending:
        element = pending.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        ordered.append(element)
        held = [value for value in vars(element).values() if isinstance(value, Element)]
        pending.extend(reversed([*getattr(element, "_children", {}).values(), *held]))
    for number, element in enumerate(ordered):
        element._id = f"{number:032x}"
