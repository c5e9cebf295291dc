"""Domain and analysis for the Daluoshan science-corridor map (no web code here)."""
