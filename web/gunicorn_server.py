"""``corridor serve --workers N``: the app in N gunicorn worker processes (threads each) on one port and database.

The app is created once in the master process (so a bad setting or a missing database stops the start with one
line, and migrations run once) and forked into the workers; each worker then drops the database connections it
inherited (:func:`post_fork`), since a connection must not be shared across processes. Nothing a worker keeps in
memory decides what another serves: status, cached pages and their ``ETag`` follow the audit log's newest id, read
from the database on each request (:mod:`web.core.state_version`); sessions and login limits are rows in the database.
Workers are ``gthread`` workers, so browsers keep their connections alive.
"""
from __future__ import annotations

import logging
import socket
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from web.core.database import app_store

logger = logging.getLogger(__name__)

KEEPALIVE_S = 5
WORKER_TIMEOUT_S = 120  # the first access check of a new scenario takes seconds; a stuck worker is restarted after


class CorridorServer(BaseApplication):
    """A gunicorn application serving an already created Flask app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def post_fork(server: Any, worker: Any) -> None:
    """In a new worker: forget the master's database connections (the pool opens its own)."""
    app_store(server.app.application).engine.dispose(close=False)


def check_port_free(host: str, port: int) -> None:
    """Raise ``OSError`` when ``host:port`` cannot be listened on (gunicorn would retry for seconds, then exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Run ``app`` on gunicorn with ``workers`` processes of ``threads`` threads until stopped.

    Raises
    ------
    OSError
        When the address cannot be listened on.
    """
    check_port_free(host, port)
    options = {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "workers": workers,
               "worker_class": "gthread", "threads": threads, "keepalive": KEEPALIVE_S,
               "timeout": WORKER_TIMEOUT_S, "reuse_port": True, "post_fork": post_fork, "accesslog": None, "errorlog": "-",
               "loglevel": "warning", "proc_name": "corridor"}
    logger.info("starting gunicorn: %d workers x %d threads on %s:%d", workers, threads, host, port)
    CorridorServer(app, options).run()
