"""The OpenAPI description (web/openapi.py), a property-based fuzz run of every /api endpoint and every form, and
hostile input.

The fuzz run draws, for every operation of ``/api/openapi.json``, path and query parameters and JSON bodies both
from the described schemas (:func:`from_schema`, enough JSON Schema for this document; numbers also as non-ASCII
digit strings such as ``"²"`` or ``"１"``) and from arbitrary text / JSON, sends them as a logged-in editor
with the CSRF token, and requires every answer to be a documented status below 500 with a JSON error body for
4xx. Every HTML form (each non-``/api`` POST route) is fuzzed the same way as an admin, with every field name the
templates use. Every route also gets a body nested 100,000 levels deep. Derandomized, so a run is repeatable;
bounded by ``max_examples`` per operation.
"""
from __future__ import annotations

import json
import re
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geo.status.colours import STATES
from geo.accounts.users import add_user
from web.access.results import ACCESS_PARAMETERS
from web.core.database import app_store
from web.editing.items import CHECK_OFF_FIELDS, GEOMETRY_FIELDS, REPORT_FIELDS
from web.editing.geometry_versions import REVERT_FIELDS
from web.openapi import JSON, openapi_document
from web.tours.planner import API_FIELDS as TOUR_FIELDS
from web_fixtures import DATA_DIR, REPO, make_app

PASSWORD = "fuzz-editor-pass-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
SLOW_OPERATIONS = {"/api/access/isochrones", "/api/access", "/api/tours"}
# Digits that str.isdigit(), int() or float() accept but that are not ASCII: superscripts, full-width, Arabic-Indic.
NON_ASCII_EXAMPLES = ("²", "¹⁰", "１", "１０", "٣", "०", "2021Q２")
NON_ASCII_DIGITS = st.sampled_from(NON_ASCII_EXAMPLES) | st.text(
    alphabet=st.characters(categories=("Nd", "No"), exclude_characters="0123456789"), min_size=1, max_size=6)
HOSTILE_FORM_VALUES = (*NON_ASCII_EXAMPLES, "0001-01-01", "9" * 5000, "NaN", "-1", "\x00", "")
DEEP_BODIES = ("[" * 100_000 + "]" * 100_000, '{"expected_version": ' + "[" * 50_000 + "]" * 50_000 + "}")
PATH_SAMPLES = {"item_id": ["B05", "E14", "DT15-1"], "target_id": ["A1-1"], "task_id": ["DT15-1"],
                "name": ["editor", "viewer", "nobody"], "layer": ["blocks"], "version": ["0", "1"],
                "tour_id": ["1", "2"]}
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """The app on the shipped data over an empty database, with an editor account."""
    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path_factory.mktemp("fuzz-instance")))
    add_user(app_store(app), "editor", role="editor", password=PASSWORD, actor="test")
    yield app
    app_store(app).close()


@pytest.fixture(scope="module")
def editor(fuzz_app):
    """A logged-in editor's test client and the session's CSRF token."""
    client = fuzz_app.test_client()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"name": "editor", "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client, CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)


@pytest.fixture(scope="module")
def spec(fuzz_app):
    return fuzz_app.test_client().get("/api/openapi.json").get_json()


def _rule_as_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_served_document_is_openapi_3_1_and_describes_every_api_rule(fuzz_app, spec) -> None:
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    described = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    routed = {(_rule_as_openapi(rule.rule), method) for rule in fuzz_app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == described


def test_every_reference_resolves_and_bodies_match_the_views(spec) -> None:
    text = json.dumps(spec)
    for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)):
        assert name in spec["components"]["schemas"], name
    schemas = spec["components"]["schemas"]
    assert set(schemas["ProgressReport"]["properties"]) == set(REPORT_FIELDS)
    assert set(schemas["CheckOff"]["properties"]) == set(CHECK_OFF_FIELDS)
    assert set(schemas["GeometryEdit"]["properties"]) == set(GEOMETRY_FIELDS)
    assert set(schemas["GeometryRevert"]["properties"]) == set(REVERT_FIELDS)
    assert set(schemas["TourRequest"]["properties"]) == set(TOUR_FIELDS)
    access = spec["paths"]["/api/access"]["get"]["parameters"]
    assert tuple(p["name"] for p in access) == ACCESS_PARAMETERS


