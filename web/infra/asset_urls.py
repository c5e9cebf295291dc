"""Fingerprinted URLs for static files: cached by browsers for a year, never stale.

Every URL the app builds for its own static files (``url_for("static", ...)``) and for the XStatic packages' files
(``url_for("corridor_assets.xstatic", ...)``) carries a fingerprint as its first path segment under the folder:
``/static/v-3f2a9c1b7e4d/corridor.css``, ``/assets/xstatic/leaflet/v-1.9.3.0/leaflet.css``. The app's fingerprint
hashes every file under ``web/static`` (once, at start-up); an XStatic package's is its version and build. A file
asked for under the current fingerprint is answered with ``Cache-Control: public, max-age=31536000, immutable``.
Relative references inside a stylesheet (fonts, images) resolve under the same fingerprinted folder, so they are
cached the same way. A file asked for under an old fingerprint (a page from before a deploy) or none is still
served, revalidated on every use (``no-cache``, with an ``ETag``).

Files are read into memory once and served as plain bodies, so Flask-Compress compresses each one once
(:mod:`web.infra.compression` keys its cache on :data:`COMPRESS_KEY`).
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import mimetypes
import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, g
from werkzeug.security import safe_join

logger = logging.getLogger(__name__)

FINGERPRINT = re.compile(r"v-([0-9A-Za-z.]{1,40})/(.+)")
FINGERPRINT_EXTENSION = "corridor_asset_fingerprints"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESS_KEY = "corridor_compress_key"  # g attribute: the compressed-body cache key of this response
XSTATIC_ENDPOINT = "corridor_assets.xstatic"
_files: dict[Path, tuple[bytes, str]] = {}
_files_lock = threading.Lock()


def tree_fingerprint(folder: Path) -> str:
    """12 hex digits of a SHA-256 over every file under ``folder`` (relative name and content)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def xstatic_fingerprint(module: str) -> str:
    """An XStatic package's version and build (``1.9.3.0``): its files change only with them."""
    package = importlib.import_module(module)
    return f"{package.VERSION}.{package.BUILD}"


def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
    """``url_defaults`` hook: put the current fingerprint before the file name of static and XStatic URLs."""
    if endpoint not in ("static", XSTATIC_ENDPOINT) or "filename" not in values:
        return
    if FINGERPRINT.fullmatch(str(values["filename"])):
        return
    fingerprints = current_app.extensions[FINGERPRINT_EXTENSION]
    current = fingerprints.get(values.get("package") if endpoint == XSTATIC_ENDPOINT else "static")
    if current is not None:
        values["filename"] = f"v-{current}/{values['filename']}"


def serve_file(folder: Path, filename: str, *, current: str) -> Response:
    """The file ``filename`` (optionally behind a ``v-…/`` fingerprint) under ``folder``: immutable for a year
    under the ``current`` fingerprint, revalidated otherwise; 404 for a file that is not there."""
    match = FINGERPRINT.fullmatch(filename)
    fingerprint, name = (match.group(1), match.group(2)) if match else (None, filename)
    path = safe_join(str(folder), name)
    if path is None:
        abort(404)
    data, etag = _read(Path(path))
    response = Response(data, mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if fingerprint == current else REVALIDATE
    g.setdefault(COMPRESS_KEY, f"asset:{etag}")
    return response


def _read(path: Path) -> tuple[bytes, str]:
    with _files_lock:
        if path in _files:
            return _files[path]
    if not path.is_file():
        abort(404)
    data = path.read_bytes()
    entry = (data, hashlib.sha256(data).hexdigest()[:32])
    with _files_lock:
        _files[path] = entry
    return entry


def init_asset_urls(app: Flask, xstatic_modules: dict[str, str]) -> None:
    """Fingerprint ``app``'s static URLs and the XStatic URLs of ``xstatic_modules`` (URL name -> module), and
    serve the app's static folder through :func:`serve_file`."""
    static_folder = Path(app.static_folder or "static")
    fingerprints = {"static": tree_fingerprint(static_folder)}
    fingerprints.update({name: xstatic_fingerprint(module) for name, module in xstatic_modules.items()})
    app.extensions[FINGERPRINT_EXTENSION] = fingerprints
    app.url_defaults(add_fingerprint)
    app.view_functions["static"] = lambda filename: serve_file(static_folder, filename,
                                                               current=fingerprints["static"])
    logger.info("static assets fingerprinted: %s", fingerprints)


def current_fingerprint(package: str) -> str:
    """The current fingerprint of an XStatic package (by its URL name) or of ``static``."""
    return current_app.extensions[FINGERPRINT_EXTENSION][package]
