"""Login limits in the status database (geo/accounts/login_limits.py): atomic on SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest

from geo.errors import InvalidParameter
from geo.accounts.login_limits import LoginLimits, attempt_succeeded, begin_attempt

LIMITS = LoginLimits(max_failures=3, window_s=100, account_max_failures=5, account_window_s=1000,
                     known_address_s=10_000)
NOW = 1_700_000_000.0


def _waits(store, account: str, addresses: list[str], *, now: float = NOW) -> list[int]:
    return [begin_attempt(store, account=account, address=a, limits=LIMITS, now=now).retry_after for a in addresses]


def test_per_address_limit_with_retry_after_and_a_window(store) -> None:
    assert _waits(store, "li", ["10.0.0.1"] * 5) == [0, 0, 0, 100, 100]
    assert _waits(store, "li", ["10.0.0.1"], now=NOW + 40) == [60]
    assert _waits(store, "li", ["10.0.0.1"], now=NOW + 100) == [0]  # the window has passed
    assert _waits(store, "li", ["10.0.0.2"]) == [0]  # elsewhere: not locked
    assert _waits(store, "wang", ["10.0.0.1"]) == [0]  # another account from there: not locked


def test_the_account_limit_counts_every_unknown_address(store) -> None:
    addresses = [f"198.51.100.{n}" for n in range(7)]
    assert _waits(store, "li", addresses) == [0] * 5 + [1000] * 2


def test_a_success_clears_its_address_refunds_the_account_and_makes_the_address_known(store) -> None:
    assert _waits(store, "li", ["192.0.2.1", "192.0.2.1"]) == [0, 0]
    attempt = begin_attempt(store, account="li", address="192.0.2.1", limits=LIMITS, now=NOW)
    attempt_succeeded(store, attempt, now=NOW)
    assert _waits(store, "li", [f"198.51.100.{n}" for n in range(4)]) == [0, 0, 0, 1000]  # 2 of 5 were failures
    assert _waits(store, "li", ["192.0.2.1"] * 4) == [0, 0, 0, 100]  # known: only its own limit applies
    later = [f"203.0.113.{n}" for n in range(5)] + ["192.0.2.1"]  # the success is too old: no longer known
    assert _waits(store, "li", later, now=NOW + 20_000) == [0] * 5 + [1000]


def test_old_counters_are_purged(store) -> None:
    import sqlalchemy as sa

    from geo.status.models import LoginCounter

    _waits(store, "li", ["10.0.0.1", "10.0.0.2"])
    _waits(store, "wang", ["10.0.0.1"], now=NOW + 1001)
    with store.read() as session:
        assert session.scalars(sa.select(LoginCounter.account).distinct()).all() == ["wang"]


def test_parallel_attempts_cannot_race_past_the_limit(store) -> None:
    start, waits = threading.Barrier(24), []

    def attempt() -> None:
        start.wait()
        waits.append(begin_attempt(store, account="li", address="10.0.0.1", limits=LIMITS, now=NOW).retry_after)

    threads = [threading.Thread(target=attempt) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [0] * 3 + [100] * 21


@pytest.mark.parametrize("field", ["max_failures", "window_s", "account_max_failures", "account_window_s",
                                   "known_address_s"])
def test_limits_must_be_positive_numbers(field: str) -> None:
    with pytest.raises(InvalidParameter, match=f"{field}: expected a number > 0, got 0"):
        LoginLimits(**{field: 0})
