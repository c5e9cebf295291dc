"""Users and roles: viewer (read), editor (report, close, edit geometry), admin (also manage users).

Passwords are stored as salted scrypt hashes in Werkzeug's format (``scrypt:n:r:p$salt$hex``), so
``werkzeug.security.check_password_hash`` accepts them too; this module needs only the standard library.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from geo import models
from geo.edits import Problems
from geo.errors import ValidationError
from geo.models import ROLES
from geo.store import Store, as_utc, record_audit, utc_now

logger = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SALT_ALPHABET = string.ascii_letters + string.digits
_NAME_PATTERN = re.compile(r"[\w.@-]{1,64}")
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "editor": frozenset({"read", "report", "close", "edit_geometry"}),
    "admin": frozenset({"read", "report", "close", "edit_geometry", "manage_users"}),
}


@dataclass(frozen=True)
class UserRecord:
    """A user as the application sees one (never the password hash)."""

    id: int
    name: str
    role: str
    created_at: datetime

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
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _record(row: models.User) -> UserRecord:
    return UserRecord(id=row.id, name=row.name, role=row.role, created_at=as_utc(row.created_at))


def _check_user_fields(problems: Problems, *, name: object = None, role: object = None,
                       password: object = None) -> None:
    if name is not None and not (isinstance(name, str) and _NAME_PATTERN.fullmatch(name)):
        problems.add("name", f"expected 1–64 letters, digits or . _ @ - (no spaces), got {name!r}")
    if role is not None and role not in ROLES:
        problems.add("role", f"expected one of {', '.join(ROLES)}, got {role!r}")
    if password is not None and not (isinstance(password, str)
                                     and MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS):
        problems.add("password", f"expected {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")


def add_user(store: Store, name: str, *, role: str, password: str, actor: str) -> UserRecord:
    """Create a user; the name must be new. ``actor`` is who did it (for the audit log)."""
    problems = Problems("user", name if isinstance(name, str) else None)
    _check_user_fields(problems, name=name, role=role, password=password)
    if problems.found:
        raise ValidationError(problems.found)
    password_hash = hash_password(password)
    try:
        with store.write() as session:
            if session.scalar(sa.select(models.User.id).where(models.User.name == name)) is not None:
                problems.add("name", f"a user named {name!r} exists already; choose another name")
                raise ValidationError(problems.found)
            row = models.User(name=name, role=role, password_hash=password_hash, created_at=utc_now())
            session.add(row)
            session.flush()
            record_audit(session, actor=actor, action="user_add", item_id=None, details={"name": name, "role": role})
    except sa.exc.IntegrityError as exc:  # a concurrent add_user of the same name committed first
        problems.add("name", f"a user named {name!r} exists already; choose another name")
        raise ValidationError(problems.found) from exc
    logger.info("user %s (%s) added by %s", name, role, actor)
    return _record(row)


def _update_user(store: Store, name: str, *, actor: str, action: str, values: dict, details: dict) -> UserRecord:
    with store.write() as session:
        row = session.scalar(sa.select(models.User).where(models.User.name == name))
        if row is None:
            problems = Problems("user", name)
            problems.add("name", f"no user named {name!r}; list them with `corridor user list`")
            raise ValidationError(problems.found)
        for key, value in values.items():
            setattr(row, key, value)
        record_audit(session, actor=actor, action=action, item_id=None, details={"name": name, **details})
    return _record(row)


def set_role(store: Store, name: str, *, role: str, actor: str) -> UserRecord:
    """Change a user's role."""
    problems = Problems("user", name)
    _check_user_fields(problems, role=role)
    if problems.found:
        raise ValidationError(problems.found)
    return _update_user(store, name, actor=actor, action="user_role", values={"role": role}, details={"role": role})


def set_password(store: Store, name: str, *, password: str, actor: str) -> UserRecord:
    """Replace a user's password."""
    problems = Problems("user", name)
    _check_user_fields(problems, password=password)
    if problems.found:
        raise ValidationError(problems.found)
    return _update_user(store, name, actor=actor, action="user_password",
                        values={"password_hash": hash_password(password)}, details={})


def get_user(store: Store, name: str) -> UserRecord | None:
    """The user called ``name``, or ``None``."""
    with store.read() as session:
        row = session.scalar(sa.select(models.User).where(models.User.name == name))
        return _record(row) if row is not None else None


def list_users(store: Store) -> list[UserRecord]:
    """Every user, by name."""
    with store.read() as session:
        return [_record(row) for row in session.scalars(sa.select(models.User).order_by(models.User.name))]


def authenticate(store: Store, name: str, password: str) -> UserRecord | None:
    """The user if ``password`` is theirs, else ``None`` (an unknown name costs the same hashing time)."""
    with store.read() as session:
        row = session.scalar(sa.select(models.User).where(models.User.name == name))
    if row is None:
        verify_password(_unknown_user_hash(), password)
        return None
    return _record(row) if verify_password(row.password_hash, password) else None
