"""Login rate limits kept in the status database, so they hold across server processes and cannot be raced.

Every login attempt first *charges* a counter with one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``: under SQLite's write lock, or PostgreSQL's row lock), and only an attempt whose charge stays within the
limit gets its password checked. A charge is refunded when the password was right. So of any number of parallel
attempts at most the limit reach the password check, however they interleave.

Two counters per account (the name's key, :func:`geo.accounts.credentials.login_key`):

* per account and client address: :attr:`LoginLimits.max_failures` within :attr:`LoginLimits.window_s`
  (default 5 in 5 minutes): guessing from one address is slow, and failures from one address lock out nobody
  else — neither the user elsewhere, nor other users behind the same proxy;
* per account over all addresses, slower: :attr:`LoginLimits.account_max_failures` within
  :attr:`LoginLimits.account_window_s` (default 20 per hour), against guessing spread over many addresses. It is
  not charged by an address the account logged in from successfully within :attr:`LoginLimits.known_address_s`
  (default 30 days): an attacker elsewhere cannot lock the user out from their usual address.

Times are seconds since the epoch (floats): the window arithmetic then runs alike in SQLite and PostgreSQL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from geo.errors import InvalidParameter
from geo.status.models import LoginCounter
from geo.status.store import Store

ACCOUNT_WIDE = "*"  # the address column of the account-wide counter (no client address looks like it)
MAX_ADDRESS_CHARS = 64


@dataclass(frozen=True)
class LoginLimits:
    """The limits; see the module's description."""

    max_failures: int = 5
    window_s: float = 300
    account_max_failures: int = 20
    account_window_s: float = 3600
    known_address_s: float = 30 * 24 * 3600

    def __post_init__(self) -> None:
        for field in ("max_failures", "window_s", "account_max_failures", "account_window_s", "known_address_s"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise InvalidParameter(field, f"expected a number > 0, got {value!r}")


@dataclass(frozen=True)
class Attempt:
    """One login attempt as charged: ``retry_after`` > 0 means refused (seconds to wait, for ``Retry-After``)."""

    account: str
    address: str
    account_wide: bool
    retry_after: int


def _charge(session: Session, account: str, address: str, *, window_s: float, now: float) -> sa.Row:
    """Count one attempt on the counter (account, address), restarting its window when it has passed."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    passed = LoginCounter.window_start <= now - window_s
    statement = insert(LoginCounter).values(account=account, address=address, window_start=now, failures=1)
    statement = statement.on_conflict_do_update(
        index_elements=[LoginCounter.account, LoginCounter.address],
        set_={"failures": sa.case((passed, 1), else_=LoginCounter.failures + 1),
              "window_start": sa.case((passed, now), else_=LoginCounter.window_start)})
    return session.execute(statement.returning(LoginCounter.failures, LoginCounter.window_start,
                                               LoginCounter.last_success)).one()


def _wait(counter: sa.Row, *, limit: int, window_s: float, now: float) -> int:
    return max(1, math.ceil(counter.window_start + window_s - now)) if counter.failures > limit else 0


def begin_attempt(store: Store, *, account: str, address: str, limits: LoginLimits, now: float) -> Attempt:
    """Charge a login attempt for ``account`` from ``address`` at ``now``; check the password only when the
    returned attempt has ``retry_after == 0``, and report a success with :func:`attempt_succeeded`.

    Counters whose windows have passed (and that remember no recent success) are deleted on the way.
    """
    address = (address or "unknown")[:MAX_ADDRESS_CHARS]
    with store.write() as session:
        _purge(session, limits=limits, now=now)
        pair = _charge(session, account, address, window_s=limits.window_s, now=now)
        wait = _wait(pair, limit=limits.max_failures, window_s=limits.window_s, now=now)
        known = pair.last_success is not None and pair.last_success > now - limits.known_address_s
        if wait or known:
            return Attempt(account, address, account_wide=False, retry_after=wait)
        overall = _charge(session, account, ACCOUNT_WIDE, window_s=limits.account_window_s, now=now)
        wait = _wait(overall, limit=limits.account_max_failures, window_s=limits.account_window_s, now=now)
        return Attempt(account, address, account_wide=True, retry_after=wait)


def attempt_succeeded(store: Store, attempt: Attempt, *, now: float) -> None:
    """The password was right: clear the address's failures, remember the address as known, refund the
    account-wide charge."""
    with store.write() as session:
        session.execute(sa.update(LoginCounter)
                        .where(LoginCounter.account == attempt.account, LoginCounter.address == attempt.address)
                        .values(failures=0, window_start=now, last_success=now))
        if attempt.account_wide:
            session.execute(sa.update(LoginCounter)
                            .where(LoginCounter.account == attempt.account, LoginCounter.address == ACCOUNT_WIDE)
                            .values(failures=sa.case((LoginCounter.failures > 0, LoginCounter.failures - 1),
                                                     else_=0)))


def _purge(session: Session, *, limits: LoginLimits, now: float) -> None:
    idle = now - max(limits.window_s, limits.account_window_s)
    session.execute(sa.delete(LoginCounter).where(
        LoginCounter.window_start <= idle,
        sa.or_(LoginCounter.last_success.is_(None), LoginCounter.last_success <= now - limits.known_address_s)))
