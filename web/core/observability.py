"""Structured logs with a request id: one JSON object per line, one access line per request.

Each request gets an id: the client's ``X-Request-ID`` when it is a sane token (letters, digits, ``.``, ``_``,
``-``, ``:``; at most 128), else a fresh random one: 32 hex digits from :func:`random.getrandbits` (an id to find
log lines by, not a secret, so no call to the system's random source, which under load makes the request wait for
the interpreter lock again; the module's generator is reseeded in forked workers). The id is echoed in the
response's ``X-Request-ID`` header and added to every log record emitted while the request runs
(:class:`RequestIdFilter`), so a report from a user ("request id 4f…") finds its lines. After each request the
``corridor.access`` logger writes ``method``, ``path``, ``status``, ``duration_ms``, ``bytes`` and ``remote_addr``
at INFO.

:func:`configure_logging` switches the process's logging to :class:`JsonFormatter` on stderr (``corridor serve``
calls it); tests and library use keep whatever logging the caller set up. :func:`database_check` and
:func:`network_check` are the checks of ``GET /api/health``.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import random
import time
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, request

from geo.status.database_faults import driver_message
from geo.errors import DatabaseUnavailable
from geo.network.road_network import default_network_dir
from geo.status.store import Store
from web.core.state import CorridorState

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("corridor.access")

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged as a field.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # built once: every request writes an access line


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC ISO 8601), ``level``, ``logger``, ``message``, ``request_id``
    when there is one, the ``extra=`` fields, and ``exception`` (the formatted traceback) for errors."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items()
                      if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to records emitted inside a request (always lets the record through)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context() and "corridor_request_id" in g:
            record.request_id = g.corridor_request_id
        return True


def configure_logging(*, level: int = logging.WARNING) -> logging.Handler:
    """Log JSON lines to stderr: the root logger at ``level``, the access log always at INFO."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    access_logger.setLevel(logging.INFO)
    return handler


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.corridor_request_id = given if SANE_REQUEST_ID.fullmatch(given) else f"{random.getrandbits(128):032x}"
    g.corridor_request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    context = g._get_current_object()
    started = getattr(context, "corridor_request_started", None)
    request_id = getattr(context, "corridor_request_id", None)
    response.headers[REQUEST_ID_HEADER] = request_id or ""
    if not access_logger.isEnabledFor(logging.INFO):
        return response
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
    asked = request._get_current_object()
    method, path, status = asked.method, asked.path, response.status_code
    # The record is made here, not by access_logger.info: that would walk the stack for the caller's file and
    # line (a tenth of the line's cost), which the access line does not show.
    access_logger.handle(access_logger.makeRecord(
        access_logger.name, logging.INFO, __file__, 0, "%s %s %d", (method, path, status), None, extra={
            "request_id": request_id, "method": method, "path": path, "status": status,
            "duration_ms": duration_ms, "bytes": response.content_length, "remote_addr": asked.remote_addr}))
    return response


def init_observability(app: Flask) -> None:
    """Give every request of ``app`` an id (first of all before-request hooks) and an access-log line."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)


def database_check(store: Store) -> dict[str, object]:
    """Whether the status database is there (a SQLite file still the one opened), answers a query and can be
    written (:meth:`geo.status.store.Store.write_problem`): ``ok``, ``dialect``, ``database`` (its file or database name,
    no path) and, when not ok, ``error`` and ``message``."""
    shown = {"dialect": store.dialect, "database": store.watch.name}
    try:
        with store.read() as session:
            session.execute(sa.text("SELECT 1")).scalar_one()
        problem = store.write_problem()
    except DatabaseUnavailable as exc:
        return {"ok": False, **shown, "error": "unavailable", "message": str(exc)}
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database is what the check reports
        logger.error("health: database check failed: %s", driver_message(exc))
        return {"ok": False, **shown, "error": type(exc).__name__}
    if problem:
        return {"ok": False, **shown, "error": "not_writable", "message": problem}
    return {"ok": True, **shown}


def network_check(state: CorridorState) -> dict[str, object]:
    """Whether the road network is loaded, or else its source (cache folder or OSM file) is there to load."""
    network = state.loaded_network
    if network is not None:
        return {"ok": True, "loaded": True, "nodes": network.n_nodes, "edges": network.n_edges}
    source = state.network_path or default_network_dir()
    if source.is_dir():
        meta = source / "meta.json"
        try:
            json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return {"ok": False, "loaded": False, "error": f"network cache {source.name}: {type(exc).__name__}"}
        return {"ok": True, "loaded": False}
    return {"ok": source.is_file(), "loaded": False, **({} if source.is_file() else {"error": "source missing"})}
