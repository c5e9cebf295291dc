"""The status database inside the web app: the open store, and the plan with its surveyed geometries.

:func:`init_store` opens (and migrates) the database named by the ``DATABASE_URL`` setting, else the SQLite file in
the instance folder; views reach it through :func:`app_store`. :mod:`web.core.live_status` keeps every item's status
current with it, and :func:`surveyed_plan` puts the stored geometries on the maps.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

from flask import Flask, current_app

from geo.status.merged import merge_states
from geo.plan.layers import PlanData
from geo.status.store import Store, database_url
from web.core.features import ITEM_LAYERS
from web.core.instance import open_instance_store, record_database

logger = logging.getLogger(__name__)

STORE_EXTENSION = "corridor_store"


def surveyed_plan(plan: PlanData, states, *, as_of: date) -> PlanData:
    """``plan`` with each item's latest surveyed geometry (``geometry_source`` ``surveyed``), no status columns."""
    merged = merge_states(plan, states, as_of=as_of)
    return replace(plan, **{layer: getattr(merged, layer)[list(getattr(plan, layer).columns)]
                            for layer in ITEM_LAYERS})


def init_store(app: Flask) -> Store:
    """Open the app's status database (migrating it; refusing one the instance has used that went missing, unless
    ``INIT_DATABASE``: :mod:`web.core.instance`)."""
    url = database_url(instance_path=app.instance_path, configured=app.config.get("DATABASE_URL"))
    store = open_instance_store(Path(app.instance_path), url, init=bool(app.config.get("INIT_DATABASE")))
    record_database(Path(app.instance_path), url)
    app.extensions[STORE_EXTENSION] = store
    logger.info("status database: %s", store.engine.url.render_as_string(hide_password=True))
    return store


def app_store(app: Flask | None = None) -> Store:
    """The status database of ``app`` (default: the current app)."""
    return (app or current_app).extensions[STORE_EXTENSION]
