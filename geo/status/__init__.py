"""The status database: what has been reported, and each item's colour at a date.

Owns the tables (:mod:`~geo.status.models`), the engine, migrations and transactions (:mod:`~geo.status.store`),
writing (:mod:`~geo.status.records`, :mod:`~geo.status.target_records`, validated by :mod:`~geo.status.edits` and
:mod:`~geo.status.plausibility`), reading (:mod:`~geo.status.snapshot`, :mod:`~geo.status.merged`,
:mod:`~geo.status.as_of`), three-colour management (:mod:`~geo.status.colours`), target achievement, geometry
versions and backups. Reads :mod:`geo.plan`; nothing here knows the road network.
"""

__all__ = [
    "achievement", "as_of", "backup", "colours", "database_faults", "edits", "geometry_versions", "merged", "models",
    "open_to_traffic", "plausibility", "records", "snapshot", "store", "target_records",
]
