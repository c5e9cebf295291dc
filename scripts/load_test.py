"""Load test of `corridor serve` on loopback: a read run, then a mixed read/write run that must lose nothing.

    .venv/bin/python scripts/load_test.py                       # 50 readers x 60 s, then 20 editors + 30 readers x 30 s
    .venv/bin/python scripts/load_test.py --duration 10 --mixed-duration 10

Starts the server in a temporary instance folder (fresh SQLite database, generated secret key) with one editor
account per concurrent editor, on a free 127.0.0.1 port. Clients are threads with keep-alive ``http.client``
connections. The read run cycles through the read endpoints and counts every non-2xx answer or failed connection
as an error. In the mixed run each editor logs in and posts progress reports (reading the item's version first,
re-reading after a 409) while readers keep reading; afterwards the database must hold exactly the reports the
server acknowledged with 201 — none missing, none twice, none unacknowledged. Prints one table; exit status 1 if
the read run had errors or the write check failed. Counts and times are bounded (see ``--help``).
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORRIDOR = REPO / ".venv" / "bin" / "corridor"
HOST = "127.0.0.1"
READ_PATHS = ("/api/health", "/api/blocks", "/api/roads", "/api/tasks", "/api/blocks/B05", "/api/tasks/E14",
              "/api/districts", "/api/tasks?district=%E9%BE%99%E6%B9%BE%E5%8C%BA", "/api/access?scenario=planned",
              "/api/items/B01/history", "/tasks", "/")
REPORT_ITEMS = ("B01", "B02", "B03", "B05", "R01", "R03", "E01", "E14", "E20", "E40")
PASSWORD = "load-test-password-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tally:
    """Latencies and outcomes of one run, shared by its client threads."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    by_path: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, latency_ms: float, outcome: str | None, path: str = "") -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)
            self.by_path.setdefault(path, []).append(latency_ms)
            if outcome:
                self.errors[outcome] = self.errors.get(outcome, 0) + 1


class Client:
    """One keep-alive connection with a cookie jar (enough for Flask's session cookie)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare_instance(folder: Path, editors: int) -> str:
    """Create the SQLite database with ``editors`` editor accounts; return its URL."""
    sys.path.insert(0, str(REPO))
    from geo.status.store import open_store
    from geo.accounts.users import add_user

    url = f"sqlite:///{folder / 'corridor.sqlite3'}"
    store = open_store(url)
    for index in range(editors):
        add_user(store, f"editor{index}", role="editor", password=PASSWORD, actor="load-test")
    store.close()
    return url


def start_server(folder: Path, port: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "CORRIDOR_INSTANCE_PATH": str(folder), "CORRIDOR_TILES": "osm"}
    for name in ("CORRIDOR_DATABASE_URL", "CORRIDOR_SECRET_KEY", "CORRIDOR_DATA_DIR", "CORRIDOR_NETWORK"):
        env.pop(name, None)
    log = open(folder / "server.log", "wb")
    server = subprocess.Popen([str(CORRIDOR), "serve", "--host", HOST, "--port", str(port), "--threads",
                               str(threads)], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited with {server.returncode}; see {folder / 'server.log'}")
        try:
            if Client(port).request("GET", "/api/health")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("server did not answer /api/health within 90 s")


def read_loop(port: int, tally: Tally, stop: threading.Event, offset: int) -> None:
    client = Client(port)
    for path in itertools.islice(itertools.cycle(READ_PATHS), offset, None):
        if stop.is_set():
            return
        started = time.perf_counter()
        try:
            status, _ = client.request("GET", path)
            outcome = None if 200 <= status < 300 else f"HTTP {status} {path.split('?')[0]}"
        except (OSError, http.client.HTTPException) as exc:
            outcome = type(exc).__name__
        tally.record((time.perf_counter() - started) * 1000, outcome, path)


def login(client: Client, name: str) -> str:
    """Log in; return the session's CSRF token."""
    _, page = client.request("GET", "/login")
    token = CSRF_INPUT.search(page.decode()).group(1)
    form = urllib.parse.urlencode({"name": name, "password": PASSWORD, "csrf_token": token}).encode()
    status, _ = client.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"login of {name} answered {status}")
    _, page = client.request("GET", "/login")
    return CSRF_INPUT.search(page.decode()).group(1)


def editor_loop(port: int, name: str, tally: Tally, acknowledged: list[tuple[int, str]], conflicts: list[int],
                stop: threading.Event) -> None:
    client = Client(port)
    token = login(client, name)
    headers = {"Content-Type": "application/json", "X-CSRF-Token": token}
    for sequence in itertools.count():
        if stop.is_set():
            return
        item = REPORT_ITEMS[(sequence + len(acknowledged)) % len(REPORT_ITEMS)]
        note = f"{name}-{sequence}"
        while not stop.is_set():
            started = time.perf_counter()
            try:
                _, history = client.request("GET", f"/api/items/{item}/history")
                version = json.loads(history)["status"]["version"]
                body = {"percent": 50, "state": "进行中", "note": note, "reported_on": date.today().isoformat(),
                        "expected_version": version}
                status, answer = client.request("POST", f"/api/items/{item}/reports", json.dumps(body).encode(),
                                                headers)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                tally.record((time.perf_counter() - started) * 1000, type(exc).__name__)
                break  # the outcome is unknown: the check below tells whether it landed
            tally.record((time.perf_counter() - started) * 1000, None if status in (201, 409) else f"HTTP {status}")
            if status == 201:
                acknowledged.append((json.loads(answer)["record"]["id"], note))
                break
            if status != 409:
                break
            conflicts.append(1)


