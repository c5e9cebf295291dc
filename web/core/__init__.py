"""What every page family shares: the per-app state and status database, features and colours, as-of review,
Chinese labels and messages, errors, login and roles, conditional requests, logs and security headers.

Start at :mod:`~web.core.state` (the plan loaded once) and :mod:`~web.core.database` (the status database in the app).
"""
