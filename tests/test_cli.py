"""The `corridor` command line."""
from __future__ import annotations

import json

from click.testing import CliRunner

from web.cli import main


def test_validate_shipped_data_exits_zero():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output
    assert "blocks: 13 (plan: 13)" in result.output
    assert "续建10条" in result.output


def test_validate_json(write_layers):
    result = CliRunner().invoke(main, ["validate", "--json"])
    report = json.loads(result.output)
    assert report["valid"] is True and report["counts"]["tasks"]["found"] == 76


def test_validate_broken_data_lists_every_problem(write_layers):
    def modify(layers):
        layers["blocks"]["features"][0]["properties"]["district"] = "温州市"
        layers["roads"]["features"][0]["geometry"] = None
    folder = write_layers(modify)
    result = CliRunner().invoke(main, ["validate", "--json", "--data-dir", str(folder)])
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    where = {(p["file"], p["feature_id"], p["field"]) for p in problems}
    assert ("blocks.geojson", "B01", "district") in where
    assert ("roads.geojson", "R01", "geometry") in where
    text = CliRunner().invoke(main, ["validate", "--data-dir", str(folder)])
    assert text.exit_code == 1 and "blocks.geojson [B01] district: expected one of" in text.output
