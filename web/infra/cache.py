"""Small per-app caches of derived pages and tables, least recently used first out.

Each cache lives in ``app.extensions[name]``, so every app (and every test app) has its own; callers key entries on
what the value depends on (e.g. :func:`geo.status.snapshot.latest_change_id`), so a write makes old entries unreachable and
they age out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
DEFAULT_SIZE = 16

_lock = threading.Lock()


def app_cached(name: str, key: Hashable, compute: Callable[[], T], *, size: int = DEFAULT_SIZE) -> T:
    """``compute()`` cached under ``key`` in the current app's cache ``name`` (at most ``size`` entries).

    ``compute`` runs outside the lock: two first requests may both compute, and the later result is kept.
    """
    with _lock:
        cache = current_app.extensions.setdefault(name, OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    value = compute()
    with _lock:
        cache[key] = value
        while len(cache) > size:
            cache.popitem(last=False)
    return value
