/* The report form of the 园区目标 page: only the parks a target takes actuals for can be chosen, and the hidden
 * expected_version follows the chosen (target, park) cell (versions from the page's #actual-versions). Without
 * script the form still works for the cell the page was opened for (the table's links preselect it). */
(function () {
  "use strict";

  function init() {
    const form = document.getElementById("actual-form");
    if (!form) return;
    const versions = JSON.parse(document.getElementById("actual-versions").textContent);
    const target = form.elements.target_id, park = form.elements.park, version = form.elements.expected_version;

    function update() {
      const allowed = (target.selectedOptions[0].dataset.parks || "").split(" ");
      Array.from(park.options).forEach((option) => { option.disabled = !allowed.includes(option.value); });
      if (!allowed.includes(park.value)) park.value = allowed[0];
      version.value = (versions[target.value] || {})[park.value] || 0;
    }

    target.addEventListener("change", update);
    park.addEventListener("change", update);
    update();
    window.parksForm = {update: update};
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
