"""Server-side login sessions: one ``user_sessions`` row per signed-in browser, so the server can end any of them.

The browser's cookie carries a random token; the database keeps only its SHA-256 (a copy of the database hands
out no sessions). A session is valid while its row exists, its user is not disabled, it was used within the idle
timeout and began within the absolute lifetime (:class:`SessionPolicy`). Deleting the row ends it at once, in every
server process: logging out ends one session, a password change or disabling the user ends all of theirs
(:func:`end_user_sessions`, called in the same transaction as the change).

Use refreshes ``last_seen_at`` at most once per :attr:`SessionPolicy.touch_s` seconds, so reading pages costs a
write only once a minute per session; the idle timeout is accurate to that.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import InvalidParameter
from geo.status.models import User, UserSession
from geo.status.store import Store, as_utc

logger = logging.getLogger(__name__)

DEFAULT_IDLE_S = 8 * 3600
DEFAULT_LIFETIME_S = 7 * 24 * 3600
TOUCH_S = 60


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last.

    Parameters
    ----------
    idle_s
        A session unused for this many seconds has ended (default 8 hours).
    lifetime_s
        A session older than this has ended however busy it was (default 7 days).
    touch_s
        ``last_seen_at`` is refreshed when it is older than this.
    """

    idle_s: int = DEFAULT_IDLE_S
    lifetime_s: int = DEFAULT_LIFETIME_S
    touch_s: int = TOUCH_S

    def __post_init__(self) -> None:
        for field, value in (("idle_s", self.idle_s), ("lifetime_s", self.lifetime_s), ("touch_s", self.touch_s)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidParameter(field, f"expected a whole number of seconds > 0, got {value!r}")

    def expired(self, *, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        """Whether a session begun at ``created_at`` and last used at ``last_seen_at`` has ended by ``now``."""
        return (now - as_utc(created_at) >= timedelta(seconds=self.lifetime_s)
                or now - as_utc(last_seen_at) >= timedelta(seconds=self.idle_s))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(store: Store, user_id: int, *, policy: SessionPolicy, now: datetime) -> str:
    """Open a session for the user ``user_id``; return its token (for the cookie; never stored).

    Ended sessions of every user are deleted on the way, so the table holds live sessions only.
    """
    token = secrets.token_urlsafe(32)
    with store.write() as session:
        session.execute(sa.delete(UserSession).where(sa.or_(
            UserSession.created_at <= now - timedelta(seconds=policy.lifetime_s),
            UserSession.last_seen_at <= now - timedelta(seconds=policy.idle_s))))
        session.add(UserSession(token_hash=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def session_user_id(store: Store, token: str, *, policy: SessionPolicy, now: datetime) -> int | None:
    """The id of the (enabled) user whose live session ``token`` is, refreshing its last use; ``None`` when the
    session has ended, expired (its row is then deleted) or never existed."""
    with store.read() as session:
        found = session.execute(sa.select(UserSession.id, UserSession.user_id, UserSession.created_at,
                                          UserSession.last_seen_at)
                                .join(User, User.id == UserSession.user_id)
                                .where(UserSession.token_hash == _digest(token), User.active)).one_or_none()
    if found is None:
        return None
    if policy.expired(created_at=found.created_at, last_seen_at=found.last_seen_at, now=now):
        with store.write() as session:
            session.execute(sa.delete(UserSession).where(UserSession.id == found.id))
        logger.info("session of user id %d expired", found.user_id)
        return None
    if now - as_utc(found.last_seen_at) >= timedelta(seconds=policy.touch_s):
        with store.write() as session:
            session.execute(sa.update(UserSession).where(UserSession.id == found.id).values(last_seen_at=now))
    return found.user_id


def end_session(store: Store, token: str) -> bool:
    """End the session ``token`` (logging out); whether there was one."""
    with store.write() as session:
        return session.execute(sa.delete(UserSession).where(UserSession.token_hash == _digest(token))).rowcount > 0


def end_user_sessions(session: Session, user_id: int) -> int:
    """End every session of the user ``user_id`` within the caller's transaction; how many there were."""
    return session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id)).rowcount
