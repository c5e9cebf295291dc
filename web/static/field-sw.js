/* Service worker of the field page (/tour/<id>/field), served from /field-sw.js with the scope /tour/.
 *
 * What it keeps, so that a tour opened once with signal opens again without:
 * - the field pages themselves (network first, the last good copy when the network fails);
 * - the app shell: the page posts the URLs of its own stylesheets and scripts (fingerprinted, so they never go
 *   stale) and the worker stores them; any other same-origin /static/ or /assets/ file is stored on first use;
 * - base-map tiles: every tile the map shows while online is stored (cache first, at most MAX_TILES).
 * Uploads are not handled here: the page keeps its own queue in IndexedDB and sends it when the network returns.
 */
"use strict";

const SHELL_CACHE = "corridor-field-shell-v1";
const TILE_CACHE = "corridor-field-tiles-v1";
const MAX_TILES = 1500;
const OFFLINE_PAGE = "<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>无网络</title>"
  + "<p>当前无网络，且本设备尚未保存此页面。请在有信号时打开一次巡查现场页面。</p></html>";

self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  const keep = new Set([SHELL_CACHE, TILE_CACHE]);
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("corridor-field-") && !keep.has(n))
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function sameOrigin(url) {
  return url.origin === self.location.origin;
}

function isShellAsset(url) {
  return sameOrigin(url) && (url.pathname.startsWith("/static/") || url.pathname.startsWith("/assets/"));
}

async function storeIfGood(cacheName, request, response) {
  // Opaque answers (tiles from another host without CORS) cannot be inspected: store them, as browsers do.
  if (response.ok || response.type === "opaque") {
    const cache = await caches.open(cacheName);
    await cache.put(request, response.clone());
  }
  return response;
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await storeIfGood(SHELL_CACHE, request, response);
    return response;
  } catch (error) {
    const cached = await caches.match(request, {cacheName: SHELL_CACHE});
    if (cached) return cached;
    if (request.mode === "navigate") {
      return new Response(OFFLINE_PAGE, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
    }
    throw error;
  }
}

async function cacheFirst(request, cacheName) {
  const cached = await caches.match(request, {cacheName: cacheName});
  if (cached) return cached;
  const response = await fetch(request);
  await storeIfGood(cacheName, request, response);
  if (cacheName === TILE_CACHE) await trimTiles();
  return response;
}

async function trimTiles() {
  const cache = await caches.open(TILE_CACHE);
  const keys = await cache.keys();
  // Keys come back in insertion order: the oldest tiles go first.
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_TILES)).map((key) => cache.delete(key)));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && sameOrigin(url)) {
    event.respondWith(networkFirst(request));
  } else if (isShellAsset(url)) {
    event.respondWith(cacheFirst(request, SHELL_CACHE));
  } else if (!sameOrigin(url) && request.destination === "image") {
    event.respondWith(cacheFirst(request, TILE_CACHE));
  }
});

// "/static/v-3f2a9c1b7e4d/" or "/assets/xstatic/leaflet/v-1.9.3.0/": the folder of one deploy's files.
function fingerprintFolder(href) {
  const match = /^\/(?:static|assets\/xstatic\/[^/]+)\/v-[0-9A-Za-z.]+\//.exec(new URL(href, self.location.origin).pathname);
  return match ? match[0] : null;
}

/** Drop stored files of earlier deploys: fingerprinted folders that none of the page's current files are in. */
async function dropOldShell(cache, urls) {
  const current = new Set(urls.map(fingerprintFolder).filter((folder) => folder !== null));
  const stale = (await cache.keys()).filter((key) => {
    const folder = fingerprintFolder(key.url);
    return folder !== null && !current.has(folder);
  });
  await Promise.all(stale.map((key) => cache.delete(key)));
}

async function storeShell(urls) {
  const cache = await caches.open(SHELL_CACHE);
  await dropOldShell(cache, urls);
  const results = await Promise.allSettled(urls.map(async (href) => {
    const request = new Request(new URL(href, self.location.origin).href, {credentials: "same-origin"});
    const cached = isShellAsset(new URL(request.url)) ? await cache.match(request) : undefined;
    if (cached) return;
    const response = await fetch(request);
    if (!response.ok) throw new Error(`${href}: HTTP ${response.status}`);
    await cache.put(request, response);
  }));
  return results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type !== "store-shell" || !Array.isArray(message.urls)) return;
  const port = event.ports && event.ports[0];
  event.waitUntil(storeShell(message.urls.filter((u) => sameOrigin(new URL(u, self.location.origin))))
    .then((failures) => { if (port) port.postMessage({type: "shell-stored", failures: failures}); }));
});
