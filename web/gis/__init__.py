"""GIS exchange on the web: OGC API – Features, file exports of every layer and data freshness."""

__all__ = ["exports", "freshness", "ogc"]
