"""Quarterly bulletins (季度通报): every item as of a quarter, the lagging list, target sections and files.

Start at :mod:`~geo.bulletins.bulletin`. Reads the status database through :mod:`geo.status`.
"""

__all__ = ["bulletin", "files", "lagging"]
