"""Administration: managing users and roles."""
