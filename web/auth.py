"""Login, sessions, CSRF and roles: ``/login``, ``/logout`` and the :func:`requires` decorator for every write.

Sessions are Flask's signed cookies (HttpOnly, SameSite=Lax, Secure when ``SECURE_COOKIES`` is on) holding the
user's name and a CSRF token; the role is read from the database on each request, so a role change applies at
once. Every write checks, in this order: logged in (API: 401 JSON; pages: redirect to ``/login``), the CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``; 400 otherwise), the role's permission
(:func:`geo.users.can`; 403 otherwise). Failed logins are limited per client address and per user name
(:class:`LoginThrottle`: 429 once ``LOGIN_MAX_FAILURES`` failed within ``LOGIN_WINDOW_S`` seconds).
"""
from __future__ import annotations

import functools
import hmac
import logging
import os
import secrets
import tempfile
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for,
)

from geo.errors import ValidationError
from geo.validate import Problem
from geo.users import PERMISSIONS, UserRecord, add_user, authenticate, get_user, list_users, set_role
from web.database import app_store
from web.errors import API_PREFIX, error_response

logger = logging.getLogger(__name__)

auth_blueprint = Blueprint("auth", __name__)

SECRET_KEY_FILE = "secret_key"
CSRF_SESSION_KEY = "csrf_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
USER_SESSION_KEY = "user"
THROTTLE_EXTENSION = "corridor_login_throttle"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ROLE_LABELS: dict[str, str] = {"viewer": "查看", "editor": "编辑", "admin": "管理员"}


class LoginThrottle:
    """Counts failed logins per key (client address, user name) in a sliding window; in memory, per process.

    Parameters
    ----------
    max_failures
        Failures within the window after which further attempts are refused.
    window_s
        The window, seconds.
    clock
        Seconds from an arbitrary start (monotonic), replaceable in tests.
    """

    def __init__(self, *, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def retry_after(self, *keys: str) -> int:
        """Seconds until any of ``keys`` may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [self._recent(key, now)[0] + self.window_s - now for key in keys
                     if len(self._recent(key, now)) >= self.max_failures]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, *keys: str) -> None:
        """Record a failed attempt under each key."""
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def forget(self, key: str) -> None:
        """Clear the failures of ``key`` (a user who just logged in)."""
        with self._lock:
            self._failures.pop(key, None)


def init_security(app: Flask) -> None:
    """Secret key (configured, else generated once into the instance folder), cookie flags, login throttle."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=_truthy(app.config.get("SECURE_COOKIES")))
    app.extensions[THROTTLE_EXTENSION] = LoginThrottle(max_failures=int(app.config["LOGIN_MAX_FAILURES"]),
                                                       window_s=float(app.config["LOGIN_WINDOW_S"]))


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


def current_user() -> UserRecord | None:
    """The logged-in user (re-read from the database once per request), or ``None``."""
    if "corridor_user" not in g:
        name = session.get(USER_SESSION_KEY)
        g.corridor_user = get_user(app_store(), name) if name else None
    return g.corridor_user


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
                    return error_response(401, "unauthorized", "login required: POST /login first, then send "
                                                               "the session cookie and the X-CSRF-Token header")
                return redirect(url_for("auth.login", next=_return_path()))
            if request.method in WRITE_METHODS and not csrf_valid():
                return error_response(400, "csrf", "missing or wrong CSRF token: send the csrf_token form field "
                                                   "or the X-CSRF-Token header of the current session")
            if not user.can(permission):
                return error_response(403, "forbidden", f"the role {user.role} may not {permission}; "
                                                        f"ask an administrator for another role")
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


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("views.overview")


@auth_blueprint.app_context_processor
def _template_helpers() -> dict[str, object]:
    return {"csrf_token": csrf_token, "current_user": current_user, "role_labels": ROLE_LABELS}


@auth_blueprint.route("/login", methods=["GET", "POST"])
def login():
    """登录: name and password; too many failures from one address or for one name → 429."""
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, error=None)
    if not csrf_valid():
        return render_template("login.html", next=target, error="页面已过期，请重新登录。"), 400
    name = request.form.get("name", "").strip()
    keys = (f"ip:{request.remote_addr}", f"name:{name}")
    throttle: LoginThrottle = current_app.extensions[THROTTLE_EXTENSION]
    wait = throttle.retry_after(*keys)
    if wait:
        logger.warning("login refused for %r from %s: too many failures", name, request.remote_addr)
        response = current_app.make_response((render_template(
            "login.html", next=target, error=f"登录失败次数过多，请 {wait} 秒后再试。"), 429))
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(app_store(), name, request.form.get("password", "")) if name else None
    if user is None:
        throttle.failed(*keys)
        logger.info("failed login for %r from %s", name, request.remote_addr)
        return render_template("login.html", next=target, error="用户名或密码错误。"), 401
    throttle.forget(keys[1])
    session.clear()  # a fresh session (and CSRF token) after login: no session fixation
    session[USER_SESSION_KEY] = user.name
    logger.info("user %s logged in from %s", user.name, request.remote_addr)
    return redirect(target)


@auth_blueprint.get("/api/session")
def session_info():
    """The logged-in user (or ``null``), their permissions and the session's CSRF token, for API clients (the
    token is readable by same-origin scripts only: the app sends no CORS headers)."""
    user = current_user()
    permissions = sorted(PERMISSIONS.get(user.role, ())) if user else []
    return jsonify({"user": user.name if user else None, "role": user.role if user else None,
                    "permissions": permissions, "csrf_token": csrf_token()})


@auth_blueprint.post("/logout")
def logout():
    """退出登录 (a POST with the CSRF token, so another site cannot log a user out)."""
    if not csrf_valid():
        abort(400, description="missing or wrong CSRF token")
    session.clear()
    return redirect(url_for("views.overview"))



def _users_page(*, error: ValidationError | None = None, status: int = 200):
    problems = [f"{p.field}: {p.message}" for p in error.problems] if error else []
    page = render_template("admin_users.html", users=list_users(app_store()), roles=ROLE_LABELS, problems=problems)
    return page, status


@auth_blueprint.get("/admin/users")
@requires("manage_users")
def users():
    """用户管理 (admins): the users and their roles."""
    return _users_page()


@auth_blueprint.post("/admin/users")
@requires("manage_users")
def add_user_view():
    """Add a user with a role and an initial password."""
    try:
        add_user(app_store(), request.form.get("name", "").strip(), role=request.form.get("role", ""),
                 password=request.form.get("password", ""), actor=current_user().name)
    except ValidationError as exc:
        return _users_page(error=exc, status=400)
    return redirect(url_for("auth.users"), code=303)


@auth_blueprint.post("/admin/users/<name>/role")
@requires("manage_users")
def change_role(name: str):
    """Give a user another role (admins cannot take the admin role from themselves: someone must keep it)."""
    role = request.form.get("role", "")
    try:
        if name == current_user().name and role != "admin":
            raise ValidationError([Problem("user", name, "role", "you cannot remove your own admin role; ask "
                                                                 "another administrator")])
        set_role(app_store(), name, role=role, actor=current_user().name)
    except ValidationError as exc:
        return _users_page(error=exc, status=400)
    return redirect(url_for("auth.users"), code=303)
