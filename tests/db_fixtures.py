"""Fixtures for tests against real status databases: SQLite in ``tmp_path`` always, PostgreSQL when
``CORRIDOR_TEST_DATABASE_URL`` names one (``eval "$(bash scripts/ci_postgres.sh)"`` starts one and sets it).

``tests/conftest.py`` loads this module as a plugin, so every test module can use ``database_url``, ``store`` and
``plan``.
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from environment import unavailable
from geo.status.database_faults import sqlite_file
from geo.plan.layers import load_plan
from geo.status.store import open_store

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


class TcpRelay:
    """A loopback TCP relay to ``host:port``, to take a database server away from a client mid-run (:meth:`cut`:
    open connections drop, new ones are refused) without touching the server other tests share."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.upstream)
            except OSError:
                return  # cut
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def cut(self) -> None:
        """Drop every relayed connection and refuse new ones."""
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        except OSError:
            pass
        self.listener.close()
        for end in self.sockets:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()


@pytest.fixture
def relayed_url(database_url) -> Iterator[tuple[str, TcpRelay | None]]:
    """``database_url`` and, for PostgreSQL, the same database reached through a :class:`TcpRelay` (its URL then
    names the relay); SQLite has no relay (``None``)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield database_url, None
        return
    relay = TcpRelay(url.host or "localhost", url.port or 5432)
    try:
        yield url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay
    finally:
        relay.cut()


def take_away(database_url: str, relay: TcpRelay | None) -> None:
    """Make the database vanish under whoever uses it: the SQLite file and its journals deleted, or the
    PostgreSQL server's connections cut (``relay`` from :func:`relayed_url`)."""
    if relay is not None:
        relay.cut()
        return
    path = sqlite_file(database_url)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def refuse_writes(store) -> None:
    """Make every new connection of ``store`` refuse writes as a read-only file or a standby server does (the
    pooled ones are closed first)."""
    def read_only(connection, _record) -> None:
        if store.dialect == "sqlite":
            connection.execute("PRAGMA query_only = ON")
        else:
            connection.execute("SET default_transaction_read_only = on")
            connection.commit()  # SET is transactional in PostgreSQL

    sa.event.listen(store.engine, "connect", read_only)
    store.engine.dispose()
