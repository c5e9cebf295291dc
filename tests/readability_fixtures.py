"""An app on the shipped plan with one old report and one closed task, for the readability tests (popups, block
names, the 销号 column, the judging day). Import: ``from readability_fixtures import reported_app  # noqa: F401``.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, login
from web.core.database import app_store
from web_fixtures import DATA_DIR, make_app

OLD_REPORT = {"percent": 45, "state": "进行中", "reported_on": "2021-06-25", "expected_version": 0}
CLOSING = {"note": "整治完成", "effective_on": "2021-06-20", "expected_version": 0}


@pytest.fixture(scope="module")
def reported_app() -> Iterator[Flask]:
    """The shipped plan over an empty database with a user ``editor``: B03 reported 45 % on 2021-06-25 (on
    schedule then, stale today), E03 closed (销号) on 2021-06-20 by ``editor`` without any report."""
    app = make_app(DATA_DIR)
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    client = app.test_client()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = login(client, "editor")
    assert client.post("/api/items/B03/reports", json=OLD_REPORT).status_code == 201
    assert client.post("/api/items/E03/close", json=CLOSING).status_code == 201
    yield app
    app_store(app).close()
