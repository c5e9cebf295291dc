"""/admin/users and /account/password: users, roles, passwords, disabling, and the sessions they end
(web/admin/users.py)."""
from __future__ import annotations

from geo.status.snapshot import audit_entries
from geo.accounts.users import authenticate, get_user
from status_web_fixtures import PASSWORDS, csrf_from, login, report_body, status_app  # noqa: F401
from web.core.database import app_store


def _user(client) -> str | None:
    return client.get("/api/session").json["user"]


def test_only_admins_manage_users_and_role_changes_apply_at_once(status_app) -> None:
    anonymous = status_app.test_client()
    assert anonymous.get("/admin/users").status_code == 302
    editor = status_app.test_client()
    editor_token = login(editor, "editor")
    assert editor.get("/admin/users").status_code == 403
    assert editor.post("/admin/users/viewer/active", data={"active": "0", "csrf_token": editor_token}
                       ).status_code == 403

    admin = status_app.test_client()
    token = login(admin, "admin")
    assert "用户管理" in admin.get("/admin/users").get_data(as_text=True)
    added = admin.post("/admin/users", data={"name": "wang.wu", "role": "viewer", "password": "long-enough-1",
                                             "csrf_token": token})
    assert added.status_code == 303 and get_user(app_store(status_app), "wang.wu").role == "viewer"
    self_demoted = admin.post("/admin/users/admin/role", data={"role": "editor", "csrf_token": token})
    assert self_demoted.status_code == 400 and "不能取消自己的管理员角色" in self_demoted.get_data(as_text=True)
    assert get_user(app_store(status_app), "admin").role == "admin"
    demoted = admin.post("/admin/users/Editor/role", data={"role": "viewer", "csrf_token": token})
    assert demoted.status_code == 303
    refused = editor.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": editor_token})
    assert refused.status_code == 403
    actions = [(e.actor, e.action) for e in audit_entries(app_store(status_app))]
    assert ("admin", "user_add") in actions and ("admin", "user_role") in actions


def test_refused_names_and_passwords_are_explained_in_chinese(status_app) -> None:
    admin = status_app.test_client()
    token = login(admin, "admin")
    bad = admin.post("/admin/users", data={"name": "has space", "role": "boss", "password": "12345678",
                                           "csrf_token": token})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "用户名：须为 1–64 个英文字母、数字、汉字" in text and "角色：请选择查看、编辑或管理员。" in text
    assert "密码：至少需要 10 个字符" in text
    for password, message in (("1234567890", "这是最常见的密码之一"), (" " * 10, "不能全是空格"),
                              ("\x00" * 10, "不能包含控制字符")):
        page = admin.post("/admin/users", data={"name": "wang", "role": "viewer", "password": password,
                                                "csrf_token": token})
        assert page.status_code == 400 and f"密码：{message}" in page.get_data(as_text=True)
    clash = admin.post("/admin/users", data={"name": "EDITOR", "role": "viewer", "password": "long-enough-1",
                                             "csrf_token": token})
    assert clash.status_code == 400 and "该用户名已存在（不区分大小写）" in clash.get_data(as_text=True)
    assert get_user(app_store(status_app), "wang") is None


def test_json_bodies_get_english_error_codes(status_app) -> None:
    admin = status_app.test_client()
    headers = {"X-CSRF-Token": login(admin, "admin")}
    weak = admin.post("/admin/users", json={"name": "wang", "role": "viewer", "password": "password123"},
                      headers={**headers, "Accept-Language": "en-GB, zh;q=0.5"})
    assert weak.status_code == 400 and weak.json["error"] == "password_common" and weak.json["field"] == "password"
    assert "most common passwords" in weak.json["message"] and "password123" not in weak.json["message"]
    chinese = admin.post("/admin/users", json={"name": "wang", "role": "viewer", "password": "password123"},
                         headers=headers)
    assert chinese.json["error"] == "password_common" and chinese.json["message"].startswith("密码：这是最常见的密码")
    clash = admin.post("/admin/users", json={"name": "Admin", "role": "viewer", "password": "long-enough-1"},
                       headers=headers)
    assert clash.status_code == 400 and clash.json["error"] == "name_taken"
    several = admin.post("/admin/users", json={"name": "a b", "role": "boss", "password": 7}, headers=headers)
    assert [p["code"] for p in several.json["problems"]] == ["name_invalid", "role_invalid", "password_too_short"]
    added = admin.post("/admin/users", json={"name": "Ｗang", "role": "viewer", "password": "long-enough-1"},
                       headers=headers)
    assert added.status_code == 201 and added.json["user"]["name"] == "Wang" and added.json["user"]["active"]


