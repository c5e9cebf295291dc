"""The client's address behind trusted reverse proxies (web/infra/proxies.py)."""
from __future__ import annotations

import logging

import pytest

from geo.errors import InvalidParameter
from geo.accounts.users import add_user
from status_web_fixtures import PASSWORDS, csrf_from
from web.core.database import app_store
from web.infra.proxies import client_address, parse_trusted_proxies

TRUSTED = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8, ::1")


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
    ("127.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
    ("127.0.0.1", "203.0.113.5, 10.1.2.3", "203.0.113.5"),  # two trusted proxies in a row
    ("127.0.0.1", "10.1.2.3, 10.4.5.6", "127.0.0.1"),  # nothing but proxies: the peer
    ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ("127.0.0.1", None, "127.0.0.1"),
    ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # an untrusted peer's header is ignored
    ("::1", "2001:db8::5", "2001:db8::5"),
])
def test_the_client_is_the_rightmost_untrusted_forwarded_address(peer, forwarded, client) -> None:
    assert client_address(peer, forwarded, TRUSTED) == client


def test_nothing_is_trusted_by_default() -> None:
    assert parse_trusted_proxies("") == () == parse_trusted_proxies(None)
    assert client_address("127.0.0.1", "203.0.113.5", ()) == "127.0.0.1"


def test_a_bad_entry_stops_the_start_naming_the_variable(write_layers, monkeypatch) -> None:
    from web_fixtures import make_app

    monkeypatch.setenv("CORRIDOR_TRUSTED_PROXIES", "127.0.0.1, proxy.example")
    with pytest.raises(InvalidParameter, match="CORRIDOR_TRUSTED_PROXIES: expected IP addresses or networks .* "
                                               "got 'proxy.example'"):
        make_app(write_layers())


def _proxied_app(write_layers, database_url, **settings):
    from web_fixtures import make_app

    app = make_app(write_layers(), DATABASE_URL=database_url, **settings)
    for role in ("editor", "viewer"):
        add_user(app_store(app), role, role=role, password=PASSWORDS[role], actor="test")
    return app


def _login(client, token: str, name: str, password: str, forwarded_for: str):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "127.0.0.1"})


def test_behind_a_trusted_proxy_one_clients_failures_do_not_lock_out_another(write_layers, database_url,
                                                                              caplog) -> None:
    app = _proxied_app(write_layers, database_url, TRUSTED_PROXIES="127.0.0.1")
    client = app.test_client()
    token = csrf_from(client)
    for _ in range(5):
        assert _login(client, token, "editor", "wrong", "198.51.100.66").status_code == 401
    assert _login(client, token, "editor", "wrong", "198.51.100.66").status_code == 429
    with caplog.at_level(logging.INFO, logger="web.core.auth"):
        assert _login(client, token, "editor", PASSWORDS["editor"], "203.0.113.5").status_code == 302
    assert "user editor logged in from 203.0.113.5" in caplog.text
    app_store(app).close()


def test_an_untrusted_forwarded_for_cannot_dodge_the_limit(write_layers, database_url) -> None:
    app = _proxied_app(write_layers, database_url)
    client = app.test_client()
    token = csrf_from(client)
    answers = [_login(client, token, "editor", "wrong", f"198.51.100.{n}").status_code for n in range(7)]
    assert answers == [401] * 5 + [429] * 2
    app_store(app).close()
