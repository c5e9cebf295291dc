"""Security headers on every response and the request-size limit.

The Content-Security-Policy lets pages load scripts, styles, fonts and data only from the app itself, and images
only from the app, ``data:`` URIs (Bootstrap's and Leaflet's CSS icons) and the hosts of the configured base map
(``TILES``: OpenStreetMap, AMap or Tianditu, read from :data:`web.core.tiles.TILE_LAYERS`). Scripts:

* inline ``<script>`` blocks run only with the per-response nonce; templates write ``nonce="{{ csp_nonce() }}"``
  on their own blocks and pass Folium's rendered head through the ``csp_nonced`` filter. Folium needs inline script
  (its map is one generated script), but a nonce, unlike ``'unsafe-inline'``, is never on markup that user text
  could smuggle in, so a ``<script>`` in a note or name cannot run even if some output forgot to escape it;
* inline event handlers (``onchange="this.form.submit()"``) are allowed one by one by their hash under
  ``'unsafe-hashes'``: the hashes are computed at start-up from the handlers written in the app's templates.

Styles keep ``'unsafe-inline'``: the templates' ``style=""`` attributes and the markup Leaflet and Folium build at run
time carry inline styles, and CSS cannot run script. ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``
forbid framing (clickjacking); ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: same-origin``. A response
whose view set a policy of its own keeps it (the field page's service worker, :mod:`web.tours.field_offline`, whose
policy governs the worker's own fetches and lets it fetch base-map tiles).

Request bodies above ``MAX_CONTENT_LENGTH`` bytes (default :data:`DEFAULT_MAX_BODY_BYTES`; a file upload registered
with :func:`allow_larger_body` has its own limit) are refused with 413 before any view runs (JSON under ``/api``, by
:mod:`web.core.errors`).
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request
from markupsafe import Markup

from web.core.tiles import TILE_LAYERS

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024  # a 10,000-vertex geometry (the edit limit) is about 0.5 MB of JSON
CSP_EXTENSION = "corridor_csp"
LARGER_BODIES_EXTENSION = "corridor_larger_bodies"
CSP_TEMPLATES_EXTENSION = "corridor_csp_templates"
NONCE_MARK = "\0nonce\0"  # cannot occur in a policy: where a response's nonce goes in a policy template
INLINE_HANDLER = re.compile(r"""\son[a-z]+="([^"{}]*)\"""")
BARE_SCRIPT_TAG = "<script>"
STATIC_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def tile_hosts(tiles: str) -> list[str]:
    """The ``https://host`` origins the base map ``tiles`` loads its images from (``{s}`` expanded)."""
    origins: list[str] = []
    for spec in TILE_LAYERS[tiles]:
        subdomains = spec["subdomains"] if "{s}" in spec["tiles"] else " "
        for subdomain in subdomains:
            parts = urlsplit(spec["tiles"].replace("{s}", subdomain.strip()))
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins


def handler_hashes(template_folder: Path) -> list[str]:
    """CSP ``'sha256-…'`` sources of every static inline event handler written in the templates under the folder."""
    handlers = sorted({match.group(1) for path in template_folder.rglob("*.html")
                       for match in INLINE_HANDLER.finditer(path.read_text(encoding="utf-8"))})
    return [f"'sha256-{base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()}'" for h in handlers]


def content_security_policy(*, tiles: str, nonce: str | None, handler_sources: list[str]) -> str:
    """The policy for a response (``nonce``: the one its inline scripts carry, if any)."""
    scripts = ["'self'", *([f"'nonce-{nonce}'"] if nonce else []),
               *(["'unsafe-hashes'", *handler_sources] if handler_sources else [])]
    directives = {
        "default-src": ["'self'"],
        "script-src": scripts,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *tile_hosts(tiles)],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


