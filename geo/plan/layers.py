"""The plan's data layers: load them once, validated, as GeoDataFrames.

``load_plan`` is the one entry point: it reads ``blocks``, ``roads``, ``tasks`` and ``districts`` from a data
directory, checks every layer and the links between them, and raises :class:`~geo.errors.ValidationError` listing
every problem at once.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import DataFileError, UnknownItem, ValidationError
from geo.plan.schema import LAYERS, METRIC_CRS, PLACES_LAYER, PLAN_DISTRICTS, WGS84
from geo.plan.validate import Problem, check_features, check_inside_areas, read_feature_collection, to_geodataframe

logger = logging.getLogger(__name__)

DISTRICT_TOLERANCE_M = 200.0
RING_JOIN_TOLERANCE_M = 1.0


@dataclass(frozen=True)
class PlanData:
    """The plan's four layers, each a GeoDataFrame in EPSG:4326 with one row per feature."""

    blocks: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    tasks: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame

    @property
    def ring(self) -> gpd.GeoDataFrame:
        """The ring-road segments (``category == "ring"``)."""
        return self.roads[self.roads["category"] == "ring"]

    @property
    def corridor(self) -> shapely.Geometry:
        """The corridor study area polygon."""
        return self.districts.loc[self.districts["kind"] == "corridor"].geometry.iloc[0]

    def layer_of(self, item_id: str) -> str:
        """The layer (``blocks``, ``roads`` or ``tasks``) holding ``item_id``; :class:`UnknownItem` if none does."""
        for name in ("blocks", "roads", "tasks"):
            if (getattr(self, name)["id"] == item_id).any():
                return name
        raise UnknownItem(f"no block, road or task has id {item_id!r}; ids look like B01, R05, RING-N or E14",
                          item_id=item_id)

    def item(self, item_id: str) -> pd.Series:
        """Return the block, road or task with ``item_id``; raise :class:`UnknownItem` if none has it."""
        for layer in (self.blocks, self.roads, self.tasks):
            match = layer[layer["id"] == item_id]
            if len(match):
                return match.iloc[0]
        raise UnknownItem(f"no block, road or task has id {item_id!r}; ids look like B01, R05, RING-N or E14",
                          item_id=item_id)


