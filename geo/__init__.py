"""Domain and analysis for the Daluoshan science-corridor map (no web code here)."""

__all__ = ["access", "accounts", "bulletins", "errors", "exchange", "field", "network", "plan", "status", "tours"]