def test_write_operations_require_the_session_and_csrf(spec) -> None:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path.startswith("/api/items/") and method != "get":
                assert operation["security"] == [{"session": [], "csrf": []}]
                assert {"400", "401", "403", "404", "409", "413"} <= set(operation["responses"])


def test_served_document_is_the_built_one(spec) -> None:
    assert openapi_document() == spec


SIMPLE_TYPES = {"null": st.none(), "boolean": st.booleans(), "string": st.text(max_size=30),
                "array": st.lists(JSON_VALUES, max_size=4), "object": st.dictionaries(st.text(max_size=8), JSON_VALUES,
                                                                                    max_size=4)}


def from_schema(schema: dict, spec: dict) -> st.SearchStrategy:
    """Values the JSON Schema ``schema`` (with ``$ref`` into ``spec``'s components) describes — most of them valid,
    as a fuzzer wants: enums, consts, bounded numbers, dates, objects with their required members."""
    if "$ref" in schema:
        return st.deferred(lambda: from_schema(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]],
                                               spec))
    if "enum" in schema or "const" in schema:
        return st.sampled_from(schema.get("enum", [schema.get("const")]))
    if "oneOf" in schema:
        return st.one_of([from_schema(option, spec) for option in schema["oneOf"]])
    types = schema.get("type", "object")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}, spec) for t in types])
    if types in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        numbers = (st.integers(min_value=low, max_value=schema.get("maximum")) if types == "integer" else
                   st.floats(min_value=low, max_value=schema.get("maximum"), allow_nan=False,
                             exclude_min="exclusiveMinimum" in schema))
        return numbers | NON_ASCII_DIGITS
    if types == "string" and schema.get("format") == "date":
        return st.dates().map(str)
    if types == "string" and "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda v: len(v) <= 32)
    if types == "object" and "properties" in schema:
        required = {name: from_schema(schema["properties"][name], spec) for name in schema.get("required", [])}
        optional = {name: from_schema(sub, spec) for name, sub in schema["properties"].items() if name not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if types == "array" and "items" in schema:
        return st.lists(from_schema(schema["items"], spec), max_size=4)
    return SIMPLE_TYPES[types]


def _parameter_value(parameter: dict, spec: dict) -> st.SearchStrategy[str]:
    described = from_schema(parameter["schema"], spec).map(lambda v: v if isinstance(v, str) else json.dumps(v))
    # ids that exist, as often as the rest: a write on an unknown id stops at its 404, before the body is read
    existing = [st.sampled_from(PATH_SAMPLES[parameter["name"]])] * 3 if parameter["name"] in PATH_SAMPLES else []
    return st.one_of(described, st.text(max_size=40), described.map(_non_ascii), *existing)


def _non_ascii(text: str) -> str:
    """``text`` with its ASCII digits full-width (``2021Q2`` → ``２０２１Q2``)."""
    return text.translate({ord(digit): 0xFF10 + int(digit) for digit in "0123456789"})


def _request_strategy(path: str, method: str, operation: dict, spec: dict) -> st.SearchStrategy[dict]:
    parameters = operation.get("parameters", [])
    path_values = {p["name"]: _parameter_value(p, spec) for p in parameters if p["in"] == "path"}
    query_values = {p["name"]: _parameter_value(p, spec) for p in parameters if p["in"] == "query"}
    body = st.none()
    if JSON in operation.get("requestBody", {}).get("content", {}):  # multipart uploads are sent without a file
        schema = operation["requestBody"]["content"][JSON]["schema"]
        body = from_schema(schema, spec) | JSON_VALUES
    return st.fixed_dictionaries({
        "path": st.fixed_dictionaries(path_values),
        "query": st.fixed_dictionaries({}, optional=query_values),
        "extra": st.none() | st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8)),
        "body": body,
    })


@pytest.mark.parametrize(("path", "method"), [(path, method) for path, item in openapi_document()["paths"].items()
                                              for method in item])
