"""The state a page or API answer is a function of, as one short string: what the cached answers are keyed on.

An answer depends on the code and templates that render it, the plan's data files and road network the app
loaded, the settings that change output (base map tiles), the status database and the day its colours are judged
on. :func:`build_fingerprint` hashes the first four once, at start-up; :func:`state_version` adds, per request, the
id of the newest audit-log entry (every committed write adds one in the same transaction, so a write in any server
process changes it: it is read from the database, never from memory) and the day.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, current_app, g

from geo.network.road_network import default_network_dir
from web.core.live_status import current_status_rows
from web.core.state import corridor_state

logger = logging.getLogger(__name__)

VERSION_EXTENSION = "corridor_build_fingerprint"
WEB_DIR = Path(__file__).resolve().parents[1]
CODE_DIRS: tuple[Path, ...] = (WEB_DIR, WEB_DIR.parent / "geo")
CODE_SUFFIXES = frozenset({".py", ".html", ".js", ".css", ".json", ".toml"})
DATA_SUFFIXES = frozenset({".geojson", ".json", ".csv", ".parquet", ".osm", ".pbf", ".gpkg"})
OUTPUT_SETTINGS: tuple[str, ...] = ("TILES", "TIANDITU_KEY")
HASHED_FILE_BYTES = 4 * 1024 * 1024  # larger files (the network's tables) count by size and modification time


def _file_digest(digest: "hashlib._Hash", path: Path, *, root: Path) -> None:
    status = path.stat()
    digest.update(path.relative_to(root).as_posix().encode() + b"\0")
    if status.st_size <= HASHED_FILE_BYTES:
        digest.update(path.read_bytes())
    else:
        digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
    digest.update(b"\0")


def _tree_files(root: Path, *, suffixes: Iterable[str] | None = None) -> list[Path]:
    if root.is_file():
        return [root]
    wanted = frozenset(suffixes) if suffixes is not None else None
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and (wanted is None or p.suffix in wanted))


def build_fingerprint(app: Flask) -> str:
    """16 hex digits over the code and templates, the data folder, the road network source and the settings that
    change output."""
    digest = hashlib.sha256()
    for folder in CODE_DIRS:
        for path in _tree_files(folder, suffixes=CODE_SUFFIXES):
            _file_digest(digest, path, root=folder.parent)
    state = corridor_state(app)
    instance = Path(app.instance_path).resolve()
    for source in (state.data_dir, state.network_path or default_network_dir()):
        if source.exists():
            for path in _tree_files(source, suffixes=DATA_SUFFIXES):
                if instance not in path.resolve().parents:
                    _file_digest(digest, path, root=source.parent)
        digest.update(f"source:{source}".encode())
    for key in OUTPUT_SETTINGS:
        digest.update(f"{key}={app.config.get(key)!r}\0".encode())
    return digest.hexdigest()[:16]


def init_state_version(app: Flask) -> str:
    """Compute and keep ``app``'s build fingerprint; return it."""
    fingerprint = build_fingerprint(app)
    app.extensions[VERSION_EXTENSION] = fingerprint
    logger.info("build fingerprint %s", fingerprint)
    return fingerprint


def state_version() -> str:
    """``build:change id:day`` of the current request (the change id and day read once per request by
    :func:`web.core.live_status.refresh_before_request`)."""
    if "corridor_change_id" not in g or "corridor_status_day" not in g:
        current_status_rows()
    return f"{current_app.extensions[VERSION_EXTENSION]}:{g.corridor_change_id}:{g.corridor_status_day}"
