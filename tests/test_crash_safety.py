"""Crash safety: SIGKILL `corridor serve` in the middle of a stream of writes; every acknowledged write survives.

The server runs as a real subprocess on a free loopback port over a SQLite database in a temporary instance
folder. A thread logs in and posts progress reports one after another, remembering each one the server answered
201. Once enough are acknowledged the server is killed (no shutdown of any kind), then started again on the same
folder: the database must pass ``PRAGMA integrity_check`` and hold every acknowledged report exactly once (the one
request in flight at the kill may or may not have landed). Bounded in time; nothing is asserted about timing. The
writer thread asserts nothing itself (a failure there could not fail the test): it records why it stopped, and the
main thread asserts on that.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from geo.status.store import open_store
from geo.accounts.users import add_user

PASSWORD = "crash-test-pass-1"
ACKNOWLEDGED_BEFORE_KILL = 12
STARTUP_TIMEOUT_S = 60
WRITE_TIMEOUT_S = 60
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _corridor_command() -> list[str]:
    script = Path(sys.executable).with_name("corridor")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli.main import main; main()"]


class Session:
    """A keep-alive connection with the session cookie."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        self.connection.request(method, path, body=body,
                                headers={**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})})
        response = self.connection.getresponse()
        data = response.read()
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        return response.status, data

    def login(self) -> str:
        token = CSRF_INPUT.search(self.request("GET", "/login")[1].decode()).group(1)
        form = urllib.parse.urlencode({"name": "editor", "password": PASSWORD, "csrf_token": token}).encode()
        status, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login answered {status}, expected a 302 redirect")
        return CSRF_INPUT.search(self.request("GET", "/login")[1].decode()).group(1)


