"""The `corridor` command line."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from web.cli.main import main


def test_validate_shipped_data_exits_zero():
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output
    assert "blocks: 13 (plan: 13)" in result.output
    assert "续建10条" in result.output
    assert "road_continuing: plan 10 (“市域铁路S2线一期等10条”, line 216; 8 named); data 8" in result.output


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


def test_serve_on_a_busy_port_fails_in_one_line_naming_the_port_and_the_fix(write_layers, tmp_path):
    script = Path(sys.executable).with_name("corridor")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli.main import main; main()"]
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env.update(CORRIDOR_INSTANCE_PATH=str(tmp_path / "instance"), CORRIDOR_DATA_DIR=str(write_layers()))
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = subprocess.run([*command, "serve", "--port", str(port)], env=env, capture_output=True, text=True,
                                timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"error: cannot listen on 127.0.0.1:{port}: port {port} is already in use (another "
                             f"corridor serve, or another program: `ss -ltnp 'sport = :{port}'` shows which); stop "
                             f"it or choose another port with --port\n")