def default_data_dir() -> Path:
    """The data directory: ``$CORRIDOR_DATA_DIR`` if set, else the project's ``data/`` folder."""
    configured = os.environ.get("CORRIDOR_DATA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "data"


def read_plan(data_dir: Path | str | None = None, *,
              tolerance_m: float = DISTRICT_TOLERANCE_M) -> tuple[PlanData | None, list[Problem]]:
    """Read and check every layer, returning the data (``None`` if a layer is unusable) and all problems."""
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    layers: dict[str, gpd.GeoDataFrame] = {}
    problems: list[Problem] = []
    for name, spec in LAYERS.items():
        doc, file_problems = read_feature_collection(directory / spec.filename)
        problems += file_problems
        if doc is not None:
            parsed, feature_problems = check_features(doc, spec)
            problems += feature_problems
            layers[name] = to_geodataframe(parsed, spec)
    if len(layers) < len(LAYERS):
        return None, problems
    data = PlanData(**layers)
    problems += check_links(data, tolerance_m=tolerance_m)
    return data, problems


def read_places(data_dir: Path | str | None = None) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read and check the named places of the OpenStreetMap extract (``osm-places.geojson``).

    The places are a reference for checking the blocks' positions, not part of the plan, so a data directory
    without the file is not a problem: the result is then ``(None, [])``.
    """
    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    path = directory / PLACES_LAYER.filename
    if not path.exists():
        return None, []
    doc, problems = read_feature_collection(path)
    if doc is None:
        return None, problems
    parsed, feature_problems = check_features(doc, PLACES_LAYER)
    return to_geodataframe(parsed, PLACES_LAYER), problems + feature_problems


def load_plan(data_dir: Path | str | None = None, *, tolerance_m: float = DISTRICT_TOLERANCE_M) -> PlanData:
    """Load the four layers from ``data_dir`` and validate them.

    Raises
    ------
    ValidationError
        Listing every problem found, when there is at least one.
    """
    data, problems = read_plan(data_dir, tolerance_m=tolerance_m)
    if problems:
        raise ValidationError(problems)
    logger.info("loaded plan data: %d blocks, %d roads, %d tasks", len(data.blocks), len(data.roads),
                len(data.tasks))
    return data


def check_links(data: PlanData, *, tolerance_m: float) -> list[Problem]:
    """Checks across layers: areas exist, features lie in their district, references resolve, the ring closes."""
    problems = _check_areas(data.districts)
    areas = data.districts[data.districts["kind"] != "corridor"]
    if problems:
        return problems
    problems += check_inside_areas(data.blocks, areas, filename="blocks.geojson", tolerance_m=tolerance_m)
    problems += check_inside_areas(data.tasks, areas, filename="tasks.geojson", tolerance_m=tolerance_m)
    problems += _check_task_blocks(data.tasks, data.blocks)
    problems += _check_project_refs(data.roads)
    problems += check_ring_closed(data.roads)
    return problems


def _check_areas(districts: gpd.GeoDataFrame) -> list[Problem]:
    problems = [Problem("districts.geojson", None, "name", f"missing the plan area {name}")
                for name in PLAN_DISTRICTS if name not in set(districts["name"])]
    corridors = int((districts["kind"] == "corridor").sum())
    if corridors != 1:
        problems.append(Problem("districts.geojson", None, "kind",
                                f"expected exactly one feature of kind 'corridor' (the study area), got {corridors}"))
    return problems


def _check_task_blocks(tasks: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame) -> list[Problem]:
    district_of = dict(zip(blocks["id"], blocks["district"]))
    problems = []
    for fid, kind, block_id, district in zip(tasks["id"], tasks["kind"], tasks["block_id"], tasks["district"]):
        if kind == "block" and block_id not in district_of:
            problems.append(Problem("tasks.geojson", fid, "block_id",
                                    f"a block task needs the id of a block in blocks.geojson, got {block_id!r}"))
        elif kind == "block" and district_of[block_id] != district:
            problems.append(Problem("tasks.geojson", fid, "district",
                                    f"expected {district_of[block_id]} (the district of {block_id}), got {district}"))
        elif kind == "ring_road" and block_id is not None:
            problems.append(Problem("tasks.geojson", fid, "block_id",
                                    f"a ring-road task has no block; expected null, got {block_id!r}"))
    return problems


def _check_project_refs(roads: gpd.GeoDataFrame) -> list[Problem]:
    known = set(roads.loc[roads["category"] != "ring", "id"])
    return [Problem("roads.geojson", fid, "project_id", f"names no road project in roads.geojson: {project!r}")
            for fid, project in zip(roads["id"], roads["project_id"]) if project is not None and project not in known]


def check_ring_closed(roads: gpd.GeoDataFrame) -> list[Problem]:
    """Check that the ring segments join end to end (within 1 m) into one closed loop."""
    ring = roads[(roads["category"] == "ring") & roads.geometry.notna()].to_crs(METRIC_CRS)
    if ring.empty:
        return [Problem("roads.geojson", None, "category", "no ring segments (category 'ring'); the accessibility "
                                                      "check needs the ring road")]
    if (ring.geom_type != "LineString").any():
        others = ring[ring.geom_type != "LineString"]
        return [Problem("roads.geojson", fid, "geometry", "a ring segment must be a single LineString",
                        kind="geometry_type", details={"expected": ("LineString",), "got": got})
                for fid, got in zip(others["id"], others.geom_type)]
    starts = {fid: shapely.Point(g.coords[0]) for fid, g in zip(ring["id"], ring.geometry)}
    ends = {fid: shapely.Point(g.coords[-1]) for fid, g in zip(ring["id"], ring.geometry)}
    problems = []
    for fid, end in ends.items():
        followers = [other for other, start in starts.items() if start.distance(end) <= RING_JOIN_TOLERANCE_M]
        if len(followers) != 1:
            problems.append(Problem("roads.geojson", fid, "geometry",
                                    f"the ring must close: this segment's end should meet exactly one other "
                                    f"segment's start, found {len(followers)}", kind="ring_not_closed",
                                    details={"segment": fid, "found": len(followers)}))
    return problems


def reference_points(data_dir: Path | str | None = None) -> gpd.GeoDataFrame:
    """Named reference points (e.g. 温州市人民政府, the default tour start) from ``sources/places.csv``."""
    path = (Path(data_dir) if data_dir is not None else default_data_dir()) / "sources" / "places.csv"
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataFileError(f"could not read reference points from {path}: {exc}") from exc
    points = table[table["kind"] == "reference"].reset_index(drop=True)
    return gpd.GeoDataFrame(points[["name", "kind", "district", "confidence", "source"]],
                            geometry=gpd.points_from_xy(points["lon"], points["lat"]), crs=WGS84)
