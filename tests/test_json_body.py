"""Reading JSON request bodies (web/infra/json_body.py): depth limit, huge integers, content type, encoding, syntax."""
from __future__ import annotations

import math

import pytest
from flask import Flask, request
from werkzeug.exceptions import BadRequest

from geo.errors import InvalidParameter
from web.infra.json_body import MAX_DEPTH, BoundedJSONProvider, NestedTooDeeply, loads, nesting_depth, request_json

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0), ('"[[["', 0), ("[]", 1), ('{"a": [1, {"b": "]]]}"}]}', 3), (r'["\"[", [[]]]', 3), (DEEP, 100_000),
    (b'{"a": ["\xe5\x90\x8d"]}', 2),
])
def test_nesting_depth_ignores_brackets_in_strings(text: str | bytes, depth: int) -> None:
    assert nesting_depth(text) == depth


def test_a_text_nested_too_deeply_is_refused_before_parsing() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) == eval("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    for text in ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * 100_000, '{"a":' * 100_000, DEEP.encode()):
        with pytest.raises(NestedTooDeeply, match=f"nested too deeply: expected at most {MAX_DEPTH} levels"):
            loads(text)


def test_integers_too_long_for_python_are_read_as_floats() -> None:
    body = loads('{"percent": %s, "v": -%s, "n": 12}' % ("9" * 5000, "9" * 200))
    assert body["percent"] == math.inf and body["v"] == -1e200 and body["n"] == 12 and isinstance(body["n"], int)


def _app() -> Flask:
    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)
    return app


@pytest.mark.parametrize(("data", "content_type", "match"), [
    (b'{"a": 1}', "text/plain", "body: expected a JSON object sent as Content-Type: application/json, got text/plain"),
    (b'{"a": "\xff"}', "application/json", "body: expected JSON in UTF-8, got a byte that is not UTF-8"),
    (b"{not json", "application/json", "body: expected a JSON object, could not parse the body: Expecting property"),
    (b"", "application/json", "body: expected a JSON object, could not parse the body: Expecting value"),
    (DEEP.encode(), "application/json", f"body: nested too deeply: expected at most {MAX_DEPTH} levels of arrays "
                                        "and objects, got 100000"),
])
def test_bodies_that_are_not_json_are_refused_naming_the_body(data: bytes, content_type: str, match: str) -> None:
    with _app().test_request_context(method="POST", data=data, content_type=content_type):
        with pytest.raises(InvalidParameter, match=match):
            request_json(error=InvalidParameter)


def test_a_json_body_is_parsed() -> None:
    with _app().test_request_context(method="POST", json={"名": [1, 2.5, None]}):
        assert request_json(error=InvalidParameter) == {"名": [1, 2.5, None]}


def test_flask_get_json_is_bounded_too() -> None:
    with _app().test_request_context(method="POST", data=DEEP, content_type="application/json"):
        assert request.get_json(silent=True) is None  # what a lenient reader sees: no JSON object
        with pytest.raises(BadRequest):  # Flask says "could not understand" unless debugging
            request.get_json()
