/* The 现状/规划 comparison: the two maps move together (pan and zoom one, the other follows).
 * Runs after the page's map script (deferred), when corridorMapInit has put both maps in window.corridorMaps;
 * exposes window.corridorCompare for the tests. */
(function () {
  "use strict";

  function follow(leader, follower, state) {
    leader.on("move", () => {
      if (state.moving) return;
      state.moving = true;
      follower.setView(leader.getCenter(), leader.getZoom(), {animate: false});
      state.moving = false;
    });
  }

  const maps = window.corridorMaps || {};
  if (!maps.baseline || !maps.planned) return;
  const state = {moving: false};
  follow(maps.baseline.map, maps.planned.map, state);
  follow(maps.planned.map, maps.baseline.map, state);
  window.corridorCompare = {baseline: maps.baseline, planned: maps.planned};
})();
