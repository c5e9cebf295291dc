/* The import page (/import): upload a survey file, choose its layer, the field naming the items and the
 * coordinates, preview old (grey dashed) against new (blue; red with problems) geometries with the distance moved,
 * then apply. The file is sent again to apply, with each item's version from the preview: the server checks it all
 * again and writes every item or none. Exposes window.geometryImport for the browser tests. */
(function () {
  "use strict";

  const OLD_STYLE = {color: "#6c757d", weight: 2, dashArray: "6 6", fillOpacity: 0.05};
  const NEW_STYLE = {color: "#1c7ed6", weight: 3, fillOpacity: 0.2};
  const BAD_STYLE = {color: "#e03131", weight: 3, fillOpacity: 0.2};
  const RAW_STYLE = {color: "#e8590c", weight: 2, dashArray: "2 6", fill: false};

  function setup() {
    const data = JSON.parse(document.getElementById("import-data").textContent);
    const $ = (id) => document.getElementById(id);
    const fileInput = $("import-file"), layerSelect = $("import-layer"), keySelect = $("import-key");
    const matchSelect = $("import-match"), coordinates = $("import-coordinates"), epsg = $("import-epsg");
    const previewButton = $("import-preview"), applyButton = $("import-apply"), message = $("import-message");
    const map = L.map("import-map", {zoomControl: true}).setView([27.95, 120.7], 10);
    data.tiles.forEach((spec) => L.tileLayer(spec.tiles, {attribution: spec.attr, subdomains: spec.subdomains, maxZoom: 18}).addTo(map));
    window.corridorMapBasics(map);
    const districts = L.geoJSON(data.districts, {interactive: false, style: {color: "#495057", weight: 1, fill: false}}).addTo(map);
    map.fitBounds(districts.getBounds());
    const shown = {old: L.layerGroup().addTo(map), new: L.layerGroup().addTo(map), raw: L.layerGroup().addTo(map)};
    let layers = [], preview = null;

    function say(text, kind) {
      message.textContent = text;
      message.className = "small mb-1 " + ({ok: "text-success", error: "text-danger"}[kind] || "text-muted");
    }

    function problemText(body) {
      const details = (body.problems || []).map((p) => (p.item_id ? p.item_id + " " : "") + (p.label ? p.label + "：" : "") + p.message);
      return details.length ? details.join("；") : body.message;
    }

    function post(url, extra) {
      const form = new FormData();
      form.append("file", fileInput.files[0]);
      Object.entries(extra || {}).forEach(([name, value]) => form.append(name, value));
      return fetch(url, {method: "POST", credentials: "same-origin", body: form,
        headers: {"X-CSRF-Token": $("csrf-token").value}})
        .then((response) => response.json().then((body) => ({status: response.status, body: body})));
    }

    function choice() {
      return {file_layer: layerSelect.value, key_field: keySelect.value, match: matchSelect.value,
              coordinates: coordinates.value, epsg: epsg.value};
    }

    function option(select, value, label) {
      const element = document.createElement("option");
      element.value = value;
      element.textContent = label;
      select.appendChild(element);
    }

    function clearPreview() {
      preview = null;
      Object.values(shown).forEach((group) => group.clearLayers());
      document.querySelector("#import-table tbody").replaceChildren();
      $("import-summary").textContent = "";
      $("import-hint").textContent = "";
      applyButton.disabled = true;
    }

    function chooseLayer() {
      const layer = layers.find((l) => l.name === layerSelect.value);
      keySelect.replaceChildren();
      if (!layer) return;
      layer.fields.forEach((field) => option(keySelect, field, field));
      if (layer.suggested_field) { keySelect.value = layer.suggested_field; matchSelect.value = layer.suggested_match; }
      keySelect.disabled = !layer.fields.length;
      previewButton.disabled = !layer.fields.length;
      $("import-layer-info").textContent = "图层「" + layer.name + "」：" + layer.count + " 个要素，几何类型 " + layer.geometry_type +
        "；" + (layer.crs ? "文件坐标系 " + layer.crs : "文件未声明坐标系，请在“坐标系”中选择");
      clearPreview();
    }

    function uploaded() {
      clearPreview();
      layerSelect.replaceChildren(); keySelect.replaceChildren();
      layerSelect.disabled = keySelect.disabled = previewButton.disabled = true;
      const file = fileInput.files[0];
      if (!file) return;
      const suffix = file.name.includes(".") ? file.name.slice(file.name.lastIndexOf(".")).toLowerCase() : "";
      if (!data.formats.includes(suffix)) { say("不支持该文件类型，请选择 " + data.formats.join("、") + " 文件。", "error"); return; }
      if (file.size > data.maxBytes) { say("文件过大（上限 " + Math.round(data.maxBytes / 1048576) + " MB）。", "error"); return; }
      say("正在读取文件……");
      post(data.urls.layers).then(({status, body}) => {
        if (status !== 200) { say("无法读取文件：" + problemText(body), "error"); return; }
        layers = body.layers;
        layers.forEach((l) => option(layerSelect, l.name, l.name + "（" + l.count + "）"));
        layerSelect.disabled = false;
        chooseLayer();
        say("已读取 " + body.filename + "（" + body.format + "），请选择图层和编号字段后预览。");
      }).catch((error) => say("无法读取文件：" + error.message, "error"));
    }

    function cell(row, text) {
      const td = document.createElement("td");
      td.textContent = text === null || text === undefined ? "—" : String(text);
      row.appendChild(td);
      return td;
    }

    function draw(feature) {
      const label = (feature.item_id || "#" + feature.index) + (feature.name ? " " + feature.name : "");
      if (feature.old) L.geoJSON(feature.old, {style: OLD_STYLE, interactive: false, pointToLayer: (f, ll) => L.circleMarker(ll, OLD_STYLE)}).addTo(shown.old);
      if (feature.as_read) L.geoJSON(feature.as_read, {style: RAW_STYLE, interactive: false, pointToLayer: (f, ll) => L.circleMarker(ll, RAW_STYLE)}).addTo(shown.raw);
      const style = feature.problems.length ? BAD_STYLE : NEW_STYLE;
      if (feature.new) {
        L.geoJSON(feature.new, {style: style, pointToLayer: (f, ll) => L.circleMarker(ll, style)})
          .bindTooltip(label + (feature.moved_m !== null ? "：移动 " + feature.moved_m + " 米" : "")).addTo(shown.new);
      }
    }

    function row(feature) {
      const tr = document.createElement("tr");
      tr.dataset.index = feature.index;
      if (feature.item_id) tr.dataset.item = feature.item_id;
      if (feature.problems.length) tr.className = "has-problems";
      cell(tr, feature.index); cell(tr, feature.key);
      const item = cell(tr, "");
      if (feature.item_id) {
        const link = document.createElement("a");
        link.href = data.urls.item.replace("_ID_", encodeURIComponent(feature.item_id));
        link.textContent = feature.item_id + " " + feature.name;
        item.replaceChildren(link);
      }
      cell(tr, feature.layer_label); cell(tr, feature.version);
      cell(tr, feature.moved_m); cell(tr, feature.centroid_moved_m); cell(tr, feature.datum_shift_m);
      const problems = cell(tr, "");
      problems.className = feature.problems.length ? "text-danger problems" : "text-success problems";
      problems.textContent = feature.problems.length ? feature.problems.map((p) => p.label + "：" + p.message).join("；") : "可导入";
      return tr;
    }

    function show(body) {
      clearPreview();
      preview = body;
      body.features.forEach(draw);
      document.querySelector("#import-table tbody").replaceChildren(...body.features.map(row));
      const summary = body.summary;
      $("import-summary").textContent = body.filename + "（坐标系 " + body.coordinates + "）：共 " + summary.features +
        " 个要素，可导入 " + summary.ok + " 个，有问题 " + summary.problems + " 个。";
      const bounds = L.featureGroup([...shown.old.getLayers(), ...shown.new.getLayers(), ...shown.raw.getLayers()]).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, {maxZoom: 16, padding: [20, 20]});
      applyButton.disabled = !body.ready;
      if (body.ready) say("预览完成：全部 " + summary.features + " 个要素均可导入。核对地图上的新旧位置后，点击“应用”。", "ok");
      else say("有 " + summary.problems + " 个要素存在问题（见下表），修正文件后重新上传；在此之前不会写入任何内容。", "error");
      $("import-hint").textContent = body.datum_hint ? "注意：新位置普遍偏离数百米，按 " + body.datum_hint +
        " 转换后基本回到原位。文件坐标如取自高德或百度地图，请把“坐标系”改为 " + body.datum_hint + " 后重新预览。" : "";
    }

    function runPreview() {
      previewButton.disabled = true;
      say("正在预览……");
      post(data.urls.preview, choice()).then(({status, body}) => {
        previewButton.disabled = false;
        if (status !== 200) { clearPreview(); say("无法预览：" + problemText(body), "error"); return; }
        show(body);
      }).catch((error) => { previewButton.disabled = false; say("无法预览：" + error.message, "error"); });
    }

    function apply() {
      if (!preview || !preview.ready) return;
      const versions = {};
      preview.features.forEach((f) => { versions[f.item_id] = f.version; });
      applyButton.disabled = true;
      say("正在应用……");
      post(data.urls.apply, {...choice(), versions: JSON.stringify(versions)}).then(({status, body}) => {
        if (status === 201) {
          say("已应用：" + body.count + " 个条目的位置已更新为测绘成果（" + body.written.map((w) => w.item_id).join("、") + "）。", "ok");
          $("import-summary").textContent += " 已应用。";
          window.geometryImport.applied = body;
          return;
        }
        say((status === 409 ? "未应用（条目已被他人修改，请重新预览）：" : "未应用：") + problemText(body), "error");
      }).catch((error) => { applyButton.disabled = false; say("未应用：" + error.message, "error"); });
    }

    fileInput.addEventListener("change", uploaded);
    layerSelect.addEventListener("change", chooseLayer);
    [keySelect, matchSelect, coordinates, epsg].forEach((element) => element.addEventListener("change", clearPreview));
    coordinates.addEventListener("change", () => { $("epsg-group").hidden = coordinates.value !== "epsg"; });
    previewButton.addEventListener("click", runPreview);
    applyButton.addEventListener("click", apply);
    window.geometryImport = {map: map, shown: shown, preview: () => preview, applied: null};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
