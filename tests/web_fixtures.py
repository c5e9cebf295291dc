"""Fixtures shared by the web tests: apps on the shipped data or on tiny hand-built layers, live servers (one with
a user of a given role), and logging a browser page in through the login form.

Import what a test module uses: ``from web_fixtures import real_app, tiny_app  # noqa: F401``.
"""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.serving import make_server

from geo.accounts.users import add_user
from web import create_app
from web.core.database import app_store

if TYPE_CHECKING:  # only the browser tests need Playwright installed
    from playwright.sync_api import Page

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "data"
# Settings pinned so that CORRIDOR_* variables in the caller's environment cannot change what the tests see.
PINNED = {"TESTING": True, "TILES": "osm", "TIANDITU_KEY": "", "NETWORK": None, "DATABASE_URL": None,
          "SECRET_KEY": None, "SECURE_COOKIES": False}


def make_app(data_dir: Path, **overrides: object) -> Flask:
    """An app on ``data_dir`` with the pinned test settings and a fresh instance folder (so an empty status
    database and its own secret key), never the repository's ``instance/``."""
    instance = tempfile.mkdtemp(prefix="corridor-test-instance-")
    return create_app({**PINNED, "DATA_DIR": str(data_dir), "INSTANCE_PATH": instance, **overrides})


@pytest.fixture(scope="module")
def real_app() -> Flask:
    """An app on the shipped plan data and bundled network, shared by a module (its access cache too)."""
    return make_app(DATA_DIR)


@pytest.fixture
def tiny_app(write_layers) -> Flask:
    """An app on the tiny hand-built layers of ``conftest.tiny_layers``."""
    return make_app(write_layers())


@pytest.fixture(scope="module")
def live_server(real_app: Flask) -> Iterator[str]:
    """``real_app`` served on a free loopback port in a thread; yields its base URL."""
    with served(real_app) as base:
        yield base


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread for the ``with`` block; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def served_with_user(*, role: str, password: str) -> Iterator[str]:
    """The app on the shipped data with an empty SQLite database and one user of ``role``, named after it
    (``editor``, ``admin`` …), served on loopback for the ``with`` block; yields its base URL."""
    app = make_app(DATA_DIR)
    add_user(app_store(app), role, role=role, password=password, actor="test")
    try:
        with served(app) as base:
            yield base
    finally:
        app_store(app).close()


def log_in_through_form(page: Page, base: str, *, name: str, password: str, next_path: str | None = None) -> None:
    """Log the browser ``page`` in as ``name`` through the login form of the app at ``base``, opened with
    ``next_path`` (where the login then leads) if given; return once the signed-in user is on the page (in the DOM:
    on a phone the menu holding it is folded)."""
    page.goto(base + "/login" + ("" if next_path is None else "?next=" + quote(next_path, safe="/")))
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user", state="attached")
