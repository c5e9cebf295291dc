"""Where the bytes of uploaded media (field photos) live: outside the database, addressed by a key.

A key is a relative path of lower-case letters, digits, ``.``, ``_``, ``-`` and ``/`` (``tours/7/3f2a….jpg``);
the database rows hold the key and the metadata. :class:`FolderMediaStore` keeps each object as a file under one
folder (by default ``<instance>/media``), written atomically: a temporary file in the same folder, flushed to disk,
then renamed over the key's name, so a reader never sees half a photo and a crash leaves at most a stray
``.tmp-*`` file. Callers write the file first and the database row after it, and delete the file again when the row
could not be written (:func:`geo.field.photos.record_photo`).

An S3-compatible store (``CORRIDOR_MEDIA_URL``) is not implemented: no MinIO *server* is packaged on the
registries this project installs from (Debian, PyPI, npm hold only client libraries), so such a backend could not
be tested against a real server; :func:`open_media_store` refuses the setting instead of pretending.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from geo.errors import CorridorError, InvalidParameter

logger = logging.getLogger(__name__)

KEY_PATTERN = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9]+)?(?:/[a-z0-9_-]+(?:\.[a-z0-9]+)?)*$")
MAX_KEY_CHARS = 128  # tour_photos.storage_key
MEDIA_URL_VARIABLE = "CORRIDOR_MEDIA_URL"


class MediaMissing(FileNotFoundError, CorridorError):
    """No object is stored under a key (removed by hand, or a restore without the media folder)."""


class MediaStore(Protocol):
    """What the application needs of a place for media bytes."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (replacing what was there), atomically."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; :class:`MediaMissing` if none are."""

    def delete(self, key: str) -> None:
        """Remove what is stored under ``key`` (nothing stored: nothing to do)."""


def check_key(key: str) -> str:
    """``key`` itself if it is a valid media key, else :class:`InvalidParameter` (``..``, absolute paths,
    upper case and other characters could leave the store's folder or differ between file systems)."""
    if not isinstance(key, str) or len(key) > MAX_KEY_CHARS or not KEY_PATTERN.match(key):
        raise InvalidParameter("key", f"expected a relative path of at most {MAX_KEY_CHARS} characters a-z 0-9 "
                                      f"_ - / with an optional extension per part, e.g. tours/7/ab12.jpg; got {key!r}",
                               kind="media_key", details={"got": key})
    return key


class FolderMediaStore:
    """Media as files under ``root`` (created on the first write).

    Parameters
    ----------
    root
        The folder; a key ``a/b.jpg`` is the file ``root/a/b.jpg``.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FolderMediaStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file that holds ``key``."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` to a temporary file beside the target, flush it to disk, then rename it into place."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        logger.debug("stored %d bytes as %s", len(data), key)

    def get(self, key: str) -> bytes:
        """The file's bytes."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise MediaMissing(f"no media stored under {key!r} in {self.root}; the file was removed or the media "
                               "folder was not restored with the database") from exc

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""
        self.path(key).unlink(missing_ok=True)


def open_media_store(*, folder: Path | str, url: str | None = None) -> MediaStore:
    """The media store the configuration names: the folder, unless ``url`` (``CORRIDOR_MEDIA_URL``) is set.

    Raises
    ------
    InvalidParameter
        When ``url`` is set: object stores are not supported (see the module's docstring).
    """
    if url:
        # the URL itself is not quoted: an object store's URL may carry its access key
        raise InvalidParameter(MEDIA_URL_VARIABLE, "an S3-compatible media store is not supported: no MinIO server is "
                                                   "packaged to test one against; unset "
                                                   f"{MEDIA_URL_VARIABLE} and set CORRIDOR_MEDIA_DIR to a folder "
                                                   "(e.g. on a shared volume) instead",
                               kind="media_url_unsupported")
    return FolderMediaStore(folder)
