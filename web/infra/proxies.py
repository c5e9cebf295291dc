"""The client's address behind a reverse proxy: ``X-Forwarded-For`` is believed only from the proxies that
``CORRIDOR_TRUSTED_PROXIES`` lists (addresses or networks, comma-separated, e.g. ``127.0.0.1, 10.0.0.0/8``).

Without the setting the header is ignored: anyone can send one, and believing it would let an attacker pick the
address the login limit counts against. With it, a request from a listed proxy takes as its address the
right-most ``X-Forwarded-For`` entry that is not itself a listed proxy (the one the nearest trusted proxy saw);
``REMOTE_ADDR`` is replaced in the WSGI environment, so the login limit and the access log both see the client.
The proxy's own address stays in ``corridor.peer_addr``.
"""
from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable

from flask import Flask

from geo.errors import InvalidParameter

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PEER_KEY = "corridor.peer_addr"


def parse_trusted_proxies(value: object) -> tuple[Network, ...]:
    """The networks of a ``TRUSTED_PROXIES`` setting (text, comma-separated, or a list of texts); empty: none.

    Raises
    ------
    InvalidParameter
        For an entry that is no IP address or network.
    """
    entries = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for entry in (str(e).strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InvalidParameter("CORRIDOR_TRUSTED_PROXIES", f"expected IP addresses or networks separated by "
                                                               f"commas (e.g. 127.0.0.1, 10.0.0.0/8), got {entry!r}"
                                   ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(peer: str, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, else the right-most untrusted entry of
    ``forwarded_for`` (``peer`` when the header holds none, or an entry that is no address)."""
    if not forwarded_for or not _trusted(_address(peer), networks):
        return peer
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            return peer
        if not _trusted(address, networks):
            return str(address)
    return peer


class TrustedProxies:
    """WSGI middleware setting ``REMOTE_ADDR`` to :func:`client_address`."""

    def __init__(self, app: Callable, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    def __call__(self, environ: dict, start_response: Callable):
        peer = environ.get("REMOTE_ADDR", "")
        environ[PEER_KEY] = peer
        environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.networks)
        return self.app(environ, start_response)


def init_proxies(app: Flask) -> None:
    """Believe ``X-Forwarded-For`` from the proxies of the ``TRUSTED_PROXIES`` setting (none by default)."""
    networks = parse_trusted_proxies(app.config.get("TRUSTED_PROXIES"))
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)
        logger.info("client addresses taken from X-Forwarded-For behind %s", ", ".join(map(str, networks)))
