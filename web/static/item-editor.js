/* The item page's map and geometry editor: shows the item over the plan areas; editors draw a replacement
 * (click to add vertices) or load a GeoJSON file, then PUT it to /api/items/<id>/geometry with the CSRF token.
 * The server validates everything; its answer is shown as text. Exposes window.itemEditor for the browser tests. */
(function () {
  "use strict";

  const DRAW_STYLE = {color: "#d6336c", weight: 3, dashArray: "6 4", fillOpacity: 0.15};

  function drawKind(type) {
    if (type === "Polygon" || type === "MultiPolygon") return "Polygon";
    if (type === "LineString" || type === "MultiLineString") return "LineString";
    return type === "MultiPoint" ? "MultiPoint" : "Point";
  }

  function setup() {
    const data = JSON.parse(document.getElementById("editor-data").textContent);
    const map = L.map("editor-map", {zoomControl: true});
    data.tiles.forEach((spec) => L.tileLayer(spec.tiles, {attribution: spec.attr, subdomains: spec.subdomains, maxZoom: 18}).addTo(map));
    window.corridorMapBasics(map);  // static/corridor-map.js: plain "Leaflet" credit, a notice when tiles fail
    L.geoJSON(data.districts, {interactive: false, style: {color: "#495057", weight: 1, fill: false}}).addTo(map);
    const colour = "#1c7ed6";  // the current geometry; the drawn replacement is pink and dashed
    const current = L.geoJSON(data.feature, {style: {color: colour, weight: 4, fillOpacity: 0.3},
      pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 7})}).addTo(map);
    map.fitBounds(current.getBounds(), {maxZoom: 16, padding: [30, 30]});

    const kind = drawKind(data.feature.geometry.type);
    const message = document.getElementById("geometry-message");
    const save = document.getElementById("geometry-save");
    // how the pending geometry was made, stored with it: drawn by clicking, or a file of unknown origin (never
    // "surveyed": only an import of a survey file may say so)
    let vertices = [], drawing = false, preview = null, pending = null, source = "hand_drawn";

    function say(text, ok) {
      if (!message) return;
      message.textContent = text;
      message.className = "mt-1 " + (ok ? "text-success" : "text-danger");
    }

    function drawnGeometry() {
      const coords = vertices.map((ll) => [Number(ll.lng.toFixed(7)), Number(ll.lat.toFixed(7))]);
      if (kind === "Polygon") return coords.length >= 3 ? {type: "Polygon", coordinates: [coords.concat([coords[0]])]} : null;
      if (kind === "LineString") return coords.length >= 2 ? {type: "LineString", coordinates: coords} : null;
      if (kind === "MultiPoint") return coords.length ? {type: "MultiPoint", coordinates: coords} : null;
      return coords.length ? {type: "Point", coordinates: coords[coords.length - 1]} : null;
    }

    function showPending(geometry) {
      if (preview) map.removeLayer(preview);
      preview = geometry ? L.geoJSON(geometry, {style: DRAW_STYLE, pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 6, color: DRAW_STYLE.color})}).addTo(map) : null;
      pending = geometry;
      if (save) save.disabled = !geometry;
    }

    function redraw() { showPending(drawnGeometry()); }

    map.on("click", (event) => {
      if (!drawing) return;
      vertices.push(event.latlng);
      redraw();
    });

    function bind(id, handler) {
      const element = document.getElementById(id);
      if (element) element.addEventListener(id === "geometry-file" ? "change" : "click", handler);
    }

    bind("draw-start", () => {
      drawing = true; vertices = []; source = "hand_drawn"; redraw();
      say("绘制中：在地图上依次点击顶点（" + {Polygon: "面，至少3个点", LineString: "线，至少2个点", Point: "点", MultiPoint: "点，可多个"}[kind] + "）。", true);
    });
    bind("draw-undo", () => { vertices.pop(); redraw(); });
    bind("draw-clear", () => { drawing = false; vertices = []; showPending(null); say("", true); });
    bind("geometry-file", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      file.text().then((text) => {
        let parsed;
        try { parsed = JSON.parse(text); } catch (error) { say("文件不是有效的 GeoJSON：" + error.message, false); return; }
        drawing = false; vertices = []; source = "uploaded";
        try { showPending(parsed); map.fitBounds(preview.getBounds(), {maxZoom: 16}); say("已载入文件 " + file.name + "，请核对后保存。", true); }
        catch (error) { showPending(null); say("无法显示该文件中的几何：" + error.message, false); }
      });
    });
    bind("geometry-save", () => {
      if (!pending) return;
      save.disabled = true;
      fetch(data.geometryUrl, {method: "PUT", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": document.getElementById("csrf-token").value},
        body: JSON.stringify({geometry: pending, expected_version: data.version, source: source})})
        .then((response) => response.json().then((body) => ({ok: response.ok, body: body})))
        .then(({ok, body}) => {
          if (ok) { window.location.assign(window.location.pathname + "?saved=geometry"); return; }
          const details = (body.problems || []).map((p) => (p.label ? p.label + "：" : "") + p.message).join("；");
          say("未保存：" + (details || body.message), false);
          save.disabled = false;
        })
        .catch((error) => { say("未保存：" + error.message, false); save.disabled = false; });
    });
    window.itemEditor = {map: map, current: current, kind: kind, pending: () => pending, source: () => source};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