def test_resetting_a_password_ends_that_users_sessions_at_once(status_app) -> None:
    editor, other_editor = status_app.test_client(), status_app.test_client()
    login(editor, "editor")
    login(other_editor, "editor")
    viewer = status_app.test_client()
    login(viewer, "viewer")
    admin = status_app.test_client()
    token = login(admin, "admin")
    weak = admin.post("/admin/users/editor/password", data={"password": "qwertyuiop", "csrf_token": token})
    assert weak.status_code == 400 and _user(editor) == "editor"
    reset = admin.post("/admin/users/editor/password", data={"password": "brand new phrase", "csrf_token": token})
    assert reset.status_code == 303
    assert (_user(editor), _user(other_editor), _user(viewer), _user(admin)) == (None, None, "viewer", "admin")
    assert authenticate(app_store(status_app), "editor", "brand new phrase") is not None


def test_an_admin_resetting_their_own_password_stays_logged_in_on_that_browser(status_app) -> None:
    admin, elsewhere = status_app.test_client(), status_app.test_client()
    token = login(admin, "admin")
    login(elsewhere, "admin")
    assert admin.post("/admin/users/admin/password", data={"password": "brand new phrase", "csrf_token": token}
                      ).status_code == 303
    assert (_user(admin), _user(elsewhere)) == ("admin", None)


def test_disabling_a_user_ends_their_sessions_and_logins_until_enabled(status_app) -> None:
    editor = status_app.test_client()
    editor_token = login(editor, "editor")
    admin = status_app.test_client()
    token = login(admin, "admin")
    assert admin.post("/admin/users/editor/active", data={"active": "0", "csrf_token": token}).status_code == 303
    assert _user(editor) is None
    refused = editor.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": editor_token})
    assert refused.status_code == 401
    again = editor.post("/login", data={"name": "editor", "password": PASSWORDS["editor"],
                                        "csrf_token": csrf_from(editor)})
    assert again.status_code == 401
    page = admin.get("/admin/users").get_data(as_text=True)
    assert '<tr data-name="editor" class="text-muted">' in page and "已停用" in page
    assert admin.post("/admin/users/editor/active", data={"active": "1", "csrf_token": token}).status_code == 303
    login(editor, "editor")
    assert _user(editor) == "editor"
    own = admin.post("/admin/users/admin/active", data={"active": "0", "csrf_token": token})
    assert own.status_code == 400 and "不能停用自己的账户" in own.get_data(as_text=True)
    odd = admin.post("/admin/users/editor/active", json={"active": "maybe"}, headers={"X-CSRF-Token": token})
    assert odd.status_code == 400 and odd.json["error"] == "active_invalid"


def test_changing_ones_own_password_ends_the_other_sessions(status_app) -> None:
    here, elsewhere = status_app.test_client(), status_app.test_client()
    token = login(here, "editor")
    login(elsewhere, "editor")
    assert "修改密码" in here.get("/account/password").get_data(as_text=True)
    form = {"current_password": PASSWORDS["editor"], "password": "brand new phrase", "confirm": "brand new phrase",
            "csrf_token": token}
    wrong = here.post("/account/password", data={**form, "current_password": "not it"})
    assert wrong.status_code == 400 and "当前密码：当前密码不正确。" in wrong.get_data(as_text=True)
    differ = here.post("/account/password", data={**form, "confirm": "brand new phrasf"})
    assert differ.status_code == 400 and "两次输入的新密码不一致" in differ.get_data(as_text=True)
    weak = here.post("/account/password", data={**form, "password": "editor", "confirm": "editor"})
    assert weak.status_code == 400 and "至少需要 10 个字符" in weak.get_data(as_text=True)
    assert _user(elsewhere) == "editor"
    done = here.post("/account/password", data=form)
    assert done.status_code == 200 and "密码已修改" in done.get_data(as_text=True)
    assert (_user(here), _user(elsewhere)) == ("editor", None)
    assert authenticate(app_store(status_app), "editor", "brand new phrase") is not None


def test_guessing_the_current_password_is_limited_too(status_app) -> None:
    client = status_app.test_client()
    token = login(client, "editor")
    form = {"current_password": "guess", "password": "brand new phrase", "confirm": "brand new phrase",
            "csrf_token": token}
    answers = [client.post("/account/password", data=form).status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]
    limited = client.post("/account/password", json={**form, "current_password": PASSWORDS["editor"]},
                          headers={"X-CSRF-Token": token})
    assert limited.status_code == 429 and limited.json["error"] == "too_many_attempts"
    assert int(limited.headers["Retry-After"]) > 0
