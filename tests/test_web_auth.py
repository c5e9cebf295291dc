"""Login, sessions (revocable, idle timeout, lifetime), CSRF, roles, the login limit and the secret key
(web/core/auth.py)."""
from __future__ import annotations

import stat

import pytest

from geo.status.snapshot import report_history
from status_web_fixtures import PASSWORDS, csrf_from, login, report_body, status_app  # noqa: F401
from web.core.auth import instance_secret_key
from web.core.database import app_store



def test_login_sets_an_httponly_lax_session_and_shows_the_user(status_app) -> None:
    client = status_app.test_client()
    response = client.post("/login", data={"name": "editor", "password": PASSWORDS["editor"],
                                           "csrf_token": csrf_from(client), "next": "/tasks"})
    assert response.status_code == 302 and response.headers["Location"] == "/tasks"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/tasks").get_data(as_text=True)
    assert 'id="current-user">editor（编辑）' in page and "退出登录" in page


def test_secure_cookies_when_configured(write_layers, tmp_path) -> None:
    from web_fixtures import make_app

    app = make_app(write_layers(), SECURE_COOKIES="1", INSTANCE_PATH=str(tmp_path / "instance"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    assert "Secure" in client.get("/login").headers["Set-Cookie"]


def test_wrong_password_and_missing_csrf_do_not_log_in(status_app) -> None:
    client = status_app.test_client()
    token = csrf_from(client)
    wrong = client.post("/login", data={"name": "editor", "password": "not-it", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    no_csrf = client.post("/login", data={"name": "editor", "password": PASSWORDS["editor"]})
    assert no_csrf.status_code == 400
    assert 'id="login-link"' in client.get("/").get_data(as_text=True)


def test_next_is_only_followed_within_the_site(status_app) -> None:
    client = status_app.test_client()
    response = client.post("/login", data={"name": "viewer", "password": PASSWORDS["viewer"],
                                           "csrf_token": csrf_from(client), "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_logout_needs_the_csrf_token(status_app) -> None:
    client = status_app.test_client()
    token = login(client, "editor")
    assert client.post("/logout").status_code == 400
    assert 'id="current-user"' in client.get("/tasks").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert 'id="login-link"' in client.get("/tasks").get_data(as_text=True)


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path) -> None:
    key = instance_secret_key(tmp_path / "inst")
    path = tmp_path / "inst" / "secret_key"
    assert len(key) == 64 and path.read_text() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert instance_secret_key(tmp_path / "inst") == key


def test_app_uses_the_instance_key_unless_one_is_configured(write_layers, tmp_path) -> None:
    from web_fixtures import make_app

    folder = write_layers()
    first = make_app(folder, INSTANCE_PATH=str(tmp_path / "i"))
    second = make_app(folder, INSTANCE_PATH=str(tmp_path / "i"))
    assert first.secret_key == second.secret_key == (tmp_path / "i" / "secret_key").read_text()
    configured = make_app(folder, INSTANCE_PATH=str(tmp_path / "j"), SECRET_KEY="from-the-environment")
    assert configured.secret_key == "from-the-environment" and not (tmp_path / "j" / "secret_key").exists()


def test_a_write_without_login_is_refused(status_app) -> None:
    client = status_app.test_client()
    api = client.post("/api/items/B01/reports", json=report_body())
    assert api.status_code == 401 and api.json["error"] == "unauthorized"
    page = client.post("/items/B01/reports", data={"percent": "40", "state": "进行中", "expected_version": "0"},
                       headers={"Referer": "http://localhost/items/B01"})
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/items/B01"
    assert client.get("/admin/users").headers["Location"] == "/login?next=/admin/users"
    assert report_history(app_store(status_app), "B01") == []


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "forged"}])
def test_a_write_with_a_missing_or_wrong_csrf_token_is_refused(status_app, headers) -> None:
    client = status_app.test_client()
    login(client, "editor")
    response = client.post("/api/items/B01/reports", json=report_body(), headers=headers)
    assert response.status_code == 400 and response.json["error"] == "csrf"
    form = client.post("/items/B01/reports", data={"percent": "40", "state": "进行中", "expected_version": "0",
                                                   "csrf_token": headers.get("X-CSRF-Token", "")})
    assert form.status_code == 400
    assert report_history(app_store(status_app), "B01") == []


def test_a_viewer_cannot_write(status_app) -> None:
    client = status_app.test_client()
    token = login(client, "viewer")
    for method, path, body in (("post", "/api/items/B01/reports", report_body()),
                               ("post", "/api/items/E02/close", {"note": "完成", "expected_version": 0}),
                               ("put", "/api/items/B01/geometry", {"geometry": None, "expected_version": 0})):
        response = getattr(client, method)(path, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 403 and response.json["error"] == "forbidden", path
    assert client.get("/items/B01").status_code == 200  # reading is fine
    assert 'id="report-form"' not in client.get("/items/B01").get_data(as_text=True)
    assert report_history(app_store(status_app), "B01") == []


def test_api_clients_get_the_csrf_token_from_the_session_endpoint(status_app) -> None:
    client = status_app.test_client()
    assert client.get("/api/session").json["user"] is None
    client.post("/login", data={"name": "editor", "password": PASSWORDS["editor"],
                                "csrf_token": client.get("/api/session").json["csrf_token"]})
    info = client.get("/api/session").json
    assert (info["user"], info["role"]) == ("editor", "editor") and "report" in info["permissions"]
    written = client.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": info["csrf_token"]})
    assert written.status_code == 201


# --- sessions the server can end -------------------------------------------------------------------------------

def _logged_in_user(client) -> str | None:
    return client.get("/api/session").json["user"]


def test_a_saved_cookie_no_longer_works_after_logout(status_app) -> None:
    client = status_app.test_client()
    token = login(client, "editor")
    saved = client.get_cookie("session").value
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = status_app.test_client()
    replay.set_cookie("session", saved)
    assert _logged_in_user(replay) is None
    refused = replay.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": token})
    assert refused.status_code == 401 and report_history(app_store(status_app), "B01") == []


def test_logout_in_one_server_process_ends_the_session_in_another(status_app, database_url) -> None:
    from web_fixtures import make_app

    other = make_app(status_app.config["DATA_DIR"], DATABASE_URL=database_url, SECRET_KEY=status_app.secret_key)
    first, second = status_app.test_client(), other.test_client()
    token = login(first, "editor")
    second.set_cookie("session", first.get_cookie("session").value)
    assert _logged_in_user(second) == "editor"
    assert second.post("/logout", data={"csrf_token": token}).status_code == 302
    first.set_cookie("session", first.get_cookie("session").value)  # the first process's copy, unchanged
    assert _logged_in_user(first) is None
    app_store(other).close()


def test_a_cookie_signed_thirty_days_ago_is_refused(status_app, monkeypatch) -> None:
    from itsdangerous.timed import TimestampSigner

    client = status_app.test_client()
    login(client, "editor")
    serializer = status_app.session_interface.get_signing_serializer(status_app)
    contents = serializer.loads(client.get_cookie("session").value)
    signed_now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_now(self) - 30 * 24 * 3600)
    client.set_cookie("session", serializer.dumps(contents))
    monkeypatch.undo()
    assert _logged_in_user(client) is None


class Clock:
    """A clock the test moves by hand (sessions and login limits read it)."""

    def __init__(self) -> None:
        from geo.status.store import utc_now

        self.now = utc_now()

    def __call__(self):
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock(status_app) -> Clock:
    from web.core.auth import auth_settings

    moved = Clock()
    auth_settings(status_app).clock = moved
    return moved


def test_a_session_ends_after_eight_idle_hours_but_not_while_used(status_app, clock) -> None:
    client = status_app.test_client()
    login(client, "editor")
    for _ in range(3):
        clock.advance(hours=7, minutes=59)
        assert _logged_in_user(client) == "editor"  # each use restarts the idle time
    clock.advance(hours=8)
    assert _logged_in_user(client) is None


def test_a_session_ends_seven_days_after_login_however_busy(status_app, clock) -> None:
    client = status_app.test_client()
    login(client, "editor")
    for _ in range(23):  # used every 7 hours: never idle, 161 hours in all
        clock.advance(hours=7)
        assert _logged_in_user(client) == "editor"
    clock.advance(hours=7)  # 168 hours: 7 days
    assert _logged_in_user(client) is None


@pytest.mark.parametrize(("variable", "value"), [("CORRIDOR_SESSION_IDLE_S", "8h"),
                                                 ("CORRIDOR_SESSION_LIFETIME_S", "0"),
                                                 ("CORRIDOR_LOGIN_MAX_FAILURES", "²")])
def test_a_bad_session_or_login_setting_names_its_variable(write_layers, monkeypatch, variable, value) -> None:
    from geo.errors import InvalidParameter
    from web_fixtures import make_app

    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidParameter, match=f"{variable}: expected a whole number > 0, got '{value}'"):
        make_app(write_layers())


def test_session_settings_come_from_the_environment(write_layers, monkeypatch) -> None:
    from web.core.auth import auth_settings
    from web_fixtures import make_app

    monkeypatch.setenv("CORRIDOR_SESSION_IDLE_S", "600")
    app = make_app(write_layers())
    assert (auth_settings(app).sessions.idle_s, auth_settings(app).sessions.lifetime_s) == (600, 7 * 24 * 3600)
    assert app.permanent_session_lifetime.total_seconds() == 7 * 24 * 3600


# --- the login limit ---------------------------------------------------------------------------------------------

def _attempt(client, token: str, name: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_five_failures_lock_that_name_from_that_address_only(status_app) -> None:
    client = status_app.test_client()
    token = csrf_from(client)
    for _ in range(5):
        assert _attempt(client, token, "editor", "wrong").status_code == 401
    blocked = _attempt(client, token, "editor", PASSWORDS["editor"])
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 300
    assert "登录失败次数过多" in blocked.get_data(as_text=True)
    assert _attempt(client, token, "viewer", PASSWORDS["viewer"]).status_code == 302  # another user, same proxy
    elsewhere = status_app.test_client()
    assert _attempt(elsewhere, csrf_from(elsewhere), "editor", PASSWORDS["editor"], "10.0.0.7").status_code == 302


def test_the_limit_lifts_after_the_window_and_a_success_clears_it(status_app, clock) -> None:
    client = status_app.test_client()
    token = csrf_from(client)
    for _ in range(5):
        _attempt(client, token, "editor", "wrong")
    assert _attempt(client, token, "editor", PASSWORDS["editor"]).status_code == 429
    clock.advance(seconds=301)
    assert _attempt(client, token, "editor", PASSWORDS["editor"]).status_code == 302
    token = csrf_from(client)
    for _ in range(5):  # the success cleared the count: five more failures before the lock
        assert _attempt(client, token, "editor", "wrong").status_code == 401
    assert _attempt(client, token, "editor", "wrong").status_code == 429


def test_names_are_counted_ignoring_case(status_app) -> None:
    client = status_app.test_client()
    token = csrf_from(client)
    for name in ("editor", "EDITOR", "Editor", "ｅｄｉｔｏｒ", "eDitor"):
        assert _attempt(client, token, name, "wrong").status_code == 401
    assert _attempt(client, token, "editor", PASSWORDS["editor"]).status_code == 429
    assert _attempt(client, token, "Viewer", PASSWORDS["viewer"]).status_code == 302


def test_guessing_from_many_addresses_hits_the_account_limit_but_not_the_users_own_address(write_layers,
                                                                                           database_url) -> None:
    from geo.accounts.users import add_user
    from web_fixtures import make_app

    app = make_app(write_layers(), DATABASE_URL=database_url, LOGIN_ACCOUNT_MAX_FAILURES=6)
    add_user(app_store(app), "editor", role="editor", password=PASSWORDS["editor"], actor="test")
    client = app.test_client()
    token = csrf_from(client)
    assert _attempt(client, token, "editor", PASSWORDS["editor"], "192.0.2.1").status_code == 302  # known address
    token = csrf_from(client)
    answers = [_attempt(client, token, "editor", "wrong", f"198.51.100.{n}").status_code for n in range(8)]
    assert answers == [401] * 6 + [429] * 2
    assert _attempt(client, token, "editor", PASSWORDS["editor"], "203.0.113.9").status_code == 429
    assert _attempt(client, token, "editor", PASSWORDS["editor"], "192.0.2.1").status_code == 302
    app_store(app).close()


def test_json_logins_get_json_answers(status_app) -> None:
    client = status_app.test_client()
    headers = {"X-CSRF-Token": client.get("/api/session").json["csrf_token"]}
    wrong = client.post("/login", json={"name": "editor", "password": "wrong"}, headers=headers)
    assert wrong.status_code == 401 and wrong.json["error"] == "login_failed"
    for _ in range(4):
        client.post("/login", json={"name": "editor", "password": "wrong"}, headers=headers)
    blocked = client.post("/login", json={"name": "editor", "password": PASSWORDS["editor"]}, headers=headers)
    assert blocked.status_code == 429 and blocked.json["error"] == "too_many_attempts"
    assert blocked.json["retry_after"] == int(blocked.headers["Retry-After"]) > 0
    done = client.post("/login", json={"name": "viewer", "password": PASSWORDS["viewer"]}, headers=headers)
    assert done.status_code == 200 and done.json["user"] == "viewer"
    assert done.json["csrf_token"] == client.get("/api/session").json["csrf_token"] != headers["X-CSRF-Token"]


def test_parallel_wrong_passwords_get_no_more_password_checks_than_the_limit(status_app) -> None:
    import http.client
    import json
    import threading
    import urllib.parse

    from web_fixtures import served

    with served(status_app) as base:
        port = int(base.rsplit(":", 1)[1])
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        first.request("GET", "/api/session")
        answer = first.getresponse()
        cookie, token = answer.getheader("Set-Cookie").split(";", 1)[0], json.loads(answer.read())["csrf_token"]
        body = urllib.parse.urlencode({"name": "editor", "password": "wrong", "csrf_token": token})
        start, statuses = threading.Barrier(40), []

        def guess() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            start.wait()
            connection.request("POST", "/login", body, {"Cookie": cookie,
                                                        "Content-Type": "application/x-www-form-urlencoded"})
            statuses.append(connection.getresponse().status)

        threads = [threading.Thread(target=guess) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 35
