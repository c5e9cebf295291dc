"""Build the layers ``data/{blocks,roads,tasks,districts,osm-places}.geojson`` from ``data/sources/``.

Deterministic: every random choice comes from a ``random.Random`` seeded with a fixed string, so running the
script twice gives byte-identical files. Reads only ``places.csv``, ``wenzhou-districts.geojson``,
``s1-metro-stations.csv`` and the named places of ``wenzhou-bbbike-roads.json``, which it also writes out as
``data/osm-places.geojson`` (ODbL). A block whose name denotes one of those places is re-anchored there
(:func:`geo.plan.places.anchor_places`). A value is the plan's words verbatim only where ``docs/data-model.md``'s
provenance table says ``plan`` (``corridor validate`` checks it); refinements go into fields marked derived, the
project's own guesses into fields marked project or, for positions the plan does not give, ``provisional``
geometries. The build itself is :mod:`geo.plan.build_layers`.

Usage: ``python scripts/build_plan_data.py [--sources DIR] [--out DIR]``
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geo.network.bbbike import read_extract, railway_line
from geo.plan.build_inputs import S2_RAILWAY
from geo.plan.build_layers import build_layers

REPO = Path(__file__).resolve().parent.parent


def build(*, sources: Path, out: Path, matched_ring: Path | None = None) -> dict[str, Path]:
    """Build the five layers from ``sources`` (and the matched ring, when given) into ``out``; return the written
    paths by layer name. The OpenStreetMap extract is read here: :mod:`geo.plan` reads no network files."""
    extract = read_extract(sources / "wenzhou-bbbike-roads.json")
    osm_places = [(place.name, place.kind, place.lon, place.lat) for place in extract.places]
    return build_layers(sources=sources, out=out, osm_places=osm_places,
                        s2_railway=railway_line(extract, S2_RAILWAY), matched_ring=matched_ring)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=REPO / "data" / "sources")
    parser.add_argument("--out", type=Path, default=REPO / "data")
    parser.add_argument("--matched-ring", type=Path, default=REPO / "data" / "network" / "ring.geojson",
                        help="the ring matched onto the bundled network (scripts/build_bundled_network.py)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    build(sources=args.sources, out=args.out, matched_ring=args.matched_ring)


if __name__ == "__main__":
    main()
