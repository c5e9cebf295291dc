"""Users, roles and password hashing."""
from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from geo.errors import ValidationError
from geo.status.snapshot import audit_entries
from geo.accounts.users import (
    add_user, authenticate, can, get_user, hash_password, list_users, set_active, set_password, set_role,
    verify_password,
)



def test_hashes_are_salted_scrypt_that_werkzeug_also_reads():
    first, second = hash_password("正确的密码 horse"), hash_password("正确的密码 horse")
    assert first.startswith("scrypt:32768:8:1$") and first != second
    assert "正确" not in first
    assert verify_password(first, "正确的密码 horse") and check_password_hash(first, "正确的密码 horse")
    assert not verify_password(first, "正确的密码 horse ")
    assert verify_password(generate_password_hash("from werkzeug", method="scrypt"), "from werkzeug")


@pytest.mark.parametrize("stored", ["", "plain", "pbkdf2:sha256:1$salt$abc", "scrypt:x:8:1$s$h", "scrypt:1$s$h"])
def test_malformed_or_foreign_hashes_never_match(stored):
    assert verify_password(stored, "anything") is False


def test_roles_grant_what_the_issue_says():
    assert [can("viewer", p) for p in ("read", "report", "manage_users")] == [True, False, False]
    assert [can("editor", p) for p in ("read", "report", "close", "edit_geometry", "manage_users")] == [
        True, True, True, True, False]
    assert can("admin", "manage_users") and can("admin", "edit_geometry")
    assert not can("root", "read")


def test_add_and_authenticate(store):
    user = add_user(store, "王五", role="editor", password="s3cret-pass", actor="cli:root")
    assert (user.name, user.role, user.can("close"), user.can("manage_users")) == ("王五", "editor", True, False)
    assert authenticate(store, "王五", "s3cret-pass") == user
    assert authenticate(store, "王五", "wrong-pass") is None
    assert authenticate(store, "nobody", "s3cret-pass") is None
    assert get_user(store, "王五") == user and get_user(store, "nobody") is None
    entry = audit_entries(store)[0]
    assert (entry.action, entry.actor, entry.details) == ("user_add", "cli:root", {"name": "王五", "role": "editor"})


def test_bad_users_name_every_field_and_duplicates_are_refused(store):
    with pytest.raises(ValidationError, match=r"3 validation problem\(s\)") as info:
        add_user(store, "has space", role="owner", password="short", actor="a")
    assert {p.field for p in info.value.problems} == {"name", "role", "password"}
    add_user(store, "li", role="viewer", password="long enough", actor="a")
    with pytest.raises(ValidationError, match="name: a user named 'li' exists already"):
        add_user(store, "li", role="admin", password="long enough", actor="a")
    assert [(u.name, u.role) for u in list_users(store)] == [("li", "viewer")]
    assert len(audit_entries(store)) == 1  # the refused add left nothing behind


def test_role_and_password_changes(store):
    add_user(store, "li", role="viewer", password="first password", actor="a")
    assert set_role(store, "li", role="admin", actor="b").role == "admin"
    set_password(store, "li", password="second password", actor="b")
    assert authenticate(store, "li", "first password") is None
    assert authenticate(store, "li", "second password").role == "admin"
    assert [e.action for e in audit_entries(store)] == ["user_password", "user_role", "user_add"]
    with pytest.raises(ValidationError, match="name: no user named 'zhao'"):
        set_role(store, "zhao", role="admin", actor="b")
    with pytest.raises(ValidationError, match="role: expected one of viewer, editor, admin"):
        set_role(store, "li", role="god", actor="b")


def test_names_are_nfkc_normalised_and_unique_ignoring_case(store):
    user = add_user(store, "Ｚhang.San", role="editor", password="a fine passphrase", actor="a")
    assert user.name == "Zhang.San"
    for clash in ("zhang.san", "ZHANG.SAN", "Ｚｈａｎｇ.Ｓａｎ"):
        with pytest.raises(ValidationError, match="a user named .* exists already") as info:
            add_user(store, clash, role="viewer", password="a fine passphrase", actor="a")
        assert info.value.problems[0].code == "name_taken"
    assert get_user(store, "zhang.san") == user == authenticate(store, "ZHANG.SAN", "a fine passphrase")
    assert [u.name for u in list_users(store)] == ["Zhang.San"]


@pytest.mark.parametrize("name", ["has space", "-li", ".hidden", "аdmin", "x" * 65, "tab\tname", "王·五", ""])
def test_new_names_outside_the_safe_set_are_refused(store, name):
    with pytest.raises(ValidationError, match="name: expected 1–64 ASCII letters") as info:
        add_user(store, name, role="viewer", password="a fine passphrase", actor="a")
    assert info.value.problems[0].code == "name_invalid"


@pytest.mark.parametrize(("password", "code"), [
    ("12345678", "password_too_short"), ("password", "password_too_short"), (" " * 12, "password_blank"),
    ("\x00" * 12, "password_control"), ("1234567890", "password_common"), ("Password123", "password_common"),
    ("Zhang.San.1", None),
])
def test_weak_passwords_are_refused_when_set(store, password, code):
    add_user(store, "li", role="viewer", password="first passphrase", actor="a")
    if code is None:
        set_password(store, "li", password=password, actor="a")
        return
    with pytest.raises(ValidationError, match="password: ") as info:
        set_password(store, "li", password=password, actor="a")
    assert [p.code for p in info.value.problems] == [code]
    assert authenticate(store, "li", "first passphrase") is not None


def test_a_password_set_before_the_rules_still_logs_in(store):
    import sqlalchemy as sa

    from geo.status import models

    add_user(store, "li", role="viewer", password="first passphrase", actor="a")
    with store.write() as session:
        session.execute(sa.update(models.User).values(password_hash=hash_password("12345678")))
    assert authenticate(store, "li", "12345678").name == "li"


def test_a_password_change_or_disabling_ends_every_session_of_that_user(store):
    from geo.accounts.sessions import SessionPolicy, session_user_id, start_session
    from geo.status.store import utc_now

    policy, now = SessionPolicy(), utc_now()
    li = add_user(store, "li", role="editor", password="first passphrase", actor="a")
    wang = add_user(store, "wang", role="editor", password="first passphrase", actor="a")
    tokens = [start_session(store, li.id, policy=policy, now=now) for _ in range(2)]
    other = start_session(store, wang.id, policy=policy, now=now)
    set_password(store, "li", password="second passphrase", actor="a")
    assert [session_user_id(store, t, policy=policy, now=now) for t in (*tokens, other)] == [None, None, wang.id]
    token = start_session(store, li.id, policy=policy, now=now)
    assert set_active(store, "LI", active=False, actor="admin").active is False
    assert session_user_id(store, token, policy=policy, now=now) is None
    assert authenticate(store, "li", "second passphrase") is None  # disabled: no login, not even the right one
    assert set_active(store, "li", active=True, actor="admin").active is True
    assert authenticate(store, "li", "second passphrase").name == "li"
    assert [e.action for e in audit_entries(store)][:3] == ["user_enable", "user_disable", "user_password"]
