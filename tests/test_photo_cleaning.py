"""Checking and cleaning photos with Pillow (geo/field/photo_cleaning.py): every kind of metadata gone, the pixels kept
upright, EXIF location and time read, and files that are no acceptable photo refused."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from geo.field.photo_cleaning import MAX_PIXELS, PhotoRejected, clean_photo

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_a_png_loses_its_text_chunks_and_profile_but_keeps_its_transparency() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Zhang San")
    image = Image.new("RGBA", (10, 6), (0, 128, 0, 100))
    cleaned = clean_photo(_encoded(image, "PNG", pnginfo=info, icc_profile=SRGB))
    kept = Image.open(io.BytesIO(cleaned.data))
    assert cleaned.media_type == "image/png" and kept.mode == "RGBA" and kept.getpixel((0, 0)) == (0, 128, 0, 100)
    assert "icc_profile" not in kept.info and "Author" not in kept.info and b"Zhang San" not in cleaned.data


def test_a_webp_keeps_its_type_and_loses_its_exif_read_with_south_and_west_references() -> None:
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (33.0, 30.0, 0.0), 3: "W", 4: (70.0, 45.0, 0.0)}
    exif[0x8769] = {0x9003: "2021:12:31 23:30:00", 0x9011: "-03:00"}
    cleaned = clean_photo(_encoded(Image.new("RGB", (16, 16), "white"), "WEBP", exif=exif.tobytes()))
    assert cleaned.media_type == "image/webp" and (cleaned.exif_lat, cleaned.exif_lon) == (-33.5, -70.75)
    assert cleaned.taken_at == datetime(2022, 1, 1, 2, 30, tzinfo=timezone.utc)  # the EXIF offset, not UTC+8
    assert not Image.open(io.BytesIO(cleaned.data)).getexif()


def test_the_same_photo_cleans_to_the_same_bytes() -> None:
    data = _encoded(Image.new("RGB", (20, 10), (1, 2, 3)), "JPEG", icc_profile=SRGB)
    assert clean_photo(data).sha256 == clean_photo(data).sha256


@pytest.mark.parametrize(("data", "kind"), [
    (b"not an image", "photo_not_image"),
    (_encoded(Image.new("RGB", (64, 64), "red"), "JPEG")[:200], "photo_not_image"),  # cut off mid-transfer
    (_encoded(Image.new("RGB", (4, 4)), "BMP"), "photo_type"),
    (_encoded(Image.new("1", (MAX_PIXELS // 1000 + 1, 1000)), "PNG"), "photo_pixels"),
])
def test_what_is_no_acceptable_photo_is_refused_by_kind(data: bytes, kind: str) -> None:
    with pytest.raises(PhotoRejected, match="^photo: expected") as caught:
        clean_photo(data, field="photo")
    assert caught.value.kind == kind and caught.value.too_large is (kind == "photo_pixels")
