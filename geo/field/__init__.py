"""Field work on saved inspection tours: check-ins, photos and their storage, and the inspection report.

Start at :mod:`~geo.field.saved_tours`; check-ins and photos share :mod:`~geo.field.submissions`; the report is
:mod:`~geo.field.inspection_report`. Writes through :mod:`geo.status`.
"""

__all__ = [
    "checkins", "inspection_report", "inspection_report_xlsx", "media_store", "photo_cleaning", "photos", "saved_tours",
    "submissions",
]
