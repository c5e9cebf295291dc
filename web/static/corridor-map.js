/* Behaviour of the corridor maps: popups (fields in the fixed order of web/core/popups.py), block names written on the
 * map when zoomed in, filters by district / category / status colour, search by name, focus on an item (?focus=ID),
 * the legend control and visible counts.
 * corridorMapInit is called by the CorridorHook element (web/maps.py) once Folium has built the layers; it exposes
 * window.corridorMap, window.corridorLayers and window.corridor (used by the pages and the browser tests). */
(function () {
  "use strict";

  const FILTERED_OUT_KEYS = new Set(["districts", "bands"]);  // context layers are never filtered
  const NARROW = window.matchMedia("(max-width: 991.98px)");  // web/static/responsive.css: map above the panel

  // On a phone the expanded layer list would cover a third of the map: there it starts collapsed behind its button.
  L.Control.Layers.addInitHook(function () { if (NARROW.matches) this.options.collapsed = true; });

  // Leaflet's own controls name themselves in English ("Zoom in", "Layers", "Close popup"): every map of the
  // application gives their tooltips and accessible names in Chinese instead.
  L.Control.Zoom.mergeOptions({zoomInTitle: "放大", zoomOutTitle: "缩小"});
  L.Control.Layers.include({_initLayout: labelled(L.Control.Layers.prototype._initLayout, "_layersLink", "图层")});
  L.Popup.include({_initLayout: labelled(L.Popup.prototype._initLayout, "_closeButton", "关闭")});

  function labelled(initLayout, element, label) {
    return function () {
      initLayout.call(this);
      if (!this[element]) return;  // a popup without a close button
      this[element].title = label;
      this[element].setAttribute("aria-label", label);
    };
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function displayValue(options, field, value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "boolean" && field.endsWith("pass")) return value ? "达标" : "未达标";
    if (value === true) return "是";
    if (value === false) return "否";
    if (Array.isArray(value)) return value.join("、");
    if (typeof value === "number" && !Number.isInteger(value)) return String(Math.round(value * 10) / 10);
    const labels = options.valueLabels[field];
    return labels && labels[value] !== undefined ? labels[value] : String(value);
  }

  function isEmpty(value) {
    return value === null || value === undefined || value === false || value === "" ||
      (Array.isArray(value) && value.length === 0);
  }

  // The popup's fields in the fixed order of web/core/popups.py: lead fields first (some shown even when empty), then
  // the other labelled fields that have a value; unlabelled (internal) properties are never shown.
  function popupKeys(options, props) {
    const always = new Set(options.popupAlways);
    return options.popupOrder.filter((key) => key in props &&
      !(options.popupRedundant[key] && options.popupRedundant[key] in props) &&
      (always.has(key) || !isEmpty(props[key])));
  }

  function popupHtml(options, props) {
    const notice = options.notices[props.geometry_source];
    const rows = popupKeys(options, props).map((key) => {
      let value = escapeHtml(displayValue(options, key, props[key]));
      if (key === "status" && props.status_color) {
        value = '<span class="dot" style="background:' + options.statusColors[props.status_color] + '"></span>' + value;
      }
      return '<tr data-field="' + escapeHtml(key) + '"><th>' + escapeHtml(options.fieldLabels[key]) + "</th><td>" +
        value + "</td></tr>";
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

  // Names written on the map (block names) from options.nameLabels.minZoom on: non-interactive DivIcon markers,
  // shown only while their feature is on the map (filters, layer control) and the map is zoomed in far enough.
  function nameLabels(map, layers, entries, spec) {
    const group = L.layerGroup();
    const labelled = entries.filter((e) => spec && e.key === spec.layer && e.props.name).map((e) => ({
      entry: e,
      marker: L.marker(e.layer.getBounds().getCenter(), {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "map-name-label", html: "<span>" + escapeHtml(e.props.name) + "</span>",
                         iconSize: null}),
      }),
    }));
    function update() {
      const zoomedIn = spec && map.getZoom() >= spec.minZoom;
      labelled.forEach((l) => {
        const show = zoomedIn && map.hasLayer(layers[l.entry.key]) && layers[l.entry.key].hasLayer(l.entry.layer);
        if (show && !group.hasLayer(l.marker)) group.addLayer(l.marker);
        if (!show && group.hasLayer(l.marker)) group.removeLayer(l.marker);
      });
    }
    if (labelled.length) {
      group.addTo(map);
      map.on("zoomend overlayadd overlayremove", update);
    }
    return {update: update, shown: () => labelled.filter((l) => group.hasLayer(l.marker)).map((l) => l.entry.props.id)};
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
    if (filters.approximate && !(filters.approximateSources || []).includes(entry.props.geometry_source)) return false;
    return !(filters.status && entry.props.status_color !== filters.status);
  }

  function addLegend(map) {
    const legend = document.getElementById("legend");
    if (!legend) return;
    const Legend = L.Control.extend({
      onAdd: function () { L.DomEvent.disableClickPropagation(legend); L.DomEvent.disableScrollPropagation(legend); return legend; },
    });
    if (NARROW.matches && !legend.querySelector(".legend-toggle")) collapseLegend(legend);  // once for two maps
    new Legend({position: "bottomright"}).addTo(map);
  }

  // The legend's title becomes a button that shows and hides the rest (phones start with it hidden).
  function collapseLegend(legend) {
    const title = legend.firstElementChild;
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "legend-toggle";
    toggle.textContent = title.textContent;
    toggle.setAttribute("aria-expanded", "false");
    title.replaceWith(toggle);
    legend.classList.add("legend-collapsed");
    toggle.addEventListener("click", () => {
      toggle.setAttribute("aria-expanded", String(!legend.classList.toggle("legend-collapsed")));
    });
  }

  // Chromium makes every interactive SVG shape of Leaflet a tab stop: hundreds of unnamed stops between the side
  // panel and the map controls. A shape stays in the tab order only when it carries a label to read out.
  function untabUnlabelledShapes(map) {
    const untab = (layer) => {
      const element = layer.getElement && layer.getElement();
      if (element instanceof SVGElement && !element.hasAttribute("aria-label")) element.setAttribute("tabindex", "-1");
    };
    map.eachLayer(untab);
    map.on("layeradd", (event) => untab(event.layer));
  }

  // A popup opens clear of the map's controls, which lie above it: below the top ones (zoom, full screen, the layer
  // list, whose button hides its close button) and above the bottom notices; on a phone, where the map is short,
  // its fields scroll inside.
  function popupOptions(map) {
    return NARROW.matches ? {maxWidth: 420, maxHeight: Math.max(160, map.getSize().y - 240)} : {maxWidth: 420};
  }

  function keepPopupsClearOfControls(map) {
    map.on("popupopen", (event) => {
      const top = map.getContainer().getBoundingClientRect().top;
      const lowest = [...map.getContainer().querySelectorAll(".leaflet-top .leaflet-control")]
        .reduce((bottom, control) => Math.max(bottom, control.getBoundingClientRect().bottom - top), 0);
      Object.assign(event.popup.options, {autoPanPaddingTopLeft: L.point(10, lowest + 10),
                                          autoPanPaddingBottomRight: L.point(10, 50)});
      event.popup.update();
    });
  }

  // Names follow the pointer; the layers of options.permanentLabels (the ring's gaps) show theirs on the map.
  function collectEntries(layers, options, popup) {
    const entries = [];
    const permanent = new Set(options.permanentLabels || []);
    Object.keys(layers).forEach((key) => {
      const tooltip = permanent.has(key) ? {permanent: true, direction: "center", className: "gap-label"} : {sticky: true};
      layers[key].eachLayer((sub) => {
        const props = sub.feature.properties;
        sub.bindPopup(() => popupHtml(options, props), popup);
        if (props.name) sub.bindTooltip(escapeHtml(props.name), tooltip);
        entries.push({key: key, layer: sub, props: props, group: groupOf(key, props)});
      });
    });
    return entries;
  }

  function setup(map, layers, options) {
    keepPopupsClearOfControls(map);
    const entries = collectEntries(layers, options, popupOptions(map));
    const labels = nameLabels(map, layers, entries, options.nameLabels);
    const byId = new Map(entries.filter((e) => e.props.id).map((e) => [e.props.id, e]));
    // approximate: only the features whose position is still approximate (a checkbox; ?approximate=1 sets it)
    const filters = {district: "", category: "", status: "", approximate: !!options.approximateOnly,
      approximateSources: options.approximateSources};
    const controls = {district: "filter-district", category: "filter-category", status: "filter-status",
      approximate: "filter-approximate"};
    const controlValue = (control) => control.type === "checkbox" ? control.checked : control.value;
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
      labels.update();
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
        if (select && select.type === "checkbox") select.checked = next[name];
        else if (select) select.value = next[name];
      });
      apply();
    }

    function focus(id) {
      const entry = byId.get(id);
      if (!entry) return false;
      if (!layers[entry.key].hasLayer(entry.layer)) setFilters({district: "", category: "", status: "", approximate: false});
      if (!map.hasLayer(layers[entry.key])) map.addLayer(layers[entry.key]);
      const bounds = entry.layer.getBounds ? entry.layer.getBounds() : L.latLngBounds([entry.layer.getLatLng()]);
      map.fitBounds(bounds, {maxZoom: 15, padding: [40, 40], animate: false});
      if (NARROW.matches) {  // the list and the search box are below the map: close the keyboard, show the map
        if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
        map.getContainer().scrollIntoView({block: "nearest", behavior: "instant"});
      }
      entry.layer.openPopup();
      return true;
    }

    Object.keys(controls).forEach((name) => {
      const select = document.getElementById(controls[name]);
      if (select) select.addEventListener("change", () => setFilters({[name]: controlValue(select)}));
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
            visibleIds: (key) => layers[key].getLayers().map((l) => l.feature.properties.id),
            labelledIds: labels.shown,
            // every feature of a layer, shown or filtered out (the overview's timeline restyles them all)
            allLayers: (key) => entries.filter((e) => e.key === key).map((e) => e.layer)};
  }

  // Leaflet's default attribution prefix carries a flag: the maps credit Leaflet plainly. A base map whose tiles cannot
  // be loaded (offline, blocked, a wrong key) would leave a blank grey field: the map says so instead, once.
  const TILE_ERROR_TEXT = "底图加载失败，地图要素仍可使用";

  function showTileError(map) {
    if (map.getContainer().querySelector(".tile-error-notice")) return;
    const notice = L.control({position: "bottomleft"});
    notice.onAdd = () => {
      const box = L.DomUtil.create("div", "tile-error-notice");
      box.setAttribute("role", "status");
      box.textContent = TILE_ERROR_TEXT;
      return box;
    };
    notice.addTo(map);
  }

  window.corridorMapBasics = function (map) {
    map.getContainer().setAttribute("role", "region");
    map.getContainer().setAttribute("aria-label", "地图（方向键平移，+ − 键缩放）");
    untabUnlabelledShapes(map);
    if (map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="JavaScript 地图库">Leaflet</a>');
    }
    map.eachLayer((layer) => {
      if (layer instanceof L.TileLayer) layer.on("tileerror", () => showTileError(map));
    });
  };

  window.corridorMapInit = function (map, layers, options) {
    window.corridorMap = map;
    window.corridorLayers = layers;
    window.corridorMapBasics(map);
    if (options.attribution) map.attributionControl.addAttribution(options.attribution);
    window.corridor = setup(map, layers, options);
    // a page with several maps (the 现状/规划 comparison) finds each by its key
    if (options.mapKey) (window.corridorMaps = window.corridorMaps || {})[options.mapKey] = window.corridor;
  };
})();