def _env(instance: Path, data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    return {**env, "CORRIDOR_INSTANCE_PATH": str(instance), "CORRIDOR_DATA_DIR": str(data_dir)}


def _start(instance: Path, data_dir: Path, port: int) -> subprocess.Popen:
    env = _env(instance, data_dir)
    server = subprocess.Popen([*_corridor_command(), "serve", "--port", str(port), "--threads", "4"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if Session(port).request("GET", "/api/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"corridor serve did not come up on port {port} (exit code {server.poll()})")


SERVER_GONE = "server gone"


def _stream_reports(port: int, acknowledged: list[str], outcome: list[str], enough: threading.Event,
                    stop: threading.Event) -> None:
    """Post reports until the server goes away or ``stop`` is set; append why it stopped to ``outcome``: the
    expected :data:`SERVER_GONE`, ``"stopped"``, or what went wrong (an unexpected answer or exception)."""
    try:
        outcome.append(_post_until_gone(Session(port), acknowledged, enough, stop))
    except Exception as exc:  # noqa: BLE001 — anything here must reach the main thread's assertions
        outcome.append(f"writer failed: {type(exc).__name__}: {exc}")
    finally:
        enough.set()  # wake the main thread whatever happened


def _post_until_gone(session: Session, acknowledged: list[str], enough: threading.Event,
                     stop: threading.Event) -> str:
    headers = {"Content-Type": "application/json", "X-CSRF-Token": session.login()}
    version = 0
    while not stop.is_set():
        note = f"report-{version + 1}"
        body = json.dumps({"percent": 30, "state": "进行中", "note": note, "reported_on": "2021-06-30",
                           "expected_version": version}).encode()
        try:
            status, answer = session.request("POST", "/api/items/B01/reports", body, headers)
        except (OSError, http.client.HTTPException):
            return SERVER_GONE  # this request's fate is unknown
        if status != 201:
            return f"report {note} answered {status}: {answer[:300]!r}"
        version = json.loads(answer)["version"]
        acknowledged.append(note)
        if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
            enough.set()
    return "stopped"


def _stored_notes(database: Path) -> tuple[list[str], list[str]]:
    with sqlite3.connect(database) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        notes = [row[0] for row in connection.execute("SELECT note FROM progress_reports WHERE item_id = 'B01'")]
    return integrity, notes


def test_acknowledged_writes_survive_sigkill(write_layers, tmp_path) -> None:
    data_dir = write_layers()
    instance = tmp_path / "instance"
    instance.mkdir()
    store = open_store(f"sqlite:///{instance / 'corridor.sqlite3'}")
    add_user(store, "editor", role="editor", password=PASSWORD, actor="test")
    store.close()
    port = _free_port()
    server = _start(instance, data_dir, port)
    acknowledged: list[str] = []
    outcome: list[str] = []
    enough, stop = threading.Event(), threading.Event()
    writer = threading.Thread(target=_stream_reports, args=(port, acknowledged, outcome, enough, stop), daemon=True)
    try:
        writer.start()
        assert enough.wait(WRITE_TIMEOUT_S), f"only {len(acknowledged)} reports acknowledged"
        assert outcome == [] and len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL, (outcome, len(acknowledged))
        server.send_signal(signal.SIGKILL)  # mid-stream: the writer is posting the next report right now
        server.wait(timeout=30)
        writer.join(timeout=30)  # the kill ends its stream: no stop needed, and none given
        assert not writer.is_alive(), "the writer did not notice that the server was gone"
        assert outcome == [SERVER_GONE]
        acked = list(acknowledged)
        integrity, notes = _stored_notes(instance / "corridor.sqlite3")
        assert integrity == ["ok"]
        assert all(notes.count(note) == 1 for note in acked), "an acknowledged report is missing or doubled"
        assert set(notes) - set(acked) <= {f"report-{len(acked) + 1}"}  # at most the one in flight
        server = _start(instance, data_dir, port)
        status, history = Session(port).request("GET", "/api/items/B01/history")
        assert status == 200
        served = [report["note"] for report in json.loads(history)["reports"]]
        assert set(acked) <= set(served) and len(served) == len(notes)
        assert _stored_notes(instance / "corridor.sqlite3")[0] == ["ok"]
    finally:
        stop.set()
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def test_a_database_deleted_while_serving_is_refused_then_restored_not_recreated(write_layers, tmp_path) -> None:
    data_dir, instance = write_layers(), tmp_path / "instance"
    instance.mkdir()
    database = instance / "corridor.sqlite3"
    store = open_store(f"sqlite:///{database}")
    add_user(store, "editor", role="editor", password=PASSWORD, actor="test")
    store.close()
    port = _free_port()
    server = _start(instance, data_dir, port)
    try:
        session = Session(port)
        headers = {"Content-Type": "application/json", "X-CSRF-Token": session.login()}
        body = {"percent": 30, "state": "进行中", "note": "before", "reported_on": "2021-06-30", "expected_version": 0}
        assert session.request("POST", "/api/items/B01/reports", json.dumps(body).encode(), headers)[0] == 201
        saved = tmp_path / "saved.sqlite3"
        backed_up = subprocess.run([*_corridor_command(), "backup", "--out", str(saved)], env=_env(instance, data_dir),
                                   capture_output=True, text=True, timeout=120)
        assert backed_up.returncode == 0, backed_up.stderr
        for path in (database, instance / "corridor.sqlite3-wal", instance / "corridor.sqlite3-shm"):
            path.unlink(missing_ok=True)
        body.update(note="after", expected_version=1)
        status, answer = session.request("POST", "/api/items/B01/reports", json.dumps(body).encode(), headers)
        assert status == 503 and json.loads(answer)["error"] == "database_unavailable"
        status, health = session.request("GET", "/api/health")
        assert status == 503 and json.loads(health)["checks"]["database"]["database"] == "corridor.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=30)
    refused = subprocess.run([*_corridor_command(), "serve", "--port", str(port)], env=_env(instance, data_dir),
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert f"the status database sqlite:///{database} is missing" in refused.stderr and not database.exists()
    restored = subprocess.run([*_corridor_command(), "restore", str(saved)], env=_env(instance, data_dir),
                              capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    server = _start(instance, data_dir, port)
    try:
        status, history = Session(port).request("GET", "/api/items/B01/history")
        assert [report["note"] for report in json.loads(history)["reports"]] == ["before"]
    finally:
        server.terminate()
        server.wait(timeout=30)
