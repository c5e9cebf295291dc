// The bulletin's lagging list (滞后事项清单): a district's group can be collapsed on screen, and long groups start
// collapsed. Collapsing only hides rows on screen (status.css): printing always shows every row.
(function () {
  "use strict";

  function setOpen(group, open) {
    group.classList.toggle("collapsed", !open);
    const button = group.querySelector(".lagging-toggle");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "收起" : "展开";
  }

  document.addEventListener("DOMContentLoaded", function () {
    const groups = Array.from(document.querySelectorAll(".lagging-group"));
    groups.forEach(function (group) {
      const button = group.querySelector(".lagging-toggle");
      button.hidden = false;
      button.addEventListener("click", function () { setOpen(group, group.classList.contains("collapsed")); });
      setOpen(group, group.dataset.long !== "true");
    });
    const controls = document.getElementById("lagging-controls");
    if (!controls || groups.length === 0) {
      return;
    }
    controls.hidden = false;
    controls.querySelectorAll("[data-lagging-all]").forEach(function (button) {
      button.addEventListener("click", function () {
        groups.forEach(function (group) { setOpen(group, button.dataset.laggingAll === "open"); });
      });
    });
  });
})();
