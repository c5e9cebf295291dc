"""Users, roles, passwords, login sessions and login rate limits, kept in the status database."""

__all__ = ["credentials", "login_limits", "sessions", "users"]
