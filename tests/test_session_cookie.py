"""Session cookies with a kept signing serializer (web/infra/session_cookie.py): Flask's cookies, built once per key."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from web.infra.session_cookie import KeptSerializerSessionInterface
from web_fixtures import make_app


def test_the_serializer_is_kept_and_renewed_when_the_keys_change(write_layers) -> None:
    app = make_app(write_layers())
    interface = app.session_interface
    assert isinstance(interface, KeptSerializerSessionInterface)
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    signed = first.dumps({"csrf_token": "t"})
    app.config["SECRET_KEY"] = "another secret key, long enough"
    app.config["SECRET_KEY_FALLBACKS"] = [first.secret_keys[-1]]
    renewed = interface.get_signing_serializer(app)
    assert renewed is not first and renewed.loads(signed) == {"csrf_token": "t"}  # old cookies: by the fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert interface.get_signing_serializer(app).secret_keys == [b"another secret key, long enough"]


def test_its_cookies_are_flasks_own(write_layers) -> None:
    app = make_app(write_layers())
    client = app.test_client()
    token = client.get("/api/session").get_json()["csrf_token"]
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert flasks.loads(client.get_cookie("session").value)["csrf_token"] == token
    assert client.get("/api/session").get_json()["csrf_token"] == token  # read back from the cookie


def test_without_a_secret_key_there_is_no_serializer(write_layers) -> None:
    app = make_app(write_layers())
    app.secret_key = None
    assert app.session_interface.get_signing_serializer(app) is None
