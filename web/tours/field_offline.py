"""The field page's service worker, served from the site root so that its scope can cover every ``/tour/`` page.

A service worker's scope may not reach above the folder its script is served from, and ``web/static`` files are
served under ``/static/v-…/``: so ``/field-sw.js`` serves ``web/static/field-sw.js`` itself, revalidated on every
use (browsers check a service worker for updates on each navigation anyway), with ``Service-Worker-Allowed: /tour/``.

The worker's fetches are governed by the policy of its own script's response, not by the page's: it fetches the
base-map tiles it caches, so its ``connect-src`` names the tile hosts of the configured base map
(:func:`web.core.security.tile_hosts`); everything else stays same-origin.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Response, current_app

from web.infra.asset_urls import serve_file
from web.core.security import tile_hosts

logger = logging.getLogger(__name__)

SERVICE_WORKER_FILE = "field-sw.js"
SERVICE_WORKER_SCOPE = "/tour/"

field_offline_blueprint = Blueprint("field_offline", __name__)


def service_worker_policy(*, tiles: str) -> str:
    """The Content-Security-Policy of the worker script: same-origin only, except fetching the base map's tiles."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"connect-src 'self' {' '.join(tile_hosts(tiles))}",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
    ])


@field_offline_blueprint.route(f"/{SERVICE_WORKER_FILE}")
def field_service_worker() -> Response:
    """``web/static/field-sw.js`` for the scope ``/tour/`` (public: it holds no data)."""
    response = serve_file(Path(current_app.static_folder or "static"), SERVICE_WORKER_FILE, current="")
    response.mimetype = "text/javascript"
    response.headers["Service-Worker-Allowed"] = SERVICE_WORKER_SCOPE
    response.headers["Content-Security-Policy"] = service_worker_policy(tiles=current_app.config["TILES"])
    return response