@dataclass(frozen=True)
class PolicyTemplate:
    """The policy of one base map, built once and split where the nonce goes: every response only joins strings."""

    without_nonce: str
    before_nonce: str
    after_nonce: str

    @classmethod
    def build(cls, *, tiles: str, handler_sources: list[str]) -> PolicyTemplate:
        """The template of :func:`content_security_policy` for ``tiles`` and the handlers' hashes."""
        marked = content_security_policy(tiles=tiles, nonce=NONCE_MARK, handler_sources=handler_sources)
        before, after = marked.split(NONCE_MARK)
        return cls(without_nonce=content_security_policy(tiles=tiles, nonce=None, handler_sources=handler_sources),
                   before_nonce=before, after_nonce=after)

    def policy(self, nonce: str | None) -> str:
        """The policy for a response whose inline scripts carry ``nonce`` (if any)."""
        return f"{self.before_nonce}{nonce}{self.after_nonce}" if nonce else self.without_nonce


def csp_nonce() -> str:
    """This response's script nonce (created on first use; templates call it)."""
    if "corridor_csp_nonce" not in g:
        g.corridor_csp_nonce = secrets.token_urlsafe(18)
    return g.corridor_csp_nonce


def csp_nonced(markup: Markup | str) -> Markup:
    """Folium's rendered head with this response's nonce on its inline ``<script>`` blocks (it holds no user text:
    only asset links, map CSS and Leaflet's globals)."""
    return Markup(str(markup).replace(BARE_SCRIPT_TAG, f'<script nonce="{csp_nonce()}">'))


def allow_larger_body(app: Flask, endpoint: str, config_key: str) -> None:
    """Let ``endpoint`` (a file upload) take bodies up to ``app.config[config_key]`` bytes instead of
    ``MAX_CONTENT_LENGTH``."""
    app.extensions.setdefault(LARGER_BODIES_EXTENSION, {})[endpoint] = config_key


def refuse_oversized_body() -> None:
    """413 for a declared body above the limit (the endpoint's own, :func:`allow_larger_body`, else
    ``MAX_CONTENT_LENGTH``), before login or parsing (streamed bodies are cut by Werkzeug at the same limit)."""
    key = current_app.extensions.get(LARGER_BODIES_EXTENSION, {}).get(request.endpoint)
    limit = current_app.config[key] if key else current_app.config["MAX_CONTENT_LENGTH"]
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=f"the request body has {request.content_length} bytes; at most {limit} are "
                               f"accepted (send a smaller geometry or fewer vertices)")


def add_security_headers(response: Response) -> Response:
    """Set the policy and the other security headers on ``response``."""
    tiles = current_app.config["TILES"]
    templates: dict[str, PolicyTemplate] = current_app.extensions[CSP_TEMPLATES_EXTENSION]
    template = templates.get(tiles)
    if template is None:  # the setting changed after start-up (tests do): build that base map's template once
        template = templates[tiles] = PolicyTemplate.build(
            tiles=tiles, handler_sources=current_app.extensions[CSP_EXTENSION])
    headers = response.headers
    if "Content-Security-Policy" not in headers:  # a view that set its own policy (the field service worker) keeps it
        headers["Content-Security-Policy"] = template.policy(g.get("corridor_csp_nonce"))
    present = {name.lower() for name in headers.keys()}  # one pass, not a search per header
    for name, value in STATIC_HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    return response


def init_security_headers(app: Flask) -> None:
    """Install the body limit, the headers and the template helpers on ``app``."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BODY_BYTES
    app.extensions[CSP_EXTENSION] = handler_hashes(Path(app.root_path) / (app.template_folder or "templates"))
    app.extensions[CSP_TEMPLATES_EXTENSION] = {}
    app.before_request(refuse_oversized_body)
    app.after_request(add_security_headers)
    app.add_template_global(csp_nonce)
    app.add_template_filter(csp_nonced)
    logger.debug("CSP allows %d inline handlers and images from %s", len(app.extensions[CSP_EXTENSION]),
                 ", ".join(tile_hosts(app.config["TILES"])))
