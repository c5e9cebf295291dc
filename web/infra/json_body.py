"""Reading JSON request bodies: one bounded parser for every JSON endpoint, refusing what would crash or mislead.

Python's :mod:`json` recurses once per level of nesting, so a body of 100,000 ``[`` ends in ``RecursionError``
(a 500); and it refuses an integer of more than 4,300 digits with a ``ValueError`` that Flask's
``get_json(silent=True)`` turns into "no body", so a 5,000-digit ``percent`` was reported as a missing JSON object.
:func:`loads` refuses a text nested deeper than :data:`MAX_DEPTH` before parsing it (:class:`NestedTooDeeply`),
and reads an integer longer than :data:`MAX_INTEGER_DIGITS` as a float (infinite past 1e308): the member it sits in
is then refused by its own check, by name (``percent: expected a number from 0 to 100``).

The app's JSON provider is :class:`BoundedJSONProvider`, so every ``request.get_json()`` goes through
:func:`loads` (a body nested too deeply is then a ``ValueError``, which Flask answers 400, never a 500); the write
endpoints read their body with :func:`request_json`, which says what is wrong with it in the endpoint's own error.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from geo.errors import CorridorError

logger = logging.getLogger(__name__)

MAX_DEPTH = 32  # a geometry edit in a one-feature FeatureCollection needs 9 levels; nothing here needs more than 12
MAX_INTEGER_DIGITS = 100  # no member of this API takes an integer of more than 10 digits
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)  # brackets inside strings do not nest
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")

ErrorFactory = Callable[..., Exception]
"""Builds the endpoint's 400 error from the field (``body``) and the message, e.g.
:class:`~geo.errors.InvalidParameter`."""


class NestedTooDeeply(ValueError, CorridorError):
    """A JSON text nests arrays and objects deeper than :data:`MAX_DEPTH`."""


def nesting_depth(text: str | bytes) -> int:
    """How deeply arrays and objects nest in the JSON ``text`` (0 for a scalar), without parsing it."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")  # the brackets are ASCII; other bytes only need to stay non-brackets
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(1 if bracket in "[{" else -1 for bracket in brackets), default=0)


def _integer(digits: str) -> int | float:
    return int(digits) if len(digits.lstrip("-")) <= MAX_INTEGER_DIGITS else float(digits)


def loads(text: str | bytes, **options: Any) -> object:
    """``json.loads(text, **options)``, refusing a text nested deeper than :data:`MAX_DEPTH` before parsing it.

    Raises
    ------
    NestedTooDeeply
        Naming the limit and the depth found.
    ValueError
        For text that is not JSON (:class:`json.JSONDecodeError`).
    """
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise NestedTooDeeply(f"nested too deeply: expected at most {MAX_DEPTH} levels of arrays and objects, got "
                              f"{depth}")
    return json.loads(text, **{"parse_int": _integer, **options})


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's default JSON provider, parsing with :func:`loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse ``s`` with :func:`loads`."""
        return loads(s, **kwargs)


def request_json(*, error: ErrorFactory) -> object:
    """The request's body parsed by :func:`loads`; ``error("body", message, kind=...)`` when it is not sent as
    ``application/json`` (kind ``body_content_type``), is not UTF-8 (``body_encoding``), is nested too deeply
    (``body_too_deep``) or is not JSON (``body_not_json``): the kinds let the web layer word it in Chinese."""
    if not request.is_json:
        raise error("body", f"expected a JSON object sent as Content-Type: application/json, got "
                            f"{request.mimetype or 'no Content-Type'}", kind="body_content_type")
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error("body", f"expected JSON in UTF-8, got a byte that is not UTF-8 ({exc.reason} at byte "
                            f"{exc.start})", kind="body_encoding") from None
    try:
        return loads(text)
    except NestedTooDeeply as exc:
        raise error("body", str(exc), kind="body_too_deep") from None
    except ValueError as exc:
        raise error("body", f"expected a JSON object, could not parse the body: {exc}",
                    kind="body_not_json") from None
