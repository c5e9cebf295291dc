"""What every page family shares: the per-app state, the status database and the live status read from it, features
and colours, as-of review, Chinese labels and messages, errors, login and roles, the navigation bar, base-map tiles,
conditional requests, logs and security headers.

Start at :mod:`~web.core.state` (the plan loaded once), :mod:`~web.core.database` (the status database in the app)
and :mod:`~web.core.live_status` (every item's status, kept current).
"""

__all__ = ["as_of", "as_of_view", "auth", "confirmations", "database", "errors", "features", "http_cache", "instance",
           "labels", "live_status", "message_texts", "messages", "navigation", "observability", "popups", "security",
           "state", "status", "tiles", "times"]
