"""Security headers, the Content-Security-Policy and the request-size limit (web/core/security.py)."""
from __future__ import annotations

import base64
import hashlib
import re

import pytest

from environment import unavailable
from status_web_fixtures import login, report_body, status_app  # noqa: F401
from web.core.security import (
    DEFAULT_MAX_BODY_BYTES, PolicyTemplate, content_security_policy, handler_hashes, tile_hosts,
)
from web_fixtures import make_app


def _directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in policy.split("; "))}


def test_tile_hosts_follow_the_configured_base_map() -> None:
    assert tile_hosts("osm") == ["https://tile.openstreetmap.org"]
    assert tile_hosts("amap") == [f"https://webrd0{n}.is.autonavi.com" for n in "1234"]
    assert tile_hosts("tianditu") == [f"https://t{n}.tianditu.gov.cn" for n in range(8)]


def test_policy_allows_only_self_the_tile_hosts_and_the_nonce() -> None:
    directives = _directives(content_security_policy(tiles="amap", nonce="n0nce", handler_sources=["'sha256-x'"]))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'", "'nonce-n0nce'", "'unsafe-hashes'", "'sha256-x'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["img-src"] == ["'self'", "data:", *tile_hosts("amap")]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"] and directives["form-action"] == ["'self'"]


@pytest.mark.parametrize("tiles", ["osm", "amap", "tianditu"])
@pytest.mark.parametrize("handlers", [[], ["'sha256-x'", "'sha256-y'"]])
def test_the_policy_template_gives_the_policy_built_anew(tiles: str, handlers: list[str]) -> None:
    template = PolicyTemplate.build(tiles=tiles, handler_sources=handlers)
    for nonce in ("n0nce", "Zm9v-YmFy_Ym F6", None):
        assert template.policy(nonce) == content_security_policy(tiles=tiles, nonce=nonce, handler_sources=handlers)


def test_a_changed_base_map_setting_changes_the_policy(write_layers) -> None:
    app = make_app(write_layers(), TILES="osm")
    assert "tile.openstreetmap.org" in app.test_client().get("/api/blocks").headers["Content-Security-Policy"]
    app.config["TILES"] = "amap"
    policy = app.test_client().get("/api/blocks").headers["Content-Security-Policy"]
    assert _directives(policy)["img-src"][2:] == tile_hosts("amap")


def test_inline_handlers_are_hashed_from_the_templates(tmp_path) -> None:
    (tmp_path / "page.html").write_text('<input onchange="this.form.submit()"><a onclick="{{ x }}">', "utf-8")
    expected = base64.b64encode(hashlib.sha256(b"this.form.submit()").digest()).decode()
    assert handler_hashes(tmp_path) == [f"'sha256-{expected}'"]  # a templated handler is never allowed


@pytest.mark.parametrize("tiles", ["osm", "amap"])
def test_every_response_carries_the_headers(write_layers, tiles: str) -> None:
    client = make_app(write_layers(), TILES=tiles).test_client()
    for path in ("/", "/api/blocks", "/api/no-such-thing", "/login"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        directives = _directives(response.headers["Content-Security-Policy"])
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["img-src"][2:] == tile_hosts(tiles)


def _page_nonce(response) -> str:
    """The response's CSP nonce, after checking every inline script of its page carries it."""
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.get_data(as_text=True))
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)
    return nonce


def test_page_scripts_carry_the_nonce_of_their_response(status_app) -> None:  # noqa: F811
    # One state renders one page (web.core.http_cache): its nonce changes with every write, so a note written into the
    # page can never carry the nonce the page is then served with; another session gets another nonce.
    reader = status_app.test_client()
    first = _page_nonce(reader.get("/"))
    assert _page_nonce(reader.get("/")) == first
    editor = status_app.test_client()
    token = login(editor, "editor")
    assert _page_nonce(editor.get("/")) != first
    written = editor.post("/api/items/B01/reports", json=report_body(), headers={"X-CSRF-Token": token})
    assert written.status_code == 201
    assert _page_nonce(reader.get("/")) != first


def test_access_page_handler_is_allowed_by_hash(write_layers) -> None:
    app = make_app(write_layers())
    digest = base64.b64encode(hashlib.sha256(b"this.form.requestSubmit()").digest()).decode()
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy


