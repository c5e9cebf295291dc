"""``corridor serve --workers 2`` (web/gunicorn_server.py): a real gunicorn with two worker processes on one SQLite
database; a write answered by one process is what every process serves next, with one ETag for one state."""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from geo.status.store import open_store
from geo.accounts.users import add_user

CORRIDOR = Path(sys.executable).parent / "corridor"
PASSWORD = "gunicorn-test-pass-1"
CONNECTIONS = 16

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Linux and macOS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("gunicorn")
    store = open_store(f"sqlite:///{folder / 'corridor.sqlite3'}")
    add_user(store, "editor", role="editor", password=PASSWORD, actor="test")
    store.close()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CORRIDOR_")}
    env.update(CORRIDOR_INSTANCE_PATH=str(folder), CORRIDOR_TILES="osm")
    log = open(folder / "server.log", "wb")
    process = subprocess.Popen([str(CORRIDOR), "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
                               env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 90
        while get(port, "/api/health")[0] != 200:
            assert process.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    """One request on a new connection (so the two workers share the requests)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    except OSError:
        return 0, b"", {}
    finally:
        connection.close()


def post_report(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"name": "editor", "password": PASSWORD, "csrf_token": token})
    connection.request("POST", "/login", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = connection.getresponse()
    response.read()
    assert response.status == 302
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    connection.request("GET", "/api/session", headers={"Cookie": cookie})
    response = connection.getresponse()
    token = json.loads(response.read())["csrf_token"]
    cookie = (response.getheader("Set-Cookie") or cookie).split(";", 1)[0]  # the session's first CSRF token
    body = {"percent": 45, "state": "进行中", "note": "多进程", "reported_on": date.today().isoformat(),
            "expected_version": 0}
    connection.request("POST", "/api/items/B01/reports", body=json.dumps(body), headers={
        "Cookie": cookie, "X-CSRF-Token": token, "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 201, response.read()
    connection.close()


def test_every_worker_serves_the_state_after_a_write_in_another(server: int) -> None:
    before = [get(server, "/api/items/B01/history") for _ in range(CONNECTIONS)]
    assert {status for status, _, _ in before} == {200}
    assert len({headers["ETag"] for _, _, headers in before}) == 1, "two processes, one state, two tags"
    tag = before[0][2]["ETag"]
    post_report(server)
    after = [get(server, "/api/items/B01/history", {"If-None-Match": tag}) for _ in range(CONNECTIONS)]
    assert {status for status, _, _ in after} == {200}, "a process answered 304 for the state before the write"
    assert all(json.loads(body)["status"]["percent"] == 45 for _, body, _ in after)
    assert len({headers["ETag"] for _, _, headers in after}) == 1 and after[0][2]["ETag"] != tag
    pages = [get(server, "/", {"Accept-Encoding": "br"}) for _ in range(4)]
    assert {headers["Content-Encoding"] for _, _, headers in pages} == {"br"}
    assert len({body for _, body, _ in pages}) == 1, "one state rendered to different bytes by the two workers"