def run(threads: list[threading.Thread], stop: threading.Event, seconds: float) -> float:
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else float("nan")


def row(label: str, tally: Tally, seconds: float, clients: int) -> str:
    lat = tally.latencies_ms
    errors = sum(tally.errors.values())
    return (f"{label:<24} {clients:>7} {seconds:>6.1f} {len(lat):>8} {len(lat) / seconds:>8.1f} "
            f"{percentile(lat, 50):>8.1f} {percentile(lat, 95):>8.1f} {percentile(lat, 99):>8.1f} {errors:>6}")


def check_reports(database: Path, acknowledged: list[tuple[int, str]]) -> list[str]:
    """Problems with the stored reports against the acknowledged ones (empty: exactly those, once each)."""
    with sqlite3.connect(database) as connection:
        stored = connection.execute("SELECT id, note FROM progress_reports").fetchall()
    problems = []
    notes = [note for _, note in stored]
    duplicates = {note for note in notes if notes.count(note) > 1}
    if duplicates:
        problems.append(f"{len(duplicates)} reports stored twice, e.g. {sorted(duplicates)[:3]}")
    missing = set(acknowledged) - set(stored)
    if missing:
        problems.append(f"{len(missing)} acknowledged reports missing, e.g. {sorted(missing)[:3]}")
    unacknowledged = set(stored) - set(acknowledged)
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} stored reports never acknowledged (a timed-out request may land: "
                        f"{sorted(unacknowledged)[:3]})")
    return problems


def bounded(low: float, high: float):
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {low:g}–{high:g}, got {text}")
        return value
    return parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=bounded(1, 200), default=50, help="concurrent readers (read run)")
    parser.add_argument("--duration", type=bounded(1, 600), default=60, help="seconds of the read run")
    parser.add_argument("--editors", type=bounded(1, 50), default=20, help="concurrent editors (mixed run)")
    parser.add_argument("--readers", type=bounded(0, 200), default=30, help="concurrent readers (mixed run)")
    parser.add_argument("--mixed-duration", type=bounded(1, 600), default=30, help="seconds of the mixed run")
    parser.add_argument("--threads", type=bounded(1, 64), default=8, help="server worker threads")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="corridor-load-"))
    prepare_instance(folder, int(args.editors))
    port = free_port()
    server = start_server(folder, port, int(args.threads))
    try:
        warm = Client(port)
        for path in READ_PATHS:  # first hits load the network and fill the caches: not what is measured
            warm.request("GET", path)
        reads, stop = Tally(), threading.Event()
        clients = int(args.clients)
        read_s = run([threading.Thread(target=read_loop, args=(port, reads, stop, i)) for i in range(clients)],
                     stop, args.duration)
        mixed_reads, writes, stop = Tally(), Tally(), threading.Event()
        acknowledged: list[tuple[int, str]] = []
        conflicts: list[int] = []
        threads = [threading.Thread(target=read_loop, args=(port, mixed_reads, stop, i))
                   for i in range(int(args.readers))]
        threads += [threading.Thread(target=editor_loop, args=(port, f"editor{i}", writes, acknowledged,
                                                                 conflicts, stop)) for i in range(int(args.editors))]
        mixed_s = run(threads, stop, args.mixed_duration)
    finally:
        server.terminate()
        server.wait(timeout=30)
    problems = check_reports(folder / "corridor.sqlite3", acknowledged)
    print(f"{'run':<24} {'clients':>7} {'s':>6} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}")
    print(row("read", reads, read_s, clients))
    print(row("mixed: reads", mixed_reads, mixed_s, int(args.readers)))
    print(row("mixed: read+report", writes, mixed_s, int(args.editors)))
    print(f"\nreports acknowledged (201): {len(acknowledged)}; version conflicts retried (409): {len(conflicts)}; "
          f"database check: {'exactly the acknowledged reports, none twice' if not problems else problems}")
    print(f"\n{'read run by path':<46} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for path, latencies in sorted(reads.by_path.items(), key=lambda item: -statistics.median(item[1])):
        print(f"{urllib.parse.unquote(path):<46} {len(latencies):>8} {percentile(latencies, 50):>8.1f} "
              f"{percentile(latencies, 95):>8.1f}")
    for label, tally in (("read", reads), ("mixed reads", mixed_reads), ("writes", writes)):
        if tally.errors:
            print(f"errors in {label}: {tally.errors}")
    print(f"server log: {folder / 'server.log'}")
    return 1 if problems or reads.errors or mixed_reads.errors or writes.errors else 0


if __name__ == "__main__":
    sys.exit(main())
