"""Users and roles: viewer (read), editor (report, close, edit geometry), admin (also manage users).

Passwords are stored as salted scrypt hashes in Werkzeug's format (``scrypt:n:r:p$salt$hex``), so
``werkzeug.security.check_password_hash`` accepts them too; this module needs only the standard library. Names are
looked up by their key (:func:`geo.accounts.credentials.name_key`: NFKC, ignoring case); new names and passwords follow
:mod:`geo.accounts.credentials`. Changing a password or disabling a user ends every session of theirs in the same
transaction (:func:`geo.accounts.sessions.end_user_sessions`); a disabled user cannot log in.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.status import models
from geo.accounts.credentials import PolicyProblem, name_key, name_problems, normalise_name, password_problems
from geo.errors import ValidationError
from geo.status.models import ROLES
from geo.accounts.sessions import end_user_sessions
from geo.status.store import Store, as_utc, record_audit, utc_now

logger = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SALT_ALPHABET = string.ascii_letters + string.digits
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "editor": frozenset({"read", "report", "close", "edit_geometry"}),
    "admin": frozenset({"read", "report", "close", "edit_geometry", "manage_users"}),
}


@dataclass(frozen=True)
class UserRecord:
    """A user as the application sees one (never the password hash); ``active`` is false once disabled."""

    id: int
    name: str
    role: str
    created_at: datetime
    active: bool

    def can(self, permission: str) -> bool:
        """Whether this user's role grants ``permission`` (read, report, close, edit_geometry, manage_users)."""
        return can(self.role, permission)


def can(role: str, permission: str) -> bool:
    """Whether ``role`` grants ``permission``; unknown roles grant nothing."""
    return permission in PERMISSIONS.get(role, frozenset())


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt.encode("utf-8"), n=n, r=r, p=p,
                          maxmem=132 * n * r * p).hex()


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` in Werkzeug's format."""
    salt = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(16))
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt}${_scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)}"


@functools.cache
def _unknown_user_hash() -> str:
    return hash_password(secrets.token_hex(16))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time comparison; malformed hashes never match)."""
    try:
        method, salt, expected = password_hash.split("$", 2)
        name, n, r, p = method.split(":")
        if name != "scrypt":
            return False
        actual = _scrypt(password, salt, int(n), int(r), int(p))
    except (ValueError, UnicodeEncodeError):  # UnicodeEncodeError: a lone surrogate typed into a login form
        return False
    return hmac.compare_digest(actual, expected)


def _record(row: models.User) -> UserRecord:
    return UserRecord(id=row.id, name=row.name, role=row.role, created_at=as_utc(row.created_at),
                      active=row.active)


def _role_problems(name: str | None, role: object) -> list[PolicyProblem]:
    if role in ROLES:
        return []
    return [PolicyProblem("user", name, "role", f"expected one of {', '.join(ROLES)}, got {role!r}",
                          "role_invalid")]


def _taken(name: str) -> ValidationError:
    return ValidationError([PolicyProblem("user", name, "name", f"a user named {name!r} exists already (names are "
                                                                "compared ignoring case); choose another name",
                                          "name_taken")])


def add_user(store: Store, name: str, *, role: str, password: str, actor: str) -> UserRecord:
    """Create a user; the name (stored NFKC-normalised) must differ from every other ignoring case. ``actor`` is
    who did it (for the audit log)."""
    name = normalise_name(name) if isinstance(name, str) else name
    shown = name if isinstance(name, str) else None
    problems = (name_problems("user", name) + _role_problems(shown, role)
                + password_problems("user", password, name=shown))
    if problems:
        raise ValidationError(problems)
    password_hash = hash_password(password)
    try:
        with store.write() as session:
            if session.scalar(sa.select(models.User.id).where(models.User.name_key == name_key(name))) is not None:
                raise _taken(name)
            row = models.User(name=name, name_key=name_key(name), role=role, password_hash=password_hash,
                              created_at=utc_now(), active=True)
            session.add(row)
            session.flush()
            record_audit(session, actor=actor, action="user_add", item_id=None, details={"name": name, "role": role})
    except sa.exc.IntegrityError as exc:  # a concurrent add_user of the same name committed first
        raise _taken(name) from exc
    logger.info("user %s (%s) added by %s", name, role, actor)
    return _record(row)


def _find(session: Session, name: str) -> models.User | None:
    if not isinstance(name, str):
        return None
    return session.scalar(sa.select(models.User).where(models.User.name_key == name_key(name)))


def _update_user(store: Store, name: str, *, actor: str, action: str, values: dict, details: dict,
                 end_sessions: bool = False) -> UserRecord:
    with store.write() as session:
        row = _find(session, name)
        if row is None:
            raise ValidationError([PolicyProblem("user", name, "name", f"no user named {name!r}; list them with "
                                                                       "`corridor user list`", "name_unknown")])
        for key, value in values.items():
            setattr(row, key, value)
        if end_sessions:
            ended = end_user_sessions(session, row.id)
            logger.info("%s of %s ended %d session(s)", action, row.name, ended)
        record_audit(session, actor=actor, action=action, item_id=None, details={"name": row.name, **details})
    return _record(row)


def set_role(store: Store, name: str, *, role: str, actor: str) -> UserRecord:
    """Change a user's role (it applies at the user's next request: the role is read on each one)."""
    problems = _role_problems(name, role)
    if problems:
        raise ValidationError(problems)
    return _update_user(store, name, actor=actor, action="user_role", values={"role": role}, details={"role": role})


def set_password(store: Store, name: str, *, password: str, actor: str) -> UserRecord:
    """Replace a user's password and end all their sessions."""
    user = get_user(store, name)
    problems = password_problems("user", password, name=user.name if user else name)
    if problems:
        raise ValidationError(problems)
    return _update_user(store, name, actor=actor, action="user_password",
                        values={"password_hash": hash_password(password)}, details={}, end_sessions=True)


def set_active(store: Store, name: str, *, active: bool, actor: str) -> UserRecord:
    """Enable or disable a user; disabling ends all their sessions, and a disabled user cannot log in."""
    return _update_user(store, name, actor=actor, action="user_enable" if active else "user_disable",
                        values={"active": active}, details={}, end_sessions=not active)


def get_user(store: Store, name: str) -> UserRecord | None:
    """The user called ``name`` (compared by key: NFKC, ignoring case), or ``None``."""
    with store.read() as session:
        row = _find(session, name)
        return _record(row) if row is not None else None


def get_user_by_id(store: Store, user_id: int) -> UserRecord | None:
    """The user with the id ``user_id``, or ``None``."""
    with store.read() as session:
        row = session.get(models.User, user_id)
        return _record(row) if row is not None else None


def list_users(store: Store) -> list[UserRecord]:
    """Every user, by name."""
    with store.read() as session:
        return [_record(row) for row in session.scalars(sa.select(models.User).order_by(models.User.name))]


def authenticate(store: Store, name: str, password: str) -> UserRecord | None:
    """The user if ``password`` is theirs and they are not disabled, else ``None`` (an unknown name costs the same
    hashing time). Passwords set before the current rules still match."""
    with store.read() as session:
        row = _find(session, name)
    if row is None:
        verify_password(_unknown_user_hash(), password)
        return None
    if not verify_password(row.password_hash, password):
        return None
    if not row.active:
        logger.info("login refused for the disabled user %s", row.name)
        return None
    return _record(row)
