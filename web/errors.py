"""Error handling: under ``/api`` every error is JSON ``{"error": ..., "message": ...}``; pages get a short page.

No traceback ever reaches a client: unexpected exceptions are logged and answered with a generic 500.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from geo.errors import (
    CorridorError, DatabaseNotWritable, DatabaseUnavailable, EditConflict, InvalidParameter, UnknownItem,
    ValidationError,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api"


def _wants_json() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(status: int, error: str, message: str, **extra: object) -> Response:
    """A JSON error (for the API) or a short Chinese error page (for everything else)."""
    if _wants_json():
        response = jsonify({"error": error, "message": message, **extra})
    else:
        response = make_response(render_template("error.html", status=status, error=error, message=message))
    response.status_code = status
    return response


def _invalid_parameter(exc: InvalidParameter):
    return error_response(400, "invalid_parameter", str(exc), parameter=exc.field)


def problem_list(exc: ValidationError) -> list[dict[str, object]]:
    """The problems of ``exc`` as ``{"field", "message"}`` (plus ``item_id`` when a problem names one)."""
    return [{"field": getattr(p, "field", None), "message": getattr(p, "message", str(p)),
             **({"item_id": p.feature_id} if getattr(p, "feature_id", None) else {})} for p in exc.problems]


def _validation_error(exc: ValidationError):
    problems = problem_list(exc)
    first = problems[0]["field"] if problems else None
    message = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else str(p["message"]) for p in problems)
    return error_response(400, "validation", message, field=first, problems=problems)


def _edit_conflict(exc: EditConflict):
    return error_response(409, "conflict", str(exc), item_id=exc.item_id, expected_version=exc.expected,
                          current_version=exc.actual)


def _unknown_item(exc: UnknownItem):
    return error_response(404, "not_found", str(exc))


def _database_unavailable(exc: DatabaseUnavailable):
    # 503, not 500: the request was fine and nothing of it was saved; the operator must bring the database back
    logger.error("request %s refused: %s", request.path, exc)
    g.setdefault("corridor_user", None)  # the error page must not ask the failing database who is logged in
    error = "database_not_writable" if isinstance(exc, DatabaseNotWritable) else "database_unavailable"
    return error_response(503, error, str(exc))


def _corridor_error(exc: CorridorError):
    logger.error("request %s failed: %s", request.path, exc)
    return error_response(500, "server_error", f"{type(exc).__name__}: {exc}")


def _http_error(exc: HTTPException):
    response = error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    logger.exception("unexpected error on %s", request.path)
    return error_response(500, "server_error", InternalServerError.description)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(InvalidParameter, _invalid_parameter)
    app.register_error_handler(UnknownItem, _unknown_item)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(EditConflict, _edit_conflict)
    app.register_error_handler(DatabaseUnavailable, _database_unavailable)
    app.register_error_handler(CorridorError, _corridor_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
