"""Inspection tours in the app: the planner page, saved tours, the phone-first field page with its offline
queue, and the inspection report.
"""
