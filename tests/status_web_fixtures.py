"""Fixtures for the web tests of the status database: an app on the tiny plan over a real database, users, login.

Import what a test module uses: ``from status_web_fixtures import status_app, ...  # noqa: F401``; ``database_url``
(SQLite in ``tmp_path`` always, PostgreSQL when configured) comes from ``db_fixtures``, loaded by ``conftest.py``.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geo.accounts.users import add_user
from web.core.database import app_store
from web_fixtures import make_app

PASSWORDS = {"viewer": "viewer-pass-1", "editor": "editor-pass-1", "admin": "admin-pass-1"}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def status_app(write_layers, database_url, tmp_path) -> Flask:
    """An app on the tiny plan (B01, R01, RING-*, E01, E02) over an empty database, with one user per role
    (named after the role)."""
    app = make_app(write_layers(), DATABASE_URL=database_url, INSTANCE_PATH=str(tmp_path / "instance"))
    for role, password in PASSWORDS.items():
        add_user(app_store(app), role, role=role, password=password, actor="test")
    yield app
    app_store(app).close()


def csrf_from(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page of the client's session carries in its forms."""
    match = CSRF_INPUT.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token field on {path}"
    return match.group(1)


def login(client: FlaskClient, role: str) -> str:
    """Log ``client`` in as the user of ``role``; return the session's CSRF token."""
    response = client.post("/login", data={"name": role, "password": PASSWORDS[role],
                                           "csrf_token": csrf_from(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_from(client, "/login")


def report_body(version: int = 0, **changes: object) -> dict:
    """A valid progress report (JSON API body) based on ``version``."""
    return {"percent": 40, "state": "进行中", "note": "按计划推进", "reported_on": "2021-06-30",
            "expected_version": version, **changes}
