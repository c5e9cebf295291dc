/* The item page's map and geometry editor, on Leaflet-Geoman (vendor/leaflet-geoman, MIT): the current geometry
 * (blue) is copied into an editable working geometry (pink, dashed) whose vertices an editor moves, adds (drag a
 * middle marker) and deletes (right-click); or draws anew, cuts holes or pieces out of polygons, merges polygons
 * (their union, computed by POST /api/geometry/union), or loads a GeoJSON file. Vertices snap to the drivable
 * streets around the item (GET /api/network/edges) and to the other plan features nearby. Saving PUTs the working
 * geometry to /api/items/<id>/geometry with the CSRF token; the server validates everything and its Chinese answer
 * is shown. Exposes window.itemEditor for geometry-versions.js and the browser tests. */
(function () {
  "use strict";

  const WORK_STYLE = {color: "#d6336c", weight: 3, dashArray: "6 4", fillOpacity: 0.15};
  const STREET_STYLE = {color: "#5c7cfa", weight: 2, opacity: 0.45};
  const NEIGHBOUR_STYLE = {color: "#495057", weight: 1.5, opacity: 0.6, dashArray: "2 4", fill: false};
  const SNAP_PADDING = 0.6;  // the streets fetched: the item's bounds grown by this share on each side
  const DRAW_SHAPE = {Polygon: "Polygon", LineString: "Line", Point: "CircleMarker"};
  const KIND_HINT = {Polygon: "面", LineString: "线", Point: "点"};
  const EDIT_HINT = {Point: "编辑点位：拖动点移动；用工具栏的删除工具（橡皮擦）删除点。",
    Polygon: "编辑顶点：拖动顶点移动；拖动两顶点间的小点添加顶点；右键单击顶点删除。"};
  // layers that are shown or snapped to but never edited, cut or removed by Geoman
  const FIXED = {pmIgnore: true, interactive: false};

  function kindOf(type) {
    if (type === "Polygon" || type === "MultiPolygon") return "Polygon";
    if (type === "LineString" || type === "MultiLineString") return "LineString";
    return "Point";
  }

  function pointLayer(feature, latlng, options) {
    return L.circleMarker(latlng, {radius: 6, ...options});
  }

  /* The working layers' geometry in the item's kind: one part as Polygon / LineString / Point, several as Multi*;
   * a MultiPoint item stays MultiPoint. */
  function geometryOf(layers, kind, originalType) {
    const parts = [];
    layers.forEach((layer) => {
      const geometry = layer.toGeoJSON(7).geometry;
      if (kindOf(geometry.type) !== kind) return;
      if (geometry.type.startsWith("Multi")) geometry.coordinates.forEach((c) => parts.push(c));
      else parts.push(geometry.coordinates);
    });
    if (!parts.length) return null;
    if (parts.length === 1 && originalType !== "MultiPoint") return {type: kind, coordinates: parts[0]};
    return {type: "Multi" + kind, coordinates: parts};
  }

  function setup() {
    const data = JSON.parse(document.getElementById("editor-data").textContent);
    const map = L.map("editor-map", {zoomControl: true});
    data.tiles.forEach((spec) => L.tileLayer(spec.tiles, {attribution: spec.attr, subdomains: spec.subdomains, maxZoom: 18}).addTo(map));
    window.corridorMapBasics(map);  // static/corridor-map.js: plain "Leaflet" credit, a notice when tiles fail
    L.geoJSON(data.districts, {...FIXED, snapIgnore: true, style: {color: "#495057", weight: 1, fill: false}}).addTo(map);
    const neighbours = L.geoJSON(data.neighbours, {...FIXED, snapIgnore: false, style: NEIGHBOUR_STYLE,
      pointToLayer: (f, ll) => pointLayer(f, ll, {...FIXED, snapIgnore: false, ...NEIGHBOUR_STYLE})}).addTo(map);
    // the current geometry stays interactive (as on every map) but Geoman never edits or snaps to it
    const current = L.geoJSON(data.feature, {pmIgnore: true, snapIgnore: true, style: {color: "#1c7ed6", weight: 4, fillOpacity: 0.3},
      pointToLayer: (f, ll) => pointLayer(f, ll, {pmIgnore: true, snapIgnore: true})}).addTo(map);
    map.fitBounds(current.getBounds(), {maxZoom: 16, padding: [30, 30]});
    const kind = kindOf(data.feature.geometry.type);
    const editor = {map: map, current: current, neighbours: neighbours, kind: kind, streets: null,
      pending: () => null, source: () => "hand_drawn", working: () => []};
    window.itemEditor = editor;
    if (!document.getElementById("geometry-editor") || !map.pm) return;  // read-only: no login or no permission
    startEditor(data, map, editor);
  }

  function startEditor(data, map, editor) {
    const kind = editor.kind;
    const message = document.getElementById("geometry-message");
    const save = document.getElementById("geometry-save");
    const snap = document.getElementById("geometry-snap");
    // how the pending geometry was made, stored with it: edited or drawn here, or a file of unknown origin (never
    // "surveyed": only an import of a survey file may say so)
    let source = "hand_drawn", changed = false;

    function say(text, ok) {
      message.textContent = text;
      message.className = "mt-1 " + (ok ? "text-success" : "text-danger");
    }
    function working() { return L.PM.Utils.findLayers(map); }
    function pending() { return changed ? geometryOf(working(), kind, data.feature.geometry.type) : null; }
    function touched() { changed = true; save.disabled = !pending(); }
    function clearWorking() { working().forEach((layer) => map.removeLayer(layer)); }
    function addWorking(geometry) {
      L.geoJSON(geometry, {style: WORK_STYLE, pointToLayer: (f, ll) => pointLayer(f, ll, WORK_STYLE)})
        .eachLayer((layer) => layer.addTo(map));
    }

    map.pm.setLang("zh");
    map.pm.setGlobalOptions({snappable: snap.checked, snapDistance: 15, pathOptions: WORK_STYLE,
      templineStyle: {color: WORK_STYLE.color}, hintlineStyle: {color: WORK_STYLE.color, dashArray: "5 5"}});
    map.pm.addControls({position: "topleft", drawMarker: false, drawText: false, drawCircle: false, rotateMode: false,
      drawCircleMarker: kind === "Point", drawPolyline: kind === "LineString", drawPolygon: kind === "Polygon",
      drawRectangle: kind === "Polygon", cutPolygon: kind === "Polygon"});
    map.on("layeradd", (event) => {  // a working layer (the copy, a drawing, a cut's result) reports its edits
      if (event.layer.pm && !event.layer.options.pmIgnore) event.layer.on("pm:edit", touched);
    });
    map.on("pm:create pm:cut pm:remove", touched);
    addWorking(data.feature.geometry);

    fetch(data.edgesUrl + "?bbox=" + streetBox(editor.current.getBounds(), data.edgesMaxDegrees), {credentials: "same-origin"})
      .then((response) => response.json().then((body) => ({ok: response.ok, body: body})))
      .then(({ok, body: streets}) => {
        if (!ok) { say("无法载入周边道路，吸附仅对其他要素有效：" + streets.message, false); return; }
        editor.streets = L.geoJSON(streets, {...FIXED, snapIgnore: false, style: STREET_STYLE}).addTo(map);
        editor.streets.bringToBack();
        document.getElementById("geometry-snap-note").textContent = "可吸附的周边道路 " + streets.features.length + " 条"
          + (streets.truncated ? "（共 " + streets.total + " 条，仅显示最长的部分）" : "");
      })
      .catch((error) => say("无法载入周边道路，吸附仅对其他要素有效：" + error.message, false));

    function bind(id, event, handler) {
      const element = document.getElementById(id);
      if (element) element.addEventListener(event, handler);
    }
    bind("geometry-snap", "change", () => {
      map.pm.setGlobalOptions({snappable: snap.checked});
      if (map.pm.globalEditModeEnabled()) { map.pm.disableGlobalEditMode(); map.pm.enableGlobalEditMode(); }
    });
    bind("edit-vertices", "click", () => {
      map.pm.toggleGlobalEditMode();
      say(map.pm.globalEditModeEnabled() ? EDIT_HINT[kind === "Point" ? "Point" : "Polygon"] : "", true);
    });
    bind("draw-anew", "click", () => {
      clearWorking(); source = "hand_drawn"; touched();
      map.pm.enableDraw(DRAW_SHAPE[kind], {snappable: snap.checked});
      say("重新绘制" + KIND_HINT[kind] + "：在地图上依次点击顶点，单击第一个顶点（线：最后一个顶点）结束。", true);
    });
    bind("draw-reset", "click", () => {
      map.pm.disableDraw(); clearWorking(); addWorking(data.feature.geometry);
      changed = false; source = "hand_drawn"; save.disabled = true; say("已恢复为当前位置。", true);
    });
    bind("merge-parts", "click", () => merge(data, map, working, addWorking, clearWorking, touched, say));
    bind("geometry-file", "change", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      file.text().then((text) => {
        let parsed;
        try { parsed = JSON.parse(text); } catch (error) { say("文件不是有效的 GeoJSON：" + error.message, false); return; }
        try { clearWorking(); addWorking(parsed); } catch (error) { say("无法显示该文件中的几何：" + error.message, false); return; }
        source = "uploaded"; touched();
        map.fitBounds(L.featureGroup(working()).getBounds(), {maxZoom: 16});
        say("已载入文件 " + file.name + "，可继续编辑，核对后保存。", true);
      });
    });
    bind("geometry-save", "click", () => {
      const geometry = pending();
      if (!geometry) return;
      save.disabled = true;
      send(data.geometryUrl, "PUT", {geometry: geometry, expected_version: data.version, source: source})
        .then(({ok, body}) => {
          if (ok) { window.location.assign(window.location.pathname + "?saved=geometry"); return; }
          say("未保存：" + problemText(body), false);
          save.disabled = false;
        })
        .catch((error) => { say("未保存：" + error.message, false); save.disabled = false; });
    });
    Object.assign(editor, {pending: pending, source: () => source, working: working});
  }

  /* The box of streets to snap to: the item's bounds grown on each side, at most maxDegrees wide and high around
   * its centre (an item spread over the city, such as a set of bus stations, gets the streets around its middle). */
  function streetBox(bounds, maxDegrees) {
    const centre = bounds.getCenter(), half = maxDegrees / 2 - 0.001;
    const dx = Math.min((bounds.getEast() - bounds.getWest()) * (0.5 + SNAP_PADDING) + 0.005, half);
    const dy = Math.min((bounds.getNorth() - bounds.getSouth()) * (0.5 + SNAP_PADDING) + 0.005, half);
    return [centre.lng - dx, centre.lat - dy, centre.lng + dx, centre.lat + dy].map((v) => v.toFixed(6)).join(",");
  }

  function send(url, method, body) {
    return fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": document.getElementById("csrf-token").value},
      body: JSON.stringify(body)})
      .then((response) => response.json().then((json) => ({ok: response.ok, body: json})));
  }

  function problemText(body) {
    const details = (body.problems || []).map((p) => (p.label ? p.label + "：" : "") + p.message).join("；");
    return details || body.message;
  }

  /* 合并: the working polygons replaced by their union (shapely, on the server; nothing is stored until saved). */
  function merge(data, map, working, addWorking, clearWorking, touched, say) {
    const parts = working().map((layer) => layer.toGeoJSON(7).geometry).filter((g) => kindOf(g.type) === "Polygon");
    if (parts.length < 2) { say("合并需要至少两个面：先绘制或切割出多个面。", false); return; }
    send(data.unionUrl, "POST", {geometries: parts}).then(({ok, body}) => {
      if (!ok) { say("未能合并：" + problemText(body), false); return; }
      clearWorking(); addWorking(body); touched();
      say("已将 " + parts.length + " 个面合并为" + (body.type === "Polygon" ? "一个面" : "多面（各部分互不相接）") + "，核对后保存。", true);
    }).catch((error) => say("未能合并：" + error.message, false));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