def test_script_in_a_note_is_escaped_and_has_no_nonce(status_app) -> None:  # noqa: F811
    client = status_app.test_client()
    token = login(client, "editor")
    attack = "</script><script>alert(1)</script>"
    written = client.post("/api/items/B01/reports", json=report_body(note=attack), headers={"X-CSRF-Token": token})
    assert written.status_code == 201
    for path in ("/items/B01", "/", "/tasks"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html, path
    raw = client.get("/api/items/B01/history")  # JSON keeps the text as it is, and is never sniffed as HTML
    assert raw.mimetype == "application/json" and raw.headers["X-Content-Type-Options"] == "nosniff"
    assert raw.get_json()["reports"][0]["note"] == attack


def test_oversized_body_is_refused_with_json_413_before_login(write_layers) -> None:
    client = make_app(write_layers()).test_client()
    response = client.post("/api/items/B01/reports", data=b"[" + b"0," * DEFAULT_MAX_BODY_BYTES + b"0]",
                           content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"
    assert str(DEFAULT_MAX_BODY_BYTES) in response.get_json()["message"]
    chinese = client.post("/api/items/B01/reports", data=b"[" + b"0," * DEFAULT_MAX_BODY_BYTES + b"0]",
                          content_type="application/json")
    assert f"上限 {DEFAULT_MAX_BODY_BYTES:,} 字节" in chinese.get_json()["message"]


def test_body_limit_is_configurable(write_layers) -> None:
    client = make_app(write_layers(), MAX_CONTENT_LENGTH=100).test_client()
    assert client.post("/api/tours", json={"sites": ["B01"] * 50}).status_code == 413
    assert client.post("/api/tours", json={"x": 1}).status_code == 400


XSS_NOTE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2">'
VIOLATIONS_JS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
  e.violatedDirective + ' ' + e.blockedURI));"""
SENTINEL = "https://csp-sentinel.invalid/probe.png"
# Violations are reported as events queued in order, so once a deliberate one (an image from a host the policy does
# not allow) has been reported, every violation the page caused before it has been too: the page's violations are
# read when that event arrives, not after a guessed delay. The 20 s bound only turns a never-reported sentinel (no
# policy enforced) into a failure instead of a hang.
SETTLED_VIOLATIONS_JS = """(sentinel) => new Promise((resolve) => {
  const bound = setTimeout(() => resolve(null), 20000);
  document.addEventListener('securitypolicyviolation', function seen(e) {
    if (e.blockedURI !== sentinel) return;
    clearTimeout(bound);
    document.removeEventListener('securitypolicyviolation', seen);
    resolve(window.__violations.filter((v) => !v.endsWith(' ' + sentinel)));
  });
  new Image().src = sentinel;
})"""


def settled_violations(page: object) -> list[str]:
    """The policy violations the page has caused so far (see :data:`SETTLED_VIOLATIONS_JS`)."""
    violations = page.evaluate(SETTLED_VIOLATIONS_JS, SENTINEL)
    assert violations is not None, "the sentinel image was never reported: is the policy enforced?"
    return violations


@pytest.mark.browser
def test_pages_run_under_the_policy_and_a_hostile_note_never_runs(tmp_path) -> None:
    """Headless Chromium: no CSP violation on any page (maps, item editor, bulletin, forms), and a note holding
    markup is shown as text on the map popup, the item page and the bulletin."""
    from pathlib import Path

    from geo.status import records
    from web.core.database import app_store
    from web.core.state import corridor_state
    from web_fixtures import DATA_DIR, served

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        unavailable(f"{chromium} is not installed")
    from playwright.sync_api import sync_playwright

    app = make_app(DATA_DIR, INSTANCE_PATH=str(tmp_path / "instance"))
    records.add_report(app_store(app), corridor_state(app).plan, "B03", percent=20, state="进行中",
                       reported_on="2021-06-30", reporter="测试", note=XSS_NOTE, expected_version=0)
    with served(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                   else route.abort())
        page.add_init_script(VIOLATIONS_JS)
        for path in ("/", "/access", "/tour", "/tasks", "/items/B03", "/reports/2021Q2", "/login"):
            page.goto(base + path, wait_until="load")
            assert settled_violations(page) == [], path
            assert page.evaluate("window.__xss") is None, path
        page.goto(base + "/items/B03", wait_until="load")
        assert "<script>window.__xss = 1</script>" in page.inner_text("body")
        page.goto(base + "/?focus=B03", wait_until="load")
        page.wait_for_function("() => window.corridor !== undefined")
        assert page.evaluate("window.__xss") is None and settled_violations(page) == []
        browser.close()

