"""What the test environment provides: a missing service skips a test locally but fails it under `make test`."""
from __future__ import annotations

import os

import pytest

REQUIRE_ALL_ENV = "CORRIDOR_TEST_REQUIRE_ALL"


def unavailable(reason: str) -> None:
    """Skip the calling test because ``reason``; fail it instead when ``$CORRIDOR_TEST_REQUIRE_ALL`` is set.

    ``make test`` (and so CI) installs Chromium and starts PostgreSQL and sets the variable, so a broken set-up
    shows as failures there rather than as quietly skipped tests.
    """
    if os.environ.get(REQUIRE_ALL_ENV):
        pytest.fail(f"{reason} (required because {REQUIRE_ALL_ENV} is set)")
    pytest.skip(reason)
