"""Render once per state: cached answers, strong ``ETag`` and ``304 Not Modified`` on every GET.

The pages and API answers of :data:`CACHED_ENDPOINTS` (and :data:`CACHED_VIEW_ARGS`) are pure functions of the
state version (:func:`web.core.state_version.state_version`), the path and query, and who asks. Their cache key hashes
all of that; the ``ETag`` is that key, so it is known before anything is rendered:

* a request whose ``If-None-Match`` holds the tag (or the tag of a compressed coding of it, ``"…:br"``) is
  answered ``304`` at once;
* otherwise a cached body is answered if there is one (:class:`web.infra.compression.ByteLRU` of
  ``HTTP_CACHE_BYTES``; ``0`` renders every time, with the same tags), already compressed when its compressed
  body for the client's coding is kept too (:func:`web.infra.compression.kept_compressed`);
* otherwise the view renders and a ``200`` is kept — unless it set a cookie (a new CSRF token: the body is then
  this browser's only) or is streamed.

"Who asks" is the session's identity: the logged-in user and the session's CSRF token (both appear on pages), or
nobody, so anonymous visitors share one copy and a logged-in user never sees another's page. The page's CSP script
nonce is derived from the key with the secret key (HMAC): one rendering is byte-identical in every process, the
nonce changes with every write (so an injected note could never carry it) and nobody can compute it without the
secret. Answers are marked ``Cache-Control: no-cache`` (``private`` with a session): browsers keep them and ask
each time, which costs a ``304``.

Every other GET answer (login page, health, session) gets a strong ``ETag`` from its body and the same ``304``
handling. Static files carry their own (:mod:`web.infra.asset_urls`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session
from werkzeug.http import quote_etag

from web.infra.asset_urls import COMPRESS_KEY
from web.infra.compression import ALGORITHMS, ByteLRU, kept_compressed
from web.core.auth import CSRF_SESSION_KEY, SESSION_TOKEN_KEY, current_user
from web.core.state_version import init_state_version, state_version

logger = logging.getLogger(__name__)

CACHE_EXTENSION = "corridor_http_cache"
KEYED_HASHES_EXTENSION = "corridor_answer_key_hashes"
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
CACHED_ENDPOINTS = frozenset({
    "views.overview", "views.access", "views.tasks", "api.item_layer", "api.item_feature", "api.districts",
    "api.access", "api.isochrones", "editing.item_view", "editing.api_history", "departments.index",
    "departments.department_view", "departments.api_departments", "parks.page", "parks.api_parks",
    "parks.api_targets", "parks.api_target_history", "reports.index", "reports.bulletin_view", "tours.tour_page",
    "tours.tour_gpx", "openapi.openapi_json", "exchange.export_view",
})
# Endpoints cached for some values of their URL only. The XLSX export is not: openpyxl stamps the workbook and its
# zip entries with the time it was built, so one tag would name different bytes in different processes.
CACHED_VIEW_ARGS: dict[str, dict[str, str]] = {"access_export.export_file": {"fmt": "csv"}}
CONDITIONAL_METHODS = frozenset({"GET", "HEAD"})
ANSWER_KEY = "corridor_answer_key"
UNSTORED_HEADERS = frozenset({"content-length", "set-cookie", "etag", "cache-control"})  # the last two: ours
REVALIDATE = "no-cache"
REVALIDATE_PRIVATE = "private, no-cache"
FLASHES_KEY = "_flashes"


@dataclass(frozen=True)
class Answer:
    """A kept answer: status 200, its body and the headers its view set."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        """Bytes it holds (what the cache's bound counts)."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


@dataclass(frozen=True)
class AnswerKey:
    """A request's cache key (also its ``ETag``), its CSP nonce and whether the answer is private."""

    tag: str
    nonce: str
    private: bool


def _identity() -> tuple[str, bool] | None:
    """Who asks, as text, and whether that is a session of its own; ``None`` when the session holds something a
    page may consume (flashed messages): then nothing is cached."""
    if FLASHES_KEY in session:
        return None
    csrf = session.get(CSRF_SESSION_KEY) or ""
    user = current_user() if SESSION_TOKEN_KEY in session else None
    if user is None and not csrf:
        return "anonymous", False
    return f"user={user.id if user else ''};csrf={csrf}", True


def answer_key() -> AnswerKey | None:
    """The key of the current request's answer, or ``None`` when it is not cached."""
    if request.method not in CONDITIONAL_METHODS or not _cached_endpoint():
        return None
    identity = _identity()
    if identity is None:
        return None
    who, private = identity
    asked = request._get_current_object()
    material = "\0".join((state_version(), asked.path, asked.query_string.decode("latin-1"), who)).encode()
    tag_hash, nonce_hash = (keyed.copy() for keyed in _keyed_hashes())
    tag_hash.update(material)
    nonce_hash.update(material)
    nonce = base64.urlsafe_b64encode(nonce_hash.digest()[:18])
    return AnswerKey(tag=tag_hash.hexdigest()[:32], nonce=nonce.decode("ascii"), private=private)


def _keyed_hashes() -> tuple[hmac.HMAC, hmac.HMAC]:
    """HMAC-SHA256 states keyed with the secret key and fed the tag's and the nonce's labels, made once per key
    (each request copies them: keying costs as much as hashing its key)."""
    app = current_app._get_current_object()
    secret = str(app.secret_key)
    kept = app.extensions.get(KEYED_HASHES_EXTENSION)
    if kept is None or kept[0] != secret:
        key = secret.encode()
        kept = app.extensions[KEYED_HASHES_EXTENSION] = (
            secret, hmac.new(key, b"tag\0", hashlib.sha256), hmac.new(key, b"nonce\0", hashlib.sha256))
    return kept[1], kept[2]


def _cached_endpoint() -> bool:
    endpoint = request.endpoint
    if endpoint in CACHED_ENDPOINTS:
        return True
    wanted = CACHED_VIEW_ARGS.get(endpoint or "")
    return wanted is not None and all((request.view_args or {}).get(name) == value for name, value in wanted.items())


def matching_tag(tag: str) -> str | None:
    """The tag in the request's ``If-None-Match`` that names ``tag`` or one of its compressed codings."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:
        return None
    wanted = {tag, *(f"{tag}:{algorithm}" for algorithm in ALGORITHMS)}
    given = request.if_none_match
    if given.star_tag:
        return tag
    return next((candidate for candidate in given.as_set(include_weak=True) if candidate in wanted), None)


def not_modified(tag: str, cache_control: str) -> Response:
    """A bodiless 304 carrying ``tag``."""
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache_control
    return response


def answer_from_cache() -> Response | None:
    """Before a view: 304 for a tag the client holds, else a kept answer, else ``None`` (render)."""
    key = answer_key()
    if key is None:
        return None
    g.setdefault("corridor_csp_nonce", key.nonce)
    g.setdefault(ANSWER_KEY, key)
    g.setdefault(COMPRESS_KEY, key.tag)
    cache_control = REVALIDATE_PRIVATE if key.private else REVALIDATE
    held = matching_tag(key.tag)
    if held is not None:
        return not_modified(held, cache_control)
    kept: Answer | None = _cache().get(key.tag)
    if kept is None:
        return None
    g.corridor_answer_hit = True
    return _kept_response(kept, key.tag, cache_control)


def _kept_response(kept: Answer, tag: str, cache_control: str) -> Response:
    """A kept answer as a response: compressed at once when its compressed body is kept too (Flask-Compress then
    leaves it alone), else plain for Flask-Compress to compress."""
    compressed = kept_compressed(tag)
    if compressed is None:
        return Response(kept.body, headers=[*kept.headers, ("ETag", quote_etag(tag)),
                                            ("Cache-Control", cache_control)])
    coding, body = compressed
    return Response(body, headers=[*kept.headers, ("Content-Encoding", coding),
                                   ("ETag", quote_etag(f"{tag}:{coding}")), ("Cache-Control", cache_control)])


def finish_answer(response: Response) -> Response:
    """After a view: keep a cacheable 200, give every GET answer a strong ``ETag`` and answer 304 if it matches."""
    if (request.method not in CONDITIONAL_METHODS or response.status_code != 200 or response.is_streamed
            or g.get("corridor_answer_hit")):  # a kept answer: tagged, and checked against If-None-Match before
        return response
    key: AnswerKey | None = g.get(ANSWER_KEY)
    if key is not None:
        if session.modified or "Set-Cookie" in response.headers:
            g.pop(COMPRESS_KEY, None)  # this body is this browser's alone: compress it, keep nothing
        else:
            headers = tuple((name, value) for name, value in response.headers.items()
                            if name.lower() not in UNSTORED_HEADERS)
            _cache().set(key.tag, Answer(body=response.get_data(), headers=headers))
            response.set_etag(key.tag)
            response.headers["Cache-Control"] = REVALIDATE_PRIVATE if key.private else REVALIDATE
    if response.get_etag()[0] is None:
        response.add_etag()
        response.headers.setdefault("Cache-Control", REVALIDATE_PRIVATE if session.accessed else REVALIDATE)
    held = matching_tag(response.get_etag()[0])
    if held is not None:
        return not_modified(held, response.headers.get("Cache-Control", REVALIDATE))
    return response


def _cache() -> ByteLRU:
    return current_app.extensions[CACHE_EXTENSION]


def init_http_cache(app: Flask) -> None:
    """Install the answer cache and conditional requests on ``app`` (after every other before-request hook, so
    the status refresh has read the change id; after Flask-Compress, so its after-request hook sees our tags)."""
    init_state_version(app)
    app.extensions[CACHE_EXTENSION] = ByteLRU(int(app.config.get("HTTP_CACHE_BYTES", DEFAULT_CACHE_BYTES)))
    app.before_request(answer_from_cache)
    app.after_request(finish_answer)
