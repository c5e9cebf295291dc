"""Throughput and latency of every page and API path against a bare Flask app on the same server, same run; bytes
on the wire with and without compression.

    .venv/bin/python scripts/bench_pages.py                     # waitress, 1 process, 32 threads, 50 clients x 10 s
    .venv/bin/python scripts/bench_pages.py --workers 2         # gunicorn, 2 processes (Linux, macOS)
    .venv/bin/python scripts/bench_pages.py --duration 3 --paths /,/api/blocks

Starts, on free 127.0.0.1 ports, a bare Flask app answering ``hello`` and ``corridor serve`` (temporary instance
folder, fresh SQLite database) with the same ``--threads`` and ``--workers`` (waitress for one process, gunicorn
for more, as ``corridor serve`` does). Each path is loaded by ``wrk`` (``apt-get install wrk``) with ``--clients``
keep-alive connections sending ``Accept-Encoding: br, gzip`` as browsers do, after one warming request; the bare
app is measured before and after the paths and its mean is the reference. Prints per path: requests/s, the ratio
to the bare app, p50 and p99 latency, errors (non-2xx/3xx, socket errors, time-outs) and PASS/FAIL against the
targets (ratio >= 0.25, p99 < 250 ms, no errors). Then the bytes a first and a warm visit of the overview move:
the page and every script and stylesheet it names, plain and compressed; on a warm visit the page is revalidated
(``If-None-Match`` -> 304) and fingerprinted assets are not asked for at all. Exit status 1 when a path fails.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from web.cli.serve import GUNICORN_THREADS_PER_WORKER, WAITRESS_THREADS

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PATHS = ("/", "/access", "/tasks", "/parks", "/departments", "/reports/2021Q2", "/tour", "/items/B01",
         "/api/blocks", "/api/roads", "/api/tasks", "/api/tasks?district=%E9%BE%99%E6%B9%BE%E5%8C%BA",
         "/api/blocks/B05", "/api/access", "/api/access/isochrones", "/api/parks", "/api/targets",
         "/api/departments", "/api/items/B01/history", "/?as_of=2021-06-30", "/api/blocks?as_of=2021-06-30",
         "/items/B01?as_of=2021-06-30")
MIN_RATIO = 0.25
MAX_P99_MS = 250.0
BROWSER_ENCODING = "br, gzip"
ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/[^"]+)"')
BARE_APP = """
import sys
from flask import Flask
app = Flask("bare")
app.add_url_rule("/", "hello", lambda: "hello")
port, threads, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
if workers == 1:
    import waitress
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads)
else:
    from gunicorn.app.base import BaseApplication
    class Bare(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"127.0.0.1:{port}", "workers": workers, "worker_class": "gthread",
                               "threads": threads, "keepalive": 5, "reuse_port": True,
                               "loglevel": "warning"}.items():
                self.cfg.set(key, value)
        def load(self):
            return app
    Bare().run()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def wait_ready(port: int, path: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}; see {log}")
        try:
            if fetch(port, path)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer from port {port} within 120 s; see {log}")


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wrk(port: int, path: str, *, clients: int, duration: float) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and errors of ``wrk`` on ``path``."""
    threads = min(2, clients)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration:g}s", "--latency", "--timeout", "5s",
                          "-H", f"Accept-Encoding: {BROWSER_ENCODING}", f"http://{HOST}:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)), "errors": errors}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wire_bytes(port: int, path: str) -> dict[str, int]:
    """Bytes (bodies) of a first visit of ``path`` with its scripts and stylesheets, plain and compressed, and of a
    warm visit (page revalidated, fingerprinted assets kept)."""
    status, plain, _ = fetch(port, path)
    _, packed, headers = fetch(port, path, {"Accept-Encoding": BROWSER_ENCODING})
    assets = sorted(set(ASSET.findall(plain.decode("utf-8", "replace"))))
    sizes = {"page plain": len(plain), "page compressed": len(packed), "assets plain": 0, "assets compressed": 0}
    warm = fetch(port, path, {"Accept-Encoding": BROWSER_ENCODING, "If-None-Match": headers.get("etag", "")})
    sizes["warm page"] = len(warm[1])
    sizes["warm assets"] = 0
    for url in assets:
        asset_plain = fetch(port, url)
        asset_packed = fetch(port, url, {"Accept-Encoding": BROWSER_ENCODING})
        sizes["assets plain"] += len(asset_plain[1])
        sizes["assets compressed"] += len(asset_packed[1])
        if "immutable" not in asset_packed[2].get("cache-control", ""):
            sizes["warm assets"] += len(fetch(port, url, {"Accept-Encoding": BROWSER_ENCODING, "If-None-Match":
                                                          asset_packed[2].get("etag", "")})[1])
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent keep-alive connections (50)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per path (10)")
    parser.add_argument("--threads", type=int, default=None,
                        help=f"server threads per process (corridor serve's default: {WAITRESS_THREADS} on one "
                             f"process, {GUNICORN_THREADS_PER_WORKER} per process with --workers)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (1: waitress; more: gunicorn)")
    parser.add_argument("--paths", default=",".join(PATHS), help="comma-separated paths (default: all)")
    args = parser.parse_args()
    if args.threads is None:
        args.threads = WAITRESS_THREADS if args.workers == 1 else GUNICORN_THREADS_PER_WORKER
    if shutil.which("wrk") is None:
        raise SystemExit("bench_pages.py: wrk (the load generator) is not on PATH; install it: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_")}
    env.update(CORRIDOR_INSTANCE_PATH=str(folder), CORRIDOR_TILES="osm")
    bare_port, app_port = free_port(), free_port()
    bare = start([sys.executable, "-c", BARE_APP, str(bare_port), str(args.threads), str(args.workers)], env,
                 folder / "bare.log")
    app = start([str(BIN / "corridor"), "serve", "--port", str(app_port), "--threads", str(args.threads),
                 "--workers", str(args.workers)], env, folder / "server.log")
    try:
        wait_ready(bare_port, "/", bare, folder / "bare.log")
        wait_ready(app_port, "/api/health", app, folder / "server.log")
        return report(bare_port, app_port, args)
    finally:
        for process in (bare, app):
            process.terminate()
            process.wait(timeout=60)


def report(bare_port: int, app_port: int, args: argparse.Namespace) -> int:
    paths = [path for path in args.paths.split(",") if path]
    for path in paths:  # first hits load the network and fill the caches: not what is measured
        for _ in range(2 * args.workers):
            fetch(app_port, path, {"Accept-Encoding": BROWSER_ENCODING})
    bare_runs = [wrk(bare_port, "/", clients=args.clients, duration=args.duration)]
    rows = [(path, wrk(app_port, path, clients=args.clients, duration=args.duration)) for path in paths]
    bare_runs.append(wrk(bare_port, "/", clients=args.clients, duration=args.duration))
    reference = sum(run["rps"] for run in bare_runs) / len(bare_runs)
    server = "waitress" if args.workers == 1 else f"gunicorn x{args.workers}"
    print(f"{server}, {args.threads} threads/process, {args.clients} keep-alive clients, {args.duration:g} s per "
          f"path, Accept-Encoding: {BROWSER_ENCODING}")
    runs = ", ".join(f"{run['rps']:.0f}" for run in bare_runs)
    print(f"bare Flask app: {reference:.0f} req/s (runs: {runs}), p99 {max(r['p99'] for r in bare_runs):.1f} ms\n")
    print(f"{'path':48} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}  verdict")
    failed = 0
    for path, run in rows:
        ok = run["rps"] / reference >= MIN_RATIO and run["p99"] < MAX_P99_MS and run["errors"] == 0
        failed += not ok
        print(f"{path:48} {run['rps']:8.0f} {run['rps'] / reference:6.2f} {run['p50']:8.1f} {run['p99']:8.1f} "
              f"{run['errors']:6d}  {'PASS' if ok else 'FAIL'}")
    sizes = wire_bytes(app_port, "/")
    print("\noverview / on the wire (bodies):")
    print(f"  first visit plain:      page {sizes['page plain']:>9,} + assets {sizes['assets plain']:>9,} = "
          f"{sizes['page plain'] + sizes['assets plain']:>9,} bytes")
    print(f"  first visit compressed: page {sizes['page compressed']:>9,} + assets {sizes['assets compressed']:>9,} = "
          f"{sizes['page compressed'] + sizes['assets compressed']:>9,} bytes")
    print(f"  warm visit:             page {sizes['warm page']:>9,} (304) + assets {sizes['warm assets']:>9,} = "
          f"{sizes['warm page'] + sizes['warm assets']:>9,} bytes")
    print(f"\ntargets: ratio >= {MIN_RATIO}, p99 < {MAX_P99_MS:.0f} ms, no errors; {failed} path(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
