"""The navigation bar's links beyond the core pages: a page family adds its page with :func:`add_nav_link` (e.g.
from its blueprint's ``record_once``), and :mod:`web.views` shows them after 总览, 可达性 and 任务清单.
"""
from __future__ import annotations

from flask import Flask, current_app

NAV_EXTENSION = "corridor_nav"


def add_nav_link(app: Flask, label: str, endpoint: str) -> None:
    """Show a page of another blueprint in the navigation bar, after the core pages."""
    app.extensions.setdefault(NAV_EXTENSION, []).append((label, endpoint))


def added_nav_links() -> list[tuple[str, str]]:
    """``(label, endpoint)`` of the pages added to the current app's navigation bar, in the order added."""
    return current_app.extensions.get(NAV_EXTENSION, [])
