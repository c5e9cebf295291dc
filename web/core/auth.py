"""Login, sessions, CSRF and roles: ``/login``, ``/logout``, ``/api/session`` and the :func:`requires` decorator.

Sessions live in the status database (:mod:`geo.accounts.sessions`), so the server can end them and every server process
agrees: the cookie (Flask's signed cookie: HttpOnly, SameSite=Lax, Secure when ``SECURE_COOKIES`` is on) holds a
random session token and a CSRF token. Logging out deletes the session's row, so a saved copy of the cookie no
longer works; a password change or disabling the user ends all their sessions. A session ends after
``SESSION_IDLE_S`` seconds unused (8 hours) and ``SESSION_LIFETIME_S`` after it began (7 days); a cookie signed
longer ago than that lifetime is refused by its signature as well. The role is read from the database on each
request, so a role change applies at once.

Every write checks, in this order: logged in (API: 401 JSON; pages: redirect to ``/login``), the CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``; 400 otherwise), the role's permission
(:func:`geo.accounts.users.can`; 403 otherwise). Login attempts are counted in the database per account and client address
and, more slowly, per account (:mod:`geo.accounts.login_limits`; ``LOGIN_*`` settings): over the limit the answer is 429 with
``Retry-After`` and the password is not checked. ``/login`` answers JSON to a JSON body (``name``, ``password``;
header ``X-CSRF-Token``).
"""
from __future__ import annotations

import functools
import hmac
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint, Flask, Response, current_app, g, jsonify, redirect, render_template, request, session, url_for,
)

from geo.accounts.credentials import login_key
from geo.errors import InvalidParameter
from geo.accounts.login_limits import LoginLimits, attempt_succeeded, begin_attempt
from geo.accounts.sessions import SessionPolicy, end_session, session_user_id, start_session
from geo.status.store import utc_now
from geo.accounts.users import PERMISSIONS, UserRecord, authenticate, get_user_by_id
from web.core.database import app_store
from web.core import messages
from web.core.errors import API_PREFIX, error_response
from web.core.instance import SECRET_KEY_FILE

logger = logging.getLogger(__name__)

auth_blueprint = Blueprint("auth", __name__)

CSRF_SESSION_KEY = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TOKEN_KEY = "session_token"
AUTH_EXTENSION = "corridor_auth"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROLE_LABELS: dict[str, str] = {"viewer": "查看", "editor": "编辑", "admin": "管理员"}


@dataclass
class AuthSettings:
    """The app's session policy and login limits, and the clock both read (replaceable in tests)."""

    sessions: SessionPolicy
    limits: LoginLimits
    clock: Callable[[], datetime] = utc_now


def init_security(app: Flask) -> None:
    """Secret key (configured, else generated once into the instance folder), cookie flags, session policy and
    login limits from the settings.

    Raises
    ------
    InvalidParameter
        For a session or login setting that is not a whole number > 0 (named by its environment variable).
    """
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=_truthy(app.config.get("SECURE_COOKIES")))
    number = functools.partial(_whole_number, app.config)
    settings = AuthSettings(
        sessions=SessionPolicy(idle_s=number("SESSION_IDLE_S"), lifetime_s=number("SESSION_LIFETIME_S")),
        limits=LoginLimits(max_failures=number("LOGIN_MAX_FAILURES"), window_s=number("LOGIN_WINDOW_S"),
                           account_max_failures=number("LOGIN_ACCOUNT_MAX_FAILURES"),
                           account_window_s=number("LOGIN_ACCOUNT_WINDOW_S")))
    # Flask refuses cookies signed longer ago than this: an old cookie fails even before its session is looked up.
    app.permanent_session_lifetime = timedelta(seconds=settings.sessions.lifetime_s)
    app.extensions[AUTH_EXTENSION] = settings


