"""Flask application for the Daluoshan corridor map (created by :func:`create_app`)."""
