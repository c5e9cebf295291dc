"""The rules for user names and passwords (geo/accounts/credentials.py)."""
from __future__ import annotations

import pytest

from geo.accounts.credentials import (
    CODES, MAX_KEY_CHARS, common_passwords, login_key, name_key, name_problems, normalise_name, password_problems,
)


def test_names_are_nfkc_normalised_and_keyed_ignoring_case() -> None:
    assert normalise_name(" Ａｄｍｉｎ１ ") == "Admin1"
    assert name_key("Admin1") == name_key("ADMIN1") == name_key("ａｄｍｉｎ１") == "admin1"
    assert name_key("王五") == "王五"


@pytest.mark.parametrize("name", ["li", "Zhang.San", "wang_wu-2", "ops@bureau", "王五", "7th", "a" * 64])
def test_safe_names_pass(name: str) -> None:
    assert name_problems("user", name) == []


@pytest.mark.parametrize("name", ["", "has space", "-rf", "_x", ".x", "аdmin", "ad\u200bmin", "a/b", "a" * 65,
                                  "王·五", "x\x00", None, 7])
def test_unsafe_names_are_refused_with_a_code(name: object) -> None:
    [problem] = name_problems("user", name)
    assert (problem.field, problem.code) == ("name", "name_invalid")
    assert problem.message.startswith("expected 1–64 ASCII letters, digits, Chinese characters")


def test_login_keys_are_none_for_what_cannot_be_a_name() -> None:
    assert login_key(" Editor ") == "editor"
    assert login_key("") is None and login_key("   ") is None and login_key(["editor"]) is None
    assert login_key("x" * (MAX_KEY_CHARS + 1)) is None


@pytest.mark.parametrize(("password", "code"), [
    ("12345678", "password_too_short"), ("password", "password_too_short"), ("123456789", "password_too_short"),
    (None, "password_too_short"), ("x" * 1025, "password_too_long"), (" " * 10, "password_blank"),
    ("\t\n \u3000" * 3, "password_blank"), ("\x00" * 10, "password_control"),
    ("good passphrase\x1b", "password_control"), ("good \ud800 passphrase", "password_control"),
    ("1234567890", "password_common"), ("QWERTYUIOP", "password_common"), ("iloveyou12", "password_common"),
    ("zhang.san1", None), ("Zhang.San1 ", None),
])
def test_password_rules(password: object, code: str | None) -> None:
    problems = password_problems("user", password, name="Zhang.San")
    assert [p.code for p in problems] == ([code] if code else [])
    assert all(p.field == "password" and p.code in CODES for p in problems)
    if isinstance(password, str) and len(password.strip()) > 3:
        assert all(password.strip() not in p.message for p in problems)  # no message repeats the password


def test_the_password_may_not_be_the_name() -> None:
    [problem] = password_problems("user", "Long.Name.99", name="long.name.99")
    assert problem.code == "password_is_name"


def test_the_common_list_is_zxcvbns_thirty_thousand_in_lower_case() -> None:
    words = common_passwords()
    assert len(words) > 29_000 and {"password", "12345678", "qwerty"} <= words
    assert all(word == word.casefold() for word in words)
