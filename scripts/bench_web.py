"""Benchmark the web pages: server-side render time (warm) and weight, against 300 ms and 1.5 MB.

Run: ``.venv/bin/python scripts/bench_web.py [--repeats 20]``. Uses the shipped data and bundled network. For each
page and API route it prints the first (cold) request, the median and worst of the warm repeats, the HTML/JSON size,
the size with every script and stylesheet the page references (what a first visit downloads, base tiles aside), and
the ratios to the limits (below 1.00 passes). Timings come from Flask's test client, so they measure the app, not
the network.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from web import create_app  # noqa: E402

LIMIT_MS = 300.0
LIMIT_BYTES = 1_500_000
PAGES = ("/", "/access", "/access?scenario=baseline&congestion=0.6", "/tasks", "/parks?quarter=2021Q2", "/departments",
         "/reports/2021Q2")
API = ("/api/blocks", "/api/tasks", "/api/access", "/api/access/isochrones", "/api/parks", "/api/targets",
       "/api/departments")
ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/[^"]+)"')


def timed_get(client, path: str) -> tuple[float, bytes]:
    """Milliseconds to answer ``path`` and the body; fails loudly on a non-200."""
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return elapsed, response.data


def with_assets(client, body: bytes) -> int:
    """Bytes of the page plus every script and stylesheet it references."""
    total = len(body)
    for url in set(ASSET.findall(body.decode("utf-8", "replace"))):
        total += len(client.get(url).data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="warm requests per route (default 20)")
    args = parser.parse_args()
    app = create_app({"TILES": "osm"})
    client = app.test_client()
    print(f"{'route':44} {'cold ms':>8} {'warm med':>9} {'warm max':>9} {'ms ratio':>9} "
          f"{'bytes':>9} {'+assets':>9} {'size ratio':>10}")
    for path in PAGES + API:
        cold, body = timed_get(client, path)
        warm = [timed_get(client, path)[0] for _ in range(args.repeats)]
        median = statistics.median(warm)
        total = with_assets(client, body) if path in PAGES else len(body)
        print(f"{path:44} {cold:8.1f} {median:9.1f} {max(warm):9.1f} {median / LIMIT_MS:9.2f} "
              f"{len(body):9d} {total:9d} {total / LIMIT_BYTES:10.2f}")
    print(f"limits: {LIMIT_MS:.0f} ms warm (median of {args.repeats}), {LIMIT_BYTES / 1e6:.1f} MB per page; "
          "cold includes loading the network and running the accessibility check once (then cached)")


if __name__ == "__main__":
    main()
