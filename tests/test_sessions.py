"""Server-side login sessions (geo/accounts/sessions.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from geo.status import models
from geo.errors import InvalidParameter
from geo.accounts.sessions import SessionPolicy, end_session, end_user_sessions, session_user_id, start_session
from geo.status.store import utc_now
from geo.accounts.users import add_user, set_active

POLICY = SessionPolicy(idle_s=3600, lifetime_s=4 * 3600, touch_s=60)


@pytest.fixture
def user(store):
    return add_user(store, "li", role="editor", password="a fine passphrase", actor="test")


def _rows(store) -> list[tuple]:
    with store.read() as session:
        return [tuple(row) for row in session.execute(sa.select(models.UserSession.user_id,
                                                                models.UserSession.token_hash))]


def test_only_the_tokens_digest_is_stored(store, user) -> None:
    token = start_session(store, user.id, policy=POLICY, now=utc_now())
    [(user_id, digest)] = _rows(store)
    assert user_id == user.id and len(digest) == 64 and token not in digest
    assert session_user_id(store, token, policy=POLICY, now=utc_now()) == user.id
    assert session_user_id(store, token + "x", policy=POLICY, now=utc_now()) is None


def test_ending_a_session_ends_that_one_only(store, user) -> None:
    now = utc_now()
    first, second = (start_session(store, user.id, policy=POLICY, now=now) for _ in range(2))
    assert end_session(store, first) is True and end_session(store, first) is False
    assert [session_user_id(store, t, policy=POLICY, now=now) for t in (first, second)] == [None, user.id]
    with store.write() as session:
        assert end_user_sessions(session, user.id) == 1
    assert session_user_id(store, second, policy=POLICY, now=now) is None


def test_idle_time_counts_from_the_last_use_at_touch_granularity(store, user) -> None:
    start = utc_now()
    token = start_session(store, user.id, policy=POLICY, now=start)
    assert session_user_id(store, token, policy=POLICY, now=start + timedelta(minutes=59)) == user.id
    # used at 0:59, so still live at 1:58; not past 1:59 + 1 h
    assert session_user_id(store, token, policy=POLICY, now=start + timedelta(minutes=118)) == user.id
    assert session_user_id(store, token, policy=POLICY, now=start + timedelta(minutes=179)) is None
    assert _rows(store) == []  # the expired row is gone


def test_the_lifetime_ends_a_busy_session(store, user) -> None:
    start = utc_now()
    token = start_session(store, user.id, policy=POLICY, now=start)
    for minutes in range(30, 240, 30):
        assert session_user_id(store, token, policy=POLICY, now=start + timedelta(minutes=minutes)) == user.id
    assert session_user_id(store, token, policy=POLICY, now=start + timedelta(hours=4)) is None


def test_a_disabled_users_sessions_are_refused_and_ended(store, user) -> None:
    token = start_session(store, user.id, policy=POLICY, now=utc_now())
    set_active(store, "li", active=False, actor="admin")
    assert session_user_id(store, token, policy=POLICY, now=utc_now()) is None and _rows(store) == []


def test_starting_a_session_clears_ended_ones(store, user) -> None:
    start = utc_now()
    start_session(store, user.id, policy=POLICY, now=start)
    start_session(store, user.id, policy=POLICY, now=start + timedelta(hours=2))
    assert len(_rows(store)) == 1


@pytest.mark.parametrize("field", ["idle_s", "lifetime_s", "touch_s"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "60"])
def test_the_policy_wants_whole_positive_seconds(field: str, value: object) -> None:
    with pytest.raises(InvalidParameter, match=f"{field}: expected a whole number of seconds > 0"):
        SessionPolicy(**{field: value})


def test_backups_hold_no_sessions_and_a_restore_ends_them(store, user, tmp_path) -> None:
    import json

    from geo.status.backup import backup, restore

    token = start_session(store, user.id, policy=POLICY, now=utc_now())
    backup(store, tmp_path / "status.json", format="json")
    assert not {"user_sessions", "login_counters"} & set(json.loads((tmp_path / "status.json").read_text())["tables"])
    restore(store, tmp_path / "status.json", replace=True)
    assert session_user_id(store, token, policy=POLICY, now=utc_now()) is None and _rows(store) == []
