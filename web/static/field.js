/* The field page (/tour/<id>/field): check-ins, notes, progress estimates and photos at each stop, offline first.
 *
 * Reads the page's <script type="application/json" id="field-data"> (tour_id, stops, api urls, csrf_token,
 * can_check_in; optionally tiles, route, service_worker) and puts its controls where the page offers room for them:
 * #field-queue for the queue, .stop-actions[data-site-id] for each stop's (its own cards in #field-app or <main>
 * otherwise); a #field-map element gets a small map of the stops and route when Leaflet is loaded.
 * Everything recorded goes into an IndexedDB queue first, each entry with an id made here (crypto.randomUUID()), so
 * that sending it again never stores it twice; a tour's queue is sent by its field page, on load, when the browser
 * comes back online and every RETRY_MS. 200/201 removes an entry; 409 (the same
 * id with other content) and any other 4xx except 429 keep it, marked, with the server's reason; 429, 5xx and
 * network failures leave it waiting. The service worker (/field-sw.js) keeps the page, its scripts and styles and
 * the map tiles seen, so the page opens again without signal. Hook for tests: window.corridorField.
 */
"use strict";

(function () {
  const DB_NAME = "corridor-field";
  const STORE = "uploads";
  const FAR_M = 500;
  const RETRY_MS = 30000;
  // field-photo.js sits beside this file (under the same fingerprinted folder).
  const PHOTO_SCRIPT = document.currentScript.src.replace(/field\.js(\?.*)?$/, "field-photo.js");
  const source = document.getElementById("field-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  const canCheckIn = data.can_check_in !== false;
  let database = null;
  let flushing = null;
  let sequence = 0;
  let photoScript = null;

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
    children.forEach((child) => node.append(child));
    return node;
  }

  function openDatabase() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "client_id"});
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function storeCall(mode, call) {
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = call(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  /** This tour's queued entries, oldest first (a photo after the check-in it belongs to). */
  async function queued() {
    const all = await storeCall("readonly", (store) => store.getAll());
    return all.filter((item) => item.tour_id === data.tour_id).sort((a, b) => a.created - b.created);
  }

  const putItem = (item) => storeCall("readwrite", (store) => store.put(item));
  const removeItem = (clientId) => storeCall("readwrite", (store) => store.delete(clientId));

  async function enqueue(kind, siteId, label, content) {
    const item = {client_id: content.client_id, kind: kind, tour_id: data.tour_id, site_id: siteId, label: label,
                  created: Date.now() * 1000 + (sequence++ % 1000), state: "pending", error: null, content: content};
    await putItem(item);
    await render();
    flush();
    return item;
  }

  function requestFor(item) {
    const headers = {"X-CSRF-Token": data.csrf_token, "Accept": "application/json"};
    if (item.kind === "checkin") {
      headers["Content-Type"] = "application/json";
      return [data.api.checkins, {method: "POST", headers: headers, body: JSON.stringify(item.content)}];
    }
    const form = new FormData();
    Object.entries(item.content.fields).forEach(([name, value]) => {
      if (value !== null && value !== undefined) form.append(name, String(value));
    });
    form.append("file", item.content.blob, item.content.filename);
    return [data.api.photos, {method: "POST", headers: headers, body: form}];
  }

  async function reason(response) {
    try {
      const body = await response.json();
      return body.message || body.error || `HTTP ${response.status}`;
    } catch (error) {
      return `HTTP ${response.status}`;
    }
  }

  /** Send one entry; false when sending should stop for now (no network, server busy or failing). */
  async function sendItem(item) {
    let response;
    try {
      const [url, options] = requestFor(item);
      response = await fetch(url, Object.assign(options, {credentials: "same-origin"}));
    } catch (error) {
      return false;
    }
    if (response.status === 200 || response.status === 201) {
      await removeItem(item.client_id);
      if (item.kind === "checkin") markCheckedIn(item.site_id, "已签到", "text-bg-success");
      return true;
    }
    if (response.status === 429 || response.status >= 500 || response.status < 400) return false;
    item.state = response.status === 409 ? "conflict" : "failed";
    item.error = await reason(response);
    await putItem(item);
    return true;
  }

  async function flushQueue() {
    if (navigator.onLine) {
      for (const item of await queued()) {
        if (item.state === "pending" && !(await sendItem(item))) break;
      }
    }
    await render();
  }

  /** Send the waiting entries (one pass at a time; a call during a pass waits for it). */
  function flush() {
    if (!flushing) flushing = flushQueue().finally(() => { flushing = null; });
    return flushing;
  }

  const STATE_TEXT = {pending: "等待上传", failed: "上传被拒绝", conflict: "与已上传的记录冲突"};

  function queueEntry(item) {
    const entry = element("li", {"class": `queue-item queue-${item.state}`, "data-client-id": item.client_id,
                                 "data-kind": item.kind, "data-state": item.state},
                          `${item.label} · ${STATE_TEXT[item.state]}`);
    if (item.error) entry.append(element("div", {"class": "small text-danger queue-error"}, `原因：${item.error}`));
    if (item.state !== "pending") {
      const retry = element("button", {"type": "button", "class": "btn btn-link btn-sm p-0 me-2 queue-retry"}, "重试");
      retry.addEventListener("click", async () => { item.state = "pending"; item.error = null; await putItem(item); flush(); });
      const drop = element("button", {"type": "button", "class": "btn btn-link btn-sm p-0 text-danger queue-drop"}, "删除");
      drop.addEventListener("click", async () => {
        if (window.confirm(`删除「${item.label}」？删除后不会再上传。`)) { await removeItem(item.client_id); await render(); }
      });
      entry.append(element("div", {}, retry, drop));
    }
    return entry;
  }

  let panel = null;

  async function render() {
    const items = await queued();
    panel.count.textContent = String(items.length);
    panel.box.dataset.queued = String(items.length);
    panel.list.replaceChildren(...items.map(queueEntry));
    panel.empty.hidden = items.length > 0;
    panel.network.textContent = navigator.onLine ? "网络：在线" : "网络：离线（记录保存在本设备，恢复网络后自动上传）";
    items.filter((item) => item.kind === "checkin")
      .forEach((item) => markCheckedIn(item.site_id, "已签到（待上传）", "text-bg-info"));
  }

  function queuePanel() {
    const count = element("span", {"id": "queue-count"}, "0");
    const box = document.getElementById("field-queue") || element("section", {"id": "field-queue", "aria-live": "polite"});
    box.classList.add("field-queue", "border", "rounded", "p-2", "mb-2");
    box.append(element("h2", {"class": "h6 mb-1"}, "待上传 ", count, " 项"));
    const network = element("p", {"class": "small mb-1", "id": "field-network"});
    const offline = element("p", {"class": "small mb-1 text-muted", "id": "field-offline-state"}, "正在保存本页以便离线使用…");
    const empty = element("p", {"class": "small mb-0 text-success", "id": "queue-empty"}, "全部记录已上传。");
    const list = element("ul", {"class": "small mb-0 ps-3", "id": "queue-list"});
    box.append(network, offline, empty, list);
    return {box: box, count: count, list: list, empty: empty, network: network, offline: offline};
  }

  /** Show a stop as checked in: the page's own state label (.stop-state) or this script's badge. */
  function markCheckedIn(siteId, text, colour) {
    const stop = document.querySelector(`.field-stop[data-site-id="${CSS.escape(siteId)}"]`);
    const label = stop && stop.querySelector(".stop-state, .checkin-badge");
    if (!label || label.dataset.uploaded === "true") return;
    label.textContent = text;
    label.dataset.uploaded = String(colour === "text-bg-success");
    if (label.classList.contains("checkin-badge")) label.className = `badge checkin-badge ${colour}`;
  }

  function distanceM(lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180, a = Math.sin((lat2 - lat1) * rad / 2) ** 2
      + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin((lon2 - lon1) * rad / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
  }

  const LOCATE_ERRORS = {1: "未获定位授权，请在浏览器设置中允许本站使用位置", 2: "无法确定当前位置", 3: "定位超时"};

  function locate() {
    return new Promise((resolve, reject) => {
      if (!navigator.geolocation) { reject(new Error("此浏览器不支持定位")); return; }
      navigator.geolocation.getCurrentPosition(resolve, (error) => reject(new Error(LOCATE_ERRORS[error.code] || "定位失败")),
                                               {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
    });
  }

  function lastCheckinKey(siteId) {
    return `corridor-field:${data.tour_id}:${siteId}:checkin`;
  }

  async function checkIn(stop, form, result) {
    const progressText = form.progress.value.trim();
    const progress = progressText === "" ? null : Number(progressText);
    if (progress !== null && !(Number.isInteger(progress) && progress >= 0 && progress <= 100)) {
      result.className = "small mb-1 text-danger checkin-result";
      result.textContent = "进度估计须为 0 到 100 之间的整数。";
      return;
    }
    form.elements.checkin.disabled = true;
    result.className = "small mb-1 checkin-result";
    result.textContent = "正在获取位置…";
    let position = null, problem = null;
    try { position = await locate(); } catch (error) { problem = error.message; }
    await photoScript;
    const coords = position ? position.coords : null;
    const distance = coords ? distanceM(coords.latitude, coords.longitude, stop.lat, stop.lon) : null;
    const content = {client_id: crypto.randomUUID(), site_id: stop.site_id,
                     checked_in_at: window.corridorFieldPhoto.isoWithOffset(new Date()),
                     lat: coords ? coords.latitude : null, lon: coords ? coords.longitude : null,
                     accuracy_m: coords ? coords.accuracy : null, note: form.note.value.trim(), progress_estimate: progress};
    try {
      await enqueue("checkin", stop.site_id, `签到 · ${stop.order}. ${stop.name}`, content);
    } catch (error) {
      result.className = "small mb-1 text-danger checkin-result";
      result.textContent = `签到未能保存在本设备：${error.message}`;
      return;
    } finally {
      form.elements.checkin.disabled = false;
    }
    localStorage.setItem(lastCheckinKey(stop.site_id), content.client_id);
    form.note.value = "";
    showDistance(result, distance, coords, problem);
  }

  function showDistance(result, distance, coords, problem) {
    if (distance === null) {
      result.className = "small mb-1 text-warning checkin-result";
      result.textContent = `已签到，但未能获取位置（${problem}），本次签到不含位置。`;
    } else {
      const far = distance > FAR_M;
      result.className = `small mb-1 checkin-result ${far ? "text-danger far" : "text-success"}`;
      result.dataset.distance = String(Math.round(distance));
      result.textContent = `已签到：距点位约 ${Math.round(distance).toLocaleString("zh-CN")} 米（定位精度 ±${Math.round(coords.accuracy)} 米）`
        + (far ? `。距离超过 ${FAR_M} 米，请确认是否已到达现场。` : "。");
    }
  }

  async function addPhotos(stop, input, result) {
    const files = Array.from(input.files || []);
    input.value = "";
    result.replaceChildren();
    for (const file of files) {
      const line = element("div", {"class": "photo-message"}, `正在处理「${file.name}」…`);
      result.append(line);
      try {
        await photoScript;
        const photo = await window.corridorFieldPhoto.preparePhoto(file);
        const clientId = crypto.randomUUID();
        const fields = {client_id: clientId, site_id: stop.site_id,
                        checkin_client_id: localStorage.getItem(lastCheckinKey(stop.site_id)),
                        exif_lat: photo.lat, exif_lon: photo.lon, taken_at: photo.taken_at};
        await enqueue("photo", stop.site_id, `照片 · ${stop.order}. ${stop.name} · ${file.name}`,
                      {client_id: clientId, fields: fields, blob: photo.blob, filename: "photo.jpg"});
        line.className = "photo-message text-success";
        line.textContent = `「${file.name}」已加入上传队列（${photo.width}×${photo.height}`
          + (photo.lat === null ? "，照片无位置信息）" : `，拍摄位置 ${photo.lat.toFixed(5)}, ${photo.lon.toFixed(5)}）`);
      } catch (error) {
        line.className = "photo-message text-danger photo-refused";
        line.textContent = error instanceof window.corridorFieldPhoto.PhotoRefused ? error.message
          : `「${file.name}」处理失败：${error.message}`;
      }
    }
  }

  /** The stop's controls, in the page's .stop-actions box for it, or in a card of their own. */
  function stopControls(stop) {
    const slot = document.querySelector(`.stop-actions[data-site-id="${CSS.escape(stop.site_id)}"]`);
    if (!slot) return stopCard(stop);
    const controls = canCheckIn ? actionControls(stop) : [];
    slot.append(...controls);
    return null;
  }

  function stopCard(stop) {
    const badge = element("span", {"class": `badge checkin-badge ${stop.checked_in ? "text-bg-success" : "text-bg-secondary"}`},
                          stop.checked_in ? "已签到" : "未签到");
    const card = element("article", {"class": "field-stop border rounded p-2 mb-2", "data-site-id": stop.site_id},
                         element("h3", {"class": "h6 mb-1"}, `${stop.order}. ${stop.name} `, badge));
    card.append(...(canCheckIn ? actionControls(stop)
      : [element("p", {"class": "small text-muted mb-0"}, "仅编辑人员可签到和上传照片。")]));
    return card;
  }

  function actionControls(stop) {
    const noteId = `note-${stop.site_id}`, progressId = `progress-${stop.site_id}`, photoId = `photo-${stop.site_id}`;
    const form = element("form", {"class": "checkin-form", "novalidate": ""},
      element("label", {"class": "form-label small mb-0", "for": noteId}, "现场记录"),
      element("textarea", {"class": "form-control form-control-sm mb-1", "id": noteId, "name": "note", "rows": "2",
                           "maxlength": "2000", "placeholder": "进展、问题、需协调事项"}),
      element("label", {"class": "form-label small mb-0", "for": progressId}, "进度估计（%，0–100）"),
      element("input", {"class": "form-control form-control-sm mb-1", "id": progressId, "name": "progress",
                        "type": "number", "min": "0", "max": "100", "step": "1", "inputmode": "numeric"}),
      element("button", {"class": "btn btn-primary btn-sm checkin-button", "type": "submit", "name": "checkin"},
              "签到（记录当前位置）"));
    const result = element("p", {"class": "small mb-1 checkin-result", "aria-live": "polite"});
    form.addEventListener("submit", (event) => { event.preventDefault(); checkIn(stop, form, result); });
    const photoInput = element("input", {"class": "form-control form-control-sm photo-input", "id": photoId,
                                         "type": "file", "accept": "image/*", "capture": "environment"});
    const photoResult = element("div", {"class": "small photo-result", "aria-live": "polite"});
    photoInput.addEventListener("change", () => addPhotos(stop, photoInput, photoResult));
    return [form, result, element("label", {"class": "form-label small mb-0 mt-1", "for": photoId}, "拍照或选择照片"),
            photoInput, photoResult];
  }

  function drawMap() {
    const box = document.getElementById("field-map");
    if (!box || !window.L || !data.stops.length) return null;
    const map = L.map(box, {zoomControl: true});
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {attribution: data.tiles.attribution || "", subdomains: data.tiles.subdomains || "abc",
                                   maxZoom: data.tiles.max_zoom || 18}).addTo(map);
    }
    const group = L.featureGroup().addTo(map);
    if (data.route) L.geoJSON(data.route, {style: {color: "#1c7ed6", weight: 4}}).addTo(group);
    // map_lat/map_lon: the stop in the tiles' datum (GCJ-02 for AMap); lat/lon stay WGS-84 for the GPS distance.
    data.stops.forEach((stop) => L.circleMarker([stop.map_lat ?? stop.lat, stop.map_lon ?? stop.lon],
                                                {radius: 7, color: stop.checked_in ? "#2e9d4f" : "#d63333"})
      .bindTooltip(`${stop.order}. ${stop.name}`).addTo(group));
    map.fitBounds(group.getBounds(), {padding: [16, 16], maxZoom: 15});
    return map;
  }

  function loadPhotoScript() {
    return new Promise((resolve, reject) => {
      const script = element("script", {"src": PHOTO_SCRIPT});
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error("照片处理脚本未能加载")));
      document.head.append(script);
    });
  }

  /** The worker once it is active (a worker that fails to install rejects instead of waiting forever). */
  function activated(worker) {
    return new Promise((resolve, reject) => {
      if (!worker) { reject(new Error("离线服务未能安装")); return; }
      worker.addEventListener("statechange", () => {
        if (worker.state === "activated") resolve(worker);
        if (worker.state === "redundant") reject(new Error("离线服务未能安装"));
      });
    });
  }

  /** Register the service worker and have it keep this page, its scripts and its styles. */
  async function keepOffline() {
    if (!("serviceWorker" in navigator)) {
      panel.offline.textContent = "此浏览器不支持离线保存页面；已记录的内容仍会保存在本设备。";
      return;
    }
    const registration = await navigator.serviceWorker.register(data.service_worker || "/field-sw.js", {scope: "/tour/"});
    if (!navigator.onLine) {
      panel.offline.textContent = "当前离线：使用本设备保存的页面。";
      return;
    }
    const worker = registration.active || await activated(registration.installing || registration.waiting);
    const urls = [location.pathname + location.search,
      ...Array.from(document.querySelectorAll("link[rel=stylesheet][href], script[src]"), (n) => n.href || n.src)];
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => resolve(event.data);
      worker.postMessage({type: "store-shell", urls: urls}, [channel.port2]);
    });
    panel.offline.textContent = answer.failures.length ? `部分文件未能离线保存：${answer.failures.join("；")}`
      : "本页已保存在本设备，无信号时也可打开。";
    panel.box.dataset.offlineReady = answer.failures.length ? "partial" : "true";
  }

  async function start() {
    const root = document.getElementById("field-app") || document.querySelector("main") || document.body;
    panel = queuePanel();
    if (!panel.box.isConnected) root.prepend(panel.box);
    root.append(...data.stops.map(stopControls).filter((card) => card !== null));
    photoScript = canCheckIn ? loadPhotoScript() : null;
    database = await openDatabase();
    window.corridorField.map = drawMap();
    window.addEventListener("online", flush);
    window.addEventListener("offline", render);
    setInterval(flush, RETRY_MS);
    await flush();
    try { await keepOffline(); } catch (error) {
      panel.offline.textContent = `离线保存失败：${error.message}`;
      panel.box.dataset.offlineReady = "failed";
    }
  }

  window.corridorField = {flush: flush, queued: () => queued(), data: data};
  window.corridorField.ready = start();
})();
