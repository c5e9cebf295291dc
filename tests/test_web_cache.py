"""Per-app caches: hits, least-recently-used eviction, and one cache per app."""
from __future__ import annotations

from flask import Flask

from web.infra.cache import app_cached


def test_a_hit_does_not_compute_again_and_the_least_recently_used_goes_first() -> None:
    calls: list[str] = []

    def value(key: str):
        return lambda: calls.append(key) or key.upper()

    with Flask(__name__).app_context():
        assert app_cached("things", "a", value("a"), size=2) == "A"
        assert app_cached("things", "b", value("b"), size=2) == "B"
        assert app_cached("things", "a", value("a"), size=2) == "A"  # a hit, and now the most recent
        assert app_cached("things", "c", value("c"), size=2) == "C"  # evicts b
        assert app_cached("things", "a", value("a"), size=2) == "A"
        assert app_cached("things", "b", value("b"), size=2) == "B"
    assert calls == ["a", "b", "c", "b"]


def test_each_app_and_each_name_has_its_own_cache() -> None:
    first, second = Flask("first"), Flask("second")
    with first.app_context():
        app_cached("things", "k", lambda: 1)
        assert app_cached("other", "k", lambda: 3) == 3
    with second.app_context():
        assert app_cached("things", "k", lambda: 2) == 2
    with first.app_context():
        assert app_cached("things", "k", lambda: 9) == 1
