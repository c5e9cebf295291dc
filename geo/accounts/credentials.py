"""What a user name and a password must be: the rules for new names and new passwords, each refusal with a code.

Names are NFKC-normalised (full-width ``Ａｄｍｉｎ`` is ``Admin``) and compared ignoring case through their key
(:func:`name_key`), so ``Admin1`` cannot stand beside ``admin1``. New names are limited to a safe set: ASCII
letters and digits, Chinese characters (the CJK Unified Ideographs block) and ``. _ @ -`` inside the name — no
spaces, no look-alike letters of other scripts, nothing that could pass for an option on a command line.

Passwords need :data:`MIN_PASSWORD_CHARS` characters, more than whitespace, no control characters, must not be
the user name, and must not be on the list of 30,000 common passwords shipped with the ``zxcvbn`` package
(compared ignoring case). The rules apply when a password is set; existing passwords keep working.

Each problem is a :class:`PolicyProblem`: the field, an English message saying what was expected, and a stable
``code`` (:data:`CODES`) by which the web pages show a Chinese message and the JSON answers name the error.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from geo.plan.validate import Problem

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
MAX_NAME_CHARS = 64
MAX_KEY_CHARS = 128  # NFKC and case folding can lengthen a name written before these rules
_NAME_PATTERN = re.compile(r"[A-Za-z0-9\u4e00-\u9fff](?:[A-Za-z0-9\u4e00-\u9fff._@-]{0,63})")
CODES: tuple[str, ...] = (
    "name_invalid", "name_taken", "name_unknown", "role_invalid", "password_too_short", "password_too_long",
    "password_blank", "password_control", "password_common", "password_is_name",
)


@dataclass(frozen=True)
class PolicyProblem(Problem):
    """A refused name, role or password: :class:`~geo.plan.validate.Problem` plus a stable English ``code``."""

    code: str


def normalise_name(name: str) -> str:
    """``name`` as stored: NFKC-normalised, without surrounding whitespace."""
    return unicodedata.normalize("NFKC", name).strip()


def name_key(name: str) -> str:
    """The key under which names are compared: the NFKC-normalised name, case-folded."""
    return normalise_name(name).casefold()


def login_key(name: object) -> str | None:
    """The key of a name typed at login, or ``None`` when it cannot be any user's (empty, not text, too long)."""
    if not isinstance(name, str):
        return None
    key = name_key(name)
    return key if 0 < len(key) <= MAX_KEY_CHARS else None


def name_problems(what: str, name: object) -> list[PolicyProblem]:
    """Why ``name`` (already normalised) cannot be a new user's name; empty when it can."""
    if isinstance(name, str) and _NAME_PATTERN.fullmatch(name):
        return []
    message = ("expected 1–64 ASCII letters, digits, Chinese characters or . _ @ - (starting with a letter, digit "
               f"or Chinese character), got {name!r}")
    return [PolicyProblem(what, name if isinstance(name, str) else None, "name", message,
                          "name_invalid")]


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common passwords of ``zxcvbn``'s frequency list, lower case (loaded on first use: it is large)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def password_problems(what: str, password: object, *, name: str | None) -> list[PolicyProblem]:
    """Why ``password`` cannot be set (for the user ``name``, if known); empty when it can. No message repeats
    the password."""
    def problem(code: str, message: str) -> list[PolicyProblem]:
        return [PolicyProblem(what, name, "password", message, code)]

    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        got = len(password) if isinstance(password, str) else type(password).__name__
        return problem("password_too_short", f"expected at least {MIN_PASSWORD_CHARS} characters, got {got}; "
                                             "a phrase of several words is long and easy to remember")
    if len(password) > MAX_PASSWORD_CHARS:
        return problem("password_too_long", f"expected at most {MAX_PASSWORD_CHARS} characters, got "
                                            f"{len(password)}")
    if not password.strip():
        return problem("password_blank", "expected more than whitespace")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in password):
        return problem("password_control", "expected printable characters only, got a control character (such "
                                           "as NUL, tab or a line break); type it without them")
    if name is not None and password.strip().casefold() == name_key(name):
        return problem("password_is_name", "expected a password other than the user name")
    if password.strip().casefold() in common_passwords():
        return problem("password_common", "is one of the most common passwords (zxcvbn's list) that attackers "
                                          "try first; choose another")
    return []
