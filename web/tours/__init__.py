"""Inspection tours in the app: the planner page, saved tours, the phone-first field page with its offline
queue, and the inspection report.
"""

__all__ = ["field_api", "field_offline", "field_page", "inspection_report", "planner", "saved_tours"]
