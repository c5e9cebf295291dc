/* The tour page: numbers on the stops, picking sites by clicking the map, the list filter, the question about
 * unreachable sites, and printing (the map is printed with the itinerary, re-fitted to the A4 frame).
 * Runs after the map script (window "load"), when corridorMapInit has set window.corridorLayers. */
(function () {
  "use strict";

  const PICKABLE = ["blocks", "roads", "ring", "tasks"];

  function checkboxFor(id) {
    return document.querySelector('#tour-form input[name="site"][value="' + CSS.escape(id) + '"]');
  }

  function updateCount() {
    const count = document.querySelectorAll('#tour-form input[name="site"]:checked').length;
    const target = document.getElementById("selected-count");
    if (target) target.textContent = String(count);
  }

  function highlight(layer, on) {
    if (layer.setStyle) layer.setStyle({weight: on ? 6 : (layer.options.baseWeight || 2)});
  }

  function numberStops(layers) {
    if (!layers.stops) return;
    layers.stops.eachLayer((stop) => {
      const props = stop.feature.properties;
      stop.bindTooltip(props.role === "start" ? "起" : String(props.label).replace(/（终点）$/, ""),
                       {permanent: true, direction: "center", className: "stop-number"});
    });
  }

  function enablePicking(layers) {
    PICKABLE.filter((key) => layers[key]).forEach((key) => {
      layers[key].eachLayer((sub) => {
        const id = sub.feature.properties.id;
        const box = checkboxFor(id);
        if (!box) return;
        sub.options.baseWeight = sub.options.weight;
        sub.unbindPopup();
        highlight(sub, box.checked);
        sub.on("click", () => {
          box.checked = !box.checked;
          highlight(sub, box.checked);
          updateCount();
        });
      });
    });
  }

  function enableListFilter() {
    const search = document.getElementById("site-search");
    if (!search) return;
    search.addEventListener("input", () => {
      const query = search.value.trim().toLowerCase();
      document.querySelectorAll(".site-list li").forEach((li) => {
        li.hidden = query !== "" && !li.textContent.toLowerCase().includes(query);
      });
      if (query) document.querySelectorAll(".site-lists details").forEach((d) => { d.open = true; });
    });
    document.querySelectorAll('#tour-form input[name="site"]').forEach((box) => {
      box.addEventListener("change", updateCount);
    });
  }

  function enableDropUnreachable() {
    const drop = document.getElementById("drop-unreachable");
    const check = document.getElementById("reach-check");
    if (!drop || !check) return;
    drop.hidden = false;  // needs this script; the confirm button works without it
    drop.addEventListener("click", () => {
      check.querySelectorAll("li[data-id]").forEach((li) => {
        const box = checkboxFor(li.dataset.id);
        if (box) box.checked = false;
      });
      updateCount();
      check.hidden = true;
      const list = document.querySelector(".site-lists");
      if (list) list.scrollIntoView({block: "nearest"});
    });
  }

  function fitRoute(layers) {
    if (layers.route && layers.route.getLayers().length && window.corridorMap) {
      window.corridorMap.fitBounds(layers.route.getBounds(), {padding: [30, 30], animate: false});
    }
  }

  function refitForPrint(layers) {
    // the print layout gives the map another size: Leaflet must measure it again and fit the route into it
    const refit = () => {
      if (!window.corridorMap) return;
      window.corridorMap.invalidateSize({animate: false});
      fitRoute(layers);
    };
    window.matchMedia("print").addEventListener("change", refit);
    window.addEventListener("beforeprint", refit);
    window.addEventListener("afterprint", refit);
  }

  window.addEventListener("load", () => {
    const layers = window.corridorLayers || {};
    numberStops(layers);
    enablePicking(layers);
    enableListFilter();
    updateCount();
    enableDropUnreachable();
    fitRoute(layers);
    refitForPrint(layers);
    const question = document.getElementById("reach-check");
    if (question) question.scrollIntoView({block: "nearest"});
    const print = document.getElementById("print-button");
    if (print) print.addEventListener("click", () => window.print());
  });
})();
