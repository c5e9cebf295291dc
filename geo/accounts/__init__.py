"""Users, roles, passwords, login sessions and login rate limits, kept in the status database."""
