"""Managing users: ``/admin/users`` (admins: add, role, reset password, disable/enable) and ``/account/password``
(anyone logged in: change their own password).

Forms get the page back with Chinese messages (:data:`PROBLEM_MESSAGES`, by the problem's code); a JSON body
(with the ``X-CSRF-Token`` header) gets JSON: the user on success, else 400 ``{"error": <code>, "message",
"field", "problems": [{"field", "code", "message"}]}`` with the English codes of :mod:`geo.accounts.credentials`. A password
change or a disabled user ends that user's sessions at once; whoever changed their own password is logged in
again on the spot, so only their other sessions end.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from geo.accounts.credentials import PolicyProblem, name_key
from geo.errors import ValidationError
from geo.accounts.users import UserRecord, add_user, list_users, set_active, set_password, set_role
from web.core.auth import (
    ROLE_LABELS, begin_user_session, check_password_limited, current_user, request_fields, requires,
)
from web.core import messages
from web.core.database import app_store
from web.core.message_texts import POLICY_TEXTS

logger = logging.getLogger(__name__)

user_admin_blueprint = Blueprint("user_admin", __name__)

FIELD_LABELS: dict[str, str] = {"name": "用户名", "role": "角色", "password": "密码", "active": "状态",
                                "current_password": "当前密码", "confirm": "确认新密码"}
PROBLEM_MESSAGES: dict[str, str] = POLICY_TEXTS


def _problem(field: str, message: str, code: str) -> ValidationError:
    return ValidationError([PolicyProblem("user", None, field, message, code)])


def page_messages(exc: ValidationError) -> list[str]:
    """The problems of ``exc`` in Chinese, one line each (the English message where no code is known)."""
    lines = []
    for problem in exc.problems:
        field = getattr(problem, "field", None) or ""
        text = PROBLEM_MESSAGES.get(getattr(problem, "code", ""), getattr(problem, "message", str(problem)))
        lines.append(f"{FIELD_LABELS.get(field, field)}：{text}")
    return lines


def _json_problems(exc: ValidationError):
    english = messages.english_requested()
    problems = [{"field": p["field"], "code": p.get("kind", "validation"), "label": FIELD_LABELS.get(
        str(p["field"]), p["label"]), "message": p["message"]} for p in messages.problem_dicts(exc.problems,
                                                                                              english=english)]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems) if english else "；".join(
        f"{p['label']}：{p['message']}" for p in problems)
    return jsonify({"error": problems[0]["code"], "message": message, "field": problems[0]["field"],
                    "problems": problems}), 400


def _user_json(user: UserRecord) -> dict[str, object]:
    return {"name": user.name, "role": user.role, "active": user.active, "created_at": user.created_at.isoformat()}


def _users_page(*, problems: list[str] | None = None, status: int = 200):
    page = render_template("admin_users.html", users=list_users(app_store()), roles=ROLE_LABELS,
                           problems=problems or [])
    return page, status


def _apply(change: Callable[[], UserRecord], *, status: int = 200):
    """Run ``change``; answer the user as JSON or go back to the users page, or show why it was refused."""
    try:
        user = change()
    except ValidationError as exc:
        return _json_problems(exc) if request.is_json else _users_page(problems=page_messages(exc), status=400)
    return (jsonify({"user": _user_json(user)}), status) if request.is_json else redirect(
        url_for("user_admin.users"), code=303)


@user_admin_blueprint.get("/admin/users")
@requires("manage_users")
def users():
    """用户管理 (admins): the users, their roles and whether they may log in."""
    return _users_page()


@user_admin_blueprint.post("/admin/users")
@requires("manage_users")
def add_user_view():
    """Add a user with a role and an initial password (name and password rules: :mod:`geo.accounts.credentials`)."""
    fields = request_fields()
    name = fields.get("name", "")
    return _apply(lambda: add_user(app_store(), name.strip() if isinstance(name, str) else name,
                                   role=fields.get("role", ""), password=fields.get("password", ""),
                                   actor=current_user().name), status=201)


@user_admin_blueprint.post("/admin/users/<name>/role")
@requires("manage_users")
def change_role(name: str):
    """Give a user another role (admins cannot take the admin role from themselves: someone must keep it)."""
    role = request_fields().get("role", "")

    def change() -> UserRecord:
        if _is_self(name) and role != "admin":
            raise _problem("role", "you cannot remove your own admin role; ask another administrator",
                           "own_admin_role")
        return set_role(app_store(), name, role=role, actor=current_user().name)
    return _apply(change)


@user_admin_blueprint.post("/admin/users/<name>/password")
@requires("manage_users")
def reset_password(name: str):
    """Set a user's password (e.g. one they forgot): all their sessions end."""
    password = request_fields().get("password", "")

    def change() -> UserRecord:
        user = set_password(app_store(), name, password=password, actor=current_user().name)
        if user.id == current_user().id:
            begin_user_session(user)
        return user
    return _apply(change)


@user_admin_blueprint.post("/admin/users/<name>/active")
@requires("manage_users")
def change_active(name: str):
    """Disable (``active`` = 0 / false: all their sessions end, no login) or enable a user again."""
    active = request_fields().get("active")

    def change() -> UserRecord:
        if active not in (True, False, "1", "0"):
            raise _problem("active", f"expected 1 (enable) or 0 (disable), got {active!r}", "active_invalid")
        if _is_self(name) and active in (False, "0"):
            raise _problem("active", "you cannot disable your own account; ask another administrator",
                           "own_account")
        return set_active(app_store(), name, active=active in (True, "1"), actor=current_user().name)
    return _apply(change)


def _is_self(name: str) -> bool:
    return name_key(name) == name_key(current_user().name)


def _too_many(wait: int):
    message = messages.choose(f"密码错误次数过多，请 {wait} 秒后再试。", f"too many wrong passwords; try again in {wait} s")
    if request.is_json:
        response = jsonify({"error": "too_many_attempts", "message": message, "retry_after": wait})
    else:
        response = current_app.make_response(render_template(
            "account_password.html", problems=[f"密码错误次数过多，请 {wait} 秒后再试。"], done=False))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


@user_admin_blueprint.route("/account/password", methods=["GET", "POST"])
@requires("read")
def account_password():
    """修改密码: the current password, the new one twice; the user's other sessions end."""
    if request.method == "GET":
        return render_template("account_password.html", problems=[], done=False)
    fields = request_fields()
    new = fields.get("password", "")
    checked, wait = check_password_limited(current_user().name, fields.get("current_password", ""))
    if wait:
        return _too_many(wait)
    try:
        if checked is None:
            raise _problem("current_password", "the current password is wrong", "password_wrong")
        if not request.is_json and fields.get("confirm") != new:
            raise _problem("confirm", "the two new passwords differ", "password_mismatch")
        user = set_password(app_store(), current_user().name, password=new, actor=current_user().name)
    except ValidationError as exc:
        if request.is_json:
            return _json_problems(exc)
        return render_template("account_password.html", problems=page_messages(exc), done=False), 400
    begin_user_session(user)
    logger.info("user %s changed their password; their other sessions ended", user.name)
    return jsonify({"user": _user_json(user)}) if request.is_json else render_template(
        "account_password.html", problems=[], done=True)
