"""Fixtures for tests against real status databases: SQLite in ``tmp_path`` always, PostgreSQL when
``CORRIDOR_TEST_DATABASE_URL`` names one (``eval "$(bash scripts/ci_postgres.sh)"`` starts one and sets it).

``tests/conftest.py`` loads this module as a plugin, so every test module can use ``database_url``, ``store`` and
``plan``.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from environment import unavailable
from geo.plan import load_plan
from geo.store import open_store

POSTGRES_ENV = "CORRIDOR_TEST_DATABASE_URL"


def _empty_postgres(url: str) -> str:
    """Drop everything in the test database's public schema so each test starts from an empty database."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """The URL of an empty database: a SQLite file in ``tmp_path``, or the test PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'status.sqlite3'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        unavailable(f"set {POSTGRES_ENV} (see scripts/ci_postgres.sh) to run against PostgreSQL")
    return _empty_postgres(url)


@pytest.fixture
def store(database_url):
    """An open, migrated status store on :func:`database_url`."""
    opened = open_store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def plan(write_layers):
    """The tiny hand-built plan of ``conftest.py``: B01, R01, RING-N/E/S/W, E01 (block task of B01), E02."""
    return load_plan(write_layers())
