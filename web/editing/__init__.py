"""Keeping items current: the item page, the write API, the geometry editor, imports of surveyed geometries,
geometry versions, the history chart and the overview's timeline.
"""

__all__ = ["editor_api", "geometry_import", "geometry_versions", "items", "timeline"]
