"""The media store (geo/field/media_store.py): files under a folder by key, atomic writes, safe keys, and the refused
object-store setting."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.errors import InvalidParameter
from geo.field.media_store import FolderMediaStore, MediaMissing, check_key, open_media_store


def test_put_get_delete_by_key(tmp_path: Path) -> None:
    store = FolderMediaStore(tmp_path / "media")
    store.put("tours/7/ab12.jpg", b"first")
    store.put("tours/7/ab12.jpg", b"second")  # replaced whole
    assert store.get("tours/7/ab12.jpg") == b"second"
    assert (tmp_path / "media" / "tours" / "7" / "ab12.jpg").read_bytes() == b"second"
    store.delete("tours/7/ab12.jpg")
    store.delete("tours/7/ab12.jpg")  # nothing left: nothing to do
    with pytest.raises(MediaMissing, match="no media stored under 'tours/7/ab12.jpg'"):
        store.get("tours/7/ab12.jpg")
    assert isinstance(MediaMissing(), FileNotFoundError)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    store = FolderMediaStore(tmp_path)
    store.put("a/b.png", b"old")

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        store.put("a/b.png", b"new")
    assert store.get("a/b.png") == b"old"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.png"]


@pytest.mark.parametrize("key", ["../escape.jpg", "/etc/passwd", "tours/../../x.jpg", "Tours/7/a.jpg", "a//b.jpg",
                                 "", "a/" + "b" * 130 + ".jpg", "a b.jpg", "tours/7/.hidden"])
def test_keys_that_could_leave_the_folder_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InvalidParameter, match="key: expected a relative path"):
        FolderMediaStore(tmp_path).put(key, b"x")
    assert list(tmp_path.iterdir()) == []


def test_valid_keys_pass_unchanged() -> None:
    assert check_key("tours/12/0f3e.webp") == "tours/12/0f3e.webp"


def test_the_folder_is_the_store_and_an_object_store_url_is_refused_naming_the_variable(tmp_path: Path) -> None:
    store = open_media_store(folder=tmp_path / "m", url=None)
    assert isinstance(store, FolderMediaStore) and store.root == tmp_path / "m"
    with pytest.raises(InvalidParameter, match="CORRIDOR_MEDIA_URL: an S3-compatible media store is not supported") \
            as caught:
        open_media_store(folder=tmp_path, url="s3://AKIAEXAMPLE:secret@minio.local/photos")
    assert "secret" not in str(caught.value)
