/* The overview's timeline (web/templates/_timeline.html, web/editing/timeline.py): a slider over the quarter ends since
 * 2021Q1 and 今天, and play/pause. Each step fetches /api/<layer>?as_of=<quarter end> (今天: the live API) for blocks,
 * roads and tasks, writes the items' status into the features the map already holds (popups, filters and the item
 * list read them from there), restyles them, counts the items of each colour and says which day the colours are
 * judged on. Needs window.corridor (web/static/corridor-map.js). */
(function () {
  "use strict";

  const LAYERS = ["blocks", "roads", "tasks"];
  const STEP_MS = 1500;  // how long a step stays on screen while playing
  // The properties an as_of answer may change: everything but the geometry's description stays as drawn.
  const KEEP = new Set(["id", "name"]);

  function styleFor(key, hex) {
    if (key === "blocks") return {fillColor: hex};
    if (key === "roads") return {color: hex, fillColor: hex};
    return {color: hex};
  }

  function init() {
    const root = document.getElementById("timeline");
    if (!root || !window.corridor) return;
    const slider = document.getElementById("timeline-slider");
    const label = document.getElementById("timeline-label");
    const play = document.getElementById("timeline-play");
    const status = document.getElementById("timeline-status");
    const asOf = document.getElementById("colour-as-of");
    const steps = [...document.querySelectorAll("#timeline-stops option")].map((o) => (
      {asOf: o.dataset.asOf, day: o.dataset.day, label: o.label}));
    // the page's own sentence about today, kept to be shown again (a page loaded as of a past day has none)
    const liveAsOf = asOf && !steps[Number(slider.value)].asOf ? asOf.innerHTML : null;
    const hexes = {};
    root.querySelectorAll("thead th[data-colour]").forEach((th) => { hexes[th.dataset.colour] = th.dataset.hex; });
    const cache = new Map();
    let playing = false;
    let runs = 0;  // a pause then play starts a new run: the old one, still waiting, must not go on
    let request = 0;

    function url(layer, step) {
      const base = root.querySelector('tbody tr[data-layer="' + layer + '"]').dataset.api;
      return step.asOf ? base + "?as_of=" + encodeURIComponent(step.asOf) : base;
    }

    async function fetchLayer(layer, step) {
      const response = await fetch(url(layer, step), {headers: {Accept: "application/geo+json"}});
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || ("HTTP " + response.status));
      return new Map(body.features.map((f) => [f.properties.id, f.properties]));
    }

    function load(step) {
      const key = step.asOf || "today";
      if (!cache.has(key)) {
        const loading = Promise.all(LAYERS.map((layer) => fetchLayer(layer, step)));
        loading.catch(() => cache.delete(key));  // a failed step is fetched again next time
        cache.set(key, loading);
      }
      return cache.get(key);
    }

    function restyle(layer, byId) {
      window.corridor.allLayers(layer).forEach((sub) => {
        const props = sub.feature.properties;
        const next = byId.get(props.id);
        if (!next) return;  // an item the map has but the answer has not: left as drawn
        Object.keys(next).forEach((name) => { if (!KEEP.has(name)) props[name] = next[name]; });
        sub.setStyle(styleFor(layer, hexes[props.status_color]));
        const dot = document.querySelector('#item-list li[data-id="' + CSS.escape(props.id) + '"] .dot');
        if (dot) { dot.style.background = hexes[props.status_color]; dot.title = props.status; }
      });
    }

    // How many items of the layer the map holds (shown or filtered out) are of each colour.
    function writeCounts(layer) {
      const counts = {};
      window.corridor.allLayers(layer).forEach((sub) => {
        const colour = sub.feature.properties.status_color;
        counts[colour] = (counts[colour] || 0) + 1;
      });
      root.querySelectorAll('tbody tr[data-layer="' + layer + '"] td').forEach((td) => {
        td.textContent = String(counts[td.dataset.colour] || 0);
      });
    }

    function showJudgingDay(step) {
      const legend = document.getElementById("legend-as-of");  // the map legend's own line (_legend.html)
      if (legend) legend.textContent = "状态（三色管理，颜色按 " + step.day + "（北京时间）判定）";
      if (!asOf) return;
      asOf.dataset.asOf = step.day;
      if (!step.asOf && liveAsOf !== null) { asOf.innerHTML = liveAsOf; return; }
      asOf.replaceChildren();
      const strong = document.createElement("strong");
      strong.textContent = "颜色按 " + step.day + "（北京时间）判定";
      const when = !step.asOf ? "今日" : /^\d{4}Q\d$/.test(step.label) ? step.label + " 季度末" : step.label;
      asOf.append(strong, "：时间轴 " + when + "，只计该日及以前的上报和销号，与季度通报口径相同");
    }

    async function show(index) {
      const step = steps[index];
      const mine = ++request;
      slider.value = String(index);
      label.textContent = step.label;
      slider.setAttribute("aria-valuetext", step.label + (step.asOf ? "（" + step.day + "）" : ""));
      root.setAttribute("aria-busy", "true");
      try {
        const answers = await load(step);
        if (mine !== request) return false;  // a later step was asked for meanwhile
        LAYERS.forEach((layer, i) => { restyle(layer, answers[i]); writeCounts(layer); });
        window.corridor.setFilters({});  // the status filter and the item list follow the new colours
        showJudgingDay(step);
        root.dataset.shown = step.asOf || "today";
        status.textContent = step.asOf ? "显示 " + step.label + " 季度末（" + step.day + "）的状态" : "显示今天的状态";
        return true;
      } catch (error) {
        if (mine !== request) return false;
        status.textContent = "无法加载 " + step.label + " 的状态：" + error.message;
        return false;
      } finally {
        if (mine === request) root.removeAttribute("aria-busy");
      }
    }

    function setPlaying(on) {
      playing = on;
      play.textContent = on ? "暂停" : "播放";
      play.setAttribute("aria-pressed", String(on));
    }

    async function run() {
      const mine = ++runs;
      const current = () => playing && mine === runs;
      let index = Number(slider.value) >= steps.length - 1 ? 0 : Number(slider.value) + 1;
      while (current()) {
        if (!(await show(index)) || !current() || index === steps.length - 1) break;
        await new Promise((resolve) => setTimeout(resolve, STEP_MS));
        index += 1;
      }
      if (mine === runs) setPlaying(false);
    }

    play.addEventListener("click", () => {
      setPlaying(!playing);
      if (playing) run();
    });
    slider.addEventListener("input", () => {
      setPlaying(false);
      show(Number(slider.value));
    });
    // 今天 as drawn: counted from the map's own features, fetched only when the timeline comes back to it
    LAYERS.forEach(writeCounts);
    root.dataset.shown = steps[Number(slider.value)].asOf || "today";
    window.corridorTimeline = {show: show, steps: steps};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
