// As-of review: choosing a quarter reloads the page as of its last day (the form also works without this script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("as-of-quarter");
  if (select) {
    select.addEventListener("change", () => { if (select.value) select.form.requestSubmit(); });
  }
});
