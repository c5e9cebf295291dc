"""``corridor export``: the pages' downloads from the command line, with status from the database, and one line for
bad input."""
from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pyogrio
import pytest
from click.testing import CliRunner

from geo.plan.layers import load_plan
from geo.status.records import add_report
from geo.status.store import open_store
from web.cli.main import main


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh instance folder, so the repository's ``instance/`` is never touched."""
    return {"CORRIDOR_INSTANCE_PATH": str(tmp_path / "instance"), "CORRIDOR_DATABASE_URL": "",
            "CORRIDOR_DATA_DIR": "", "CORRIDOR_NETWORK": ""}


def test_export_writes_the_layer_with_status_from_the_database(tmp_path: Path, env: dict[str, str]) -> None:
    url = f"sqlite:///{tmp_path / 'status.sqlite3'}"
    store = open_store(url)
    add_report(store, load_plan(), "B05", percent=5, state="进行中", reported_on="2021-03-01", reporter="张三",
               expected_version=0, today=date(2021, 7, 1))
    store.close()
    out = tmp_path / "blocks.shp.zip"
    result = CliRunner().invoke(main, ["export", "blocks", "--format", "shp", "--out", str(out),
                                       "--database-url", url], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote blocks as shp (") and result.output.rstrip().endswith(str(out))
    assert zipfile.ZipFile(out).read("blocks.cpg") == b"UTF-8"
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == 13 and "温州南湖科创小镇" in set(frame["name"])
    colours = dict(zip(frame["id"], frame["status_col"]))
    assert colours["B05"] != "grey" and colours["B01"] == "grey"


def test_export_takes_the_layers_parameters(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "bands.kmz"
    result = CliRunner().invoke(main, ["export", "isochrones", "--format", "kmz", "--out", str(out), "--scenario",
                                       "baseline", "--congestion", "0.6"], env=env)
    assert result.exit_code == 0, result.output
    bands = pyogrio.read_dataframe(out)
    assert list(bands["band"]) == ["0-5", "5-10", "10-15", ">15"] and bands.crs.to_epsg() == 4326
    tour = tmp_path / "tour.gpkg"
    result = CliRunner().invoke(main, ["export", "tour", "--format", "gpkg", "--out", str(tour), "--sites",
                                       "B01,B05", "--depart", "09:00"], env=env)
    assert result.exit_code == 0, result.output
    assert dict(pyogrio.list_layers(tour)) == {"tour_points": "Point", "tour_lines": "LineString"}
    stops = pyogrio.read_dataframe(tour, layer="tour_points")
    assert stops["name"].iloc[0] == "温州市人民政府" and stops["depart"].iloc[0] == "09:00"


@pytest.mark.parametrize(("arguments", "line"), [
    (["lakes", "--format", "gpkg"], "error: layer: expected one of blocks, roads, tasks, districts, parks, "
                                    "isochrones, tour, got 'lakes'"),
    (["blocks", "--format", "dxf"], "error: format: expected one of gpkg, shp, kml, kmz, geojson, csv, got 'dxf'"),
    (["districts", "--format", "csv", "--scenario", "planned"], "error: scenario: this layer takes no parameters"),
    (["isochrones", "--format", "csv", "--congestion", "fast"], "error: congestion: expected a number such as 0.6"),
])
def test_bad_input_fails_in_one_line(tmp_path: Path, env: dict[str, str], arguments: list[str], line: str) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(main, ["export", *arguments, "--out", str(out)], env=env)
    assert result.exit_code == 2 and not out.exists()
    assert len(result.output.splitlines()) == 1 and result.output.startswith(line)
