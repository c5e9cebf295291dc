"""Crash safety: SIGKILL `corridor serve` in the middle of a stream of writes; every acknowledged write survives.

The server runs as a real subprocess on a free loopback port over a SQLite database in a temporary instance
folder. A thread logs in and posts progress reports one after another, remembering each one the server answered
201. Once enough are acknowledged the server is killed (no shutdown of any kind), then started again on the same
folder: the database must pass ``PRAGMA integrity_check`` and hold every acknowledged report exactly once (the one
request in flight at the kill may or may not have landed). Bounded in time; nothing is asserted about timing.
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

from geo.store import open_store
from geo.users import add_user

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
    return [str(script)] if script.exists() else [sys.executable, "-c", "from web.cli import main; main()"]


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
        assert status == 302
        return CSRF_INPUT.search(self.request("GET", "/login")[1].decode()).group(1)


def _start(instance: Path, data_dir: Path, port: int) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env.update(CORRIDOR_INSTANCE_PATH=str(instance), CORRIDOR_DATA_DIR=str(data_dir))
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


def _stream_reports(port: int, acknowledged: list[str], enough: threading.Event, stop: threading.Event) -> None:
    session = Session(port)
    headers = {"Content-Type": "application/json", "X-CSRF-Token": session.login()}
    version = 0
    while not stop.is_set():
        note = f"report-{version + 1}"
        body = json.dumps({"percent": 30, "state": "进行中", "note": note, "reported_on": "2021-06-30",
                           "expected_version": version}).encode()
        try:
            status, answer = session.request("POST", "/api/items/B01/reports", body, headers)
        except (OSError, http.client.HTTPException):
            return  # the server is gone: this request's fate is unknown
        assert status == 201, answer
        version = json.loads(answer)["version"]
        acknowledged.append(note)
        if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
            enough.set()


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
    enough, stop = threading.Event(), threading.Event()
    writer = threading.Thread(target=_stream_reports, args=(port, acknowledged, enough, stop), daemon=True)
    try:
        writer.start()
        assert enough.wait(WRITE_TIMEOUT_S), f"only {len(acknowledged)} reports acknowledged"
        server.send_signal(signal.SIGKILL)  # mid-stream: the writer is posting the next report right now
        server.wait(timeout=30)
        stop.set()
        writer.join(timeout=30)
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
