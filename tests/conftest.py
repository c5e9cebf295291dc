"""Shared fixtures: a tiny hand-built plan data directory that tests can break one field at a time."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from geo.plan.schema import PLAN_DISTRICTS

# The database fixtures (database_url, store, plan) serve every test module: SQLite always, PostgreSQL when
# CORRIDOR_TEST_DATABASE_URL is set.
pytest_plugins = ("db_fixtures",)

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


def _square(lon: float, lat: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def tiny_layers() -> dict[str, dict]:
    """Seven 0.1°-wide plan areas in a row along latitude 27.9, a corridor, one block, one road, a square ring."""
    areas = [_feature({"id": f"D{i + 1:02d}", "name": name, "kind": "district", "adcode": 330300 + i,
                       "geometry_source": "surveyed", "source": "test"}, _square(120.1 + 0.1 * i, 27.9, 0.05))
             for i, name in enumerate(PLAN_DISTRICTS)]
    areas.append(_feature({"id": "CORRIDOR", "name": "研究范围", "kind": "corridor", "adcode": None,
                           "geometry_source": "approximate", "source": "test"}, _square(120.4, 27.9, 0.35)))
    block_props = {"id": "B01", "name": "测试区块", "name_en": "Test block", "district": "鹿城区", "tier": None,
                   "new_in_2021": True, "lead_unit": "市科技局", "responsible_unit": "鹿城区政府",
                   "geometry_source": "approximate"}
    corners = [[120.12, 27.88], [120.14, 27.88], [120.14, 27.92], [120.12, 27.92]]
    ring = [_feature({"id": f"RING-{side}", "name": f"环山{label}路", "category": "ring", "target_2021": "环线",
                      "lead_unit": "市住建局", "responsible_unit": "鹿城区政府", "geometry_source": "approximate",
                      "project_id": "R01" if side == "S" else None},
                     {"type": "LineString", "coordinates": [corners[i], corners[(i + 1) % 4]]})
            for i, (side, label) in enumerate(zip("NESW", "北东南西"))]
    road = _feature({"id": "R01", "name": "测试大道", "category": "road_continuing", "target_2021": "续建",
                     "lead_unit": "市住建局", "responsible_unit": "鹿城区政府", "geometry_source": "approximate",
                     "project_id": None}, {"type": "LineString", "coordinates": [[120.11, 27.9], [120.13, 27.9]]})
    task_common = {"target_2021": "六化", "lead_unit": "市综合行政执法局", "responsible_unit": "鹿城区政府",
                   "district": "鹿城区", "road_name": None}
    tasks = [
        _feature({"id": "E01", "name": "区块整治", "kind": "block", "block_id": "B01",
                  "geometry_source": "approximate", **task_common}, _square(120.1, 27.9, 0.01)),
        _feature({"id": "E02", "name": "道路整治", "kind": "ring_road", "block_id": None,
                  "geometry_source": "provisional", **task_common},
                 {"type": "LineString", "coordinates": [[120.08, 27.91], [120.09, 27.91]]}),
    ]
    collection = lambda features: {"type": "FeatureCollection", "features": features}  # noqa: E731
    return {
        "districts": collection(areas),
        "blocks": collection([_feature(block_props, _square(120.1, 27.9, 0.01))]),
        "roads": collection([road, *ring]),
        "tasks": collection(tasks),
    }


@pytest.fixture
def write_layers(tmp_path: Path):
    """Write (optionally modified) tiny layers, and optionally ``places`` as ``sources/places.csv``, into
    ``tmp_path`` and return the folder."""

    def write(modify=None, *, places: str | None = None) -> Path:
        layers = copy.deepcopy(tiny_layers())
        if modify is not None:
            modify(layers)
        for name, doc in layers.items():
            (tmp_path / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        if places is not None:  # the text of sources/places.csv (reference points such as the tour start)
            (tmp_path / "sources").mkdir(exist_ok=True)
            (tmp_path / "sources" / "places.csv").write_text(places, encoding="utf-8")
        return tmp_path

    return write
