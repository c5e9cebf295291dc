"""The field API (web/tours/field_api.py): check-ins and photos of a saved tour over HTTP — created, retried, refused —
and the stored photos served back without their metadata."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageCms

from db_fixtures import refuse_writes
from geo.status import models
from geo.errors import InvalidParameter
from geo.field.saved_tours import save_tour
from status_web_fixtures import login, status_app  # noqa: F401
from web.core.database import app_store
from web_fixtures import make_app

CJK = re.compile(r"[\u4e00-\u9fff]")
CHECKIN = {"client_id": "7d0c3a52-checkin", "site_id": "B01", "checked_in_at": "2021-06-30T09:15:00+08:00",
           "lat": 27.9, "lon": 120.1, "accuracy_m": 8, "note": "主体结构已封顶", "progress_estimate": 65}


@pytest.fixture
def tour_id(status_app: Flask) -> int:  # noqa: F811
    stops = [{"id": "B01", "name": "测试区块", "role": "stop", "lon": 120.1, "lat": 27.9},
             {"id": "R01", "name": "测试大道", "role": "stop", "lon": 120.12, "lat": 27.9}]
    return save_tour(app_store(status_app), title="二季度观摩", tour_date="2021-06-30", owner="editor",
                     request={"sites": ["B01", "R01"]}, result={"points": stops}).id


def _editor(app: Flask) -> tuple[FlaskClient, dict]:
    client = app.test_client()
    return client, {"X-CSRF-Token": login(client, "editor")}


def _jpeg(*, colour: tuple = (200, 20, 20), size: tuple = (64, 32)) -> bytes:
    """A phone-like JPEG: GPS and a capture time in its EXIF, rotated by the orientation tag, an ICC profile, XMP."""
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    exif[0x010F] = "TestPhone Maker"
    exif[0x8825] = {1: "N", 2: (27.0, 54.0, 36.0), 3: "E", 4: (120.0, 6.0, 0.0)}
    exif[0x8769] = {0x9003: "2021:06:30 09:20:00"}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif, icc_profile=icc, xmp=b"<x:xmpmeta>owner</x:xmpmeta>")
    return out.getvalue()


def _photo_form(data: bytes, *, filename: str = "IMG_0001.jpg", **fields: str) -> dict:
    return {"client_id": "7d0c3a52-photo", "site_id": "B01", "checkin_client_id": CHECKIN["client_id"], **fields,
            "file": (io.BytesIO(data), filename)}


def _rows(app: Flask, entity) -> list:
    with app_store(app).read() as session:
        return list(session.scalars(sa.select(entity)))


def _media_files(app: Flask) -> list[Path]:
    return sorted(p for p in (Path(app.instance_path) / "media").rglob("*") if p.is_file())


def test_a_check_in_is_stored_once_and_a_changed_retry_is_refused(status_app: Flask,  # noqa: F811
                                                                   tour_id: int) -> None:
    client, headers = _editor(status_app)
    url = f"/api/tours/saved/{tour_id}/checkins"
    first = client.post(url, json=CHECKIN, headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["distance_m"] == 0 and first.json["far"] is False and first.json["author"] == "editor"
    retry = client.post(url, json=CHECKIN, headers=headers)
    assert retry.status_code == 200 and retry.json == first.json
    changed = client.post(url, json={**CHECKIN, "progress_estimate": 80}, headers=headers)
    assert changed.status_code == 409 and changed.json["error"] == "client_id_conflict"
    assert changed.json["fields"] == ["progress_estimate"] and "进度估计" in changed.json["message"]
    assert len(_rows(status_app, models.TourCheckin)) == 1
    assert [a.action for a in _rows(status_app, models.AuditEntry) if a.action.startswith("tour_c")] == ["tour_checkin"]
    listed = client.get(url).json
    assert [c["client_id"] for c in listed["checkins"]] == [CHECKIN["client_id"]]


def test_a_bad_check_in_is_400_naming_each_field_in_chinese(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    response = client.post(f"/api/tours/saved/{tour_id}/checkins", headers=headers,
                           json={**CHECKIN, "site_id": "E02", "progress_estimate": 120})
    assert response.status_code == 400
    assert {p["field"] for p in response.json["problems"]} == {"site_id", "progress_estimate"}
    assert "点位：应为本路线的点位之一（B01、R01）" in response.json["message"]
    assert client.post("/api/tours/saved/999/checkins", json=CHECKIN, headers=headers).status_code == 404


def test_a_photo_is_stored_without_metadata_and_its_exif_location_kept_as_data(status_app: Flask,  # noqa: F811
                                                                                tour_id: int) -> None:
    client, headers = _editor(status_app)
    url = f"/api/tours/saved/{tour_id}/photos"
    original = _jpeg()
    first = client.post(url, data=_photo_form(original), headers=headers)
    assert first.status_code == 201, first.json
    photo = first.json
    assert (photo["exif_lat"], photo["exif_lon"]) == (pytest.approx(27.91), pytest.approx(120.1))
    assert photo["taken_at"] == "2021-06-30T01:20:00+00:00"  # EXIF local time read as UTC+8
    assert (photo["width"], photo["height"], photo["media_type"]) == (32, 64, "image/jpeg")  # orientation applied
    [stored_file] = _media_files(status_app)
    stored = stored_file.read_bytes()
    assert stored_file.suffix == ".jpg" and len(stored) == photo["bytes"]
    kept = Image.open(io.BytesIO(stored))
    assert kept.size == (32, 64) and not kept.getexif() and {"exif", "icc_profile", "xmp"}.isdisjoint(kept.info)
    assert b"TestPhone" not in stored and b"xmpmeta" not in stored
    served = client.get(photo["url"])
    assert served.status_code == 200 and served.data == stored and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"].startswith("private")
    retry = client.post(url, data=_photo_form(original), headers=headers)
    assert retry.status_code == 200 and retry.json == photo
    other = client.post(url, data=_photo_form(_jpeg(colour=(0, 0, 255))), headers=headers)
    assert other.status_code == 409 and other.json["fields"] == ["sha256"]
    assert len(_rows(status_app, models.TourPhoto)) == 1 and len(_media_files(status_app)) == 1
    assert [a.details["photo_id"] for a in _rows(status_app, models.AuditEntry) if a.action == "tour_photo"] == [
        photo["id"]]


def test_the_position_the_device_sent_wins_over_the_exif(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    response = client.post(f"/api/tours/saved/{tour_id}/photos", headers=headers,
                           data=_photo_form(_jpeg(), exif_lat="27.95", exif_lon="120.2",
                                            taken_at="2021-06-30T10:00:00+08:00"))
    assert response.status_code == 201
    assert (response.json["exif_lat"], response.json["exif_lon"]) == (27.95, 120.2)
    assert response.json["taken_at"] == "2021-06-30T02:00:00+00:00"


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("data", "filename", "status", "text"), [
    (b"%PDF-1.4 not a photo at all", "photo.jpg", 400, "文件：不是可读取的 JPEG、PNG 或 WebP 图片"),
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
     b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "photo.png", 400, "文件：应为 JPEG、PNG 或 WebP 格式的照片"),
    (_png((8000, 5001)), "big.png", 413, "文件：照片不能超过 4000 万 像素"),
    (b"\xff\xd8\xff" + bytes(8 * 1024 * 1024), "huge.jpg", 413, "文件：照片不能超过 8 MiB"),
])
def test_non_images_and_oversized_photos_are_refused_in_chinese_naming_the_file(
        status_app: Flask, tour_id: int, data: bytes, filename: str, status: int, text: str) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    response = client.post(f"/api/tours/saved/{tour_id}/photos", data=_photo_form(data, filename=filename),
                           headers=headers)
    assert response.status_code == status and response.json["parameter"] == "file"
    assert response.json["message"].startswith(text)
    assert _rows(status_app, models.TourPhoto) == [] and _media_files(status_app) == []


def test_a_body_above_the_upload_limit_is_413_naming_the_file(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    response = client.post(f"/api/tours/saved/{tour_id}/photos", headers=headers,
                           data=_photo_form(bytes(9 * 1024 * 1024)))
    assert response.status_code == 413 and response.json["parameter"] == "file"
    assert "照片文件（file）超过 8 MiB" in response.json["message"]


def test_no_file_and_bad_fields_are_400(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    url = f"/api/tours/saved/{tour_id}/photos"
    missing = client.post(url, data={"client_id": "p-1", "site_id": "B01"}, headers=headers)
    assert missing.status_code == 400 and missing.json["message"] == "文件：不能为空"
    bad = client.post(url, data=_photo_form(_jpeg(), site_id="R99", exif_lat="91", exif_lon="x"), headers=headers)
    assert bad.status_code == 400 and {p["field"] for p in bad.json["problems"]} == {"site_id", "exif_lat",
                                                                                     "exif_lon"}


def test_when_the_row_cannot_be_written_the_file_is_removed(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    refuse_writes(app_store(status_app))
    response = client.post(f"/api/tours/saved/{tour_id}/photos", data=_photo_form(_jpeg()), headers=headers)
    assert response.status_code == 503 and CJK.search(response.json["message"])
    assert _media_files(status_app) == [] and (Path(status_app.instance_path) / "media").is_dir()


def test_viewers_may_read_but_not_write_and_anonymous_users_must_log_in(status_app: Flask,  # noqa: F811
                                                                          tour_id: int) -> None:
    client, headers = _editor(status_app)
    photo = client.post(f"/api/tours/saved/{tour_id}/photos", data=_photo_form(_jpeg()), headers=headers).json
    viewer = status_app.test_client()
    viewer_headers = {"X-CSRF-Token": login(viewer, "viewer")}
    for kind, body in (("checkins", {"json": CHECKIN}), ("photos", {"data": _photo_form(_jpeg())})):
        url = f"/api/tours/saved/{tour_id}/{kind}"
        refused = viewer.post(url, headers=viewer_headers, **body)
        assert refused.status_code == 403 and CJK.search(refused.json["message"])
        assert viewer.get(url).status_code == 200
        assert status_app.test_client().get(url).status_code == 401
    assert viewer.get(photo["url"]).status_code == 200
    anonymous = status_app.test_client().get(photo["url"])
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get("/media/tours/9999").status_code == 404


def test_the_media_folder_is_configurable_and_an_object_store_is_refused(write_layers, tmp_path: Path,
                                                                        monkeypatch) -> None:
    default = make_app(write_layers())
    assert default.extensions["corridor_media"].root == Path(default.instance_path) / "media"
    monkeypatch.setenv("CORRIDOR_MEDIA_DIR", str(tmp_path / "photos"))
    configured = make_app(write_layers())
    assert configured.extensions["corridor_media"].root == tmp_path / "photos"
    for app in (default, configured):
        app_store(app).close()
    monkeypatch.setenv("CORRIDOR_MEDIA_URL", "http://127.0.0.1:9000/corridor-photos")
    with pytest.raises(InvalidParameter, match="CORRIDOR_MEDIA_URL"):
        make_app(write_layers())


def test_a_photo_whose_file_was_removed_is_404_in_chinese(status_app: Flask, tour_id: int) -> None:  # noqa: F811
    client, headers = _editor(status_app)
    photo = client.post(f"/api/tours/saved/{tour_id}/photos", data=_photo_form(_jpeg()), headers=headers).json
    for path in _media_files(status_app):
        path.unlink()
    response = client.get(photo["url"])
    assert response.status_code == 404 and "照片文件已不在媒体目录中" in response.get_data(as_text=True)
