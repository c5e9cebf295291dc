"""Flask's signed-cookie sessions, with the signing serializer built once per set of keys instead of per request.

Flask's :class:`~flask.sessions.SecureCookieSessionInterface` builds a new ``itsdangerous`` serializer for every
request, even one without a cookie (a tenth of the fixed cost of a cached answer). The serializer holds nothing
that changes between requests and is safe to share between threads, so it is kept for the secret key and its
fallbacks in force; a changed key builds a new one. Cookies, signatures and their lifetime are Flask's own.
"""
from __future__ import annotations

import logging

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

logger = logging.getLogger(__name__)


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """:class:`~flask.sessions.SecureCookieSessionInterface` keeping its serializer for the keys in force."""

    def __init__(self) -> None:
        self._kept: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """The serializer Flask would build for ``app``'s secret key and ``SECRET_KEY_FALLBACKS`` (``None``
        without a secret key), built once per key set."""
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def init_session_cookie(app: Flask) -> None:
    """Use :class:`KeptSerializerSessionInterface` for ``app``'s sessions."""
    app.session_interface = KeptSerializerSessionInterface()