def test_fuzz_every_operation_answers_a_documented_status_below_500(editor, spec, path: str, method: str) -> None:
    client, token = editor
    operation = spec["paths"][path][method]

    @settings(max_examples=12 if path in SLOW_OPERATIONS else 40, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_request_strategy(path, method, operation, spec))
    def check(drawn: dict) -> None:
        url = path
        for name, value in drawn["path"].items():
            url = url.replace(f"{{{name}}}", urllib.parse.quote(value, safe="") or "%20")
        query = dict(drawn["query"])
        if drawn["extra"]:
            query.setdefault(*drawn["extra"])
        kwargs = {"query_string": query, "headers": {"X-CSRF-Token": token}}
        if JSON in operation.get("requestBody", {}).get("content", {}):
            kwargs["data"] = json.dumps(drawn["body"], ensure_ascii=False)
            kwargs["content_type"] = "application/json"
        response = client.open(url, method=method.upper(), **kwargs)
        assert response.status_code < 500, (url, query, drawn["body"], response.get_data(as_text=True)[:300])
        # 404 is always possible: drawn path values may name no route or no item
        assert str(response.status_code) in operation["responses"] or response.status_code == 404, (
            url, response.status_code, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            error = response.get_json()
            assert error["error"] and error["message"], response.get_data(as_text=True)[:300]

    check()


def _square(lon: float, lat: float, half: float) -> list[list[float]]:
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]


def _b05_centre(fuzz_app) -> tuple[float, float]:
    from web.core.state import corridor_state

    point = corridor_state(fuzz_app).plan.blocks.set_index("id").geometry["B05"].representative_point()
    return point.x, point.y


HOSTILE_GEOMETRIES = {
    "not GeoJSON": "not json at all",
    "no type": {"coordinates": [1, 2]},
    "unknown type": {"type": "Circle", "coordinates": [120.7, 27.9], "radius": 5},
    "ring of two points": {"type": "Polygon", "coordinates": [[[120.70, 27.90], [120.71, 27.90], [120.70, 27.90]]]},
    "coordinates not numbers": {"type": "Polygon", "coordinates": [[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]]},
    "bow-tie (self-intersecting)": "BOWTIE",
    "web mercator metres (wrong CRS)": {"type": "Polygon", "coordinates": [_square(13_440_000, 3_240_000, 500)]},
    "named CRS member": "CRS",
    "latitude beyond 90": {"type": "Polygon", "coordinates": [_square(120.7, 95.0, 0.01)]},
    "wrong geometry type for a block": {"type": "Point", "coordinates": [120.7, 27.9]},
    "far outside the district": {"type": "Polygon", "coordinates": [_square(116.4, 39.9, 0.01)]},
    "20,000 vertices": "HUGE",
}


