"""create_app configuration (defaults, CORRIDOR_* variables, test_config), data loading, `corridor serve`."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo.errors import InvalidParameter, UnknownItem, ValidationError
from web import DEFAULTS, create_app
from web.cli.main import main
from web.core.state import corridor_state
from web_fixtures import REPO, make_app


def test_defaults_then_environment_then_test_config(write_layers, monkeypatch) -> None:
    folder = write_layers()
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(folder))
    monkeypatch.setenv("CORRIDOR_TILES", "amap")
    from_env = create_app()
    assert from_env.config["TILES"] == "amap" and from_env.config["DATA_DIR"] == str(folder)
    assert from_env.config["NETWORK"] is DEFAULTS["NETWORK"]
    overridden = create_app({"TILES": "osm"})
    assert overridden.config["TILES"] == "osm" and overridden.config["DATA_DIR"] == str(folder)


def test_data_is_loaded_once_per_app(write_layers) -> None:
    app = make_app(write_layers())
    state = corridor_state(app)
    client = app.test_client()
    client.get("/api/blocks")
    client.get("/")
    assert corridor_state(app) is state
    assert make_app(write_layers()).extensions["corridor"] is not state


def test_targets_load_on_first_use_and_items_find_their_catalogue(write_layers) -> None:
    tiny = corridor_state(make_app(write_layers()))
    assert tiny.catalogue_for("B01") is tiny.plan  # a data folder with only the map layers still serves the map
    with pytest.raises(ValidationError, match="targets.csv.*file not found"):
        tiny.catalogue_for("DT01-1")
    real = corridor_state(make_app(REPO / "data"))
    assert real.catalogue_for("DT02-2.1") is real.targets
    assert real.targets is real.targets and len(real.targets.parks) == 6
    with pytest.raises(UnknownItem, match="no department task has id 'DT99-1'"):
        real.catalogue_for("DT99-1")
    with pytest.raises(UnknownItem, match="no block, road or task has id 'X1'"):
        real.catalogue_for("X1")


@pytest.mark.parametrize(("config", "field"), [
    ({"TILES": "google"}, "CORRIDOR_TILES"),
    ({"TILES": "tianditu", "TIANDITU_KEY": ""}, "CORRIDOR_TIANDITU_KEY"),
])
def test_bad_configuration_is_refused_naming_the_variable(write_layers, config: dict, field: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_app(write_layers(), **config)
    assert caught.value.field == field


def test_invalid_data_is_refused_at_start(write_layers) -> None:
    def break_block(layers: dict) -> None:
        layers["blocks"]["features"][0]["properties"]["district"] = "温州市"

    with pytest.raises(ValidationError, match="district"):
        make_app(write_layers(break_block))


def test_serve_refuses_a_bad_configuration(monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_TILES", "google")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code != 0 and "CORRIDOR_TILES" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_the_app_on_waitress(write_layers) -> None:
    port = _free_port()
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(write_layers()), "CORRIDOR_TILES": "osm"}
    command = [str(Path(sys.executable).with_name("corridor")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body, server_header = _get_when_up(f"http://127.0.0.1:{port}/api/health", server)
        assert b'"status":"ok"' in body
        assert server_header == "waitress"  # the production server, not Werkzeug's development one
    finally:
        server.terminate()
        server.communicate(timeout=20)


def _get_when_up(url: str, server: subprocess.Popen, attempts: int = 120) -> tuple[bytes, str]:
    for _ in range(attempts):
        if server.poll() is not None:
            pytest.fail(f"corridor serve exited early: {server.communicate()[0].decode()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read(), response.headers.get("Server", "")
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"corridor serve did not answer {url}")


def test_the_configured_network_is_the_one_used(tmp_path) -> None:
    missing = tmp_path / "no-such-network.osm.pbf"
    app = make_app(REPO / "data", NETWORK=str(missing))
    response = app.test_client().get("/api/access")
    assert response.status_code == 500 and response.is_json
    assert response.get_json()["message"] == "服务器内部错误，请稍后再试。"
    english = app.test_client().get("/api/access", headers={"Accept-Language": "en"})
    assert str(missing) in english.get_json()["message"]  # says which file, without a traceback
    assert "Traceback" not in english.get_data(as_text=True)
    assert app.test_client().get("/api/blocks").status_code == 200  # the rest of the app still works