def _whole_number(config: Mapping[str, object], key: str) -> int:
    value = config.get(key)
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) == 0:
        raise InvalidParameter(f"CORRIDOR_{key}", f"expected a whole number > 0, got {value!r}")
    return int(text)


def auth_settings(app: Flask | None = None) -> AuthSettings:
    """The session policy, login limits and clock of ``app`` (default: the current app)."""
    return (app or current_app).extensions[AUTH_EXTENSION]


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on") if value is not None else False


def instance_secret_key(folder: Path) -> str:
    """The secret key in ``folder/secret_key``, created (readable by the owner only) on first use.

    The key is written to a private temporary file first and then hard-linked into place, so processes starting
    together all end up with the one complete key.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        descriptor, draft = tempfile.mkstemp(dir=folder, prefix=".secret_key.")  # mode 600
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
            os.link(draft, path)
            logger.info("generated a new secret key in %s", path)
        except FileExistsError:
            pass  # another process linked its key first: use that one
        finally:
            os.unlink(draft)
    return path.read_text(encoding="ascii").strip()


def csrf_token() -> str:
    """The session's CSRF token, created on first use (templates call it for their forms)."""
    if CSRF_SESSION_KEY not in session:
        session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_SESSION_KEY]


def csrf_valid() -> bool:
    """Whether the request carries the session's CSRF token (header or form field)."""
    expected = session.get(CSRF_SESSION_KEY)
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


def request_fields() -> Mapping[str, object]:
    """The submitted fields: the JSON object of a JSON request (empty if it is no object), else the form."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form


def current_user() -> UserRecord | None:
    """The user of the request's live session (looked up once per request), or ``None``."""
    if "corridor_user" not in g:
        g.corridor_user = _session_user()
    return g.corridor_user


def _session_user() -> UserRecord | None:
    token = session.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str):
        return None
    settings = auth_settings()
    user_id = session_user_id(app_store(), token, policy=settings.sessions, now=settings.clock())
    user = get_user_by_id(app_store(), user_id) if user_id is not None else None
    if user is None:
        session.pop(SESSION_TOKEN_KEY, None)  # the cookie names a session that has ended
    return user


def begin_user_session(user: UserRecord) -> None:
    """Log ``user`` in on this browser: a fresh cookie (new CSRF token: no session fixation) naming a new session."""
    settings = auth_settings()
    session.clear()
    session[SESSION_TOKEN_KEY] = start_session(app_store(), user.id, policy=settings.sessions, now=settings.clock())
    g.corridor_user = user


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX + "/")


def requires(permission: str) -> Callable:
    """Decorate a view that needs ``permission``: login (401 / redirect), CSRF on writes (400), role (403)."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                if _is_api():
                    return error_response(401, "unauthorized", "请先登录（POST /login），再随请求发送会话 Cookie 和 "
                                          "X-CSRF-Token 请求头。", message_en="login required: POST /login first, "
                                          "then send the session cookie and the X-CSRF-Token header")
                return redirect(url_for("auth.login", next=_return_path()))
            if request.method in WRITE_METHODS and not csrf_valid():
                return error_response(400, "csrf", "页面已过期或缺少安全令牌（CSRF），请刷新页面后重新提交。",
                                      message_en="missing or wrong CSRF token: send the csrf_token form field or "
                                                 "the X-CSRF-Token header of the current session")
            if not user.can(permission):
                return error_response(403, "forbidden", f"当前角色（{ROLE_LABELS.get(user.role, user.role)}）无此权限，"
                                                        "请联系管理员调整角色。",
                                      message_en=f"the role {user.role} may not {permission}; ask an administrator "
                                                 "for another role")
            return view(*args, **kwargs)
        return guarded
    return decorate


def _return_path() -> str | None:
    """Where to go after logging in: this page, or for a refused form the page that held it (if on this site)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def _safe_next(target: object) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if (isinstance(target, str) and target.startswith("/") and not target.startswith("//")
            and not urlsplit(target).netloc):
        return target
    return url_for("views.overview")


