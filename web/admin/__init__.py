"""Administration: managing users and roles."""

__all__ = ["users"]
