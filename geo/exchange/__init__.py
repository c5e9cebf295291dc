"""The plan's layers as GIS files and back: exports, survey-file imports, coordinates and OGC queries.

Exports are :mod:`~geo.exchange.formats`; imports read a file (:mod:`~geo.exchange.survey_files`), bring its
coordinates to WGS-84 (:mod:`~geo.exchange.import_coordinates`) and store matched geometries
(:mod:`~geo.exchange.geometry_import`). :mod:`~geo.exchange.ogc_query` selects and pages features for ``/ogc``.
"""

__all__ = ["formats", "geometry_import", "import_coordinates", "ogc_query", "survey_files"]
