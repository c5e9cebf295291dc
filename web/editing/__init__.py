"""Keeping items current: the item page, the write API, the geometry editor, imports of surveyed geometries,
geometry versions, the history chart and the overview's timeline.
"""
