"""Compression (web/infra/compression.py) and fingerprinted static files (web/infra/asset_urls.py) on the real app."""
from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask import Flask

from web.infra.asset_urls import IMMUTABLE
from web.infra.compression import ByteLRU, MIN_SIZE
from web_fixtures import real_app  # noqa: F401

ASSET = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/[^"]+)"')
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.mark.parametrize("path", ["/", "/tasks", "/api/tasks", "/api/blocks", "/api/openapi.json"])
@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_pages_and_answers_are_compressed_as_the_client_accepts(real_app: Flask, path: str, coding: str) -> None:
    client = real_app.test_client()
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": coding})
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == coding
    assert DECODE[coding](packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{coding}"'
    assert "Accept-Encoding" in packed.headers["Vary"]
    again = client.get(path, headers={"Accept-Encoding": coding, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_brotli_is_preferred_and_small_or_compressed_files_are_left_alone(real_app: Flask) -> None:
    client = real_app.test_client()
    assert client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"}).headers["Content-Encoding"] == "br"
    small = client.get("/api/session", headers={"Accept-Encoding": "br"})
    assert len(small.get_data()) < MIN_SIZE and "Content-Encoding" not in small.headers
    page = client.get("/").get_data(as_text=True)
    [leaflet_css] = [url for url in ASSET.findall(page) if url.endswith("/leaflet.css")]
    png = client.get(leaflet_css.rsplit("/", 1)[0] + "/images/layers.png", headers={"Accept-Encoding": "br"})
    assert png.status_code == 200 and png.mimetype == "image/png" and "Content-Encoding" not in png.headers
    xlsx = client.get("/reports/2021Q2?format=xlsx", headers={"Accept-Encoding": "br, gzip"})
    assert xlsx.status_code == 200 and "Content-Encoding" not in xlsx.headers


def test_every_asset_of_a_page_is_fingerprinted_and_immutable(real_app: Flask) -> None:
    client = real_app.test_client()
    assets = ASSET.findall(client.get("/").get_data(as_text=True))
    assert assets and all(re.match(r"/(static|assets/xstatic/[a-z_]+)/v-[0-9a-z.]+/", url) for url in assets), assets
    for url in assets:
        response = client.get(url, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE, url
    [fonts_css] = [url for url in assets if url.endswith("/all.min.css")]
    css = client.get(fonts_css).get_data(as_text=True)
    font = re.search(r'url\(\.\./webfonts/([^)?#"]+\.woff2)\)', css).group(1)
    relative = client.get(fonts_css.rsplit("/css/", 1)[0] + f"/webfonts/{font}")  # as the browser resolves it
    assert relative.status_code == 200 and relative.headers["Cache-Control"] == IMMUTABLE


def test_an_old_or_missing_fingerprint_is_served_but_revalidated(real_app: Flask) -> None:
    client = real_app.test_client()
    current = client.get("/static/corridor.css")
    stale = client.get("/static/v-000000000000/corridor.css")
    assert current.status_code == stale.status_code == 200 and current.get_data() == stale.get_data()
    assert current.headers["Cache-Control"] == stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/corridor.css", headers={"If-None-Match": current.headers["ETag"]}).status_code == 304
    assert client.get("/static/v-000000000000/no-such-file.css").status_code == 404
    assert client.get("/static/../web/__init__.py").status_code == 404


def test_byte_lru_keeps_within_its_bound_and_drops_the_least_recent() -> None:
    cache = ByteLRU(10)
    cache.set("a", b"1234")
    cache.set("b", b"5678")
    assert cache.get("a") == b"1234"  # now the most recent
    cache.set("c", b"90")
    cache.set("d", b"xyz")
    assert (cache.get("b"), cache.get("a"), cache.get("d")) == (None, b"1234", b"xyz") and cache.size <= 10
    cache.set("huge", b"x" * 11)
    cache.set("br;unkept:1", b"y")
    assert cache.get("huge") is None and cache.get("br;unkept:1") is None
