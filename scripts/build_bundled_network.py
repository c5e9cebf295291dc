"""Build the bundled road network ``data/network/`` from the BBBike extract of Wenzhou (real OpenStreetMap roads).

The extent is the bounds of everything the plan places — ``blocks.geojson``, ``tasks.geojson``, ``roads.geojson``
(transit rows included) and the ``CORRIDOR`` feature of ``districts.geojson`` — grown by ``--margin-km`` on every
side. The rules of the build are those of :mod:`geo.network.bbbike_build`; this script only chooses the extent, runs it
finds the plan's ring and road projects on the network (:func:`geo.access.plan_matching.match_plan`), and writes the cache
(:func:`geo.network.road_network.save_network`) with ``diagnostics.geojson`` (what was snapped, noded, repaired, dropped or left
outside the largest component) and ``ring.geojson`` (the matched ring, which ``scripts/build_plan_data.py`` writes
into ``roads.geojson``) beside it. Building twice gives identical files. After a change to the plan's layers run
``build_plan_data.py``, this script, then ``build_plan_data.py`` again (it takes the matched ring from here).

Usage: ``python scripts/build_bundled_network.py [--data-dir DIR] [--source PATH] [--out DIR] [--margin-km 3]``
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from geo.network.bbbike import read_extract
from geo.network.bbbike_build import build_network, diagnostics_geojson
from geo.errors import CorridorError
from geo.network.road_network import save_network
from geo.network.osm_source import MIN_MARGIN_KM, plan_extent
from geo.plan.layers import load_plan, read_places
from geo.access.plan_matching import match_plan, ring_feature_collection

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
BUILT_BY = "scripts/build_bundled_network.py"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO / "data", help="folder with the plan's layers")
    parser.add_argument("--source", type=Path, default=REPO / "data" / "sources" / "wenzhou-bbbike-roads.json",
                        help="the BBBike extract")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "network", help="cache folder to write")
    parser.add_argument("--margin-km", type=float, default=MIN_MARGIN_KM, help="margin around the plan's bounds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        extent = plan_extent(args.data_dir, margin_km=args.margin_km)
        network, report = build_network(read_extract(args.source), extent_wgs84=extent)
        network.source = {**network.source, "built_by": BUILT_BY}
        places, _ = read_places(args.data_dir)
        network, match = match_plan(network, load_plan(args.data_dir), places=places)
    except CorridorError as exc:
        parser.exit(1, f"error: {exc}\n")
    save_network(network, args.out)
    ring = json.dumps(ring_feature_collection(network, match), ensure_ascii=False, separators=(",", ":"))
    (args.out / "ring.geojson").write_text(ring + "\n", encoding="utf-8")
    diagnostics = json.dumps(diagnostics_geojson(report.diagnostics), ensure_ascii=False, separators=(",", ":"))
    (args.out / "diagnostics.geojson").write_text(diagnostics + "\n", encoding="utf-8")
    logger.info("extent %s; %s", extent, report.counts())
    for project in match.projects:
        logger.info("%s %s: %s, %.1f km %s %s", project.id, project.name, project.method, project.length_m / 1000,
                    "/".join(project.osm_names), project.note)
    logger.info("ring: one closed loop of %.1f km (%s)", match.ring_length_m / 1000,
                ", ".join(f"{s.id} {s.length_m / 1000:.1f} km" for s in match.ring))
    logger.info("largest strongly connected component: %.1f of %.1f km (%.2f %%); %d nodes, %d edges in %s",
                report.largest_component_km, report.network_km, 100 * report.largest_component_share,
                network.n_nodes, network.n_edges, args.out)


if __name__ == "__main__":
    main()
