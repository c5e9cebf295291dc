"""Error handling: under ``/api`` every error is JSON ``{"error": ..., "message": ...}``; pages get a short page.

``error`` is a stable English code; ``message`` is Chinese (English when the client prefers it, see
:mod:`web.core.messages`), and so is every message a page shows. No traceback ever reaches a client: unexpected
exceptions are logged and answered with a generic 500.
"""
from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from geo.errors import (
    CorridorError, DatabaseNotWritable, DatabaseUnavailable, EditConflict, InvalidParameter, NeedsConfirmation,
    UnknownItem, ValidationError,
)
from web.core import confirmations, messages

logger = logging.getLogger(__name__)

API_PREFIX = "/api"


def _wants_json() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_response(status: int, error: str, message: str, *, message_en: str | None = None,
                   **extra: object) -> Response:
    """A JSON error (for the API) or a short Chinese error page (for everything else).

    Parameters
    ----------
    message
        What went wrong, in Chinese.
    message_en
        The same in English, answered instead to an API client that prefers English (default: ``message``).
    """
    if _wants_json():
        shown = message_en if message_en is not None and messages.english_requested() else message
        response = jsonify({"error": error, "message": shown, **extra})
    else:
        response = make_response(render_template("error.html", status=status, error=error, message=message))
    response.status_code = status
    return response


def _invalid_parameter(exc: InvalidParameter):
    return error_response(400, "invalid_parameter", messages.parameter_message(exc), message_en=str(exc),
                          parameter=exc.field, label=messages.field_label(exc.field))


def problem_list(exc: ValidationError, *, english: bool = False) -> list[dict[str, object]]:
    """The problems of ``exc`` as ``{"field", "label", "message"}`` (plus ``kind`` and ``item_id`` when known), the
    message in Chinese unless ``english``."""
    return messages.problem_dicts(exc.problems, english=english)


def _validation_error(exc: ValidationError):
    english = _wants_json() and messages.english_requested()
    problems = problem_list(exc, english=english)
    first = problems[0]["field"] if problems else None
    return error_response(400, "validation", messages.problems_message(problems, english=english), field=first,
                          problems=problems)


def _needs_confirmation(exc: NeedsConfirmation):
    found = confirmations.reasons(exc.findings)
    return error_response(422, "needs_confirmation", confirmations.summary(found), message_en=str(exc),
                          reasons=found, confirm_field=confirmations.FIELD)


def _edit_conflict(exc: EditConflict):
    return error_response(409, "conflict", messages.conflict_message(exc), message_en=str(exc),
                          item_id=exc.item_id, expected_version=exc.expected, current_version=exc.actual)


def _unknown_item(exc: UnknownItem):
    return error_response(404, "not_found", messages.unknown_item_message(exc), message_en=str(exc))


def _database_unavailable(exc: DatabaseUnavailable):
    # 503, not 500: the request was fine and nothing of it was saved; the operator must bring the database back
    logger.error("request %s refused: %s", request.path, exc)
    g.setdefault("corridor_user", None)  # the error page must not ask the failing database who is logged in
    error = "database_not_writable" if isinstance(exc, DatabaseNotWritable) else "database_unavailable"
    return error_response(503, error, messages.database_message(not_writable=error == "database_not_writable"),
                          message_en=str(exc))


def _corridor_error(exc: CorridorError):
    logger.error("request %s failed: %s", request.path, exc)
    return error_response(500, "server_error", messages.http_message(500), message_en=f"{type(exc).__name__}: {exc}")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    response = error_response(status, exc.name.lower().replace(" ", "_"), messages.http_message(status),
                              message_en=exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    logger.exception("unexpected error on %s", request.path)
    return error_response(500, "server_error", messages.http_message(500), message_en=InternalServerError.description)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``, and the ``chinese_message`` template filter (a bad parameter in Chinese)."""
    app.add_template_filter(messages.parameter_message, "chinese_message")
    app.register_error_handler(InvalidParameter, _invalid_parameter)
    app.register_error_handler(UnknownItem, _unknown_item)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(EditConflict, _edit_conflict)
    app.register_error_handler(NeedsConfirmation, _needs_confirmation)
    app.register_error_handler(DatabaseUnavailable, _database_unavailable)
    app.register_error_handler(CorridorError, _corridor_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
