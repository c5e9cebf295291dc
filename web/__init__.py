"""Flask application for the Daluoshan corridor map (created by :func:`create_app`).

Configuration, later sources winning: :data:`DEFAULTS`, then ``CORRIDOR_*`` environment variables (read when
``create_app`` runs, never at import), then ``test_config``.

=====================  ==========================  ===================================================
key                    environment variable        meaning
=====================  ==========================  ===================================================
``DATA_DIR``           ``CORRIDOR_DATA_DIR``       folder of blocks/roads/tasks/districts.geojson
``NETWORK``            ``CORRIDOR_NETWORK``        road network file (default: the bundled schematic)
``TILES``              ``CORRIDOR_TILES``          base map: ``osm`` (default), ``amap`` or ``tianditu``
``TIANDITU_KEY``       ``CORRIDOR_TIANDITU_KEY``   Tianditu API key (``tk``), required for ``tianditu``
``DATABASE_URL``       ``CORRIDOR_DATABASE_URL``   status database (default: SQLite in the instance folder)
``INSTANCE_PATH``      ``CORRIDOR_INSTANCE_PATH``  instance folder (SQLite file, generated ``secret_key``)
``SECRET_KEY``         ``CORRIDOR_SECRET_KEY``     session signing key (default: generated on first run
                                                   into the instance folder; never put one in the repo)
``SECURE_COOKIES``     ``CORRIDOR_SECURE_COOKIES`` ``1`` behind TLS: session cookie sent over HTTPS only
``LOGIN_MAX_FAILURES``                             ``CORRIDOR_LOGIN_MAX_FAILURES``: login attempts per
                                                   account and client address before 429 (5) ...
``LOGIN_WINDOW_S``                                 ``CORRIDOR_LOGIN_WINDOW_S``: ... within this many s (300)
``LOGIN_ACCOUNT_MAX_FAILURES``                     ``CORRIDOR_LOGIN_ACCOUNT_MAX_FAILURES``: per account from
                                                   addresses it has not logged in from lately (20) ...
``LOGIN_ACCOUNT_WINDOW_S``                         ``CORRIDOR_LOGIN_ACCOUNT_WINDOW_S``: ... within (3600)
``SESSION_IDLE_S``                                 ``CORRIDOR_SESSION_IDLE_S``: a session unused this many
                                                   seconds ends (28800 = 8 hours)
``SESSION_LIFETIME_S``                             ``CORRIDOR_SESSION_LIFETIME_S``: a session ends this many
                                                   seconds after login (604800 = 7 days)
``TRUSTED_PROXIES``                                ``CORRIDOR_TRUSTED_PROXIES``: addresses or networks of
                                                   reverse proxies whose ``X-Forwarded-For`` is believed
                                                   (comma-separated; default none: the header is ignored)
``INIT_DATABASE``                                  ``corridor serve --init-database``: create an empty database
                                                   where one this instance has used is missing (no variable: a
                                                   setting left on would defeat the check at every restart)
``HTTP_CACHE_BYTES``                               ``CORRIDOR_HTTP_CACHE_BYTES``: memory for rendered pages and
                                                   API answers per process (64 MiB; 0: render every time)
``COMPRESSED_CACHE_BYTES``                         ``CORRIDOR_COMPRESSED_CACHE_BYTES``: memory for their
                                                   compressed copies per process (32 MiB)
``MEDIA_DIR``          ``CORRIDOR_MEDIA_DIR``      folder of uploaded field photos (default: ``media`` in the
                                                   instance folder); back it up with the database
``MEDIA_URL``          ``CORRIDOR_MEDIA_URL``      an S3-compatible object store for photos: not supported,
                                                   refused at start-up (see docs/operations.md)
=====================  ==========================  ===================================================
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from geo.errors import InvalidParameter

__all__ = ["cli", "core", "create_app"]

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": None,
    "NETWORK": None,
    "TILES": "osm",
    "TIANDITU_KEY": "",
    "JSON_SORT_KEYS": False,
    "DATABASE_URL": None,
    "INSTANCE_PATH": None,
    "SECRET_KEY": None,
    "SECURE_COOKIES": False,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_S": 300,
    "LOGIN_ACCOUNT_MAX_FAILURES": 20,
    "LOGIN_ACCOUNT_WINDOW_S": 3600,
    "SESSION_IDLE_S": 8 * 3600,
    "SESSION_LIFETIME_S": 7 * 24 * 3600,
    "TRUSTED_PROXIES": "",
    "INIT_DATABASE": False,
    "HTTP_CACHE_BYTES": 64 * 1024 * 1024,
    "COMPRESSED_CACHE_BYTES": 32 * 1024 * 1024,
    "MEDIA_DIR": None,
    "MEDIA_URL": None,
}
ENV_KEYS: tuple[str, ...] = ("DATA_DIR", "NETWORK", "TILES", "TIANDITU_KEY", "DATABASE_URL", "INSTANCE_PATH",
                             "SECRET_KEY", "SECURE_COOKIES", "LOGIN_MAX_FAILURES", "LOGIN_WINDOW_S",
                             "LOGIN_ACCOUNT_MAX_FAILURES", "LOGIN_ACCOUNT_WINDOW_S", "SESSION_IDLE_S",
                             "SESSION_LIFETIME_S", "TRUSTED_PROXIES", "HTTP_CACHE_BYTES", "COMPRESSED_CACHE_BYTES",
                             "MEDIA_DIR", "MEDIA_URL")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, data (loaded once), blueprints and error handlers.

    Raises
    ------
    InvalidParameter
        For a configuration value outside its choices (named by its environment variable).
    geo.errors.ValidationError
        When the plan data does not validate.
    """
    from geo.plan.layers import default_data_dir
    from web.access.export import access_export_blueprint
    from web.gis.exports import exchange_blueprint
    from web.tours.field_api import field_api_blueprint
    from web.api import api_blueprint
    from web.infra.assets import assets_blueprint
    from web.core.auth import auth_blueprint, init_security
    from web.admin.users import user_admin_blueprint
    from web.infra.proxies import init_proxies
    from web.core.database import init_store
    from web.core.live_status import init_live_status
    from web.reports.departments import departments_blueprint
    from web.editing.items import editing_blueprint
    from web.editing.editor_api import editor_api_blueprint
    from web.gis.freshness import freshness_blueprint
    from web.editing.geometry_versions import geometry_versions_blueprint
    from web.editing.geometry_import import geometry_import_blueprint
    from web.core.errors import register_error_handlers
    from web.core.times import register_time_filters
    from web.infra.json_body import BoundedJSONProvider
    from web.core.state import load_state
    from web.reports.bulletins import reports_blueprint
    from web.core.observability import init_observability
    from web.openapi import openapi_blueprint
    from web.gis.ogc import ogc_blueprint
    from web.reports.parks import parks_blueprint
    from web.core.security import init_security_headers
    from web.tours.planner import tours_blueprint
    from web.tours.saved_tours import saved_tours_blueprint
    from web.tours.field_page import field_page_blueprint
    from web.tours.inspection_report import inspection_report_blueprint
    from web.editing.timeline import timeline_blueprint
    from web.tours.field_offline import field_offline_blueprint
    from web.views import views_blueprint

    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)  # request.get_json() anywhere: too deep a body is a 400, not a 500
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping({key: os.environ[f"CORRIDOR_{key}"] for key in ENV_KEYS
                             if os.environ.get(f"CORRIDOR_{key}")})
    app.config.from_mapping(test_config or {})
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    _check_config(app.config)
    if app.config["INSTANCE_PATH"]:
        app.instance_path = str(Path(app.config["INSTANCE_PATH"]).resolve())

    data_dir = Path(app.config["DATA_DIR"]) if app.config["DATA_DIR"] else default_data_dir()
    network = Path(app.config["NETWORK"]) if app.config["NETWORK"] else None
    app.extensions["corridor"] = load_state(data_dir=data_dir, network_path=network)
    init_store(app)
    init_live_status(app)
    init_security(app)
    init_proxies(app)
    init_security_headers(app)
    init_observability(app)

    register_error_handlers(app)
    register_time_filters(app)
    app.register_blueprint(assets_blueprint)
    app.register_blueprint(views_blueprint)
    app.register_blueprint(api_blueprint)
    # Feature blueprints plug in here, one line each (e.g. the inspection-tour planner).
    app.register_blueprint(tours_blueprint)
    app.register_blueprint(field_api_blueprint)
    app.register_blueprint(saved_tours_blueprint)
    app.register_blueprint(field_page_blueprint)
    app.register_blueprint(inspection_report_blueprint)
    app.register_blueprint(field_offline_blueprint)
    app.register_blueprint(access_export_blueprint)
    app.register_blueprint(exchange_blueprint)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(user_admin_blueprint)
    app.register_blueprint(editing_blueprint)
    app.register_blueprint(editor_api_blueprint)
    app.register_blueprint(freshness_blueprint)
    app.register_blueprint(geometry_versions_blueprint)
    app.register_blueprint(geometry_import_blueprint)
    app.register_blueprint(reports_blueprint)
    app.register_blueprint(parks_blueprint)
    app.register_blueprint(departments_blueprint)
    app.register_blueprint(openapi_blueprint)
    app.register_blueprint(ogc_blueprint)
    app.register_blueprint(timeline_blueprint)
    init_serving(app)
    return app


def init_serving(app: Flask) -> None:
    """Session cookies, fingerprinted asset URLs, compression, then cached answers and conditional requests (last:
    their hooks need the others' — see :func:`web.core.http_cache.init_http_cache`)."""
    from web.infra.asset_urls import init_asset_urls
    from web.infra.assets import XSTATIC_PACKAGES
    from web.infra.compression import init_compression
    from web.core.http_cache import init_http_cache
    from web.infra.session_cookie import init_session_cookie

    init_session_cookie(app)
    init_asset_urls(app, XSTATIC_PACKAGES)
    init_compression(app)
    init_http_cache(app)


def _check_config(config: dict[str, Any]) -> None:
    from web.core.tiles import TILE_LAYERS

    if config["TILES"] not in TILE_LAYERS:
        raise InvalidParameter("CORRIDOR_TILES", f"expected one of {', '.join(TILE_LAYERS)}; "
                                                 f"got {config['TILES']!r}")
    if config["TILES"] == "tianditu" and not config["TIANDITU_KEY"]:
        raise InvalidParameter("CORRIDOR_TIANDITU_KEY", "Tianditu tiles need an API key; set CORRIDOR_TIANDITU_KEY "
                                                        "or choose CORRIDOR_TILES=osm")
