"""Login, sessions, CSRF, roles, the login rate limit, the secret key and /admin/users (web/auth.py)."""
from __future__ import annotations

import stat

import pytest

from geo.snapshot import audit_entries, report_history
from geo.users import get_user
from status_web_fixtures import PASSWORDS, csrf_from, login, report_body, status_app  # noqa: F401
from web.auth import THROTTLE_EXTENSION, LoginThrottle, instance_secret_key
from web.database import app_store



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


def test_failed_logins_are_limited_per_address_and_per_name(status_app) -> None:
    client = status_app.test_client()
    token = csrf_from(client)
    for _ in range(5):
        assert client.post("/login", data={"name": "editor", "password": "wrong", "csrf_token": token}
                           ).status_code == 401
    blocked = client.post("/login", data={"name": "editor", "password": PASSWORDS["editor"], "csrf_token": token})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    other_name = client.post("/login", data={"name": "viewer", "password": PASSWORDS["viewer"],
                                             "csrf_token": token})
    assert other_name.status_code == 429  # same address

    elsewhere = status_app.test_client()
    environ = {"REMOTE_ADDR": "10.0.0.7"}
    token = csrf_from(elsewhere)
    same_name = elsewhere.post("/login", data={"name": "editor", "password": PASSWORDS["editor"],
                                               "csrf_token": token}, environ_base=environ)
    assert same_name.status_code == 429  # same name from another address
    fine = elsewhere.post("/login", data={"name": "viewer", "password": PASSWORDS["viewer"], "csrf_token": token},
                          environ_base=environ)
    assert fine.status_code == 302


def test_the_limit_lifts_after_the_window(status_app) -> None:
    now = [1000.0]
    throttle = status_app.extensions[THROTTLE_EXTENSION]
    throttle.clock = lambda: now[0]
    client = status_app.test_client()
    token = csrf_from(client)
    for _ in range(5):
        client.post("/login", data={"name": "editor", "password": "wrong", "csrf_token": token})
    data = {"name": "editor", "password": PASSWORDS["editor"], "csrf_token": token}
    assert client.post("/login", data=data).status_code == 429
    now[0] += 301
    assert client.post("/login", data=data).status_code == 302


def test_throttle_counts_within_a_sliding_window() -> None:
    now = [0.0]
    throttle = LoginThrottle(max_failures=2, window_s=10, clock=lambda: now[0])
    throttle.failed("a")
    now[0] = 6
    throttle.failed("a", "b")
    assert throttle.retry_after("a") == 5 and throttle.retry_after("b") == 0
    now[0] = 10.5  # the first failure of "a" left the window
    assert throttle.retry_after("a") == 0
    throttle.failed("b")
    throttle.forget("b")
    assert throttle.retry_after("b") == 0


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


def test_only_admins_manage_users_and_role_changes_apply_at_once(status_app) -> None:
    anonymous = status_app.test_client()
    assert anonymous.get("/admin/users").status_code == 302
    editor = status_app.test_client()
    editor_token = login(editor, "editor")
    assert editor.get("/admin/users").status_code == 403

    admin = status_app.test_client()
    token = login(admin, "admin")
    assert "用户管理" in admin.get("/admin/users").get_data(as_text=True)
    added = admin.post("/admin/users", data={"name": "wang.wu", "role": "viewer", "password": "long-enough-1",
                                             "csrf_token": token})
    assert added.status_code == 303 and get_user(app_store(status_app), "wang.wu").role == "viewer"
    bad = admin.post("/admin/users", data={"name": "has space", "role": "boss", "password": "x",
                                           "csrf_token": token})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "name:" in text and "role:" in text and "password:" in text

    self_demoted = admin.post("/admin/users/admin/role", data={"role": "editor", "csrf_token": token})
    assert self_demoted.status_code == 400 and get_user(app_store(status_app), "admin").role == "admin"
    demoted = admin.post("/admin/users/editor/role", data={"role": "viewer", "csrf_token": token})
    assert demoted.status_code == 303
    refused = editor.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": editor_token})
    assert refused.status_code == 403
    actions = [(e.actor, e.action) for e in audit_entries(app_store(status_app))]
    assert ("admin", "user_add") in actions and ("admin", "user_role") in actions


def test_api_clients_get_the_csrf_token_from_the_session_endpoint(status_app) -> None:
    client = status_app.test_client()
    assert client.get("/api/session").json["user"] is None
    client.post("/login", data={"name": "editor", "password": PASSWORDS["editor"],
                                "csrf_token": client.get("/api/session").json["csrf_token"]})
    info = client.get("/api/session").json
    assert (info["user"], info["role"]) == ("editor", "editor") and "report" in info["permissions"]
    written = client.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": info["csrf_token"]})
    assert written.status_code == 201