def _hostile_geometry(kind: str, centre: tuple[float, float]) -> object:
    lon, lat = centre
    kind = HOSTILE_GEOMETRIES[kind] if HOSTILE_GEOMETRIES[kind] in ("BOWTIE", "CRS", "HUGE") else kind
    if kind == "BOWTIE":
        return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.01, lat + 0.01], [lon + 0.01, lat],
                                                    [lon, lat + 0.01], [lon, lat]]]}
    if kind == "CRS":
        return {"type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                "coordinates": [_square(lon, lat, 0.002)]}
    if kind == "HUGE":
        ring = [[lon + 0.001 * (i % 7) / 7, lat + 0.001 * i / 20_000] for i in range(20_000)]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    return HOSTILE_GEOMETRIES[kind]


@pytest.mark.parametrize("kind", list(HOSTILE_GEOMETRIES))
def test_hostile_geometries_get_a_clear_400_naming_the_field(fuzz_app, editor, kind: str) -> None:
    client, token = editor
    geometry = _hostile_geometry(kind, _b05_centre(fuzz_app))
    response = client.put("/api/items/B05/geometry", json={"geometry": geometry, "expected_version": 0},
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["field"] and body["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinite_coordinates_are_refused(fuzz_app, editor, literal: str) -> None:
    client, token = editor
    lon, lat = _b05_centre(fuzz_app)
    ring = json.dumps(_square(lon, lat, 0.002)).replace(str(lon - 0.002), literal, 1)
    body = f'{{"geometry": {{"type": "Polygon", "coordinates": [{ring}]}}, "expected_version": 0}}'
    response = client.put("/api/items/B05/geometry", data=body, content_type="application/json",
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 400 and response.get_json()["message"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400"])
def test_nan_percent_is_refused(editor, value: str) -> None:
    client, token = editor
    body = f'{{"percent": {value}, "state": "进行中", "expected_version": 0}}'
    response = client.post("/api/items/B01/reports", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": token})
    assert response.status_code == 400 and response.get_json()["field"] == "percent"


def test_a_huge_body_is_refused_with_413(editor) -> None:
    client, token = editor
    ring = [[120.7 + i * 1e-7, 27.9] for i in range(200_000)]
    response = client.put("/api/items/B05/geometry", json={"geometry": {"type": "Polygon", "coordinates": [ring]},
                                                           "expected_version": 0}, headers={"X-CSRF-Token": token})
    assert response.status_code == 413 and response.get_json()["error"] == "request_entity_too_large"


@pytest.mark.parametrize(("note", "accepted"), [
    ("正常说明：已完成 80%，👍", True),
    ("right-to-left \u202e override and zero width \u200b", True),
    ("line one\nline two\ttabbed", True),
    ("nul \x00 byte", False),
    ("escape \x1b[31m red", False),
    ("bell \x07", False),
    ("x" * 2001, False),
])
def test_unicode_and_control_characters_in_notes(editor, note: str, accepted: bool) -> None:
    client, token = editor
    version = client.get("/api/items/E14/history").get_json()["status"]["version"]
    response = client.post("/api/items/E14/reports", json={"percent": 30, "state": "进行中", "note": note,
                                                           "expected_version": version},
                           headers={"X-CSRF-Token": token})
    if accepted:
        assert response.status_code == 201
        assert client.get("/api/items/E14/history").get_json()["reports"][0]["note"] == note
    else:
        assert response.status_code == 400 and response.get_json()["field"] == "note"


@pytest.mark.parametrize("name", ["nul\x00name", "esc\x1bname", "", "x" * 65])
def test_control_characters_in_user_names_are_refused(fuzz_app, name: str) -> None:
    from geo.errors import ValidationError

    with pytest.raises(ValidationError, match="name"):
        add_user(app_store(fuzz_app), name, role="viewer", password="pw-123456789", actor="test")


@pytest.mark.parametrize("item_id", ["B01\x00", "../../etc/passwd", "<script>", "B" * 500, "区块", "%00"])
def test_odd_ids_are_a_json_404(editor, item_id: str) -> None:
    client, token = editor
    quoted = urllib.parse.quote(item_id, safe="")
    for response in (client.get(f"/api/blocks/{quoted}"), client.get(f"/api/items/{quoted}/history"),
                     client.post(f"/api/items/{quoted}/reports", json={}, headers={"X-CSRF-Token": token})):
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def _body_operations() -> list[tuple[str, str]]:
    return [(path, method) for path, item in openapi_document()["paths"].items() for method, operation in item.items()
            if JSON in operation.get("requestBody", {}).get("content", {})]  # the import API takes multipart files

RULE_VARIABLE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


@pytest.mark.parametrize(("path", "method"), _body_operations())
def test_every_json_endpoint_refuses_a_deeply_nested_body_naming_it(fuzz_app, editor, path: str, method: str) -> None:
    client, token = editor
    url = re.sub(r"\{(\w+)\}", lambda match: PATH_SAMPLES[match.group(1)][0], path)
    for body in DEEP_BODIES:
        response = client.open(url, method=method.upper(), data=body, content_type="application/json",
                               headers={"X-CSRF-Token": token})
        assert response.status_code == 400, response.get_data(as_text=True)[:300]
        error = response.get_json()
        assert (error.get("field") or error.get("parameter")) == "body" and "嵌套层数过多" in error["message"]
        english = client.open(url, method=method.upper(), data=body, content_type="application/json",
                              headers={"X-CSRF-Token": token, "Accept-Language": "en"})
        assert "nested too deeply" in english.get_json()["message"]
        anonymous = fuzz_app.test_client().open(url, method=method.upper(), data=body,
                                                content_type="application/json")
        assert anonymous.status_code in (400, 401) and anonymous.get_json()["message"]


def _writing_rules(app) -> list:
    """Every route taking POST, PUT, PATCH or DELETE; logging out last, as it ends the session."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    return sorted(rules, key=lambda rule: (rule.endpoint == "auth.logout", rule.rule))


def _rule_url(rule, draw=None) -> str:
    """The rule's URL, each variable filled with one of its converter's choices or a sample value, drawn by
    ``draw`` (Hypothesis' ``data.draw``, sample values then also arbitrary text) or else the first."""
    def value(match: re.Match) -> str:
        converter, arguments, name = match.groups()
        any_of = converter == "any"
        choices = [c.strip().strip("'\"") for c in arguments.split(",")] if any_of else PATH_SAMPLES.get(name, ["x"])
        if draw is None:
            return choices[0]
        samples = st.sampled_from(choices)
        drawn = draw(samples if any_of else st.one_of(samples, samples, samples, st.text(max_size=12)))
        return urllib.parse.quote(drawn, safe="") or "%20"

    return RULE_VARIABLE.sub(value, rule.rule)


@pytest.fixture(scope="module")
def form_app(tmp_path_factory):
    """The app on the shipped data over an empty database of its own (the admin forms change its users), with an
    admin, an editor and a viewer."""
    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path_factory.mktemp("form-fuzz-instance")))
    for role in ("admin", "editor", "viewer"):
        add_user(app_store(app), role, role=role, password=PASSWORD, actor="test")
    yield app
    app_store(app).close()


def _logged_in(app, name: str):
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client, CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)


def test_no_route_crashes_on_a_deeply_nested_body(form_app) -> None:
    client, token = _logged_in(form_app, "admin")
    for rule in _writing_rules(form_app):
        [method, *_] = sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})
        for body in DEEP_BODIES:
            for sender in (client, form_app.test_client()):
                response = sender.open(_rule_url(rule), method=method, data=body, content_type="application/json",
                                       headers={"X-CSRF-Token": token})
                assert response.status_code < 500, (rule.rule, response.get_data(as_text=True)[:300])


def _template_field_names() -> list[str]:
    """Every form field name the templates use (the forms' fields, whichever form they belong to)."""
    names = set()
    for template in (REPO / "web" / "templates").glob("*.html"):
        names |= set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="(\w+)"', template.read_text("utf-8")))
    return sorted(names - {"csrf_token"})


FORM_VALUES = {"percent": ["0", "50", "100", "1e400", "NaN"], "state": list(STATES), "reported_colour": ["", "red"],
               "reported_on": ["2021-06-30", "0001-01-01", "２０２１-06-30"], "effective_on": ["", "2021-06-30"],
               "expected_version": ["0", "1", "-1", "9" * 40], "quarter": ["2021Q2", "２０２１Q2"],
               "park": ["P1", "total"], "target_id": ["A1-1", "A9-9"], "value": ["2", "-1"],
               "role": ["viewer", "editor", "admin", "root"], "name": ["editor", "viewer", "new-user"],
               "active": ["0", "1", "on"]}


def _form_field(name: str) -> st.SearchStrategy[str]:
    return (st.sampled_from(FORM_VALUES.get(name, [""])) | NON_ASCII_DIGITS | st.text(max_size=30)
            | st.integers().map(str))


def _fuzz_form(rule, fields: dict[str, st.SearchStrategy[str]], client, token: str) -> None:
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data(), st.fixed_dictionaries({}, optional=fields))
    def check(data, form: dict) -> None:
        url = _rule_url(rule, data.draw)
        response = client.post(url, data={**form, "csrf_token": token})
        assert response.status_code < 500, (url, form, response.get_data(as_text=True)[:300])

    check()


def test_fuzz_every_form_answers_below_500(form_app) -> None:
    """Each HTML form (a non-/api route taking POST), as an admin with the CSRF token, with any of the templates'
    field names: valid, hostile (non-ASCII digits, dates of year 1, huge numbers) and arbitrary values."""
    fields = {name: _form_field(name) for name in _template_field_names()}
    forms = [rule for rule in _writing_rules(form_app) if not rule.rule.startswith("/api/")]
    assert {"editing.item_form", "departments.department_form", "parks.form_actual"} <= {r.endpoint for r in forms}
    # every admin session first: the login form's fuzzing may have this address refused logins for a while
    sessions = [_logged_in(form_app, "admin") for _ in forms]
    for rule, (client, token) in zip(forms, sessions):
        for value in HOSTILE_FORM_VALUES:  # each in every field at once, then the drawn forms
            response = client.post(_rule_url(rule), data={**dict.fromkeys(fields, value), "csrf_token": token})
            assert response.status_code < 500, (rule.rule, value, response.get_data(as_text=True)[:300])
        _fuzz_form(rule, fields, client, token)
