/* Behaviour of the corridor maps: popups with every attribute, filters by district / category / status colour,
 * search by name, focus on an item (?focus=ID), the legend control and visible counts.
 * corridorMapInit is called by the CorridorHook element (web/maps.py) once Folium has built the layers; it exposes
 * window.corridorMap, window.corridorLayers and window.corridor (used by the pages and the browser tests). */
(function () {
  "use strict";

  const FILTERED_OUT_KEYS = new Set(["districts", "bands"]);  // context layers are never filtered

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function displayValue(options, field, value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "boolean" && field.endsWith("pass")) return value ? "达标" : "未达标";
    if (value === true) return "是";
    if (value === false) return "否";
    if (Array.isArray(value)) return value.join("、");
    const labels = options.valueLabels[field];
    return labels && labels[value] !== undefined ? labels[value] : String(value);
  }

  function popupHtml(options, props) {
    const notice = options.notices[props.geometry_source];
    const known = Object.keys(options.fieldLabels).filter((k) => k in props);
    const keys = known.concat(Object.keys(props).filter((k) => !(k in options.fieldLabels)).sort());
    const rows = keys.filter((k) => k !== "status_color").map((key) => {
      let value = escapeHtml(displayValue(options, key, props[key]));
      if (key === "status" && props.status_color) {
        value = '<span class="dot" style="background:' + options.statusColors[props.status_color] + '"></span>' + value;
      }
      return "<tr><th>" + escapeHtml(options.fieldLabels[key] || key) + "</th><td>" + value + "</td></tr>";
    });
    return '<div class="corridor-popup" data-id="' + escapeHtml(props.id || "") + '">' +
      '<div class="popup-title">' + escapeHtml(props.name || props.id || "") + "</div>" +
      (notice ? '<div class="approx-notice">' + escapeHtml(notice) + "</div>" : "") +
      "<table>" + rows.join("") + "</table>" + itemLink(options, props) + "</div>";
  }

  function itemLink(options, props) {
    if (!options.itemPath || !props.id || !props.status_color) return "";  // only plan items have a page
    return '<div class="popup-link"><a href="' + escapeHtml(options.itemPath + encodeURIComponent(props.id)) +
      '">详情 · 上报进展</a></div>';
  }

  function groupOf(key, props) {
    if (key === "blocks") return "block";
    if (key === "tasks") return "task_" + props.kind;
    return props.category || key;
  }

  function matches(entry, filters) {
    if (FILTERED_OUT_KEYS.has(entry.key)) return true;
    if (filters.district && !(entry.props.districts || []).includes(filters.district)) return false;
    if (filters.category && entry.group !== filters.category) return false;
    return !(filters.status && entry.props.status_color !== filters.status);
  }

  function addLegend(map) {
    const legend = document.getElementById("legend");
    if (!legend) return;
    const Legend = L.Control.extend({
      onAdd: function () { L.DomEvent.disableClickPropagation(legend); L.DomEvent.disableScrollPropagation(legend); return legend; },
    });
    new Legend({position: "bottomright"}).addTo(map);
  }

  function collectEntries(layers, options) {
    const entries = [];
    Object.keys(layers).forEach((key) => {
      layers[key].eachLayer((sub) => {
        const props = sub.feature.properties;
        sub.bindPopup(() => popupHtml(options, props), {maxWidth: 420});
        if (props.name) sub.bindTooltip(escapeHtml(props.name), {sticky: true});
        entries.push({key: key, layer: sub, props: props, group: groupOf(key, props)});
      });
    });
    return entries;
  }

  function setup(map, layers, options) {
    const entries = collectEntries(layers, options);
    const byId = new Map(entries.filter((e) => e.props.id).map((e) => [e.props.id, e]));
    const filters = {district: "", category: "", status: ""};
    const controls = {district: "filter-district", category: "filter-category", status: "filter-status"};
    const search = document.getElementById("search");
    const itemList = document.getElementById("item-list");

    function apply() {
      entries.forEach((e) => {
        const group = layers[e.key];
        const show = matches(e, filters);
        if (show && !group.hasLayer(e.layer)) group.addLayer(e.layer);
        if (!show && group.hasLayer(e.layer)) group.removeLayer(e.layer);
      });
      updateList();
      updateSummary();
      document.querySelectorAll("#district-counts tbody tr").forEach((row) => {
        row.classList.toggle("selected", row.dataset.district === filters.district);
      });
    }

    function updateList() {
      if (!itemList) return;
      const query = search ? search.value.trim().toLowerCase() : "";
      itemList.querySelectorAll("li").forEach((li) => {
        const entry = byId.get(li.dataset.id);
        const text = (entry.props.id + " " + entry.props.name).toLowerCase();
        li.hidden = !(matches(entry, filters) && (!query || text.includes(query)));
      });
    }

    function updateSummary() {
      const summary = document.getElementById("visible-summary");
      if (!summary) return;
      const c = counts();
      summary.textContent = "地图当前显示：重点区块 " + (c.blocks || 0) + " 个，交通项目 " + (c.roads || 0) +
        " 项，环线 " + (c.ring || 0) + " 段，整治任务 " + (c.tasks || 0) + " 项";
    }

    function counts() {
      const result = {};
      Object.keys(layers).forEach((key) => { result[key] = layers[key].getLayers().length; });
      return result;
    }

    function setFilters(next) {
      Object.keys(controls).forEach((name) => {
        if (next[name] === undefined) return;
        filters[name] = next[name];
        const select = document.getElementById(controls[name]);
        if (select) select.value = next[name];
      });
      apply();
    }

    function focus(id) {
      const entry = byId.get(id);
      if (!entry) return false;
      if (!layers[entry.key].hasLayer(entry.layer)) setFilters({district: "", category: "", status: ""});
      if (!map.hasLayer(layers[entry.key])) map.addLayer(layers[entry.key]);
      const bounds = entry.layer.getBounds ? entry.layer.getBounds() : L.latLngBounds([entry.layer.getLatLng()]);
      map.fitBounds(bounds, {maxZoom: 15, padding: [40, 40], animate: false});
      entry.layer.openPopup();
      return true;
    }

    Object.keys(controls).forEach((name) => {
      const select = document.getElementById(controls[name]);
      if (select) select.addEventListener("change", () => setFilters({[name]: select.value}));
    });
    document.querySelectorAll("#district-counts .district-link").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        const district = link.closest("tr").dataset.district;
        setFilters({district: filters.district === district ? "" : district});
      });
    });
    if (search) {
      search.addEventListener("input", updateList);
      search.addEventListener("keydown", (event) => {
        if (event.key !== "Enter") return;
        const first = itemList && itemList.querySelector("li:not([hidden])");
        if (first) focus(first.dataset.id);
      });
    }
    if (itemList) {
      itemList.addEventListener("click", (event) => {
        const li = event.target.closest("li");
        if (!li) return;
        event.preventDefault();
        focus(li.dataset.id);
      });
    }
    if (options.bounds) map.fitBounds(options.bounds, {animate: false});
    addLegend(map);
    apply();
    if (options.focus) focus(options.focus);
    return {map: map, layers: layers, counts: counts, setFilters: setFilters, focus: focus,
            visibleIds: (key) => layers[key].getLayers().map((l) => l.feature.properties.id)};
  }

  window.corridorMapInit = function (map, layers, options) {
    window.corridorMap = map;
    window.corridorLayers = layers;
    if (options.attribution) map.attributionControl.addAttribution(options.attribution);
    window.corridor = setup(map, layers, options);
  };
})();
