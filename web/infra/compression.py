"""Compressed answers: Brotli or gzip by the client's ``Accept-Encoding``, through Flask-Compress.

HTML, JSON, GeoJSON, GPX, JavaScript, CSS and SVG of at least :data:`MIN_SIZE` bytes are compressed; PNG, fonts
and XLSX (already compressed) never are. A compressed body is kept (in a :class:`ByteLRU` of
``COMPRESSED_CACHE_BYTES``) under the key a response puts in ``g`` (:data:`web.infra.asset_urls.COMPRESS_KEY`): the
state-versioned cache key of a page or API answer (:mod:`web.core.http_cache`) or an asset's content hash, so a warm
page costs no compression at all. A response without such a key (its body unknown in advance) is compressed for
itself and not kept. Flask-Compress appends the coding to a strong ``ETag`` (``"…:br"``), as RFC 9110 asks of
validators that differ by content coding.

The coding Flask-Compress chooses is a function of the request's ``Accept-Encoding`` alone (and the settings): it
is learnt from its answers (:class:`KnownCodings`), so a kept answer whose compressed body is kept too is sent
compressed at once (:func:`kept_compressed`), the same bytes Flask-Compress would send, without running it again.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, current_app, g, request
from flask_compress import Compress

from web.infra.asset_urls import COMPRESS_KEY

logger = logging.getLogger(__name__)

MIN_SIZE = 1024  # below about a kilobyte the saving does not pay for the coding's headers and the CPU
DEFAULT_COMPRESSED_CACHE_BYTES = 32 * 1024 * 1024
UNKEPT = "unkept:"
COMPRESSED_TYPES: tuple[str, ...] = (
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/geo+json", "application/gpx+xml", "application/xml", "image/svg+xml",
)
ALGORITHMS = ("br", "gzip")
# Flask-Compress's default is 4. Most bodies are compressed once and kept; at 5 the access page (590 KB) comes to
# 127 KB instead of 137 KB for 10 ms instead of 7 ms, and those bytes cost every request on a busy server.
BROTLI_QUALITY = 5
CODINGS_EXTENSION = "corridor_known_codings"
MAX_KNOWN_ACCEPTS = 256  # distinct Accept-Encoding values remembered; browsers send a handful


class ByteLRU:
    """A thread-safe mapping bounded by the bytes its values hold, least recently used out first.

    Values are ``bytes`` (Flask-Compress's cache backend protocol) or anything with a ``size`` in bytes.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        """The value under ``key`` (now the most recent), or ``None``."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: Any) -> None:
        """Keep ``value`` under ``key`` unless the key is unkept or the value alone exceeds the bound."""
        size = _size(value)
        if key.split(";", 1)[-1].startswith(UNKEPT) or size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._size += size - (_size(old) if old is not None else 0)
            self._entries[key] = value
            while self._size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._size -= _size(evicted)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (bytes, bytearray)) else int(value.size)


class KnownCodings:
    """The coding Flask-Compress chose for each ``Accept-Encoding`` value, learnt from the answers it compressed
    under a cache key (at most :data:`MAX_KNOWN_ACCEPTS` values; a value not known yet is just not short-cut)."""

    def __init__(self) -> None:
        self.by_accept: dict[str, str] = {}

    def learn(self, response: Response) -> Response:
        """After Flask-Compress: remember the coding it chose for this request's ``Accept-Encoding``."""
        coding = response.headers.get("Content-Encoding")
        if (coding in ALGORITHMS and g.get(COMPRESS_KEY) and not response.is_streamed
                and len(self.by_accept) < MAX_KNOWN_ACCEPTS):
            self.by_accept[request.headers.get("Accept-Encoding", "")] = coding
        return response


def kept_compressed(key: str) -> tuple[str, bytes] | None:
    """The coding and compressed body Flask-Compress would send for the answer kept under ``key`` to this
    request, when both are known; else ``None``."""
    coding = current_app.extensions[CODINGS_EXTENSION].by_accept.get(request.headers.get("Accept-Encoding", ""))
    if coding is None:
        return None
    body = current_app.extensions["corridor_compress"].cache.get(f"{coding};{key}")
    return None if body is None else (coding, body)


def compressed_cache_key(request: Request) -> str:
    """The key a compressed body is kept under: the response's own (``g``), else a key never kept."""
    return g.get(COMPRESS_KEY) or f"{UNKEPT}{uuid.uuid4().hex}"


def init_compression(app: Flask) -> Compress:
    """Install Flask-Compress on ``app`` with the types, minimum size, algorithms and cache above.

    Register it before :func:`web.core.http_cache.init_http_cache`: after-request hooks run last-registered first, and
    the compressor must see the final body and ``ETag``.
    """
    size = int(app.config.get("COMPRESSED_CACHE_BYTES", DEFAULT_COMPRESSED_CACHE_BYTES))
    backend: Callable[[], ByteLRU] = lambda: ByteLRU(size)  # noqa: E731 - Flask-Compress wants a factory
    app.config.update(COMPRESS_MIMETYPES=list(COMPRESSED_TYPES), COMPRESS_MIN_SIZE=MIN_SIZE,
                      COMPRESS_ALGORITHM=list(ALGORITHMS), COMPRESS_BR_LEVEL=BROTLI_QUALITY,
                      COMPRESS_ALGORITHM_STREAMING=["br", "deflate"],
                      COMPRESS_CACHE_BACKEND=backend, COMPRESS_CACHE_KEY=compressed_cache_key)
    codings = app.extensions[CODINGS_EXTENSION] = KnownCodings()
    app.after_request(codings.learn)  # registered first, so it runs after Flask-Compress's hook
    compress = Compress(app)
    app.extensions["corridor_compress"] = compress
    return compress