@auth_blueprint.app_context_processor
def _template_helpers() -> dict[str, object]:
    return {"csrf_token": csrf_token, "current_user": current_user, "role_labels": ROLE_LABELS}


def _login_refused(status: int, error: str, page_message: str, message: str, *, target: str,
                   retry_after: int = 0) -> Response:
    """A refused login: JSON ``{"error", "message"}`` to a JSON request, else the login page with the Chinese
    message; ``Retry-After`` when the limit was reached."""
    if request.is_json:
        response = jsonify({"error": error, "message": messages.choose(page_message, message),
                            **({"retry_after": retry_after} if retry_after else {})})
    else:
        response = current_app.make_response(render_template("login.html", next=target, error=page_message))
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login():
    """登录: name and password; over the login limit → 429 with ``Retry-After``, the password unchecked."""
    fields = request_fields()
    target = _safe_next(fields.get("next") or request.args.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, error=None)
    if not csrf_valid():
        return _login_refused(400, "csrf", "页面已过期，请重新登录。", "missing or wrong CSRF token: send the "
                              "csrf_token field or the X-CSRF-Token header (GET /api/session)", target=target)
    name, password = fields.get("name"), fields.get("password")
    user, wait = check_password_limited(name, password)
    if wait:
        return _login_refused(429, "too_many_attempts", f"登录失败次数过多，请 {wait} 秒后再试。",
                              f"too many failed logins; try again in {wait} s", target=target, retry_after=wait)
    if user is None:
        return _login_refused(401, "login_failed", "用户名或密码错误。", "wrong user name or password",
                              target=target)
    begin_user_session(user)
    logger.info("user %s logged in from %s", user.name, request.remote_addr)
    return jsonify(_session_info(user)) if request.is_json else redirect(target)


def check_password_limited(name: object, password: object) -> tuple[UserRecord | None, int]:
    """Check ``password`` for the user ``name`` within the login limits, from the request's client address:
    ``(user, 0)`` when right, ``(None, 0)`` when wrong, ``(None, seconds to wait)`` when over the limit (then the
    password is not checked at all)."""
    account, address = login_key(name), request.remote_addr or ""
    if account is None or not isinstance(password, str):
        return None, 0
    settings = auth_settings()
    attempt = begin_attempt(app_store(), account=account, address=address, limits=settings.limits,
                            now=settings.clock().timestamp())
    if attempt.retry_after:
        logger.warning("login refused for %r from %s: too many failed attempts", account, address)
        return None, attempt.retry_after
    user = authenticate(app_store(), name, password)
    if user is None:
        logger.info("failed login for %r from %s", account, address)
        return None, 0
    attempt_succeeded(app_store(), attempt, now=settings.clock().timestamp())
    return user, 0


def _session_info(user: UserRecord | None) -> dict[str, object]:
    permissions = sorted(PERMISSIONS.get(user.role, ())) if user else []
    return {"user": user.name if user else None, "role": user.role if user else None,
            "permissions": permissions, "csrf_token": csrf_token()}


@auth_blueprint.get("/api/session")
def session_info():
    """The logged-in user (or ``null``), their permissions and the session's CSRF token, for API clients (the
    token is readable by same-origin scripts only: the app sends no CORS headers)."""
    return jsonify(_session_info(current_user()))


@auth_blueprint.post("/logout")
def logout():
    """退出登录 (a POST with the CSRF token, so another site cannot log a user out): the session's row is deleted,
    so no copy of the cookie works any more."""
    if not csrf_valid():
        return error_response(400, "csrf", "页面已过期或缺少安全令牌（CSRF），请刷新页面后重新退出。",
                              message_en="missing or wrong CSRF token")
    token = session.get(SESSION_TOKEN_KEY)
    if isinstance(token, str) and end_session(app_store(), token):
        logger.info("session ended by logout")
    session.clear()
    return redirect(url_for("views.overview"))
